"""Evaluation on the real Pittsburgh files: hide each source's parcel ids, predict them, measure.

The thresholds are the measured values (see docs/linkage.md) minus a small margin, so a change
that makes the linkage worse fails here.
"""

from __future__ import annotations

import pytest

from civicgrid.linkage import evaluate

pytestmark = pytest.mark.realdata

#: source -> metric -> lowest acceptable value (measured minus margin)
FLOORS = {
    "pli_condemned": {"precision": 0.993, "precision_in_spine": 0.997, "recall": 0.975, "recall_findable": 0.99},
    "pli_business_licenses": {"precision": 0.91, "precision_in_spine": 0.995, "recall": 0.72, "recall_findable": 0.99},
    "tax_delinquency": {"precision": 0.90, "precision_in_spine": 0.985, "recall": 0.89, "recall_findable": 0.99},
    "city_owned_property": {"precision": 0.85, "precision_in_spine": 0.99, "recall": 0.62, "recall_findable": 0.99},
}


@pytest.fixture(scope="module")
def result(pgh):
    con = pgh.con()
    try:
        return evaluate(pgh.cfg, con, list(FLOORS))
    finally:
        con.close()


def test_cascade_meets_measured_precision_and_recall(result):
    got = {r["source"]: r["methods"]["cascade"] for r in result["sources"]}
    for source, floors in FLOORS.items():
        for metric, floor in floors.items():
            assert got[source][metric] >= floor, (source, metric, got[source][metric])


def test_cascade_beats_the_guide_baseline(result):
    for r in result["sources"]:
        m = r["methods"]
        assert m["raw_join"]["links"] == 0 or m["raw_join"]["precision"] < 0.5 or r["source"] == "county_assessments"
        assert m["cascade"]["precision"] > m["clean_join"]["precision"], r["source"]
        assert m["cascade"]["recall"] >= m["clean_join"]["recall"], r["source"]
        assert m["cascade"]["precision_in_spine"] >= m["clean_unique"]["precision_in_spine"], r["source"]


def test_evaluation_reports_counts_and_examples(result):
    r = next(x for x in result["sources"] if x["source"] == "pli_condemned")
    assert r["records"] == r["in_spine"] + r["out_of_spine"] == 4328       # rows with a valid PIN
    assert r["no_location"] > 1000                                          # "No primary address specified"
    assert 0 < r["ambiguous"] < 200 and r["recall_base"] > 2800
    assert "county_assessments" in r["spine_sources"] and "pli_condemned" not in r["spine_sources"]
    by = r["cascade_by_match_type"]
    assert by["address"]["links"] > 2500 and by["address"]["precision"] > 0.99
    assert r["methods"]["cascade"]["links"] == sum(v["links"] for v in by.values())
    tax = next(x for x in result["sources"] if x["source"] == "tax_delinquency")
    assert tax["methods"]["coordinates_only"]["links"] > 0        # the centroid step, measured alone
