"""Warehouses built once per session from the real 311 files, and the raw files for independent checks."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from civicgrid.config import load_config
from civicgrid.warehouse import build_warehouse

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
LA_CSV = DATA / "los_angeles" / "MyLA311_Service_Request_Data_2017_Subset.csv"
LA_CONFIG = ROOT / "examples" / "los_angeles" / "city.yaml"
PGH_CONFIG = ROOT / "examples" / "pittsburgh" / "city.yaml"
PGH_311 = DATA / "pittsburgh" / "311_requests_open_backlog_2015_2024.csv"
LA_FORMAT = "%m/%d/%Y %I:%M:%S %p"


def _need(*paths: Path) -> None:
    for p in paths:
        if not p.exists():
            pytest.skip(f"{p} is not present (real data sits in ../shared/data; configs in examples/)")


def _readonly(path: Path):
    return duckdb.connect(str(path), read_only=True, config={"autoinstall_known_extensions": False})


@pytest.fixture(scope="session")
def la_db(tmp_path_factory) -> Path:
    """The Los Angeles warehouse, built from examples/los_angeles/city.yaml and the real MyLA311 file."""
    _need(LA_CSV, LA_CONFIG)
    db = tmp_path_factory.mktemp("la") / "la.duckdb"
    build_warehouse(load_config(LA_CONFIG, DATA / "los_angeles"), db)
    return db


@pytest.fixture()
def la_con(la_db):
    con = _readonly(la_db)
    yield con
    con.close()


@pytest.fixture(scope="session")
def la_report(la_db) -> dict:
    from civicgrid.service.report import service_report

    con = _readonly(la_db)
    try:
        return service_report(con)
    finally:
        con.close()


@pytest.fixture(scope="session")
def la_raw() -> pd.DataFrame:
    """The raw MyLA311 CSV with local dates turned into UTC instants, computed without civicgrid."""
    _need(LA_CSV)
    raw = pd.read_csv(LA_CSV, dtype=str)
    for col, out in (("CreatedDate", "created"), ("ClosedDate", "closed"), ("ServiceDate", "service")):
        local = pd.to_datetime(raw[col], format=LA_FORMAT)
        raw[out] = local.dt.tz_localize("America/Los_Angeles", ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
    raw["hours"] = (raw["closed"] - raw["created"]).dt.total_seconds() / 3600
    return raw


@pytest.fixture(scope="session")
def pgh_db(tmp_path_factory) -> Path:
    """Pittsburgh warehouse with only the 311 and reference (population) sources of the real config."""
    _need(PGH_311, PGH_CONFIG)
    cfg = load_config(PGH_CONFIG, DATA / "pittsburgh")
    cfg.sources = [s for s in cfg.sources if s.kind in ("service_request", "interaction", "reference")]
    if not any(s.kind == "service_request" for s in cfg.sources):
        pytest.skip("examples/pittsburgh/city.yaml has no service_request source yet")
    db = tmp_path_factory.mktemp("pgh") / "pgh.duckdb"
    build_warehouse(cfg, db)
    return db


@pytest.fixture(scope="session")
def pgh_report(pgh_db) -> dict:
    from civicgrid.service.report import service_report

    con = _readonly(pgh_db)
    try:
        return service_report(con)
    finally:
        con.close()
