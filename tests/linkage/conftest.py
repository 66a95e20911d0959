"""Fixtures for the linkage tests: a Pittsburgh warehouse built (and linked) once per session.

The warehouse holds the spine sources plus a police blotter, fire incidents and the 311
backlog, read from the real exports in ``../shared/data/pittsburgh`` (beside the repository; CI
has the same copy). Without that folder every real-data test skips with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from civicgrid.config import CityConfig, load_config
from civicgrid.linkage import link_hook
from civicgrid.warehouse import build_warehouse

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
PGH = DATA / "pittsburgh"
SOURCES = {"county_assessments", "city_owned_property", "tax_delinquency", "pli_condemned",
           "pli_business_licenses", "police_blotter_2020", "fire_incidents", "requests_311"}


@dataclass
class Pgh:
    cfg: CityConfig
    db: Path
    app_db: Path
    build_report: object

    def con(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.db), read_only=True,
                              config={"autoinstall_known_extensions": False})

    def rebuild(self):
        return build_warehouse(self.cfg, self.db, after_ingest=link_hook(self.app_db))


def pittsburgh_config(sources: set[str] | None = SOURCES) -> CityConfig:
    cfg = load_config(REPO / "examples" / "pittsburgh" / "city.yaml", PGH)
    if sources is None:
        return cfg
    sub = cfg.model_copy(update={"sources": [s for s in cfg.sources if s.name in sources]})
    sub._path, sub._data_dir = cfg._path, cfg._data_dir
    return sub


@pytest.fixture(scope="session")
def pgh(tmp_path_factory) -> Pgh:
    """The linked Pittsburgh warehouse (built once per session)."""
    if not PGH.is_dir():
        pytest.skip(f"real Pittsburgh data {PGH} is not present (it sits beside the repository in CI)")
    tmp = tmp_path_factory.mktemp("pgh_link")
    cfg = pittsburgh_config()
    app_db = tmp / "app.sqlite"
    db = tmp / "pgh.duckdb"
    rep = build_warehouse(cfg, db, after_ingest=link_hook(app_db))
    assert rep.status == "ok", [f.message for f in rep.files if f.status == "failed"]
    return Pgh(cfg, db, app_db, rep)
