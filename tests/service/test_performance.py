"""Case-mix adjusted staff/team performance: expected values, suppression, distributions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civicgrid.service.performance import staff_performance
from civicgrid.service.quality import quality_flags

T0 = pd.Timestamp("2024-05-01 08:00", tz="UTC")


def _frame(rows):
    """rows: (team, request type, hours to close or None, closed by due?, transferred?)"""
    out = []
    for i, (team, rtype, hours, on_time, transferred) in enumerate(rows):
        closed = None if hours is None else T0 + pd.Timedelta(hours=hours)
        due = None if on_time is None else (closed + pd.Timedelta(minutes=1 if on_time else -1))
        out.append({"record_id": str(i), "source": "s", "team": team, "request_type": rtype, "category": rtype,
                    "status": "closed" if hours is not None else "open", "opened_at": T0, "closed_at": closed,
                    "due_at": due, "transferred_to": "County" if transferred else None, "agent": None})
    df = pd.DataFrame(out)
    for c in ("opened_at", "closed_at", "due_at"):
        df[c] = pd.to_datetime(df[c], utc=True)
    return df


def _rows():
    rows = []
    # citywide: slow type S takes 100 h, fast type F takes 10 h
    rows += [("A", "S", 100, True, False)] * 6 + [("A", "F", 10, True, False)] * 2       # A: mostly slow
    rows += [("B", "F", 20, False, False)] * 6 + [("B", "S", 100, False, True)] * 2     # B: fast type, slower
    rows += [("C", "F", 10, True, False)] * 4                                           # C: 4 requests → suppressed
    rows += [("D", "F", 10, True, False)] * 5                                           # D: exactly 5 → shown
    return rows


def test_expected_is_citywide_value_for_the_groups_mix():
    df = _frame(_rows())
    r = staff_performance(df, quality_flags(df), "team")
    g = {x["team"]: x for x in r["groups"]}
    f = df.assign(h=(df["closed_at"] - df["opened_at"]).dt.total_seconds() / 3600)
    city = f.groupby("request_type")["h"].median()  # S: 100, F: 10
    assert city["S"] == 100 and city["F"] == 10
    a = g["A"]["median_hours_to_close"]
    assert a["expected"] == pytest.approx((6 * 100 + 2 * 10) / 8)
    assert a["observed"] == pytest.approx(100)
    assert a["ratio"] == pytest.approx(100 / 77.5)
    b = g["B"]["median_hours_to_close"]
    assert b["expected"] == pytest.approx((6 * 10 + 2 * 100) / 8)
    assert b["observed"] == pytest.approx(20)
    # on time: city rate S = 6/8, F = (2 + 4 + 5)/(2 + 6 + 4 + 5)
    rate_s, rate_f = 6 / 8, 11 / 17
    assert g["B"]["on_time_share"]["expected"] == pytest.approx((6 * rate_f + 2 * rate_s) / 8)
    assert g["B"]["on_time_share"]["observed"] == 0 and g["B"]["on_time_share"]["ratio"] == 0
    t = g["B"]["transfer_share"]
    assert t["observed"] == pytest.approx(2 / 8) and t["expected"] == pytest.approx(2 * (2 / 8) / 8)
    assert t["ratio"] == pytest.approx(4.0)


def test_groups_under_five_are_suppressed_and_output_is_not_ranked():
    df = _frame(_rows())
    r = staff_performance(df, quality_flags(df), "team")
    g = {x["team"]: x for x in r["groups"]}
    assert g["C"] == {"team": "C", "requests": None, "suppressed": True, "median_hours_to_close": None,
                      "on_time_share": None, "transfer_share": None}
    assert g["D"]["suppressed"] is False and g["D"]["requests"] == 5
    assert [x["team"] for x in r["groups"]] == ["A", "B", "C", "D"]
    assert r["suppressed_groups"] == 1 and r["groups_shown"] == 3
    d = r["distribution"]["requests"]
    assert d["groups"] == 3 and d["p50"] == pytest.approx(np.quantile([8, 8, 5], 0.5))
    assert not any("rank" in k for x in r["groups"] for k in x) and "context" in r


def test_a_measure_with_too_few_rows_is_withheld():
    rows = [("A", "S", 100, None, False)] * 3 + [("A", "S", None, None, False)] * 3  # 6 requests, 3 closed
    df = _frame(rows)
    r = staff_performance(df, quality_flags(df), "team")
    a = r["groups"][0]
    assert a["requests"] == 6 and a["median_hours_to_close"]["observed"] is None
    assert a["median_hours_to_close"]["withheld"] == "fewer than 5"
    assert a["transfer_share"]["n"] == 6


def test_missing_level_is_reported_not_invented():
    df = _frame(_rows())
    r = staff_performance(df, quality_flags(df), "agent")
    assert r["available"] is False and "agent" in r["reason"]
