"""Fixtures: a real Pittsburgh warehouse and the synthetic demo city, each built (linked, scored) once.

Real data is read from ``../shared/data`` beside the repository (CI has the same copy); without it
the real-data tests skip with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from civicgrid.config import CityConfig, load_config
from civicgrid.integration.compute import integration_hook
from civicgrid.linkage import link_hook
from civicgrid.warehouse import build_warehouse

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
PGH = DATA / "pittsburgh"
#: sources left out of the test build (none: the figures in docs/integration.md come from the full build)
SKIP_SOURCES: set[str] = set()


def readonly(db: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(db), read_only=True, config={"autoinstall_known_extensions": False})


def chained(app_db: Path):
    """Link, then score: the order the lead wires into `civicgrid build`."""
    def hook(con, cfg, report=None):
        link_hook(app_db)(con, cfg, report)
        integration_hook(con, cfg, report)
    return hook


@dataclass
class Built:
    cfg: CityConfig
    db: Path
    app_db: Path
    report: object
    folder: Path

    def con(self) -> duckdb.DuckDBPyConnection:
        return readonly(self.db)


def pittsburgh_config() -> CityConfig:
    cfg = load_config(REPO / "examples" / "pittsburgh" / "city.yaml", PGH)
    sub = cfg.model_copy(update={"sources": [s for s in cfg.sources if s.name not in SKIP_SOURCES]})
    sub._path, sub._data_dir = cfg._path, cfg._data_dir
    return sub


@pytest.fixture(scope="session")
def pgh(tmp_path_factory) -> Built:
    """The real Pittsburgh warehouse, linked and scored (built once per session)."""
    if not PGH.is_dir():
        pytest.skip(f"real Pittsburgh data {PGH} is not present (it sits beside the repository in CI)")
    tmp = tmp_path_factory.mktemp("pgh_integration")
    cfg = pittsburgh_config()
    app_db = tmp / "app.sqlite"
    rep = build_warehouse(cfg, tmp / "pgh.duckdb", after_ingest=chained(app_db))
    assert rep.status == "ok", [f.message for f in rep.files if f.status == "failed"]
    return Built(cfg, tmp / "pgh.duckdb", app_db, rep, tmp)


@pytest.fixture(scope="session")
def pgh_prep(pgh):
    from civicgrid.integration.events import prepare

    con = pgh.con()
    try:
        return prepare(con, pgh.cfg.integration)
    finally:
        con.close()


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Built:
    """The synthetic demo city (scale 0.1: 50 planted properties among ~2,500 parcels), linked and scored."""
    from civicgrid.demo import generate_demo_city

    tmp = tmp_path_factory.mktemp("demo_integration")
    data = generate_demo_city(tmp / "data", seed=2026, scale=0.1)
    cfg = load_config(data / "city.yaml")
    keep = [s for s in cfg.sources if s.department not in ("hr",)]
    sub = cfg.model_copy(update={"sources": keep})
    sub._path, sub._data_dir = cfg._path, cfg._data_dir
    app_db = tmp / "app.sqlite"
    rep = build_warehouse(sub, tmp / "demo.duckdb", after_ingest=chained(app_db))
    assert rep.status == "ok"
    return Built(sub, tmp / "demo.duckdb", app_db, rep, tmp)


@pytest.fixture(scope="session")
def answer_key(demo) -> tuple[pd.DataFrame, pd.DataFrame]:
    key = demo.folder / "data" / "answer_key"
    return (pd.read_csv(key / "planted_properties.csv", dtype=str),
            pd.read_csv(key / "planted_records.csv", dtype=str))
