"""Fixtures for the refresh tests: the loopback APIs of tests/sources, a city config for them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SOURCES_TESTS = Path(__file__).resolve().parents[1] / "sources"
REAL_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture(scope="session")
def fakeapi():
    need = ["pittsburgh/fire_incidents.csv", "los_angeles/MyLA311_Service_Request_Data_2017_Subset.csv",
            "sacramento/sacramento_police_dispatch_2019-01.csv"]
    missing = [n for n in need if not (REAL_DATA / n).exists()]
    if missing:
        pytest.skip(f"real data {', '.join(missing)} not found under {REAL_DATA} (it sits beside the repository in CI)")
    if "civicgrid_fakeapi" not in sys.modules:
        spec = importlib.util.spec_from_file_location("civicgrid_fakeapi", SOURCES_TESTS / "fakeapi.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules["civicgrid_fakeapi"] = mod
        spec.loader.exec_module(mod)
    return sys.modules["civicgrid_fakeapi"]
