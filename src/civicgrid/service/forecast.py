"""Weekly request-volume forecasts per category, with an honest rolling-origin back-test.

Models (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed. (FPP3)):

- ``seasonal_naive``: the value 52 weeks earlier when the history holds ≥ 2 years, else the last
  value (naive). Intervals: σ·√(k+1), k = ⌊(h−1)/m⌋ (FPP3 §5.5, Table 5.2).
- ``moving_average``: mean of the last ``ma_window`` weeks. No model-based intervals (NaN).
- ``ets``: exponential smoothing state-space model (statsmodels ``ETSModel``; ETS(A,N,N) or
  ETS(A,Ad,N), whichever has the lower AICc, Hyndman et al. 2002). With ≥ 2 years of history the
  52-week seasonality is first removed by robust STL (Cleveland et al. 1990; 5 robustness
  passes) and added back as its seasonal-naive continuation: FPP3 §12.1 advises STL plus a
  non-seasonal model for weekly data, since a seasonal ETS would carry 52 seasonal states.
  Intervals come from the ETS model; the seasonal component is treated as known.

Accuracy is the MASE of Hyndman & Koehler (2006), "Another look at measures of forecast accuracy",
IJF 22(4): absolute errors divided by the in-sample mean absolute error of the seasonal-naive
forecast on each origin's training window. A model is named ``best_model`` only when its MASE is
below that of seasonal naive (GUIDE.md §5); otherwise seasonal naive is the choice.
All forecasts and interval bounds are clipped at 0 (request counts cannot be negative).
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pandas as pd

__all__ = ["MODELS", "backtest", "backtest_summary", "forecast_volume", "weekly_counts"]

MODELS = ("seasonal_naive", "moving_average", "ets")
SEASON = 52  # weeks in a seasonal cycle
_Z = {80: 1.2815515655446004, 95: 1.959963984540054}  # standard normal quantiles
_FC_COLS = ["forecast", "lo_80", "hi_80", "lo_95", "hi_95"]


def weekly_counts(
    events: pd.DataFrame,
    time_col: str = "opened_at",
    by: str | None = "category",
    start=None,
    end=None,
) -> pd.DataFrame:
    """Count events per week and category, with every week present (zero when nothing happened).

    ``events[time_col]`` must be a tz-aware datetime column; it is converted to UTC. Weeks start
    on Monday (ISO weeks, UTC). ``by`` names the grouping column (``None``: one series "all").
    ``start``/``end`` (dates) widen the week grid; by default it runs from the first to the last
    event's week, so the first and last weeks may be partial. Rows without a time are dropped;
    a missing category becomes "(missing)".

    Returns columns ``week`` (tz-naive Monday, datetime64), ``category`` (str), ``requests`` (int).
    """
    if time_col not in events.columns or (by is not None and by not in events.columns):
        raise ValueError(f"events needs the columns {time_col!r} and {by!r}.")
    times = events[time_col]
    if not isinstance(times.dtype, pd.DatetimeTZDtype):
        raise ValueError(f"{time_col!r} must be a tz-aware datetime column (parse with utc=True).")
    days = times.dt.tz_convert("UTC").dt.tz_localize(None).dt.normalize()
    weeks = days - pd.to_timedelta(days.dt.weekday, unit="D")
    cats = events[by].astype("string").fillna("(missing)") if by else pd.Series("all", index=events.index)
    frame = pd.DataFrame({"week": weeks, "category": cats.astype(str)}).dropna(subset=["week"])
    counts = frame.groupby(["category", "week"]).size()
    bounds = [pd.Timestamp(x) for x in (start, end) if x is not None]
    bounds = [(b.tz_convert("UTC").tz_localize(None) if b.tzinfo else b).normalize() for b in bounds]
    if frame.empty and len(bounds) < 2:
        return pd.DataFrame({"week": pd.Series(dtype="datetime64[ns]"), "category": pd.Series(dtype=str),
                             "requests": pd.Series(dtype="int64")})
    lo = min([*bounds[:1], *([weeks.min()] if not frame.empty else [])])
    hi = max([*bounds[1:], *([weeks.max()] if not frame.empty else [])])
    lo = lo - pd.Timedelta(days=lo.weekday())
    grid = pd.MultiIndex.from_product(
        [sorted(frame["category"].unique()) or ["all"], pd.date_range(lo, hi, freq="W-MON")],
        names=["category", "week"],
    )
    out = counts.reindex(grid, fill_value=0).rename("requests").reset_index()
    return out[["week", "category", "requests"]].astype({"requests": "int64"})


def _one_blas_thread():
    """Limit BLAS to one thread: L-BFGS-B on 2–5 ETS parameters runs ~4× slower with a thread
    pool on a busy 2-core machine. threadpoolctl ships with scikit-learn; without it, no-op."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _series(weekly: pd.DataFrame) -> dict[str, pd.Series]:
    """Split a weekly frame into one gap-free series per category (absent weeks count as 0)."""
    missing = {"week", "category", "requests"} - set(weekly.columns)
    if missing:
        raise ValueError(f"weekly counts are missing column(s) {sorted(missing)}.")
    week = pd.to_datetime(weekly["week"])
    if isinstance(week.dtype, pd.DatetimeTZDtype):
        week = week.dt.tz_convert("UTC").dt.tz_localize(None)
    if (week.dt.weekday != 0).any() or (week != week.dt.normalize()).any():
        raise ValueError("every 'week' must be a Monday date (the start of the week).")
    req = pd.to_numeric(weekly["requests"], errors="coerce")
    if req.isna().any() or (req < 0).any():
        raise ValueError("'requests' must be non-negative numbers, none missing.")
    df = pd.DataFrame({"week": week, "category": weekly["category"].astype(str), "requests": req})
    if df.duplicated(["category", "week"]).any():
        raise ValueError("weekly counts have more than one row for the same category and week.")
    out = {}
    for cat, g in df.groupby("category", sort=True):
        s = g.set_index("week")["requests"].sort_index().astype(float)
        out[cat] = s.reindex(pd.date_range(s.index[0], s.index[-1], freq="W-MON"), fill_value=0.0)
    return out


def _season(n: int) -> int:
    """Season length used by seasonal naive: 52 with ≥ 2 years of history, else 1 (naive)."""
    return SEASON if n >= 2 * SEASON else 1


def _normal_intervals(mean: np.ndarray, sd: np.ndarray) -> dict:
    out = {"forecast": mean}
    for level, z in _Z.items():
        out[f"lo_{level}"], out[f"hi_{level}"] = mean - z * sd, mean + z * sd
    return out


def _seasonal_naive(y: np.ndarray, h: int) -> dict:
    m = _season(len(y))
    steps = np.arange(h)
    mean = y[len(y) - m + steps % m]
    sigma = np.sqrt(np.mean((y[m:] - y[:-m]) ** 2)) if len(y) > m else np.nan
    return _normal_intervals(mean, sigma * np.sqrt(steps // m + 1))


def _moving_average(y: np.ndarray, h: int, window: int) -> dict:
    mean = np.full(h, y[-window:].mean())
    return {"forecast": mean, **{c: np.full(h, np.nan) for c in _FC_COLS[1:]}}


def _ets(y: np.ndarray, h: int) -> dict:
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    from statsmodels.tsa.seasonal import STL

    n, m = len(y), _season(len(y))
    seasonal = STL(y, period=m, robust=True).fit(outer_iter=5).seasonal if m > 1 else np.zeros(n)
    s_future = seasonal[n - m + np.arange(h) % m] if m > 1 else np.zeros(h)
    adj = pd.Series(y - seasonal)
    if np.ptp(adj.to_numpy()) < 1e-9:  # constant after adjustment: nothing to estimate
        return _normal_intervals(adj.iloc[-1] + s_future, np.full(h, 0.0 if n >= 2 else np.nan))
    fits = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        for trend, damped in ((None, False), ("add", True)):
            if trend and n < 10:
                continue
            fits.append(ETSModel(adj, error="add", trend=trend, damped_trend=damped).fit(disp=False))
    best = min(fits, key=lambda f: f.aicc if np.isfinite(f.aicc) else np.inf)
    pred = best.get_prediction(start=n, end=n + h - 1)
    out = {"forecast": np.asarray(pred.predicted_mean) + s_future}
    for level in _Z:
        sf = pred.summary_frame(alpha=1 - level / 100)
        out[f"lo_{level}"] = sf["pi_lower"].to_numpy() + s_future
        out[f"hi_{level}"] = sf["pi_upper"].to_numpy() + s_future
    return out


def _predict(model: str, y: np.ndarray, h: int, ma_window: int) -> dict:
    if model == "seasonal_naive":
        fc = _seasonal_naive(y, h)
    elif model == "moving_average":
        fc = _moving_average(y, h, ma_window)
    elif model == "ets":
        fc = _ets(y, h)
    else:
        raise ValueError(f"unknown model {model!r}; choose one of {MODELS}.")
    return {k: np.clip(np.asarray(v, dtype=float), 0, None) for k, v in fc.items()}


def _check(horizon: int, models, ma_window: int) -> None:
    if int(horizon) != horizon or not 1 <= horizon <= SEASON:
        raise ValueError(f"horizon must be a whole number of weeks from 1 to 52, got {horizon!r}.")
    if int(ma_window) != ma_window or ma_window < 1:
        raise ValueError(f"ma_window must be a whole number of weeks ≥ 1, got {ma_window!r}.")
    unknown = set(models) - set(MODELS)
    if unknown:
        raise ValueError(f"unknown model(s) {sorted(unknown)}; choose from {MODELS}.")


def backtest(
    weekly: pd.DataFrame,
    horizon: int = 8,
    n_origins: int = 6,
    step: int | None = None,
    models=MODELS,
    ma_window: int = 4,
    min_train: int = 26,
) -> pd.DataFrame:
    """Rolling-origin (expanding-window) back-test of each model on each category.

    ``weekly`` has columns ``week``, ``category``, ``requests`` (see :func:`weekly_counts`). The
    last origin leaves exactly ``horizon`` weeks to forecast; earlier origins are ``step`` weeks
    apart (default: ``horizon``, so test windows do not overlap). Origins whose training window
    is shorter than ``min_train`` weeks are skipped (ValueError if none remain). Each model is
    refitted at every origin; seasonal naive is always included, as the benchmark. Sources:
    FPP3 §5.10 (time-series cross-validation); MASE scale from Hyndman & Koehler (2006).

    Returns one row per category × origin × model × step ahead, with columns ``category``,
    ``origin`` (last training week), ``model``, ``horizon`` (1..h weeks ahead), ``week``,
    ``actual``, ``forecast``, ``lo_80``, ``hi_80``, ``lo_95``, ``hi_95`` (requests per week),
    ``scale`` (in-sample seasonal-naive MAE of that origin's training window) and
    ``scaled_error`` = |actual − forecast| ÷ scale (NaN when the scale is 0).
    """
    _check(horizon, models, ma_window)
    models = ["seasonal_naive", *[m for m in dict.fromkeys(models) if m != "seasonal_naive"]]
    step = horizon if step is None else int(step)
    if step < 1 or n_origins < 1:
        raise ValueError("step and n_origins must be at least 1.")
    with _one_blas_thread():
        parts = _backtest_series(_series(weekly), horizon, n_origins, step, models, ma_window, min_train)
    return pd.concat(parts, ignore_index=True)


def _backtest_series(series, horizon, n_origins, step, models, ma_window, min_train) -> list:
    parts = []
    for cat, s in series.items():
        y, weeks = s.to_numpy(), s.index
        ends = [len(y) - horizon - step * i for i in range(n_origins)]
        ends = sorted(e for e in ends if e >= max(min_train, 2))
        if not ends:
            raise ValueError(f"category {cat!r} has {len(y)} weeks: too short for horizon {horizon} "
                             f"with at least {min_train} training weeks.")
        for end in ends:
            train, actual = y[:end], y[end:end + horizon]
            m = _season(end)
            scale = np.mean(np.abs(train[m:] - train[:-m]))
            for model in models:
                fc = _predict(model, train, horizon, ma_window)
                err = np.abs(actual - fc["forecast"])
                parts.append(pd.DataFrame({
                    "category": cat, "origin": weeks[end - 1], "model": model,
                    "horizon": np.arange(1, horizon + 1), "week": weeks[end:end + horizon],
                    "actual": actual, **fc, "scale": scale,
                    "scaled_error": err / scale if scale > 0 else np.nan,
                }))
    return parts


def backtest_summary(errors: pd.DataFrame) -> pd.DataFrame:
    """MASE per category and model from :func:`backtest` output, with the chosen model.

    Columns: ``category``, ``model``, ``mase`` (mean scaled error, Hyndman & Koehler 2006),
    ``mae`` (requests per week), ``n_origins``, ``n_forecasts``, ``beats_seasonal_naive``
    (MASE strictly below seasonal naive's) and ``best_model`` (the lowest-MASE model among those
    that beat seasonal naive, else ``seasonal_naive``; GUIDE.md §5).
    """
    e = errors.assign(abs_error=(errors["actual"] - errors["forecast"]).abs())
    out = e.groupby(["category", "model"], sort=True).agg(
        mase=("scaled_error", lambda x: x.mean() if x.notna().all() else np.nan),
        mae=("abs_error", "mean"), n_origins=("origin", "nunique"), n_forecasts=("week", "size"),
    ).reset_index()
    ref = out.loc[out["model"] == "seasonal_naive"].set_index("category")["mase"]
    out["beats_seasonal_naive"] = (out["mase"] < out["category"].map(ref)).astype(bool)  # NaN → False
    winners = (out[out["beats_seasonal_naive"]].sort_values(["category", "mase"])
               .drop_duplicates("category").set_index("category")["model"])
    out["best_model"] = out["category"].map(winners).fillna("seasonal_naive")
    return out


def forecast_volume(
    weekly: pd.DataFrame,
    horizon: int = 8,
    model: str | dict = "best",
    ma_window: int = 4,
    **backtest_kwargs,
) -> pd.DataFrame:
    """Forecast weekly requests per category ``horizon`` weeks past the last week (4–12 typical).

    ``model`` is one of :data:`MODELS`, a dict {category: model}, or ``"best"``: run
    :func:`backtest` (``backtest_kwargs`` passed on) and use each category's ``best_model``,
    which is seasonal naive unless another model beat it (GUIDE.md §5).

    Returns columns ``category``, ``model``, ``week`` (Monday), ``horizon`` (weeks ahead),
    ``forecast``, ``lo_80``, ``hi_80``, ``lo_95``, ``hi_95`` (requests per week; interval
    columns NaN when the model gives none).
    """
    _check(horizon, MODELS, ma_window)
    series = _series(weekly)
    if model == "best":
        summary = backtest_summary(backtest(weekly, horizon=horizon, ma_window=ma_window, **backtest_kwargs))
        model = summary.drop_duplicates("category").set_index("category")["best_model"].to_dict()
    parts = []
    with _one_blas_thread():
        for cat, s in series.items():
            name = model.get(cat, "seasonal_naive") if isinstance(model, dict) else model
            fc = _predict(name, s.to_numpy(), horizon, ma_window)
            weeks = pd.date_range(s.index[-1] + pd.Timedelta(weeks=1), periods=horizon, freq="W-MON")
            parts.append(pd.DataFrame({"category": cat, "model": name, "week": weeks,
                                       "horizon": np.arange(1, horizon + 1), **fc}))
    return pd.concat(parts, ignore_index=True)
