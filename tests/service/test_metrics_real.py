"""The service report on the real MyLA311 and Pittsburgh 311 files, checked against pandas on the raw CSV.

Every expected number here is recomputed from the published file without civicgrid (dates parsed
with the published format, localized to Los Angeles time, converted to UTC).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from civicgrid.service.metrics import load_events
from civicgrid.service.quality import quality_flags

pytestmark = pytest.mark.realdata
PGH_311 = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "pittsburgh" / "311_requests_open_backlog_2015_2024.csv"


def _by(section: dict, col: str) -> dict:
    return {r[col]: r for r in section["by"][col]}


def test_la_time_to_close_overall_and_per_request_type(la_report, la_raw):
    ok = la_raw[la_raw["closed"].notna() & (la_raw["hours"] >= 0)]
    ttc = la_report["time_to_close"]
    assert ttc["n_closed"] == len(ok) == 9982
    assert ttc["median_hours_to_close"] == pytest.approx(ok["hours"].median(), abs=1e-6)
    assert ttc["p90_hours_to_close"] == pytest.approx(ok["hours"].quantile(0.9), abs=1e-6)
    assert ttc["mean_hours_to_close"] == pytest.approx(ok["hours"].mean(), abs=1e-6)
    by = _by(ttc, "request_type")
    raw = ok.groupby("RequestType")["hours"]
    for rtype, hours in raw:
        assert by[rtype]["n_closed"] == len(hours)
        assert by[rtype]["median_hours_to_close"] == pytest.approx(hours.median(), abs=1e-6), rtype
        assert by[rtype]["p90_hours_to_close"] == pytest.approx(hours.quantile(0.9), abs=1e-6), rtype
    # the three largest request types, as documented in the report to the city
    assert by["Bulky Items"]["median_hours_to_close"] == pytest.approx(118.698, abs=1e-3)
    assert by["Graffiti Removal"]["median_hours_to_close"] == 0.0  # crews log graffiti they already removed
    assert by["Illegal Dumping Pickup"]["median_hours_to_close"] == pytest.approx(121.475, abs=1e-3)


def test_la_quality_flags_count_the_real_problems(la_report, la_raw):
    q = la_report["data_quality"]["flags"]
    neg = la_raw["hours"] < 0
    auto = (la_raw["hours"] >= 0) & (la_raw["hours"] < 10 / 60)
    assert q["negative"]["count"] == int(neg.sum()) == 12
    assert set(la_raw.loc[neg, "RequestType"]) == {"Single Streetlight Issue", "Multiple Streetlight Issue"}
    assert q["auto_closure"]["count"] == int(auto.sum()) == 1815
    assert q["missing_opened"]["count"] == 0 and q["missing_closed"]["count"] == 0
    actor = la_raw["AssignTo"].fillna(la_raw["Owner"])
    minute = la_raw["closed"].dt.floor("min")
    size = la_raw.assign(m=minute, a=actor).groupby(["m", "a"])["m"].transform("size")
    assert q["mass_closure"]["count"] == int((la_raw["closed"].notna() & (size >= 10)).sum())
    assert la_report["data_quality"]["rows"] == len(la_raw)  # nothing dropped
    assert la_report["time_to_close"]["excluded"]["negative"] == 12
    assert la_report["time_to_close"]["included_flagged"]["auto_closure"] == 1815


def test_la_on_time_against_service_date(la_report, la_raw):
    """due_at = ServiceDate (the city config); a bare date means the end of that day."""
    r = la_raw[la_raw["closed"].notna() & (la_raw["hours"] >= 0) & la_raw["service"].notna()].copy()
    local = pd.to_datetime(r["ServiceDate"], format="%m/%d/%Y %I:%M:%S %p")
    is_date = local == local.dt.normalize()
    end = (local + pd.Timedelta(days=1)).dt.tz_localize("America/Los_Angeles").dt.tz_convert("UTC")
    r["due"] = r["service"].where(~is_date, end)
    r = r[r["due"] >= r["created"]]
    on = r["closed"] <= r["due"]
    ot = la_report["on_time"]
    assert ot["n_closed_with_due"] == len(r)
    assert ot["n_on_time"] == int(on.sum())
    assert ot["on_time_pct"] == pytest.approx(100 * on.mean())
    bulky = _by(ot, "request_type")["Bulky Items"]
    assert bulky["on_time_pct"] == pytest.approx(100 * on[r["RequestType"] == "Bulky Items"].mean())


def test_la_backlog_transfer_and_volume(la_report, la_raw):
    at = la_raw["created"].max()
    assert pd.Timestamp(la_report["meta"]["as_of"]) == at  # as of the data, not the clock
    open_at = (la_raw["created"] <= at) & (la_raw["closed"].isna() | (la_raw["closed"] > at))
    b = la_report["backlog"]
    assert b["open"] == int(open_at.sum())
    assert sum(b["aging_buckets"].values()) == b["open"]
    t = la_report["transfer"]
    assert t["handled"] == len(la_raw) and t["transferred"] == int((la_raw["Status"] == "Referred Out").sum()) == 9
    vol = {r["channel"]: r["requests"] for r in la_report["volume"]["by_channel"]}
    assert vol == la_raw["RequestSource"].value_counts().to_dict()
    assert la_report["reopen"]["available"] is False  # one snapshot: no history, not "0 %"


def test_la_team_performance_is_suppressed_and_unranked(la_report, la_raw):
    staff = la_report["staff"]["team"]
    counts = la_raw["AssignTo"].value_counts()
    groups = {g["team"]: g for g in staff["groups"]}
    assert set(groups) == set(counts.index)
    small = counts[counts < 5]
    assert len(small) > 0
    for team in small.index:
        assert groups[team]["suppressed"] and groups[team]["requests"] is None
        assert groups[team]["median_hours_to_close"] is None
    assert staff["suppressed_groups"] == len(small)
    for team, n in counts[counts >= 5].items():
        assert groups[team]["requests"] == n
    assert [g["team"] for g in staff["groups"]] == sorted(groups, key=str)
    assert staff["unassigned_requests"] == int(la_raw["AssignTo"].isna().sum())
    dist = staff["distribution"]["requests"]
    shown = counts[counts >= 5].to_numpy()
    assert dist["p50"] == pytest.approx(np.quantile(shown, 0.5)) and dist["groups"] == len(shown)


def test_la_report_is_json_and_fast_enough(la_db, la_con):
    from civicgrid.service.report import service_report

    t = time.perf_counter()
    r = service_report(la_con, evaluate_classifier=False)
    elapsed = time.perf_counter() - t
    json.dumps(r, allow_nan=False)
    assert elapsed < 20  # the 10 s on 2 cores target is measured by the benchmark, not here
    df = load_events(la_con)
    assert len(df) == 9999 and quality_flags(df).shape == (9999, 5)


def test_la_trends_say_when_history_is_too_short(la_report, la_raw):
    tr = la_report["trends"]
    assert tr["anomalies"]["available"] is False and "full week" in tr["anomalies"]["reason"]
    days = {d["weekday"]: d["requests"] for d in tr["day_of_week"]["by_weekday"]}
    local = pd.to_datetime(la_raw["CreatedDate"], format="%m/%d/%Y %I:%M:%S %p")
    assert days == {d: int((local.dt.day_name() == d).sum()) for d in days}


def test_pittsburgh_report(pgh_report):
    r = pgh_report
    json.dumps(r, allow_nan=False)
    raw = pd.read_csv(PGH_311, dtype=str)
    created = pd.to_datetime(raw["create_date_utc"]).dt.tz_localize("UTC")
    closed = pd.to_datetime(raw["closed_date_utc"]).dt.tz_localize("UTC")
    hours = ((closed - created).dt.total_seconds() / 3600).dropna()
    ttc = r["time_to_close"]
    current = r["meta"]["sources"]
    assert current["requests_311"] == len(raw)
    assert ttc["n_closed"] == len(hours) == 85
    assert ttc["median_hours_to_close"] == pytest.approx(hours.median(), abs=1e-6)
    assert ttc["p90_hours_to_close"] == pytest.approx(hours.quantile(0.9), abs=1e-6)
    # the legacy sample has a "closed" status and no closed date: flagged, counted, not guessed
    assert r["data_quality"]["by_source"]["requests_311_legacy"]["missing_closed"] == r["data_quality"]["flags"]["missing_closed"]["count"] > 0
    pc = r["per_capita"]
    assert pc["area"] == "neighborhood" and pc["population_source"] == "neighborhood_population"
    hill = {x["neighborhood"]: x for x in pc["rows"]}
    assert all(x["requests_per_1000"] == pytest.approx(1000 * x["requests"] / x["population"]) for x in hill.values())
    cats = r["categories"]["counts"]
    assert cats["transfer"] > 0 and cats["complaint"] > cats["inquiry"]
