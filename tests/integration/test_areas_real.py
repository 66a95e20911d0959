"""Area roll-ups on real Pittsburgh data: per-1,000 rates from the ACS neighbourhood populations,
flags next to the SNAP demographics, police spellings reconciled."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from civicgrid.integration.api import area_report
from civicgrid.integration.areas import name_key

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def report(pgh):
    return area_report(pgh.db)


def test_rates_use_the_acs_population(pgh, report):
    raw = pd.read_csv(pgh.cfg.data_dir / "neighborhood_population_acs.csv")
    pop = dict(zip(raw["Neighborhood"].map(name_key), raw["Estimate; Total"]))
    hoods = [r for r in report["rows"] if r["area_type"] == "neighborhood"]
    assert len(hoods) >= 85
    assert sum(r["population"] is not None for r in hoods) >= 85
    for r in hoods:
        if name_key(r["area"]) not in pop:  # e.g. "Mt. Oliver Boro": not a city neighbourhood
            assert r["population"] is None and r["events_per_1000"] is None
            continue
        assert r["population"] == pytest.approx(pop[name_key(r["area"])])
        if r["population"] >= 500:
            assert r["events_per_1000"] == pytest.approx(round(1000 * r["n_events_365"] / r["population"], 2))
        else:
            assert r["events_per_1000"] is None  # tiny areas get no rate
    assert sum(r["share_of_population"] or 0 for r in hoods) == pytest.approx(1.0, abs=0.01)


def test_central_north_side_spellings_are_one_area(report):
    names = [r["area"] for r in report["rows"] if r["area_type"] == "neighborhood"
             and name_key(r["area"]) == "centralnorthside"]
    assert len(names) == 1


def test_demographics_beside_flags_and_council_districts(report):
    hood = next(r for r in report["rows"] if r["area_type"] == "neighborhood" and r["area"] == "Homewood South")
    assert {"% Black (2010)", "% below poverty (2010)"} <= set(hood["demographics"])
    assert 0 < hood["demographics"]["% Black (2010)"] <= 100
    districts = [r for r in report["rows"] if r["area_type"] == "council_district"]
    assert len(districts) >= 9 and all(r["population"] is None for r in districts)
    assert sum(r["n_events_365"] for r in districts) > 1000
    assert {d["measure"] for d in report["disparity"]} >= {"% Black (2010)", "% below poverty (2010)"}
    json.dumps(report)
