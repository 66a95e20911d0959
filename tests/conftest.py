"""Shared test fixtures: where the real open data lives, a PostgreSQL app state, small helpers.

PostgreSQL (``pg_url``, used by tests/appstate and tests/refresh): ``.ci/postgres.sh`` starts a
throwaway server on loopback and prints ``CIVICGRID_TEST_PG_URL``; ``.ci/run`` exports it.
Without the variable the PostgreSQL tests skip; with it, a server that does not answer is a
failure, not a skip. Each test gets its own schema (``search_path`` set through the URL's libpq
``options``), so tests are independent and safe under pytest-xdist; the schema is dropped afterwards.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import uuid
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real open-data folder (../shared/data); tests that need it skip without it."""
    if not DATA.is_dir():
        pytest.skip(f"real data folder {DATA} is not present (it sits beside the repository in CI)")
    return DATA


PG_ENV = "CIVICGRID_TEST_PG_URL"


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set (run .ci/postgres.sh and export its last line to test on PostgreSQL)")
    pytest.importorskip("psycopg", reason="psycopg (psycopg[binary]) is needed for the PostgreSQL tests")
    from sqlalchemy import create_engine, text

    eng = create_engine(url)
    try:
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
    except Exception as exc:  # a configured server that does not answer is a failure, not a skip
        pytest.fail(f"{PG_ENV} is set but the server does not answer: {exc}", pytrace=False)
    finally:
        eng.dispose()
    return url


@pytest.fixture()
def pg_url(pg_server_url):
    """An app-state URL on PostgreSQL whose objects all live in a new, empty schema."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from civicgrid.appstate.db import dispose

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_server_url)
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = (make_url(pg_server_url).update_query_dict({"options": f"-csearch_path={schema}"})
           .render_as_string(hide_password=False))
    try:
        yield url
    finally:
        dispose(url)
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def app_sample():
    """tests/appstate/appstate_sample.py: ``fill(url)`` puts rows in every app-state table, ``dump(url)`` reads them."""
    name = "civicgrid_appstate_sample"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parent / "appstate" / "appstate_sample.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]
