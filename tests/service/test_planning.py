"""Staffing from the forecast: weekly → intervals → Erlang C, AHT from the data, budget, contact-centre summary.

A synthetic CRM export (contacts with handle times, a weekday × hour pattern, partial first and last
weeks) is built into a real warehouse; every expected number is recomputed with pandas from the
export itself. The real files check the honest refusals (LA: five days, no full week) and the
back-test rule on the Pittsburgh 311 series.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from civicgrid.config import load_config
from civicgrid.service.forecast import forecast_volume
from civicgrid.service.planning import (aht_from_data, budget_what_if, contact_centre_summary, full_weeks,
                                        interval_calls, interval_profile, load_contacts, plan_report,
                                        service_categories, staffing_from_forecast)
from civicgrid.service.staffing import required_agents
from civicgrid.warehouse import build_warehouse

TZ = "America/Chicago"
PGH_311 = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "pittsburgh" / "311_requests_open_backlog_2015_2024.csv"
FMT = "%Y-%m-%d %H:%M:%S"
FIRST = pd.Timestamp("2024-01-03 09:00")  # a Wednesday: the first week is partial
WEEKS = 32
CATS = {"inquiry": 180.0, "service_request": 300.0, "complaint": 240.0}  # mean handle seconds


def _export(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows, i = [], 0
    day0 = FIRST.normalize()
    for d in range(WEEKS * 7 + 3):  # ends on a Saturday: the last week is partial
        day = day0 + pd.Timedelta(days=d)
        if day.weekday() == 6:
            continue
        for cat, weight in (("inquiry", 6), ("service_request", 4), ("complaint", 2)):
            n = int(rng.poisson(weight * (0.4 if day.weekday() == 5 else 1.0)))
            for _ in range(n):
                hour = int(rng.choice([8, 9, 10, 11, 13, 14, 15, 16], p=[.1, .2, .15, .1, .15, .1, .1, .1]))
                t = day + pd.Timedelta(hours=hour, minutes=int(rng.integers(0, 60)))
                ht = rng.lognormal(math.log(CATS[cat]), 0.4)
                rows.append({"id": f"K{i:05d}", "opened": t.strftime(FMT),
                             "closed": (t + pd.Timedelta(seconds=int(ht))).strftime(FMT), "category": cat,
                             "channel": "Phone" if i % 3 else "Walk-in",
                             "handle": "" if i % 17 == 0 else ("0" if i % 101 == 0 else f"{ht:.0f}"),
                             "agent": f"A{i % 6}", "status": "Closed"})
                i += 1
    return pd.DataFrame(rows)


def _config(tmp, csv) -> object:
    doc = {"city": {"name": "Synthetic", "timezone": TZ, "synthetic": True},
           "sources": [{"name": "crm", "department": "customer_service", "kind": "interaction", "path": csv.name,
                        "record_id": ["id"], "date_formats": [FMT],
                        "columns": {"opened_at": "opened", "closed_at": "closed", "category": "category",
                                    "channel": "channel", "handle_time_s": "handle", "agent": "agent",
                                    "status": "status"}}]}
    p = tmp / "city.yaml"
    p.write_text(yaml.safe_dump(doc))
    return load_config(p)


@pytest.fixture(scope="module")
def crm(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plan")
    exp = _export()
    csv = tmp / "crm.csv"
    exp.to_csv(csv, index=False)
    db = tmp / "w.duckdb"
    build_warehouse(_config(tmp, csv), db)
    exp["local"] = pd.to_datetime(exp["opened"])
    exp["handle_s"] = pd.to_numeric(exp["handle"], errors="coerce")
    con = duckdb.connect(str(db), read_only=True)
    yield exp, con
    con.close()


@pytest.fixture(scope="module")
def contacts(crm):
    df, kind = load_contacts(crm[1], tz=TZ)
    assert kind == "interaction"
    df["service_category"] = service_categories(df)
    return df


def _full_weeks_raw(exp: pd.DataFrame) -> pd.DataFrame:
    week = exp["local"].dt.normalize() - pd.to_timedelta(exp["local"].dt.weekday, unit="D")
    first, last = exp["local"].min().normalize(), exp["local"].max().normalize()
    full = (week >= first) & (week + pd.Timedelta(days=6) <= last)
    return exp.assign(week=week)[full]


def test_full_local_weeks_drop_the_partial_edges(crm, contacts):
    exp = crm[0]
    weekly, info = full_weeks(contacts, TZ)
    raw = _full_weeks_raw(exp).groupby(["week", "category"]).size()
    assert info["full_weeks"] == raw.index.get_level_values(0).nunique() == WEEKS - 1
    assert info["dropped_partial_weeks"] == 2
    got = weekly.set_index(["week", "category"])["requests"]
    assert got[got > 0].sort_index().equals(raw.sort_index().astype(got.dtype))
    assert info["rows_in_full_weeks"] == int(raw.sum())


def test_history_profile_is_each_categorys_weekday_interval_share(crm, contacts):
    exp = _full_weeks_raw(crm[0])
    weeks = exp["week"].drop_duplicates()
    prof, info = interval_profile(contacts, TZ, 30, weeks=weeks, min_profile_rows=500)
    assert info["method"] == "history"
    assert np.allclose(prof.groupby("category")["share"].sum(), 1.0)
    for cat, g in exp.groupby("category"):
        slot = (g["local"].dt.hour * 60 + g["local"].dt.minute) // 30
        expect = g.groupby([g["local"].dt.weekday, slot]).size() / len(g)
        got = prof[prof["category"] == cat].set_index(["weekday", "slot"])["share"]
        if len(g) >= 500:
            assert cat in info["categories_with_own_profile"]
            pd.testing.assert_series_equal(got.sort_index(), expect.sort_index(), check_names=False)
        else:  # too few rows: the pattern of all contacts
            assert cat in info["categories_using_pooled_profile"]
    assert not (prof["weekday"] == 6).any()  # no Sunday contacts in history, none forecast


def test_flat_and_date_only_profiles():
    df = pd.DataFrame({"opened_at": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-02", "2024-01-06"])
                       .tz_localize(TZ).tz_convert("UTC"), "service_category": ["inquiry"] * 4})
    flat, info = interval_profile(df, TZ, 60, method="flat", opening_hours={"weekdays": [0, 1, 2], "open": "09:00",
                                                                            "close": "12:00"})
    assert len(flat) == 9 and np.allclose(flat["share"], 1 / 9) and "evenly" in info["assumption"]
    day, info = interval_profile(df, TZ, 60)  # all local midnight: dates only
    assert "dates only" in info["assumption"]
    by_day = day.groupby("weekday")["share"].sum()
    assert by_day[0] == pytest.approx(0.25) and by_day[1] == pytest.approx(0.5) and by_day[5] == pytest.approx(0.25)
    assert set(day["slot"]) == set(range(8, 17))  # spread over the default opening hours 08:00–17:00
    with pytest.raises(ValueError, match="divide a day"):
        interval_profile(df, TZ, 7)
    with pytest.raises(ValueError, match="open before"):
        interval_profile(df, TZ, 30, method="flat", opening_hours={"open": "18:00", "close": "09:00"})


def test_interval_calls_add_back_to_the_weekly_forecast(contacts):
    weekly, _ = full_weeks(contacts, TZ)
    fc = forecast_volume(weekly, horizon=3, model="moving_average")
    prof, _ = interval_profile(contacts, TZ, 30)
    calls = interval_calls(fc, prof, 30)
    back = calls.groupby(["category", "week"])["calls"].sum()
    want = fc.set_index(["category", "week"])["forecast"]
    pd.testing.assert_series_equal(back.sort_index(), want.sort_index(), check_names=False)
    first = calls.iloc[0]
    assert first["interval_start"] == first["week"] + pd.Timedelta(days=int(first["weekday"]),
                                                                   minutes=30 * int(first["slot"]))


def test_aht_is_the_mean_recorded_handle_time(crm, contacts):
    exp = crm[0]
    aht = aht_from_data(contacts, aht_seconds=999)
    ok = exp[exp["handle_s"] > 0]
    assert aht["source"] == "data" and aht["aht_seconds"] == pytest.approx(ok["handle_s"].mean())
    assert aht["timed_contacts"] == len(ok)
    assert aht["excluded"] == {"no_handle_time": int(exp["handle_s"].isna().sum()),
                               "zero_or_negative": int((exp["handle_s"] == 0).sum())}
    for cat, g in ok.groupby("category"):
        assert aht["by_category"][cat]["aht_seconds"] == pytest.approx(g["handle_s"].mean())
    assert aht["parameter_ignored"] == 999
    none = contacts.drop(columns=["handle_time_s"])
    assert aht_from_data(none, 210)["aht_seconds"] == 210
    with pytest.raises(ValueError, match="no handle_time_s"):
        aht_from_data(none)


def test_staffing_per_interval_is_erlang_c_on_the_pooled_queue(contacts):
    calls = pd.DataFrame({"category": ["inquiry", "complaint", "inquiry"],
                          "interval_start": pd.to_datetime(["2025-01-06 09:00", "2025-01-06 09:00", "2025-01-06 09:30"]),
                          "calls": [60.0, 40.0, 10.0]})
    aht = {"aht_seconds": 200.0, "by_category": {"inquiry": {"aht_seconds": 150.0}, "complaint": {"aht_seconds": 255.0}}}
    plan, used = staffing_from_forecast(calls, aht, 30, 0.8, 20, 0.3)
    assert used == pytest.approx((60 * 150 + 40 * 255 + 10 * 150) / 110)
    assert list(plan["calls"]) == [100.0, 10.0]
    for _, r in plan.iterrows():
        ref = required_agents(r["calls"], 1800, used, 0.8, 20, 0.3)
        assert (r["agents"], r["scheduled_staff"]) == (ref.agents, ref.scheduled_staff)
        assert r["service_level"] == pytest.approx(ref.service_level)


def test_budget_what_if_arithmetic():
    fc = pd.DataFrame({"category": ["a", "a", "b", "b"], "week": pd.to_datetime(["2025-01-06", "2025-01-13"] * 2),
                       "forecast": [100.0, 120.0, 10.0, 12.0], "lo_80": [90.0, 100.0, np.nan, np.nan],
                       "hi_80": [110.0, 140.0, np.nan, np.nan]})
    plan = pd.DataFrame({"interval_start": pd.to_datetime(["2025-01-06 09:00", "2025-01-06 09:30", "2025-01-13 09:00"]),
                         "calls": [5.0, 6.0, 7.0], "agents": [2, 3, 3], "scheduled_staff": [3, 5, 5]})
    plan["week"] = plan["interval_start"].dt.normalize() - pd.to_timedelta(plan["interval_start"].dt.weekday, unit="D")
    b = budget_what_if(fc, plan, cost_per_contact=4.0, hourly_loaded_rate=40.0, interval_minutes=30)
    assert b["contacts"]["forecast_contacts"] == 242 and b["contacts"]["cost"] == 968
    assert b["contacts"]["by_week"][0]["cost"] == 440 and b["contacts"]["by_week"][0]["cost_lo_80"] is None
    assert b["staff"]["scheduled_staff_hours"] == 6.5 and b["staff"]["cost"] == 260
    assert not budget_what_if(fc)["available"]
    with pytest.raises(ValueError, match="non-negative"):
        budget_what_if(fc, cost_per_contact=-1)


def test_contact_centre_summary_only_where_the_fields_exist(crm, contacts):
    exp = crm[0]
    cc = contact_centre_summary(contacts)
    for k in ("service_level", "asa", "abandonment"):
        assert cc[k]["available"] is False and "ACD" in cc[k]["reason"]
    ok = exp[exp["handle_s"] > 0]
    assert cc["aht"]["aht_seconds"] == pytest.approx(ok["handle_s"].mean())
    walkin = ok[ok["channel"] == "Walk-in"]["handle_s"].mean()
    assert {r["channel"]: r["aht_seconds"] for r in cc["aht"]["by_channel"]}["Walk-In"] == pytest.approx(walkin)
    # with queue waits and an abandoned flag (an ACD export): GUIDE §5 definitions
    acd = pd.DataFrame({"queue_wait_s": [5, 15, 25, 40, np.nan, 10], "abandoned": [False, False, False, False, True, True],
                        "handle_time_s": [100, 200, 300, 400, np.nan, np.nan]})
    cc = contact_centre_summary(acd, answer_seconds=20)
    # offered 6; answered 4 (waits 5, 15, 25, 40), of which 2 within 20 s: SL = 2/6 (abandoned stay in)
    assert cc["service_level"]["service_level"] == pytest.approx(2 / 6)
    assert cc["asa"]["asa_seconds"] == pytest.approx((5 + 15 + 25 + 40) / 4)
    assert cc["abandonment"]["abandonment_rate"] == pytest.approx(2 / 6)
    assert cc["aht"]["aht_seconds"] == 250
    assert contact_centre_summary(acd.iloc[0:0])["available"] is False


def test_plan_report_end_to_end(crm):
    rep = plan_report(crm[1], horizon=4, interval_minutes=30, target=0.8, answer_seconds=20, shrinkage=0.3,
                      cost_per_contact=3.5, hourly_loaded_rate=45.0)
    json.dumps(rep, allow_nan=False)
    assert rep["available"] and rep["contacts_from"] == "interaction"
    assert rep["history"]["full_weeks"] == WEEKS - 1
    fc = rep["forecast"]
    assert fc["backtest_summary"], "31 full weeks allow a back-test with 26 training weeks"
    for cat in CATS:
        rows = [r for r in fc["backtest_summary"] if r["category"] == cat]
        ref = next(r["mase"] for r in rows if r["model"] == "seasonal_naive")
        best = rows[0]["best_model"]
        assert best == "seasonal_naive" or next(r["mase"] for r in rows if r["model"] == best) < ref
    st = rep["staffing"]
    assert st["aht_source"] == "data"
    total = sum(r["forecast"] for r in fc["weekly"])
    assert sum(r["calls"] for r in st["intervals"]) == pytest.approx(total)
    for r in st["intervals"][:50]:
        ref = required_agents(r["calls"], 1800, st["aht_seconds"], 0.8, 20, 0.3)
        assert r["scheduled_staff"] == ref.scheduled_staff
    hours = sum(r["scheduled_staff"] for r in st["intervals"]) * 0.5
    assert rep["budget"]["staff"]["cost"] == pytest.approx(hours * 45.0)
    assert rep["budget"]["contacts"]["cost"] == pytest.approx(total * 3.5)
    assert rep["contact_centre"]["aht"]["available"] and not rep["contact_centre"]["service_level"]["available"]


@pytest.mark.realdata
def test_los_angeles_five_days_is_too_short_to_forecast(la_con):
    rep = plan_report(la_con, aht_seconds=180)
    assert rep["available"] is False and rep["history"]["full_weeks"] == 0
    assert "no full week" in rep["reason"]


@pytest.mark.realdata
def test_pittsburgh_backtest_never_prefers_a_model_that_loses_to_seasonal_naive(pgh_db):
    con = duckdb.connect(str(pgh_db), read_only=True)
    try:
        rep = plan_report(con, horizon=4, sources=["requests_311"], staffing=False)
    finally:
        con.close()
    # the history, recomputed from the raw file: local (New York) Monday weeks, partial edge weeks dropped
    raw = pd.read_csv(PGH_311, usecols=["create_date_utc"])
    local = pd.to_datetime(raw["create_date_utc"], utc=True).dt.tz_convert("America/New_York").dt.tz_localize(None)
    week = local.dt.normalize() - pd.to_timedelta(local.dt.weekday, unit="D")
    full = (week >= local.min().normalize()) & (week + pd.Timedelta(days=6) <= local.max().normalize())
    mn, mx = local.min().normalize(), local.max().normalize()
    first = mn + pd.Timedelta(days=(7 - mn.weekday()) % 7)  # weeks without requests count as zero weeks
    last = mx - pd.Timedelta(days=mx.weekday()) - (pd.Timedelta(0) if mx.weekday() == 6 else pd.Timedelta(days=7))
    assert rep["available"] and rep["history"]["full_weeks"] == (last - first).days // 7 + 1
    assert rep["history"]["rows_in_full_weeks"] == int(full.sum())
    assert rep["history"]["first_week"] == first.date().isoformat()
    summary = pd.DataFrame(rep["forecast"]["backtest_summary"])
    assert set(summary["model"]) == {"seasonal_naive", "moving_average", "ets"}
    for cat, g in summary.groupby("category"):
        ref = g.loc[g["model"] == "seasonal_naive", "mase"].iloc[0]
        best = g["best_model"].iloc[0]
        if best != "seasonal_naive":
            assert g.set_index("model").loc[best, "mase"] < ref
    assert len(rep["forecast"]["weekly"]) == 4 * summary["category"].nunique()
