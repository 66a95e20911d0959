"""Weekly volume → calls per interval of the week, by a stated distribution assumption.

Step 3 of the planning chain (:mod:`civicgrid.service.planning`): ``history`` uses each category's
share of its weekly volume in each (weekday, interval of day) cell from full weeks of history;
``flat`` spreads volume evenly over the opening hours; date-only data takes weekday shares from the
history and spreads each day evenly over the opening hours. Within an interval, arrivals are
assumed Poisson (the Erlang C assumption).
"""

from __future__ import annotations

import pandas as pd

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DEFAULT_OPENING_HOURS = {"weekdays": [0, 1, 2, 3, 4], "open": "08:00", "close": "17:00"}
MIN_PROFILE_ROWS = 200

__all__ = ["DEFAULT_OPENING_HOURS", "check_interval", "interval_calls", "interval_profile", "is_day_level", "wall_clock"]


def wall_clock(ts: pd.Series, tz: str) -> pd.Series:
    """Local wall-clock times (naive)."""
    return pd.to_datetime(ts, utc=True).dt.tz_convert(tz).dt.tz_localize(None)


def is_day_level(ts: pd.Series, tz: str) -> bool:
    """True when every time is local midnight (the export publishes dates only)."""
    local = wall_clock(ts.dropna(), tz)
    return bool(len(local)) and bool((local == local.dt.normalize()).all())


def _minutes(hhmm: str) -> int:
    h, m = str(hhmm).split(":")
    return int(h) * 60 + int(m)


def check_interval(interval_minutes: int) -> int:
    if int(interval_minutes) != interval_minutes or interval_minutes <= 0 or 1440 % int(interval_minutes):
        raise ValueError(f"interval_minutes must divide a day evenly (15, 30, 60 …), got {interval_minutes!r}.")
    return int(interval_minutes)


def _open_slots(opening_hours: dict | None, interval_minutes: int) -> pd.DataFrame:
    """(weekday, slot) cells inside the opening hours."""
    oh = {**DEFAULT_OPENING_HOURS, **(opening_hours or {})}
    lo, hi = _minutes(oh["open"]), _minutes(oh["close"])
    if not 0 <= lo < hi <= 1440:
        raise ValueError(f"opening hours must open before they close within a day, got {oh['open']}–{oh['close']}.")
    days = [int(d) for d in oh["weekdays"]]
    if not days or any(d not in range(7) for d in days):
        raise ValueError(f"opening weekdays must be 0 (Monday) … 6 (Sunday), got {oh['weekdays']!r}.")
    slots = [s for s in range(1440 // interval_minutes)
             if s * interval_minutes >= lo and (s + 1) * interval_minutes <= hi]
    if not slots:
        raise ValueError(f"no whole {interval_minutes}-minute interval fits in {oh['open']}–{oh['close']}.")
    return pd.DataFrame([(d, s) for d in days for s in slots], columns=["weekday", "slot"])


def interval_profile(df: pd.DataFrame, tz: str, interval_minutes: int = 30, by: str = "service_category",
                     method: str = "history", opening_hours: dict | None = None,
                     min_profile_rows: int = MIN_PROFILE_ROWS, weeks: pd.Series | None = None) -> tuple[pd.DataFrame, dict]:
    """Share of a week's volume in each (weekday, interval of day) cell, per category.

    Returns (``profile`` with columns ``category``, ``weekday`` (0 = Monday), ``slot`` (interval of
    the day, 0 = from midnight), ``share`` — summing to 1 per category — and an info dict naming the
    assumption used). ``weeks`` (local Mondays) limits the history to those weeks.
    """
    interval_minutes = check_interval(interval_minutes)
    if method not in ("history", "flat"):
        raise ValueError(f"profile method must be 'history' or 'flat', got {method!r}.")
    cats = sorted(df[by].astype(str).unique()) if len(df) else []
    open_cells = _open_slots(opening_hours, interval_minutes)
    oh = {**DEFAULT_OPENING_HOURS, **(opening_hours or {})}
    hours_text = f"{', '.join(DAYS[d] for d in oh['weekdays'])} {oh['open']}–{oh['close']}"
    flat = open_cells.assign(share=1.0 / len(open_cells))
    if method == "flat" or df.empty:
        prof = pd.concat([flat.assign(category=c) for c in cats]) if cats else flat.assign(category=[])
        return prof[["category", "weekday", "slot", "share"]].reset_index(drop=True), {
            "method": "flat", "assumption": f"weekly volume spread evenly over the opening hours ({hours_text})",
            "opening_hours": oh}
    local = wall_clock(df["opened_at"], tz)
    h = pd.DataFrame({"category": df[by].astype(str), "t": local}).dropna(subset=["t"])
    if weeks is not None and len(weeks):
        wk = h["t"].dt.normalize() - pd.to_timedelta(h["t"].dt.weekday, unit="D")
        h = h[wk.isin(set(pd.to_datetime(weeks)))]
    day_level = is_day_level(df["opened_at"], tz)
    h = h.assign(weekday=h["t"].dt.weekday, slot=(h["t"].dt.hour * 60 + h["t"].dt.minute) // interval_minutes)
    info = {"method": "history", "history_rows": int(len(h)), "min_profile_rows": min_profile_rows}

    def cells(rows: pd.DataFrame) -> pd.DataFrame:
        if day_level:  # weekday shares from history, flat within the opening hours of each day
            wd = rows["weekday"].value_counts(normalize=True)
            per_day = open_cells.groupby("weekday")["slot"].transform("size")
            out = open_cells.assign(share=open_cells["weekday"].map(wd).fillna(0.0) / per_day)
            missing = wd.drop(open_cells["weekday"].unique(), errors="ignore").sum()
            if missing > 0:  # volume on days the office is closed: spread over that day's opening hours
                slots = open_cells["slot"].unique()
                extra = pd.DataFrame([(d, s, wd[d] / len(slots)) for d in wd.index if d not in set(open_cells["weekday"])
                                      for s in slots], columns=["weekday", "slot", "share"])
                out = pd.concat([out, extra], ignore_index=True)
            return out
        return rows.groupby(["weekday", "slot"]).size().div(len(rows)).rename("share").reset_index()

    pooled = cells(h) if len(h) else flat
    parts, own = [], {}
    for c in cats:
        rows = h[h["category"] == c]
        use_own = len(rows) >= min_profile_rows
        own[c] = bool(use_own)
        parts.append((cells(rows) if use_own else pooled).assign(category=c))
    prof = pd.concat(parts, ignore_index=True) if parts else pooled.assign(category=[])
    if day_level:
        info["assumption"] = ("the data holds dates only (every time is local midnight): weekday shares from the "
                              f"history, each day's volume spread evenly over the opening hours ({hours_text})")
        info["opening_hours"] = oh
    else:
        info["assumption"] = ("each category's share of weekly volume per weekday and interval of day, from the "
                              "full weeks of history; the within-week pattern is assumed to repeat")
    info["categories_with_own_profile"] = sorted(c for c, v in own.items() if v)
    info["categories_using_pooled_profile"] = sorted(c for c, v in own.items() if not v)
    return prof[["category", "weekday", "slot", "share"]].reset_index(drop=True), info


def interval_calls(weekly_forecast: pd.DataFrame, profile: pd.DataFrame, interval_minutes: int = 30) -> pd.DataFrame:
    """Expected calls per interval = weekly forecast × the category's share of that (weekday, interval).

    Returns ``category``, ``week``, ``interval_start`` (local wall-clock time, naive), ``weekday``,
    ``slot``, ``calls`` — only cells with a positive share.
    """
    interval_minutes = check_interval(interval_minutes)
    fc = weekly_forecast[["category", "week", "forecast"]]
    out = fc.merge(profile[profile["share"] > 0], on="category", how="inner")
    out["calls"] = out["forecast"] * out["share"]
    out["interval_start"] = (pd.to_datetime(out["week"]) + pd.to_timedelta(out["weekday"], unit="D")
                             + pd.to_timedelta(out["slot"] * interval_minutes, unit="min"))
    return (out[["category", "week", "interval_start", "weekday", "slot", "calls"]]
            .sort_values(["interval_start", "category"]).reset_index(drop=True))


# ------------------------------------------------------------------------------------------ AHT and staff
