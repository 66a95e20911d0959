"""Police CAD response times on the real Sacramento dispatch export (Jan 2019), recomputed from the raw CSV.

The expected numbers come from the published file read with pandas, without civicgrid: dates are
the calendar day of each ISO value, ``1900-01-01`` is "did not happen", intervals are whole days
× 24 hours, and percentiles are the observed value at rank ⌈n·q⌉ (inverted CDF) — computed by
sorting, not with the library call the module uses.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from civicgrid.config import load_config
from civicgrid.service.cad import cad_response_times, cad_summary, cad_table
from civicgrid.warehouse import build_warehouse

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
SAC_CSV = DATA / "sacramento" / "sacramento_police_dispatch_2019-01.csv"
SAC_CONFIG = ROOT / "examples" / "sacramento" / "city.yaml"
SENTINEL = "1900-01-01T00:00:00Z"
STAGES = {"received": "Received_Date", "dispatched": "Dispatch_Date", "enroute": "Enroute_Date",
          "onscene": "At_Scene_Date", "cleared": "Clear_Date"}
INTERVALS = {"received_to_dispatched": ("received", "dispatched"), "dispatched_to_enroute": ("dispatched", "enroute"),
             "enroute_to_onscene": ("enroute", "onscene"), "onscene_to_cleared": ("onscene", "cleared"),
             "received_to_onscene": ("received", "onscene"), "received_to_cleared": ("received", "cleared")}


def _need() -> None:
    for p in (SAC_CSV, SAC_CONFIG):
        if not p.exists():
            pytest.skip(f"{p} is not present (real data sits in ../shared/data; configs in examples/)")


@pytest.fixture(scope="session")
def sac_db(tmp_path_factory) -> Path:
    """The Sacramento warehouse, built once from examples/sacramento/city.yaml and the real CAD export."""
    _need()
    db = tmp_path_factory.mktemp("sac") / "sac.duckdb"
    rep = build_warehouse(load_config(SAC_CONFIG, DATA / "sacramento"), db)
    assert rep.status == "ok"
    return db


@pytest.fixture(scope="module")
def report(sac_db) -> dict:
    con = duckdb.connect(str(sac_db), read_only=True)
    try:
        return cad_response_times(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """The raw CSV: stage days (None for the sentinel) and interval hours, computed without civicgrid."""
    _need()
    df = pd.read_csv(SAC_CSV, dtype=str)
    for stage, col in STAGES.items():
        df[stage] = pd.to_datetime(df[col].where(df[col] != SENTINEL).str[:10], format="%Y-%m-%d")
    for name, (a, b) in INTERVALS.items():
        df[name] = (df[b] - df[a]).dt.days * 24.0
    return df


def _observed_quantile(values: pd.Series, q: float) -> float | None:
    v = sorted(values.dropna())
    return None if not v else float(v[max(math.ceil(len(v) * q) - 1, 0)])


def _check_group(row: dict, g: pd.DataFrame) -> None:
    assert row["calls"] == len(g)
    assert row["never_dispatched"] == int(g["dispatched"].isna().sum())
    for name in INTERVALS:
        h = g[name].dropna()
        assert row[f"{name}_n"] == len(h), name
        assert row[f"{name}_median_hours"] == _observed_quantile(h, 0.5), name
        assert row[f"{name}_p90_hours"] == _observed_quantile(h, 0.9), name
        if len(h):
            assert row[f"{name}_share_same_day"] == pytest.approx((h == 0).mean()), name


pytestmark = pytest.mark.realdata


def test_day_level_is_stated_and_nothing_waits_119_years(report, raw):
    json.dumps(report, allow_nan=False)
    res = report["time_resolution"]
    assert res["resolution"] == "day" and res["percentile_method"] == "inverted_cdf"
    assert "calendar date" in res["statement"] and "whole days" in res["statement"]
    assert report["unit"] == "hours" and report["timezone"] == "America/Los_Angeles"
    # the 1900-01-01 placeholders are missing stages, not 119-year waits
    longest = max(s["max_days"] for s in report["intervals"].values())
    assert longest == int(raw[list(INTERVALS)].max().max() / 24) == 46
    assert all(v == 0 for k, v in report["placeholder_dates"].items() if k != "definition")  # NULL already


def test_stage_counts_and_never_dispatched_match_the_raw_file(report, raw):
    assert report["calls"] == len(raw) == 25_000
    assert report["stages_present"] == {s: int(raw[s].notna().sum()) for s in STAGES}
    nd = report["never_dispatched"]
    assert nd["count"] == int((raw["Dispatch_Date"] == SENTINEL).sum()) == 6672
    assert nd["share"] == pytest.approx(6672 / 25_000)
    assert nd["cleared_without_dispatch"] == int((raw["dispatched"].isna() & raw["cleared"].notna()).sum())
    assert report["dispatched_never_on_scene"] == int((raw["dispatched"].notna() & raw["onscene"].isna()).sum())


def test_overall_intervals_match_the_raw_file(report, raw):
    for name in INTERVALS:
        s, h = report["intervals"][name], raw[name].dropna()
        assert s["n"] == len(h), name
        assert s["median_hours"] == _observed_quantile(h, 0.5)
        assert s["p90_hours"] == _observed_quantile(h, 0.9)
        assert s["mean_hours"] == pytest.approx(h.mean())
        assert s["share_same_day"] == pytest.approx((h == 0).mean())
        assert s["days"]["same_day"] == int((h == 0).sum()) and s["days"]["next_day"] == int((h == 24).sum())
        assert sum(s["days"].values()) == len(h)
        assert s["excluded"]["negative"] == int((h < 0).sum()) == 0
    # the published shape of January 2019: ~99 % dispatched the day the call came in
    assert report["intervals"]["received_to_dispatched"]["share_same_day"] == pytest.approx(18135 / 18328)


def test_per_call_type_district_and_beat_match_the_raw_file(report, raw):
    for level, col in (("call_type", "Call_Type"), ("district", "Police_District"), ("beat", "Beat")):
        rows = {r["group"]: r for r in report["by"][level]}
        groups = dict(list(raw.dropna(subset=[col]).groupby(col)))
        assert set(rows) == set(groups), level
        assert report["groups_without_value"][level] == int(raw[col].isna().sum())
        for key, g in groups.items():
            _check_group(rows[key], g)
    top = report["by"]["call_type"][0]
    assert (top["group"], top["label"], top["calls"]) == ("415", "DISTURBANCE-CLARIFY", 4251)
    assert [r["group"] for r in report["by"]["district"]] == sorted(raw["Police_District"].dropna().unique())


def test_units_and_officers_are_suppressed_under_five_and_not_ranked(report, raw):
    for level, col in (("unit", "Unit_ID"), ("officer", "Reporting_Officer")):
        rows = report["by"][level]
        assert [r["group"] for r in rows] == sorted(r["group"] for r in rows)  # name order, not a league table
        sizes = raw[col].dropna().value_counts()
        assert report["suppressed_groups"][level] == int((sizes < 5).sum())
        by = {r["group"]: r for r in rows}
        for key, n in sizes.items():
            if n < 5:
                assert by[key]["suppressed"] and by[key]["calls"] is None
                assert "received_to_onscene_median_hours" not in by[key]
            else:
                _check_group(by[key], raw[raw[col] == key])
        assert report["staff_distribution"][level]["calls"]["groups"] == int((sizes >= 5).sum())


def test_long_table_for_the_warehouse(report):
    t = cad_table(report)
    assert set(t["level"]) == {"overall", "call_type", "district", "beat", "unit", "officer"}
    assert (t["time_resolution"] == "day").all()
    overall = t[t["level"] == "overall"].set_index("interval")
    assert overall.loc["received_to_dispatched", "n"] == report["intervals"]["received_to_dispatched"]["n"]
    assert t.loc[t["suppressed"], "median_hours"].isna().all()


# --------------------------------------------------------------------------------- synthetic, any warehouse

def _calls(**stages) -> pd.DataFrame:
    n = len(next(iter(stages.values())))
    df = pd.DataFrame({"source": "cad", "record_id": [str(i) for i in range(n)], "type_code": ["A"] * n,
                       "description": ["ALARM"] * n, "agent": [None] * n, "team": [None] * n,
                       "police_zone": ["1"] * n, "police_beat": ["1A"] * n})
    cols = {"received": "opened_at", "dispatched": "dispatched_at", "enroute": "enroute_at", "onscene": "onscene_at",
            "cleared": "closed_at"}
    for k, v in stages.items():
        df[cols[k]] = pd.to_datetime(pd.Series(v), utc=True)
    return df


def test_times_of_day_give_hours_with_linear_percentiles_and_placeholders_are_missing():
    rec = ["2024-03-01 10:00", "2024-03-01 11:00", "2024-03-01 12:00", "2024-03-01 13:00", "2024-03-01 14:00"]
    dis = ["2024-03-01 10:06", "2024-03-01 11:30", "1900-01-01 00:00", "2024-03-01 13:12", "2024-03-01 13:00"]
    scene = ["2024-03-01 10:20", "2024-03-01 12:00", None, None, "2024-03-01 14:30"]
    clr = ["2024-03-01 11:00", "2024-03-01 13:00", "2024-03-01 12:10", "2024-03-01 14:00", "2024-03-01 15:00"]
    rep = cad_summary(_calls(received=rec, dispatched=dis, onscene=scene, cleared=clr), tz="UTC")
    assert rep["time_resolution"]["resolution"] == "time" and rep["time_resolution"]["percentile_method"] == "linear"
    assert rep["placeholder_dates"]["dispatched"] == 1
    assert rep["never_dispatched"]["count"] == 1  # the placeholder is no dispatch, not a 124-year wait
    rd = rep["intervals"]["received_to_dispatched"]
    # 0.1 h, 0.5 h, 0.2 h; the 5th call was "dispatched" an hour before it was received: left out, counted
    assert rd["n"] == 3 and rd["excluded"] == {"stage_missing": 1, "negative": 1}
    assert rd["median_hours"] == pytest.approx(np.quantile([0.1, 0.5, 0.2], 0.5))
    assert rd["p90_hours"] == pytest.approx(np.quantile([0.1, 0.5, 0.2], 0.9))
    assert "share_same_day" not in rd
    ro = rep["intervals"]["received_to_onscene"]
    assert ro["n"] == 3 and ro["excluded"]["stage_missing"] == 2
    grp = rep["by"]["call_type"][0]
    assert grp["received_to_dispatched_median_hours"] == pytest.approx(rd["median_hours"])
    assert grp["received_to_dispatched_p90_hours"] == pytest.approx(rd["p90_hours"])
    assert rep["by"]["unit"] is None and rep["by"]["officer"] is None  # no unit data: said, not invented


def test_a_warehouse_without_police_calls_says_so(tmp_path):
    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    con.execute("CREATE TABLE events (source VARCHAR, kind VARCHAR, record_id VARCHAR, opened_at TIMESTAMPTZ)")
    rep = cad_response_times(con)
    assert rep["available"] is False and "police_call" in rep["reason"]
    assert cad_table(rep).empty
