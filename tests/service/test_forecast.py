"""Weekly volume forecasts and rolling-origin back-test (MASE, Hyndman & Koehler 2006).

Real series: Pittsburgh 311 requests (WPRDC), the file of requests still open in 2025 —
a backlog extract, not every request, but real weekly counts with gaps and a regime change.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from civicgrid.service.forecast import (
    MODELS,
    backtest,
    backtest_summary,
    forecast_volume,
    weekly_counts,
)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
PGH_311 = DATA / "pittsburgh" / "311_requests_open_backlog_2015_2024.csv"
needs_data = pytest.mark.skipif(
    not PGH_311.exists(), reason=f"real data not available: {PGH_311} is absent"
)


@pytest.fixture(scope="module")
def events():
    df = pd.read_csv(PGH_311, usecols=["create_date_utc", "dept", "request_type_name"])
    df["opened_at"] = pd.to_datetime(df["create_date_utc"], utc=True)
    return df


@pytest.fixture(scope="module")
def weekly(events):
    return weekly_counts(events, time_col="opened_at", by="dept")


def check_best_model_rule(summary):
    for cat, g in summary.groupby("category"):
        best = g["best_model"].unique()
        assert len(best) == 1
        ref = g.loc[g["model"] == "seasonal_naive", "mase"].iloc[0]
        winners = g[g["mase"] < ref]
        assert (g["beats_seasonal_naive"] == (g["mase"] < ref)).all()
        if winners.empty:
            assert best[0] == "seasonal_naive"
        else:
            assert best[0] == winners.sort_values("mase")["model"].iloc[0]
            assert g.set_index("model").loc[best[0], "mase"] < ref


# --- weekly_counts ------------------------------------------------------------------------------

@needs_data
@pytest.mark.realdata
def test_weekly_counts_fill_zero_weeks(events, weekly):
    assert list(weekly.columns) == ["week", "category", "requests"]
    assert weekly["requests"].sum() == len(events)
    assert (weekly["week"].dt.weekday == 0).all()
    weeks = pd.date_range(weekly["week"].min(), weekly["week"].max(), freq="W-MON")
    for cat, g in weekly.groupby("category"):
        assert g["week"].tolist() == list(weeks)  # every category on the full, gap-free grid
    # a mid-volume department: most weeks have no request, and those weeks are present as 0
    street = weekly[weekly["category"] == "DPW - Street Maintenance"]
    active = events.loc[events["dept"] == "DPW - Street Maintenance", "opened_at"]
    active_weeks = (active.dt.tz_localize(None).dt.normalize()
                    - pd.to_timedelta(active.dt.weekday, unit="D")).nunique()
    assert (street["requests"] == 0).sum() == len(weeks) - active_weeks > 100
    assert weekly["week"].min() == pd.Timestamp("2015-09-21")  # first request: Tue 2015-09-22


def test_weekly_counts_utc_monday_boundaries():
    times = pd.to_datetime(
        ["2024-01-07 23:30", "2024-01-08 00:10", "2024-01-22 12:00"], utc=True
    ).tz_convert("America/New_York")  # Sunday-evening UTC stays in the week of Mon 1 Jan
    ev = pd.DataFrame({"opened_at": times, "category": ["a", "a", "b"]})
    w = weekly_counts(ev)
    a = w[w["category"] == "a"].set_index("week")["requests"]
    assert a.to_dict() == {pd.Timestamp("2024-01-01"): 1, pd.Timestamp("2024-01-08"): 1,
                           pd.Timestamp("2024-01-15"): 0, pd.Timestamp("2024-01-22"): 0}
    assert weekly_counts(ev, by=None)["category"].unique().tolist() == ["all"]
    wide = weekly_counts(ev, start=pd.Timestamp("2023-12-20", tz="UTC"), end="2024-01-31")
    assert wide["week"].min() == pd.Timestamp("2023-12-18")
    assert wide["week"].max() == pd.Timestamp("2024-01-29")
    assert wide["requests"].sum() == 3


def test_weekly_counts_requires_tz_aware_times():
    ev = pd.DataFrame({"opened_at": pd.to_datetime(["2024-01-01"]), "category": ["a"]})
    with pytest.raises(ValueError, match="tz-aware"):
        weekly_counts(ev)


# --- back-test on the real series ------------------------------------------------------------------

@pytest.fixture(scope="module")
def weekly_2016_2022(events):
    """2016-01 to 2022-09: after Sep 2022 PLI and police requests all but vanish from this
    backlog extract (0–2 a quarter), so a back-test there would measure the extract, not demand."""
    keep = events[(events["opened_at"] >= "2016-01-04") & (events["opened_at"] < "2022-10-03")]
    return weekly_counts(keep, time_col="opened_at", by="dept")


@needs_data
@pytest.mark.realdata
def test_backtest_structure_on_pittsburgh(weekly_2016_2022):
    cats = ["Permits, Licenses and Inspections", "Police - Zones 1-6"]
    sub = weekly_2016_2022[weekly_2016_2022["category"].isin(cats)]
    h, k = 8, 4
    err = backtest(sub, horizon=h, n_origins=k)
    assert len(err) == len(cats) * k * len(MODELS) * h
    last_week = sub["week"].max()
    for (cat, model), g in err.groupby(["category", "model"]):
        origins = sorted(g["origin"].unique())
        assert len(origins) == k
        assert origins[-1] == last_week - pd.Timedelta(weeks=h)  # last origin leaves h weeks
        assert all(np.diff(origins) == pd.Timedelta(weeks=h))  # default step = horizon
        assert sorted(g["horizon"].unique()) == list(range(1, h + 1))
        assert (g["week"] == g["origin"] + pd.to_timedelta(g["horizon"] * 7, unit="D")).all()
    assert (err["forecast"] >= 0).all() and (err["scale"] > 0).all()
    # actuals are the real counts of those weeks
    look = sub.set_index(["category", "week"])["requests"]
    assert (err["actual"].to_numpy() == look.loc[list(zip(err["category"], err["week"]))].to_numpy()).all()

    summary = backtest_summary(err)
    assert set(summary.columns) >= {"category", "model", "mase", "mae", "n_origins",
                                    "n_forecasts", "beats_seasonal_naive", "best_model"}
    assert len(summary) == len(cats) * len(MODELS)
    assert np.isfinite(summary["mase"]).all() and (summary["mase"] > 0).all()
    assert (summary["n_origins"] == k).all() and (summary["n_forecasts"] == k * h).all()
    check_best_model_rule(summary)


@needs_data
@pytest.mark.realdata
def test_prediction_intervals_nest(weekly):
    sub = weekly[weekly["category"] == "Police - Zones 1-6"]
    fc = forecast_volume(sub, horizon=12, model="ets")
    fc_sn = forecast_volume(sub, horizon=12, model="seasonal_naive")
    for f in (fc, fc_sn):
        assert f[["lo_80", "hi_80", "lo_95", "hi_95"]].notna().all().all()
        assert (f["lo_95"] <= f["lo_80"]).all() and (f["lo_80"] <= f["forecast"]).all()
        assert (f["forecast"] <= f["hi_80"]).all() and (f["hi_80"] <= f["hi_95"]).all()
    # seasonal naive with > 2 years of history repeats the weeks of one year earlier
    y = sub.set_index("week")["requests"]
    assert fc_sn["forecast"].tolist() == y.iloc[-52:-40].astype(float).tolist()
    ma = forecast_volume(sub, horizon=4, model="moving_average", ma_window=4)
    assert ma["lo_80"].isna().all() and ma["forecast"].iloc[0] == y.iloc[-4:].mean()


@needs_data
@pytest.mark.realdata
def test_forecast_volume_best_uses_backtest_choice(events):
    total = weekly_counts(events, by=None)
    fc = forecast_volume(total, horizon=4, model="best", n_origins=3)
    summary = backtest_summary(backtest(total, horizon=4, n_origins=3))
    assert fc["model"].unique().tolist() == [summary["best_model"].iloc[0]]
    assert fc["week"].tolist() == list(pd.date_range(
        total["week"].max() + pd.Timedelta(weeks=1), periods=4, freq="W-MON"))
    assert fc["horizon"].tolist() == [1, 2, 3, 4]
    check_best_model_rule(summary)


# --- synthetic series --------------------------------------------------------------------------------

def synthetic(weeks: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(weeks)
    y = 200 + 0.8 * t + 60 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 8, weeks)
    return pd.DataFrame({"week": pd.date_range("2019-01-07", periods=weeks, freq="W-MON"),
                         "category": "potholes", "requests": np.round(y)})


def test_ets_beats_seasonal_naive_on_seasonal_trending_series():
    summary = backtest_summary(backtest(synthetic(4 * 52), horizon=12, n_origins=5))
    mase = summary.set_index("model")["mase"]
    assert mase["ets"] < mase["seasonal_naive"]
    assert mase["ets"] < mase["moving_average"]
    assert summary["best_model"].iloc[0] == "ets"
    check_best_model_rule(summary)


def test_mase_by_hand_on_a_short_series():
    # < 2 years → naive (m = 1); scale = mean |y_t − y_{t−1}| over the training window
    y = [10, 12, 11, 13, 12, 14, 13, 15, 14, 16, 15, 17, 30, 10]
    weekly = pd.DataFrame({"week": pd.date_range("2024-01-01", periods=len(y), freq="W-MON"),
                           "category": "x", "requests": y})
    err = backtest(weekly, horizon=2, n_origins=1, models=["seasonal_naive"], min_train=4)
    scale = np.mean(np.abs(np.diff(y[:12])))
    assert err["forecast"].tolist() == [17.0, 17.0]
    assert err["scaled_error"].tolist() == pytest.approx([13 / scale, 7 / scale])
    assert backtest_summary(err)["mase"].iloc[0] == pytest.approx(10 / scale)


def test_zero_scale_gives_nan_mase_and_seasonal_naive_choice():
    weekly = pd.DataFrame({"week": pd.date_range("2024-01-01", periods=40, freq="W-MON"),
                           "category": "quiet", "requests": [0] * 36 + [1, 0, 0, 2]})
    summary = backtest_summary(backtest(weekly, horizon=4, n_origins=1))
    assert summary["mase"].isna().all()
    assert (summary["best_model"] == "seasonal_naive").all()
    assert not summary["beats_seasonal_naive"].any()


def test_input_validation():
    weekly = synthetic(60)
    with pytest.raises(ValueError, match="horizon"):
        backtest(weekly, horizon=0)
    with pytest.raises(ValueError, match="unknown model"):
        forecast_volume(weekly, model="prophet")
    with pytest.raises(ValueError, match="too short"):
        backtest(weekly.head(20), horizon=8)
    with pytest.raises(ValueError, match="Monday"):
        backtest(weekly.assign(week=weekly["week"] + pd.Timedelta(days=1)))
