"""Fixtures for the connector tests: loopback replicas of CKAN, Socrata, ArcGIS and Open311."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
REAL_DATA = HERE.parents[1].parent / "shared" / "data"


def load_fakeapi():
    """Import tests/sources/fakeapi.py once (shared with tests/refresh; it loads fakedata.py)."""
    if "civicgrid_fakeapi" not in sys.modules:
        spec = importlib.util.spec_from_file_location("civicgrid_fakeapi", HERE / "fakeapi.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules["civicgrid_fakeapi"] = mod
        spec.loader.exec_module(mod)
    return sys.modules["civicgrid_fakeapi"]


@pytest.fixture(scope="session")
def fakeapi():
    need = ["pittsburgh/fire_incidents.csv", "los_angeles/MyLA311_Service_Request_Data_2017_Subset.csv",
            "sacramento/sacramento_police_dispatch_2019-01.csv"]
    missing = [n for n in need if not (REAL_DATA / n).exists()]
    if missing:
        pytest.skip(f"real data {', '.join(missing)} not found under {REAL_DATA} (it sits beside the repository in CI)")
    return load_fakeapi()


@pytest.fixture
def apis(fakeapi):
    """The four APIs on 127.0.0.1 (the first 6,000 rows of each real file), stopped after the test."""
    a = fakeapi.FakeApis(max_rows=6000).start()
    yield a
    a.stop()


@pytest.fixture
def city(tmp_path, apis, fakeapi):
    """Write a city.yaml with one source per loopback API; returns a loader ``city(**edits)``."""
    from civicgrid.config import load_config

    def make(edit=None):
        doc = fakeapi.connector_city(apis.url)
        if edit:
            edit(doc)
        p = tmp_path / "city.yaml"
        p.write_text(yaml.safe_dump(doc, sort_keys=False))
        return load_config(p)

    return make
