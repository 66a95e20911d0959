"""Weekly and day-of-week patterns, partial weeks, robust-z and STL anomalies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civicgrid.service.trends import anomalies, day_of_week, robust_z, weekly_counts


def _events(counts_per_week: list[int], start="2024-01-01", category="pothole", hour=15) -> pd.DataFrame:
    """``counts_per_week[i]`` requests on the Wednesday of week i (local Chicago time)."""
    rows = []
    for i, n in enumerate(counts_per_week):
        t = pd.Timestamp(start) + pd.Timedelta(weeks=i, days=2, hours=hour)
        rows += [{"opened_at": t.tz_localize("America/Chicago").tz_convert("UTC"), "service_category": category}] * n
    # make the first and last weeks full: one request on the first Monday and the last Sunday
    first = pd.Timestamp(start) + pd.Timedelta(hours=9)
    last = pd.Timestamp(start) + pd.Timedelta(weeks=len(counts_per_week) - 1, days=6, hours=9)
    rows[0]["opened_at"] = first.tz_localize("America/Chicago").tz_convert("UTC")
    rows[-1]["opened_at"] = last.tz_localize("America/Chicago").tz_convert("UTC")
    return pd.DataFrame(rows)


def test_weekly_counts_local_weeks_and_partial_edges():
    df = pd.DataFrame({"opened_at": pd.to_datetime([
        "2024-01-03 12:00",   # Wednesday: the first week is partial
        "2024-01-08 05:30",   # Monday 05:30 UTC = Sunday 23:30 in Chicago → still week of Jan 1
        "2024-01-10 12:00", "2024-01-21 18:00",   # Sunday Jan 21 reached: week of Jan 15 is full
    ], utc=True)})
    w = weekly_counts(df, "America/Chicago")
    assert w["week_start"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-01", "2024-01-08", "2024-01-15"]
    assert w["requests"].tolist() == [2, 1, 1]
    assert w["partial"].tolist() == [True, False, False]
    assert weekly_counts(df, "UTC")["requests"].tolist() == [1, 2, 1]


def test_day_of_week_in_local_time():
    df = pd.DataFrame({"opened_at": pd.to_datetime(["2024-01-08 05:30", "2024-01-08 18:00"], utc=True)})
    d = {x["weekday"]: x["requests"] for x in day_of_week(df, "America/Chicago")["by_weekday"]}
    assert d["Sunday"] == 1 and d["Monday"] == 1


def test_robust_z():
    hist = np.array([10, 12, 11, 9, 10, 11, 10])
    med, mad = np.median(hist), 1.4826 * np.median(np.abs(hist - np.median(hist)))
    assert robust_z(30, hist) == pytest.approx((30 - med) / mad)
    assert robust_z(5, np.array([4, 4, 4])) is None  # no spread: no score, not infinity


def test_spike_is_flagged_and_quiet_weeks_are_not():
    counts = [10, 12, 11, 9, 10, 11, 10, 12, 9, 11, 40, 10, 11]
    w = weekly_counts(_events(counts), "America/Chicago", by="service_category")
    a = anomalies(w, by="service_category")
    assert a["available"] and a["method"] == "robust_z"
    assert [x["week_start"] for x in a["anomalies"]] == ["2024-03-11"]
    hit = a["anomalies"][0]
    assert hit["requests"] == 40 and hit["previous_week"] == 11 and hit["direction"] == "up"


def test_too_little_history_is_said_not_guessed():
    w = weekly_counts(_events([5, 6, 7]), "America/Chicago")
    a = anomalies(w)
    assert a["available"] is False and "full week" in a["reason"]


def test_stl_used_with_two_seasons_and_ignores_the_seasonal_peak():
    weeks = 156
    season = np.where((np.arange(weeks) % 52) < 4, 60, 20)  # every January is busy
    rng = np.random.default_rng(1)
    counts = (season + rng.integers(-2, 3, weeks)).tolist()
    counts[120] = 70  # a real spike in an ordinary week
    w = weekly_counts(_events(counts), "America/Chicago")
    a = anomalies(w)
    assert a["method"] == "stl"
    flagged = {x["week_start"] for x in a["anomalies"]}
    spike_week = (pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=120)).date().isoformat()
    assert spike_week in flagged
    januaries = {(pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=k)).date().isoformat()
                 for y in (1, 2) for k in range(52 * y, 52 * y + 4)}
    assert not (januaries & flagged)
