"""Fixtures for the web tests: a small synthetic demo warehouse (with and without integration scores),
the real Los Angeles warehouse, signed-in TestClients for every role, and ``app_state`` — the app state
on SQLite and on PostgreSQL, for the tests that must pass on both."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))  # web_helpers, also under --import-mode=importlib
from web_helpers import make_app, signed_in  # noqa: E402

from civicgrid.appstate import ROLES
from civicgrid.web import users as _users

# argon2id with the smallest cost: the tests hash and verify hundreds of passwords; production keeps
# the library defaults (test_passwords_are_argon2id checks the stored format, not the cost)
_users._HASHER = __import__("argon2").PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

REPO = Path(__file__).resolve().parents[2]


def _build_demo(folder: Path) -> Path:
    from civicgrid.config import load_config
    from civicgrid.demo import generate_demo_city
    from civicgrid.linkage.link import link_hook
    from civicgrid.warehouse.build import build_warehouse

    data = generate_demo_city(folder / "data", seed=7, scale=0.05)
    db = folder / "demo.duckdb"
    rep = build_warehouse(load_config(data / "city.yaml"), db, after_ingest=link_hook(folder / "link.sqlite"))
    assert rep.status == "ok"
    return db


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """Synthetic demo city (scale 0.05), built and linked; no integration scores (interim ranking)."""
    return _build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def scored_db(demo_db, tmp_path_factory) -> Path:
    """The demo warehouse plus the integration module's tables (skips when the module is not there)."""
    try:
        from civicgrid.integration.compute import compute_all, write_all
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"civicgrid.integration is not importable ({exc})")
    import duckdb

    db = tmp_path_factory.mktemp("scored") / "scored.duckdb"
    shutil.copy2(demo_db, db)
    con = duckdb.connect(str(db))
    try:
        write_all(con, compute_all(con))
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return db


@pytest.fixture(scope="session")
def la_db(shared_data, tmp_path_factory) -> Path:
    """The real Los Angeles MyLA311 extract (9,999 requests), loaded without linkage."""
    from civicgrid.config import load_config
    from civicgrid.warehouse.build import build_warehouse

    if not (shared_data / "los_angeles").is_dir():
        pytest.skip("../shared/data/los_angeles is not present")
    db = tmp_path_factory.mktemp("la") / "la.duckdb"
    rep = build_warehouse(load_config(REPO / "examples" / "los_angeles" / "city.yaml", shared_data / "los_angeles"), db)
    assert rep.status == "ok"
    return db


@pytest.fixture(params=["sqlite", "postgresql"])
def app_state(request, tmp_path):
    """Where a test's app keeps its app state (users, audit log, link decisions, meetings): a new SQLite
    file, or a new PostgreSQL schema (``pg_url`` in tests/conftest.py; skips without
    ``CIVICGRID_TEST_PG_URL``). A test that takes this fixture runs on both."""
    if request.param == "sqlite":
        return tmp_path / "a.sqlite"
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="session")
def demo_app(demo_db, tmp_path_factory):
    return make_app(demo_db, tmp_path_factory.mktemp("app") / "app.sqlite")


@pytest.fixture(scope="session")
def scored_app(scored_db, tmp_path_factory):
    return make_app(scored_db, tmp_path_factory.mktemp("app_scored") / "app.sqlite")


@pytest.fixture(scope="session")
def la_app(la_db, tmp_path_factory):
    return make_app(la_db, tmp_path_factory.mktemp("app_la") / "app.sqlite", open311_public=False)


@pytest.fixture(scope="session")
def clients(scored_app) -> dict[str, TestClient]:
    """Signed-in clients of the scored demo app, one per role, plus ``anonymous``."""
    out = {role: signed_in(scored_app, role) for role in ROLES}
    out["anonymous"] = TestClient(scored_app)
    return out


@pytest.fixture(scope="session")
def top_parcel(clients) -> str:
    return clients["admin"].get("/api/v1/properties?limit=1").json()["properties"][0]["parcel_id"]
