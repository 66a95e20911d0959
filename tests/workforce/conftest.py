"""Fixtures for the workforce tests: the real Baltimore and Cincinnati HR files, built once.

Data: ``../shared/data`` next to the repository (see that folder's README.md). Each warehouse is
built once per test session into a temporary folder, and the workforce report is run once on it
(writing the ``workforce_*`` tables).
"""

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
REPO = Path(__file__).resolve().parents[2]
BALTIMORE = DATA / "baltimore"
CINCINNATI = DATA / "cincinnati"


def _need(folder: Path, pattern: str) -> None:
    if not folder.is_dir() or not list(folder.glob(pattern)):
        pytest.skip(f"real data not available: no {pattern} in {folder} (see ../shared/data/README.md)")


def _build(city: str, data: Path, tmp: Path) -> Path:
    from civicgrid.config import load_config
    from civicgrid.warehouse import build_warehouse

    cfg = load_config(REPO / "examples" / city / "city.yaml", data)
    db = tmp / f"{city}.duckdb"
    rep = build_warehouse(cfg, db)
    assert rep.status == "ok", rep.as_dict()
    return db


@pytest.fixture(scope="session")
def baltimore_db(tmp_path_factory) -> Path:
    _need(BALTIMORE, "Baltimore_City_Employee_Salaries_FY*.csv")
    return _build("baltimore", BALTIMORE, tmp_path_factory.mktemp("baltimore"))


@pytest.fixture(scope="session")
def cincinnati_db(tmp_path_factory) -> Path:
    _need(CINCINNATI, "cincinnati_employees.csv")
    return _build("cincinnati", CINCINNATI, tmp_path_factory.mktemp("cincinnati"))


@pytest.fixture(scope="session")
def baltimore_report(baltimore_db) -> dict:
    from civicgrid.workforce import workforce_report

    return workforce_report(baltimore_db, write_tables=True)


@pytest.fixture(scope="session")
def cincinnati_report(cincinnati_db) -> dict:
    from civicgrid.workforce import workforce_report

    return workforce_report(cincinnati_db, write_tables=True)
