"""Resource planning: weekly forecasts → calls per interval → Erlang C staff, and a budget what-if.

The chain, each step stated in the output:

1. **History.** Contacts (``interaction`` rows of ``events``; a warehouse without contacts uses its
   ``service_request`` rows) per service category per *local* week (Monday–Sunday in the city's
   time zone). Weeks the data does not cover in full (the first and last week of an extract) are
   dropped, so a half week is not read as a drop in demand.
2. **Weekly forecast** per category with :func:`civicgrid.service.forecast.forecast_volume`: with
   at least ``min_train`` + ``horizon`` full weeks, the model each category's rolling-origin
   back-test chose (seasonal naive unless another model beat its MASE); with fewer, seasonal naive
   (the last full week) and the report says no back-test was possible.
3. **Weekly → intervals** by a stated distribution assumption:

   * ``history`` (default): each category's share of its weekly volume in each (weekday, interval
     of day) cell, from the full weeks of history — the within-week pattern is assumed to repeat.
     Categories with fewer than ``min_profile_rows`` contacts use the pattern of all contacts.
     Data whose times are all local midnight (dates only) has no time of day: the weekday shares
     come from the history and each day's volume is spread evenly over the opening hours.
   * ``flat``: volume spread evenly over the configured opening hours (default Monday–Friday
     08:00–17:00).

   Within an interval arrivals are assumed Poisson (the Erlang C assumption).
4. **Staff per interval** with :func:`civicgrid.service.staffing.staffing_plan` (Erlang C; target
   service level, answer time, shrinkage as in GUIDE §5). The categories form one pooled queue
   (one team answers every contact; pooling needs fewer agents than separate queues) with the AHT
   averaged over the forecast mix. AHT comes from the data — the mean ``handle_time_s`` per
   category (AHT = (talk + hold + after-call work) ÷ handled, WFM glossary), the overall mean
   for categories with fewer than ``min_aht_rows`` timed contacts — else from the ``aht_seconds``
   parameter.
5. **Budget what-if**: cost per contact × forecast volume (with the 80 % interval where the model
   has one), and staff cost = scheduled staff-hours × hourly loaded rate. Scheduled staff-hours
   assume staff can be rostered interval by interval; real shifts cost more (a lower bound).

:func:`contact_centre_summary` gives service level, ASA, abandonment and AHT as defined in GUIDE §5
— each only where the data has the fields, otherwise ``available: False`` with the reason.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from civicgrid.service.categories import builtin_mappings, categorize
from civicgrid.service.forecast import backtest, backtest_summary, forecast_volume
from civicgrid.service.forecast import weekly_counts as forecast_weekly_counts
from civicgrid.service.intervals import (DEFAULT_OPENING_HOURS, check_interval, interval_calls, interval_profile,
                                         wall_clock)
from civicgrid.service.staffing import staffing_plan

__all__ = ["DEFAULT_OPENING_HOURS", "aht_from_data", "budget_what_if", "contact_centre_summary", "forecast_section",
           "full_weeks", "interval_calls", "interval_profile", "load_contacts", "plan_report", "service_categories",
           "staffing_from_forecast"]

MIN_AHT_ROWS = 30
MIN_TRAIN = 26
#: optional contact fields (not in the canonical schema today) that the contact-centre summary uses when present
WAIT_COLUMNS = ("queue_wait_s", "wait_time_s")
ABANDON_COLUMNS = ("abandoned",)


# ------------------------------------------------------------------------------------------ data

def load_contacts(con, start=None, end=None, tz: str = "UTC", sources=None) -> tuple[pd.DataFrame, str]:
    """Contacts (``interaction``) if the warehouse has any, else service requests; returns (frame, kind used)."""
    from civicgrid.service.metrics import load_events

    for kind in ("interaction", "service_request"):
        df = load_events(con, kinds=(kind,), start=start, end=end, tz=tz)
        if sources:
            df = df[df["source"].isin(list(sources))].reset_index(drop=True)
        if len(df):
            return df, kind
    return df, "none"


def service_categories(df: pd.DataFrame) -> pd.Series:
    """The six service categories per row (config category, built-in mapping tables, then the classifier)."""
    if df.empty:
        return pd.Series(dtype=object)
    pool = builtin_mappings()
    parts = []
    for _, rows in df.groupby("source", sort=True):
        files = set(rows["file"].dropna()) if "file" in rows else set()
        maps = [m for m in pool if any(m.matches_file(f) for f in files)]
        parts.append(categorize(rows, maps)["service_category"])
    return pd.concat(parts).reindex(df.index).fillna("(uncategorized)")


def full_weeks(df: pd.DataFrame, tz: str, by: str = "service_category") -> tuple[pd.DataFrame, dict]:
    """Requests per local week (Monday) and ``by``, full weeks only; ``(weekly, info)``.

    ``weekly`` has the columns of :func:`civicgrid.service.forecast.weekly_counts` (``week`` a
    naive local Monday, ``category``, ``requests``), every category on the same week grid.
    """
    local = wall_clock(df["opened_at"], tz)
    ok = local.notna()
    first, last = local[ok].min(), local[ok].max()
    # weekly_counts works in UTC: hand it wall-clock times labelled UTC, so its weeks are local weeks
    ev = pd.DataFrame({"opened_at": local[ok].dt.tz_localize("UTC"), "category": df.loc[ok, by].astype(str)})
    weekly = forecast_weekly_counts(ev, by="category") if len(ev) else ev.assign(week=[], requests=[])
    if weekly.empty:
        return weekly, {"full_weeks": 0, "first_week": None, "last_week": None, "dropped_partial_weeks": 0}
    full = (weekly["week"] >= first.normalize()) & (weekly["week"] + pd.Timedelta(days=6) <= last.normalize())
    kept = weekly[full].reset_index(drop=True)
    weeks = kept["week"].drop_duplicates()
    return kept, {"full_weeks": int(len(weeks)),
                  "first_week": None if weeks.empty else weeks.min().date().isoformat(),
                  "last_week": None if weeks.empty else weeks.max().date().isoformat(),
                  "dropped_partial_weeks": int(weekly.loc[~full, "week"].nunique()),
                  "rows_in_full_weeks": int(kept["requests"].sum()), "rows": int(ok.sum())}


# ------------------------------------------------------------------------------------------ forecast

def forecast_section(weekly: pd.DataFrame, horizon: int = 8, min_train: int = MIN_TRAIN,
                     n_origins: int = 6) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Back-test (when the history allows) and forecast; returns (info, back-test summary, forecasts)."""
    n_weeks = int(weekly["week"].nunique()) if len(weekly) else 0
    empty = pd.DataFrame()
    if n_weeks == 0:
        return ({"available": False, "reason": "no full week of history: a forecast needs at least one complete "
                                               "Monday–Sunday week"}, empty, empty)
    info: dict = {"available": True, "history_weeks": n_weeks, "horizon_weeks": int(horizon)}
    if n_weeks >= min_train + horizon:
        summary = backtest_summary(backtest(weekly, horizon=horizon, n_origins=n_origins, min_train=min_train))
        chosen = summary.drop_duplicates("category").set_index("category")["best_model"].to_dict()
        fc = forecast_volume(weekly, horizon=horizon, model=chosen)
        info["method"] = ("rolling-origin back-test (expanding window, up to "
                          f"{n_origins} origins {horizon} weeks apart); each category uses the lowest-MASE model "
                          "that beats seasonal naive, else seasonal naive (Hyndman & Koehler 2006; GUIDE §5)")
    else:
        summary = empty
        fc = forecast_volume(weekly, horizon=horizon, model="seasonal_naive")
        info["method"] = "seasonal naive (the last full week repeated, or 52 weeks back with two years of history)"
        info["backtest"] = {"available": False,
                            "reason": f"{n_weeks} full weeks of history; a back-test needs at least "
                                      f"{min_train + horizon} ({min_train} training + {horizon} to test)"}
    return info, summary, fc


# ------------------------------------------------------------------------------------------ intervals

def aht_from_data(df: pd.DataFrame, aht_seconds: float | None = None, by: str = "service_category",
                  min_rows: int = MIN_AHT_ROWS) -> dict:
    """Average handle time in seconds per category, from ``handle_time_s`` where present, else ``aht_seconds``.

    AHT = (talk + hold + after-call work) ÷ handled (WFM glossary, GUIDE §5): the mean of the
    recorded handle times (a ``handle_time_s`` that is missing, zero or negative is not a handle
    time: left out and counted). Categories with fewer than ``min_rows`` timed contacts use the
    overall mean. Raises ValueError when neither the data nor the parameter gives an AHT.
    """
    ht = pd.to_numeric(df["handle_time_s"], errors="coerce") if "handle_time_s" in df else pd.Series(
        np.nan, index=df.index)
    valid = ht.notna() & np.isfinite(ht) & (ht > 0)
    out = {"definition": "AHT = (talk + hold + after-call work) ÷ handled; mean handle_time_s of timed contacts",
           "contacts": int(len(df)), "timed_contacts": int(valid.sum()),
           "excluded": {"no_handle_time": int(ht.isna().sum()), "zero_or_negative": int((ht.notna() & ~valid).sum())}}
    if valid.sum() == 0:
        if aht_seconds is None:
            raise ValueError("the contacts carry no handle_time_s, so AHT cannot come from the data; give an AHT in "
                             "seconds (aht_seconds / --aht-seconds).")
        if not (math.isfinite(aht_seconds) and aht_seconds > 0):
            raise ValueError(f"aht_seconds must be a positive number of seconds, got {aht_seconds!r}.")
        return out | {"source": "parameter", "aht_seconds": float(aht_seconds), "by_category": {}}
    overall = float(ht[valid].mean())
    per = ht[valid].groupby(df.loc[valid, by].astype(str)).agg(["mean", "median", "size"])
    by_cat = {}
    for c in sorted(df[by].astype(str).unique()):
        if c in per.index and per.at[c, "size"] >= min_rows:
            by_cat[c] = {"aht_seconds": float(per.at[c, "mean"]), "median_seconds": float(per.at[c, "median"]),
                         "n": int(per.at[c, "size"]), "from": "category"}
        else:
            by_cat[c] = {"aht_seconds": overall, "n": int(per.at[c, "size"]) if c in per.index else 0,
                         "from": f"overall mean (fewer than {min_rows} timed contacts)"}
    return out | {"source": "data", "aht_seconds": overall, "median_seconds": float(ht[valid].median()),
                  "by_category": by_cat,
                  "parameter_ignored": None if aht_seconds is None else float(aht_seconds)}


def staffing_from_forecast(calls: pd.DataFrame, aht: dict, interval_minutes: int = 30, target: float = 0.8,
                           answer_seconds: float = 20, shrinkage: float = 0.3,
                           max_occupancy: float | None = None) -> tuple[pd.DataFrame, float]:
    """Erlang C staff per interval for the pooled queue; returns (plan, AHT used in seconds).

    ``calls`` is :func:`interval_calls` output; ``aht`` is :func:`aht_from_data` output. The AHT of
    the pooled queue is the per-category AHT weighted by forecast calls.
    """
    interval_minutes = check_interval(interval_minutes)
    by_cat = {c: v["aht_seconds"] for c, v in aht.get("by_category", {}).items()}
    w = calls.assign(_aht=calls["category"].map(by_cat).fillna(aht["aht_seconds"]))
    total = w["calls"].sum()
    aht_used = float((w["calls"] * w["_aht"]).sum() / total) if total > 0 else float(aht["aht_seconds"])
    pooled = w.groupby("interval_start", as_index=False)["calls"].sum()
    plan = staffing_plan(pooled, interval_minutes * 60, aht_used, target, answer_seconds, shrinkage, max_occupancy)
    plan["week"] = plan["interval_start"] - pd.to_timedelta(plan["interval_start"].dt.weekday, unit="D")
    plan["week"] = plan["week"].dt.normalize()
    return plan, aht_used


def _weekly_plan(plan: pd.DataFrame, interval_minutes: int) -> pd.DataFrame:
    hrs = interval_minutes / 60
    g = plan.groupby("week")
    out = pd.DataFrame({"calls": g["calls"].sum(), "peak_agents": g["agents"].max(),
                        "peak_scheduled_staff": g["scheduled_staff"].max(),
                        "agent_hours": g["agents"].sum() * hrs, "scheduled_staff_hours": g["scheduled_staff"].sum() * hrs,
                        "intervals_staffed": g["agents"].apply(lambda s: int((s > 0).sum()))}).reset_index()
    return out


def budget_what_if(weekly_forecast: pd.DataFrame, plan: pd.DataFrame | None = None,
                   cost_per_contact: float | None = None, hourly_loaded_rate: float | None = None,
                   interval_minutes: int = 30) -> dict:
    """Forecast cost: contacts × cost per contact, and scheduled staff-hours × hourly loaded rate."""
    out: dict = {"definition": "contact cost = forecast contacts × cost per contact; staff cost = scheduled "
                               "staff-hours (Erlang C, after shrinkage) × hourly loaded rate"}
    if cost_per_contact is None and hourly_loaded_rate is None:
        return out | {"available": False, "reason": "no cost_per_contact or hourly_loaded_rate given "
                                                    "(--cost-per-contact, --hourly-rate)"}
    for name, v in (("cost_per_contact", cost_per_contact), ("hourly_loaded_rate", hourly_loaded_rate)):
        if v is not None and not (math.isfinite(v) and v >= 0):
            raise ValueError(f"{name} must be a non-negative amount, got {v!r}.")
    out["available"] = True
    if cost_per_contact is not None:
        fc = weekly_forecast
        weeks = fc.groupby("week").agg(contacts=("forecast", "sum"), lo_80=("lo_80", "sum"), hi_80=("hi_80", "sum"))
        has_pi = fc.groupby("week")["lo_80"].apply(lambda s: bool(s.notna().all()))
        weeks.loc[~has_pi, ["lo_80", "hi_80"]] = np.nan
        out["contacts"] = {
            "cost_per_contact": float(cost_per_contact),
            "forecast_contacts": float(fc["forecast"].sum()),
            "cost": float(fc["forecast"].sum() * cost_per_contact),
            "by_week": [{"week": w.date().isoformat(), "contacts": float(r.contacts),
                         "cost": float(r.contacts * cost_per_contact),
                         "cost_lo_80": None if pd.isna(r.lo_80) else float(r.lo_80 * cost_per_contact),
                         "cost_hi_80": None if pd.isna(r.hi_80) else float(r.hi_80 * cost_per_contact)}
                        for w, r in weeks.iterrows()],
            "by_category": [{"category": c, "contacts": float(v), "cost": float(v * cost_per_contact)}
                            for c, v in fc.groupby("category")["forecast"].sum().items()]}
    if hourly_loaded_rate is not None:
        if plan is None or plan.empty:
            out["staff"] = {"available": False, "reason": "no staffing plan"}
        else:
            wk = _weekly_plan(plan, interval_minutes)
            out["staff"] = {"hourly_loaded_rate": float(hourly_loaded_rate),
                            "scheduled_staff_hours": float(wk["scheduled_staff_hours"].sum()),
                            "cost": float(wk["scheduled_staff_hours"].sum() * hourly_loaded_rate),
                            "by_week": [{"week": r.week.date().isoformat(),
                                         "scheduled_staff_hours": float(r.scheduled_staff_hours),
                                         "cost": float(r.scheduled_staff_hours * hourly_loaded_rate)}
                                        for r in wk.itertuples()],
                            "note": "a lower bound: assumes staff can be rostered interval by interval; whole "
                                    "shifts, breaks and overtime rules cost more"}
    return out


# ------------------------------------------------------------------------------------------ contact centre

def contact_centre_summary(df: pd.DataFrame, answer_seconds: float = 20) -> dict:
    """Service level, ASA, abandonment and AHT (GUIDE §5, WFM glossary) where the contacts have the fields.

    * SL(T) = answered within T ÷ offered (abandoned stay in the denominator) — needs a queue wait
      and an abandoned flag per offered contact;
    * ASA = queue wait of answered ÷ answered — needs the queue wait;
    * abandonment = abandoned ÷ offered — needs the abandoned flag;
    * AHT = (talk + hold + after-call work) ÷ handled — needs ``handle_time_s``.
    """
    out: dict = {"definition": "GUIDE §5 contact-centre measures (WFM glossary)", "contacts": int(len(df))}
    if df.empty:
        return out | {"available": False, "reason": "no contacts (kind 'interaction') in the warehouse"}
    wait_col = next((c for c in WAIT_COLUMNS if c in df and df[c].notna().any()), None)
    ab_col = next((c for c in ABANDON_COLUMNS if c in df and df[c].notna().any()), None)
    no_wait = ("the contacts carry no queue-wait time (the canonical contact fields have handle_time_s but no "
               "wait or answer time; an ACD / telephony export is needed)")
    no_ab = "the contacts carry no abandoned flag (an ACD / telephony export is needed)"
    wait = pd.to_numeric(df[wait_col], errors="coerce") if wait_col else None
    ab = df[ab_col].astype("boolean") if ab_col else None
    if wait_col and ab_col:
        offered = wait.notna() | ab.fillna(False).astype(bool)
        answered = offered & ~ab.fillna(False).astype(bool)
        within = answered & (wait <= answer_seconds)
        n = int(offered.sum())
        out["service_level"] = {"available": n > 0, "answer_seconds": float(answer_seconds), "offered": n,
                                "answered_within": int(within.sum()),
                                "service_level": float(within.sum() / n) if n else None}
    else:
        out["service_level"] = {"available": False, "reason": no_wait if not wait_col else no_ab}
    if wait_col:
        answered = wait.notna() & (~ab.fillna(False).astype(bool) if ab_col else True)
        n = int(answered.sum())
        out["asa"] = {"available": n > 0, "answered": n, "asa_seconds": float(wait[answered].mean()) if n else None}
    else:
        out["asa"] = {"available": False, "reason": no_wait}
    if ab_col:
        n = int(ab.notna().sum())
        out["abandonment"] = {"available": n > 0, "offered": n, "abandoned": int(ab.fillna(False).sum()),
                              "abandonment_rate": float(ab.fillna(False).sum() / n) if n else None}
    else:
        out["abandonment"] = {"available": False, "reason": no_ab}
    ht = pd.to_numeric(df["handle_time_s"], errors="coerce") if "handle_time_s" in df else None
    valid = ht.notna() & (ht > 0) if ht is not None else None
    if ht is None or not valid.any():
        out["aht"] = {"available": False, "reason": "no handle_time_s on the contacts"}
    else:
        aht = {"available": True, "handled": int(valid.sum()), "aht_seconds": float(ht[valid].mean()),
               "median_handle_seconds": float(ht[valid].median()),
               "excluded": {"no_handle_time": int(ht.isna().sum()), "zero_or_negative": int((ht.notna() & ~valid).sum())}}
        if "channel" in df:
            g = ht[valid].groupby(df.loc[valid, "channel"].astype(str).str.strip().str.title())
            aht["by_channel"] = [{"channel": k, "handled": int(v.size), "aht_seconds": float(v.mean())}
                                 for k, v in g if len(v)]
        out["aht"] = aht
    out["available"] = any(out[k].get("available") for k in ("service_level", "asa", "abandonment", "aht"))
    return out


# ------------------------------------------------------------------------------------------ the whole plan

def plan_report(con, horizon: int = 8, interval_minutes: int = 30, aht_seconds: float | None = None,
                target: float = 0.8, answer_seconds: float = 20, shrinkage: float = 0.3,
                profile: str = "history", opening_hours: dict | None = None,
                cost_per_contact: float | None = None, hourly_loaded_rate: float | None = None,
                max_occupancy: float | None = None, sources=None, start=None, end=None, tz: str | None = None,
                include_intervals: bool = True, staffing: bool = True) -> dict:
    """Forecast → intervals → Erlang C staff → budget, plus the contact-centre summary (JSON-ready).

    ``staffing=False`` stops after the forecast (the ``service forecast`` command). Raises
    ValueError for invalid parameters (one sentence).
    """
    from civicgrid.service.report import _jsonable, city_timezone

    check_interval(interval_minutes)
    if int(horizon) != horizon or not 1 <= horizon <= 52:
        raise ValueError(f"horizon must be a whole number of weeks from 1 to 52, got {horizon!r}.")
    tz = tz or city_timezone(con) or "UTC"
    df, kind = load_contacts(con, start=start, end=end, tz=tz, sources=sources)
    out: dict = {"timezone": tz, "contacts_from": kind, "rows": int(len(df)),
                 "sources": df["source"].value_counts().to_dict() if len(df) else {}}
    if df.empty:
        return _jsonable(out | {"available": False, "reason": "no interaction or service_request rows in the warehouse"})
    df["service_category"] = service_categories(df)
    weekly, hist = full_weeks(df, tz)
    out["history"] = hist | {"by": "service_category", "weeks": "Monday–Sunday, local time; partial edge weeks dropped"}
    info, summary, fc = forecast_section(weekly, horizon)
    out["forecast"] = info
    if not info["available"]:
        out["available"] = False
        out["reason"] = info["reason"]
        return _jsonable(out)
    out["available"] = True
    out["forecast"]["backtest_summary"] = summary
    out["forecast"]["weekly"] = fc
    out["forecast"]["total_by_week"] = fc.groupby("week", as_index=False)["forecast"].sum()
    if not staffing:
        return _jsonable(out)
    weeks = weekly["week"].drop_duplicates()
    prof, pinfo = interval_profile(df, tz, interval_minutes, method=profile, opening_hours=opening_hours, weeks=weeks)
    calls = interval_calls(fc, prof, interval_minutes)
    aht = aht_from_data(df, aht_seconds)
    plan, aht_used = staffing_from_forecast(calls, aht, interval_minutes, target, answer_seconds, shrinkage,
                                            max_occupancy)
    out["distribution"] = pinfo | {"interval_minutes": interval_minutes,
                                   "interval_start": f"local wall-clock time ({tz})"}
    out["aht"] = aht
    out["staffing"] = {
        "definition": "Erlang C per interval for one pooled queue (GUIDE §5): agents N for the target service "
                      "level, scheduled staff = ⌈N ÷ (1 − shrinkage)⌉",
        "assumptions": "Poisson arrivals within an interval, exponential handle times, no abandonment; the AHT "
                       "of the pooled queue is the per-category AHT weighted by forecast calls",
        "interval_minutes": interval_minutes, "aht_seconds": aht_used, "aht_source": aht["source"],
        "target_service_level": target, "answer_seconds": answer_seconds, "shrinkage": shrinkage,
        "max_occupancy": max_occupancy, "by_week": _weekly_plan(plan, interval_minutes),
        "peak_interval": plan.loc[plan["scheduled_staff"].idxmax(), ["interval_start", "calls", "agents",
                                                                     "scheduled_staff"]].to_dict()
        if len(plan) else None}
    staffed = plan.loc[plan["calls"] > 0, "calls"]
    if len(staffed) and staffed.median() < 1:
        out["staffing"]["low_volume_note"] = (
            f"the median staffed interval expects {staffed.median():.2f} calls: Erlang C puts at least one agent on "
            "every interval with any forecast calls, so staff-hours are driven by how many intervals have calls, "
            "not by volume; use longer intervals, the flat profile over opening hours, or pool with other work")
    if include_intervals:
        out["staffing"]["intervals"] = plan.drop(columns=["week"])
    out["budget"] = budget_what_if(fc, plan, cost_per_contact, hourly_loaded_rate, interval_minutes)
    contacts = df[df["kind"] == "interaction"] if "kind" in df else df.iloc[0:0]
    out["contact_centre"] = contact_centre_summary(contacts, answer_seconds)
    return _jsonable(out)
