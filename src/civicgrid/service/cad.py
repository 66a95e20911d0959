"""Police CAD response times: received → dispatched → en route → on scene → cleared.

Reads the ``police_call`` rows of ``events`` (any warehouse; the stage columns are ``opened_at``
= received, ``dispatched_at``, ``enroute_at``, ``onscene_at`` and ``closed_at`` = cleared) and
reports, overall and per call type, district, beat, unit and officer:

* **intervals** between consecutive stages, plus the response time (received → on scene) and the
  total time (received → cleared), as count, median and P90 in hours (the mean beside them);
* **missing stages stay missing**: an interval exists only when both of its stages have a time. A
  CAD placeholder date (e.g. Sacramento's ``1900-01-01`` for "never happened") is not a time: the
  warehouse already stores it as NULL, and any stage time before 1901 that still reaches this module
  is treated as missing too and counted (``placeholder_dates``) — never a 119-year wait;
* **never dispatched**: calls with no dispatch time (handled by phone, cancelled, report taken),
  counted and shown as a share, per group too; they are left out of the dispatch-based intervals;
* intervals whose later stage is earlier than the earlier one (out of order) are left out and
  counted per interval (``negative``).

**Time resolution.** When every stage time in the data falls on local midnight (city time zone),
the export holds calendar dates, not times — the Sacramento 2019 extract is like this (its
``*_Time`` columns are not published). Intervals are then whole days (0 h = same day, 24 h = next
day); sub-day response times cannot be measured from such data and the report says so in
``time_resolution``. Percentiles of day-level intervals are observed values (inverted CDF: the
smallest value with at least that share of calls at or below it), because interpolating between
whole days would invent precision the data does not have; they come with the share of calls whose
stages fell on the same day and the distribution of whole days. For data with real times,
percentiles use linear interpolation, as every other service metric (docs/metrics.md).

Unit and officer groups with fewer than ``min_group`` (default 5) calls are suppressed (GUIDE §6)
and every group list is in name order, never ranked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["GROUPS", "INTERVALS", "STAGES", "cad_frame", "cad_response_times", "cad_summary", "cad_table",
           "interval_hours", "load_calls", "time_resolution"]

#: stage name → events column, in the order a call goes through them
STAGES = {"received": "opened_at", "dispatched": "dispatched_at", "enroute": "enroute_at",
          "onscene": "onscene_at", "cleared": "closed_at"}
#: interval name → (from stage, to stage)
INTERVALS = {
    "received_to_dispatched": ("received", "dispatched"),
    "dispatched_to_enroute": ("dispatched", "enroute"),
    "enroute_to_onscene": ("enroute", "onscene"),
    "onscene_to_cleared": ("onscene", "cleared"),
    "received_to_onscene": ("received", "onscene"),
    "received_to_cleared": ("received", "cleared"),
}
INTERVAL_TEXT = {
    "received_to_dispatched": "call received → first unit dispatched (queue / dispatch delay)",
    "dispatched_to_enroute": "dispatched → unit en route",
    "enroute_to_onscene": "en route → on scene (travel)",
    "onscene_to_cleared": "on scene → cleared (time at the call)",
    "received_to_onscene": "received → on scene (response time)",
    "received_to_cleared": "received → cleared (whole call)",
}
#: group name → events column
GROUPS = {"call_type": "call_type", "district": "police_zone", "beat": "police_beat", "unit": "team",
          "officer": "agent"}
#: groups that identify staff: suppressed under min_group (GUIDE §6)
STAFF_GROUPS = ("unit", "officer")
MIN_GROUP = 5
PLACEHOLDER_BEFORE = pd.Timestamp("1901-01-01", tz="UTC")
DAY_BINS = ((0, "same_day"), (1, "next_day"), (2, "2_6_days"), (7, "7_days_or_more"))

DAY_LEVEL_STATEMENT = ("Every stage time in these calls is a calendar date (local midnight): the export "
                       "publishes dates, not times (the Sacramento 2019 extract is like this). Intervals are "
                       "therefore whole days — 0 hours means the same calendar day, 24 hours the next day — "
                       "and response times within a day cannot be measured from this data. Percentiles are "
                       "observed values (inverted CDF), not interpolated.")
TIME_LEVEL_STATEMENT = ("Stage times carry a time of day: intervals are measured in hours with linear-"
                        "interpolation percentiles.")


def _utc(s: pd.Series) -> pd.Series:
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert("UTC")
    return pd.to_datetime(s, utc=True)


def load_calls(con, start=None, end=None, tz: str = "UTC", kind: str = "police_call") -> pd.DataFrame:
    """``police_call`` rows of ``events`` (opened from ``start`` through ``end``, local ``tz``) with UTC stages."""
    from civicgrid.service.metrics import opened_window

    cols = ["source", "record_id", "category", "type_code", "description", "agent", "team", "police_zone",
            "police_beat", "file", *STAGES.values()]
    have = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = 'events'").fetchall()}
    if not have:
        return pd.DataFrame(columns=cols)
    sel = ", ".join(c if c in have else f"NULL AS {c}" for c in cols)
    sql, params = opened_window(f"SELECT {sel} FROM events WHERE kind = ?", [kind], start, end, tz)
    df = con.execute(sql + " ORDER BY source, record_id", params).df()
    for c in STAGES.values():
        df[c] = _utc(df[c])
    return df


def cad_frame(df: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Stage times with placeholders (before 1901) set missing, and a ``call_type`` column.

    Returns the cleaned frame and ``{stage: placeholder count}``.
    """
    df = df.copy()
    placeholders = {}
    for stage, col in STAGES.items():
        if col not in df:
            df[col] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
        t = _utc(df[col])
        bad = t.notna() & (t < PLACEHOLDER_BEFORE)
        placeholders[stage] = int(bad.sum())
        df[col] = t.mask(bad)
    code = df["type_code"] if "type_code" in df else pd.Series(None, index=df.index, dtype=object)
    if "category" in df:
        code = code.fillna(df["category"])
    df["call_type"] = code
    return df, placeholders


def time_resolution(df: pd.DataFrame, tz: str = "UTC") -> str:
    """``"day"`` when every stage time present is local midnight in ``tz`` (dates only), else ``"time"``."""
    vals = pd.concat([_utc(df[c]) for c in STAGES.values() if c in df], ignore_index=True).dropna()
    if vals.empty:
        return "unknown"
    local = vals.dt.tz_convert(tz)
    return "day" if bool((local == local.dt.normalize()).all()) else "time"


def interval_hours(df: pd.DataFrame, resolution: str = "time") -> tuple[pd.DataFrame, dict]:
    """Hours for each interval (NaN when a stage is missing or the interval is negative) and negatives per interval.

    With day-level data an interval is a whole number of calendar days × 24 h: a span over a
    daylight-saving change (local midnight to local midnight, 23 or 25 hours) still counts as a day.
    """
    out, negative = pd.DataFrame(index=df.index), {}
    for name, (a, b) in INTERVALS.items():
        h = (_utc(df[STAGES[b]]) - _utc(df[STAGES[a]])).dt.total_seconds() / 3600
        if resolution == "day":
            h = (h / 24).round() * 24
        neg = h < 0
        negative[name] = int(neg.sum())
        out[name] = h.mask(neg)
    return out, negative


def _quantile(x: np.ndarray, q: float, resolution: str) -> float | None:
    if not len(x):
        return None
    return float(np.quantile(x, q, method="inverted_cdf" if resolution == "day" else "linear"))


def _stats(h: pd.Series, resolution: str) -> dict:
    x = h.dropna().to_numpy(dtype=float)
    out = {"n": int(len(x)), "median_hours": _quantile(x, 0.5, resolution),
           "p90_hours": _quantile(x, 0.9, resolution), "mean_hours": float(x.mean()) if len(x) else None}
    if resolution == "day":
        days = np.round(x / 24).astype(int)
        out["share_same_day"] = float((days == 0).mean()) if len(x) else None
        edges = [b for b, _ in DAY_BINS] + [np.inf]
        out["days"] = {label: int(((days >= lo) & (days < hi)).sum())
                       for (lo, label), hi in zip(DAY_BINS, edges[1:])}
        out["max_days"] = int(days.max()) if len(x) else None
    return out


def _sorted_quantile(vals: np.ndarray, starts: np.ndarray, counts: np.ndarray, q: float,
                     resolution: str) -> np.ndarray:
    """Quantile ``q`` of each run ``vals[starts:starts+counts]`` (each run sorted); NaN for empty runs.

    Linear interpolation as numpy's default, or the inverted CDF (an observed value) for day-level data.
    """
    out = np.full(len(counts), np.nan)
    ok = counts > 0
    st, n = starts[ok], counts[ok]
    if resolution == "day":
        out[ok] = vals[st + np.maximum(np.ceil(n * q - 1e-9).astype(int) - 1, 0)]
    else:
        pos = (n - 1) * q
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, n - 1)
        out[ok] = vals[st + lo] + (pos - lo) * (vals[st + hi] - vals[st + lo])
    return out


def _group_rows(df: pd.DataFrame, hours: pd.DataFrame, col: str, resolution: str, suppress: bool,
                min_group: int, labels: pd.Series | None = None) -> tuple[list[dict], int, int]:
    """One flat row per group: calls, never dispatched, and n / median / P90 hours per interval.

    Vectorised over all groups at once (a city has hundreds of units): values are sorted by
    (group, interval, value) and each run's quantiles picked by position.
    """
    codes, uniques = pd.factorize(df[col].astype("string"))
    missing = int((codes < 0).sum())
    g, k = len(uniques), len(INTERVALS)
    never = df[STAGES["dispatched"]].isna().to_numpy()
    has = codes >= 0
    calls = np.bincount(codes[has], minlength=g)
    n_never = np.bincount(codes[has], weights=never[has].astype(float), minlength=g)
    h = hours[list(INTERVALS)].to_numpy(dtype=float)
    r, c = np.nonzero(~np.isnan(h) & has[:, None])
    vals, comb = h[r, c], codes[r] * k + c
    order = np.lexsort((vals, comb))
    vals, comb = vals[order], comb[order]
    counts = np.bincount(comb, minlength=g * k)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    med = _sorted_quantile(vals, starts, counts, 0.5, resolution).reshape(g, k)
    p90 = _sorted_quantile(vals, starts, counts, 0.9, resolution).reshape(g, k)
    same = (np.bincount(comb, weights=(np.round(vals / 24) == 0).astype(float), minlength=g * k)
            / np.maximum(counts, 1)).reshape(g, k)
    counts = counts.reshape(g, k)
    names = list(INTERVALS)
    rows, suppressed = [], 0
    for i in sorted(range(g), key=lambda j: str(uniques[j])):
        name = str(uniques[i])
        row: dict = {"group": name}
        if labels is not None:
            row["label"] = labels.get(uniques[i])
        n = int(calls[i])
        if suppress and n < min_group:
            suppressed += 1
            rows.append(row | {"calls": None, "suppressed": True})
            continue
        row |= {"calls": n, "suppressed": False, "never_dispatched": int(n_never[i]),
                "never_dispatched_share": float(n_never[i] / n)}
        for j, iv in enumerate(names):
            m = int(counts[i, j])
            row |= {f"{iv}_n": m, f"{iv}_median_hours": float(med[i, j]) if m else None,
                    f"{iv}_p90_hours": float(p90[i, j]) if m else None}
            if resolution == "day":
                row[f"{iv}_share_same_day"] = float(same[i, j]) if m else None
        rows.append(row)
    return rows, suppressed, missing


def _distribution(rows: list[dict], key: str) -> dict | None:
    v = [r[key] for r in rows if not r.get("suppressed") and r.get(key) is not None]
    if not v:
        return None
    return {f"p{int(q * 100)}": float(np.quantile(v, q)) for q in (0.1, 0.25, 0.5, 0.75, 0.9)} | {"groups": len(v)}


def cad_summary(df: pd.DataFrame, tz: str = "UTC", min_group: int = MIN_GROUP) -> dict:
    """The CAD response-time report for a frame of calls (see the module doc); JSON-ready."""
    if df.empty:
        return {"available": False, "reason": "no police_call rows in the warehouse"}
    df, placeholders = cad_frame(df)
    resolution = time_resolution(df, tz)
    hours, negative = interval_hours(df, resolution)
    stage_present = {s: int(df[c].notna().sum()) for s, c in STAGES.items()}
    never = df[STAGES["dispatched"]].isna()
    recorded = pd.Series(False, index=df.index)
    for c in ("team", "agent"):
        if c in df:
            recorded |= df[c].notna()
    opened = df[STAGES["received"]]
    first, last = opened.min(), opened.max()
    overall = {}
    for name in INTERVALS:
        overall[name] = {"definition": INTERVAL_TEXT[name], **_stats(hours[name], resolution),
                         "excluded": {"stage_missing": int(hours[name].isna().sum() - negative[name]),
                                      "negative": negative[name]}}
    labels = None
    if "description" in df:
        d = df.dropna(subset=["call_type"])
        if len(d):
            labels = (d.assign(description=d["description"].fillna(""))
                      .groupby(["call_type", "description"]).size().reset_index(name="n")
                      .sort_values(["call_type", "n", "description"], ascending=[True, False, True])
                      .drop_duplicates("call_type").set_index("call_type")["description"].replace("", None))
    by, suppressed, missing, dist = {}, {}, {}, {}
    for group, col in GROUPS.items():
        if col not in df or df[col].isna().all():
            by[group] = None
            continue
        rows, sup, miss = _group_rows(df, hours, col, resolution, group in STAFF_GROUPS, min_group,
                                      labels if group == "call_type" else None)
        if group == "call_type":
            rows.sort(key=lambda r: (-(r["calls"] or 0), r["group"]))
        by[group] = rows
        suppressed[group] = sup
        missing[group] = miss
        if group in STAFF_GROUPS:
            dist[group] = {"calls": _distribution(rows, "calls"),
                           "received_to_onscene_median_hours": _distribution(rows, "received_to_onscene_median_hours"),
                           "onscene_to_cleared_median_hours": _distribution(rows, "onscene_to_cleared_median_hours")}
    return {
        "available": True,
        "definition": "intervals between CAD stages (received → dispatched → en route → on scene → cleared) where "
                      "both stages have a time; median and P90 in hours; missing stages stay missing",
        "unit": "hours",
        "timezone": tz,
        "time_resolution": {"resolution": resolution,
                            "statement": DAY_LEVEL_STATEMENT if resolution == "day" else TIME_LEVEL_STATEMENT,
                            "percentile_method": "inverted_cdf" if resolution == "day" else "linear"},
        "calls": int(len(df)),
        "sources": df["source"].value_counts().to_dict() if "source" in df else {},
        "first_received": None if pd.isna(first) else first.isoformat(),
        "last_received": None if pd.isna(last) else last.isoformat(),
        "stages_present": stage_present,
        "placeholder_dates": {"definition": "stage times before 1901 (CAD placeholders such as 1900-01-01) treated "
                                            "as missing", **placeholders},
        "never_dispatched": {"definition": "calls without a dispatch time (handled without sending a unit, "
                                           "cancelled, or a report taken by phone)",
                             "count": int(never.sum()), "share": float(never.mean()),
                             "cleared_without_dispatch": int((never & df[STAGES["cleared"]].notna()).sum()),
                             "with_unit_or_officer_recorded": int((never & recorded).sum())},
        "dispatched_never_on_scene": int((~never & df[STAGES["onscene"]].isna()).sum()),
        "missing_received": int(opened.isna().sum()),
        "intervals": overall,
        "by": by,
        "groups_without_value": missing,
        "suppressed_groups": suppressed,
        "staff_distribution": dist,
        "privacy": f"unit and officer groups under {min_group} calls are suppressed; lists are in name order, "
                   "not ranked (GUIDE §6)",
    }


def cad_response_times(con, start=None, end=None, tz: str | None = None, min_group: int = MIN_GROUP) -> dict:
    """The CAD response-time report from a warehouse connection (``police_call`` rows of ``events``).

    ``tz`` defaults to the city's time zone (from the latest build's config), else UTC; ``start`` and
    ``end`` select calls received in that window (naive values are local).
    """
    from civicgrid.service.report import _jsonable, city_timezone

    tz = tz or city_timezone(con) or "UTC"
    out = cad_summary(load_calls(con, start=start, end=end, tz=tz), tz=tz, min_group=min_group)
    out["window"] = {"start": None if start is None else str(start), "end": None if end is None else str(end)}
    return _jsonable(out)


def cad_table(report: dict) -> pd.DataFrame:
    """Long table of a :func:`cad_response_times` report: one row per level × group × interval.

    Columns: ``level`` (overall, call_type, district, beat, unit, officer), ``group_name``,
    ``label``, ``calls``, ``never_dispatched``, ``interval``, ``n``, ``median_hours``,
    ``p90_hours``, ``share_same_day``, ``suppressed``, ``time_resolution``.
    """
    cols = ["level", "group_name", "label", "calls", "never_dispatched", "interval", "n", "median_hours",
            "p90_hours", "share_same_day", "suppressed", "time_resolution"]
    if not report or not report.get("available"):
        return pd.DataFrame(columns=cols)
    res = report["time_resolution"]["resolution"]
    rows = []
    for name, s in report["intervals"].items():
        rows.append({"level": "overall", "group_name": "all", "label": None, "calls": report["calls"],
                     "never_dispatched": report["never_dispatched"]["count"], "interval": name, "n": s["n"],
                     "median_hours": s["median_hours"], "p90_hours": s["p90_hours"],
                     "share_same_day": s.get("share_same_day"), "suppressed": False})
    for level, grp in (report.get("by") or {}).items():
        for g in grp or []:
            for name in INTERVALS:
                rows.append({"level": level, "group_name": g["group"], "label": g.get("label"),
                             "calls": g.get("calls"), "never_dispatched": g.get("never_dispatched"),
                             "interval": name, "n": g.get(f"{name}_n"),
                             "median_hours": g.get(f"{name}_median_hours"), "p90_hours": g.get(f"{name}_p90_hours"),
                             "share_same_day": g.get(f"{name}_share_same_day"), "suppressed": g["suppressed"]})
    out = pd.DataFrame(rows, columns=cols)
    out["time_resolution"] = res
    return out
