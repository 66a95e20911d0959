"""Weekly and day-of-week patterns, and week-over-week anomalies per category.

Weeks run Monday–Sunday in the city's time zone. A week the data does not cover in full (the
first and last week of an extract) is marked ``partial`` and never tested for anomalies.

Anomalies: for each category and full week, a **robust z-score** of the week's count against the
previous ``history_weeks`` full weeks, z = (x − median) ÷ (1.4826 × MAD); |z| ≥ ``threshold``
(3.5, Iglewicz & Hoaglin) is an anomaly. With at least two years (two seasons of 52 weeks) of
full weeks, the score is taken on the residuals of an STL decomposition (statsmodels; see
:func:`_stl_resid` for how a spike is kept out of the seasonal part) against the spread of all
residuals, so a regular seasonal peak is not flagged. Fewer than ``min_history`` weeks: no test,
and the report says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HISTORY_WEEKS = 12
MIN_HISTORY = 6
THRESHOLD = 3.5
SEASON = 52


def _local(ts: pd.Series, tz: str) -> pd.Series:
    return pd.to_datetime(ts, utc=True).dt.tz_convert(tz)


def weekly_counts(df: pd.DataFrame, tz: str = "UTC", by: str | None = None, as_of=None) -> pd.DataFrame:
    """Rows per week (``week_start`` local Monday) [× ``by``], with ``partial`` for weeks not fully covered."""
    t = _local(df["opened_at"], tz).dropna()
    if t.empty:
        return pd.DataFrame(columns=["week_start", "requests", "partial"])
    end = t.max() if as_of is None else pd.Timestamp(as_of).tz_convert(tz)
    week = t.dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time
    keys = [week.rename("week_start")] + ([df.loc[t.index, by].fillna("(none)").rename(by)] if by else [])
    counts = t.groupby(keys).size().rename("requests")
    weeks = pd.period_range(week.min(), week.max(), freq="W-SUN").start_time
    if by:
        idx = pd.MultiIndex.from_product([weeks, counts.index.get_level_values(1).unique()], names=["week_start", by])
    else:
        idx = pd.Index(weeks, name="week_start")
    out = counts.reindex(idx, fill_value=0).reset_index()
    first = t.min().tz_localize(None)
    last = end.tz_localize(None)
    # a week is full when the data starts by its Monday and reaches its Sunday
    out["partial"] = ((out["week_start"] < first.normalize())
                      | (out["week_start"] + pd.Timedelta(days=6) > last.normalize()))
    return out


def day_of_week(df: pd.DataFrame, tz: str = "UTC") -> dict:
    """Requests per weekday and per hour of day (local time); weekday counts include partial weeks."""
    t = _local(df["opened_at"], tz).dropna()
    dow = t.dt.dayofweek.value_counts()
    hour = t.dt.hour.value_counts()
    days_seen = t.dt.normalize().drop_duplicates().dt.dayofweek.value_counts()
    return {"timezone": tz,
            "by_weekday": [{"weekday": DAYS[d], "requests": int(dow.get(d, 0)),
                            "days_observed": int(days_seen.get(d, 0)),
                            "requests_per_day": float(dow.get(d, 0) / days_seen[d]) if days_seen.get(d, 0) else None}
                           for d in range(7)],
            "by_hour": [{"hour": h, "requests": int(hour.get(h, 0))} for h in range(24)]}


def robust_z(x: np.ndarray, history: np.ndarray) -> float | None:
    """(x − median) ÷ (1.4826 × MAD) of ``history``; None when MAD is 0 or history is empty."""
    if len(history) == 0:
        return None
    med = np.median(history)
    mad = 1.4826 * np.median(np.abs(history - med))
    if mad == 0:
        return None
    return float((x - med) / mad)


def _stl_resid(y: np.ndarray, threshold: float = THRESHOLD) -> np.ndarray:
    """Residuals of an STL decomposition that a single spike cannot bend.

    With two or three seasons, plain STL lets a spike leak into the seasonal component (the same
    week of the other years then looks low) and statsmodels' ``robust=True`` misbehaves. So: fit
    once, replace weeks whose residual is extreme by the median of their week-of-season across
    years, fit again, and return the original counts minus that fit's trend and season.
    """
    from statsmodels.tsa.seasonal import STL

    y = y.astype(float)
    fit = STL(y, period=SEASON, seasonal_deg=0).fit()
    z = np.array([robust_z(v, fit.resid) or 0.0 for v in fit.resid])
    out = np.abs(z) >= threshold
    if out.any():
        pos = np.arange(len(y)) % SEASON
        med = np.array([np.median(y[pos == p]) for p in range(SEASON)])
        clean = y.copy()
        clean[out] = med[pos[out]]
        fit = STL(clean, period=SEASON, seasonal_deg=0).fit()
    return y - fit.trend - fit.seasonal


def anomalies(weekly: pd.DataFrame, by: str | None = None, history_weeks: int = HISTORY_WEEKS,
              min_history: int = MIN_HISTORY, threshold: float = THRESHOLD) -> dict:
    """Robust-z (or STL-residual) anomalies per category on full weeks of :func:`weekly_counts` output."""
    full = weekly[~weekly["partial"]]
    groups = full.groupby(by) if by else [("all", full)]
    out = {"definition": f"robust z = (count − median) ÷ (1.4826·MAD) over the previous {history_weeks} full weeks "
                         f"(with ≥ {2 * SEASON} full weeks: STL residual against all residuals); |z| ≥ {threshold:g} "
                         "is an anomaly",
           "full_weeks": int(full["week_start"].nunique()), "method": None, "anomalies": [], "tested": 0}
    if out["full_weeks"] < min_history + 1:
        out["available"] = False
        out["reason"] = (f"{out['full_weeks']} full week(s) of data; at least {min_history + 1} are needed "
                         "to compare a week with its history")
        return out
    out["available"] = True
    for name, g in groups:
        g = g.sort_values("week_start")
        y = g["requests"].to_numpy(dtype=float)
        use_stl = len(y) >= 2 * SEASON
        series = _stl_resid(y, threshold) if use_stl else y
        out["method"] = "stl" if use_stl else "robust_z"
        for i in range(min_history, len(y)):
            # STL residuals are scored against all residuals; raw counts against the recent weeks
            hist = series if use_stl else series[max(0, i - history_weeks):i]
            z = robust_z(series[i], hist)
            out["tested"] += 1
            if z is not None and abs(z) >= threshold:
                out["anomalies"].append({
                    **({by: name} if by else {}), "week_start": g["week_start"].iloc[i].date().isoformat(),
                    "requests": int(y[i]), "previous_week": int(y[i - 1]),
                    "history_median": float(np.median(y[max(0, i - history_weeks):i])),
                    "robust_z": z, "direction": "up" if z > 0 else "down"})
    return out
