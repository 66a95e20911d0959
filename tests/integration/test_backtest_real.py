"""The early warning's back-test on the real Pittsburgh history; its figures are the ones in
docs/integration.md (this test fails when they drift apart)."""

from __future__ import annotations

import re

import pytest

from civicgrid.integration.backtest import backtest, outcome_window

pytestmark = pytest.mark.realdata
DOCS = __import__("pathlib").Path(__file__).resolve().parents[2] / "docs" / "integration.md"


@pytest.fixture(scope="module")
def block_bt(pgh_prep):
    return backtest(pgh_prep, "block")


def test_window_is_where_every_outcome_source_is_observed(pgh_prep):
    lo, hi, overlapping, spans = outcome_window(pgh_prep, 90)
    assert overlapping
    assert set(spans) == {"fire_incidents", "pli_condemned", "police_arrests_2020"}
    # arrests cover 2020 only; condemnations start 2020-05-18: flags from then to 90 days before 2020-12-31
    assert spans["police_arrests_2020"][0].startswith("2020-01") and spans["pli_condemned"][0] == "2020-05-18"


def test_block_backtest_shape(block_bt):
    r = block_bt
    assert r["k"] == 25 and r["horizon_days"] == 90 and r["step_days"] == 14
    assert r["window"]["start"] == "2020-05-18" and r["window"]["n_dates"] == 10
    assert 0 < r["base_rate"] < 1
    for m in ("early_warning", "score", "raw_complaints", "raw_events"):
        d = r["methods"][m]
        assert d["picks"] <= 25 * r["window"]["n_dates"] and 0 <= d["hits"] <= d["picks"]
    assert sum(x["positives"] for x in r["dates"]) == r["positive_location_dates"]
    assert set(r["early_warning_hits_by_outcome"]) <= {"structure fire", "condemnation", "arrest"}


def test_flags_beat_the_base_rate_and_raw_complaints(block_bt):
    m, base = block_bt["methods"], block_bt["base_rate"]
    assert m["early_warning"]["precision"] > base
    assert m["score"]["precision"] > base
    assert m["early_warning"]["precision"] > m["raw_complaints"]["precision"]


def test_docs_carry_the_measured_figures(block_bt):
    text = DOCS.read_text(encoding="utf-8")
    m = block_bt["methods"]
    row = re.search(r"\| block, 2020-05-18 .. 2020-09-21 \(10 dates\) \| ([^\n]+)", text)
    assert row, "docs/integration.md lacks the block back-test row"
    cells = [c.strip() for c in row.group(1).split("|")]
    base = block_bt["positive_location_dates"] / block_bt["eligible_location_dates"]
    expect = [f"{base:.1%}"] + [f"{m[k]['hits'] / m[k]['picks']:.1%}"
                                for k in ("early_warning", "score", "raw_complaints", "raw_events")]
    assert cells[:5] == expect, (cells, expect)
