"""Staff, team and crew performance, adjusted for the mix of request types — shown as distributions.

A crew that gets the slow request types looks slow unless its numbers are compared with what its
mix would predict. For each group (agent, team or crew) and measure:

* **observed**: the group's own value (median hours to close, on-time share, transfer share);
* **expected** (case-mix): Σ over request types of the group's count of that type × the citywide
  value for the type, ÷ the group's count — i.e. the citywide value re-weighted to the group's mix;
* **observed ÷ expected** (1 = as expected for that mix).

Groups with fewer than ``min_group`` (default 5) requests are suppressed: values None and
``suppressed: True`` (GUIDE §6); a measure whose own denominator is under ``min_group`` is also
withheld. Output is the distribution across groups (quantiles) with context, and the groups in
alphabetical order — never ranked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from civicgrid.service.metrics import due_times, hours_between, is_transferred, request_type_of

MIN_GROUP = 5
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
CONTEXT = ("Ratios compare each group with the citywide value for its own mix of request types (1 = as "
           "expected). Differences also reflect area, crew size, equipment, weather and how work is "
           "recorded; small groups swing widely. Use this to ask questions, not to rank people.")


def _frame(df: pd.DataFrame, flags: pd.DataFrame, sla_table, category, tz: str) -> pd.DataFrame:
    f = pd.DataFrame(index=df.index)
    f["type"] = (df["request_type"] if "request_type" in df else request_type_of(df)).fillna("(no type)")
    hours = hours_between(df["opened_at"], df["closed_at"])
    f["hours"] = hours.where(df["closed_at"].notna() & ~flags["missing_opened"] & ~flags["negative"])
    d = due_times(df, sla_table, tz)
    has_due = f["hours"].notna() & d["due"].notna() & (d["due"] >= pd.to_datetime(df["opened_at"], utc=True))
    f["on_time"] = (pd.to_datetime(df["closed_at"], utc=True) <= d["due"]).where(has_due).astype(float)
    f["transferred"] = is_transferred(df, category).astype(float)
    return f


def _expected(f: pd.DataFrame, member: pd.Series, col: str, city: pd.Series) -> tuple[float | None, int]:
    """Citywide per-type values re-weighted by the group's own count of each type (rows with the measure)."""
    rows = f.loc[member & f[col].notna()]
    n = len(rows)
    if not n:
        return None, 0
    w = rows["type"].value_counts()
    return float((w * city.reindex(w.index)).sum() / w.sum()), n


def _q(values: list[float]) -> dict | None:
    v = [x for x in values if x is not None and np.isfinite(x)]
    if not v:
        return None
    return {f"p{int(q * 100)}": float(np.quantile(v, q)) for q in QUANTILES} | {"groups": len(v)}


def staff_performance(df: pd.DataFrame, flags: pd.DataFrame, level: str = "team", sla_table=None,
                      category: pd.Series | None = None, min_group: int = MIN_GROUP, tz: str = "UTC") -> dict:
    """Workload, time to close, on-time % and transfer rate per ``level`` (agent/team/crew column).

    Returns ``{"level", "definition", "context", "citywide", "distribution", "groups", "suppressed_groups",
    "unassigned_requests"}``; ``groups`` are alphabetical dicts with observed / expected / ratio per
    measure, or ``suppressed: True`` and None values.
    """
    if level not in df or df[level].notna().sum() == 0:
        return {"level": level, "available": False, "reason": f"no {level!r} values in these requests"}
    f = _frame(df, flags, sla_table, category, tz)
    city_hours = f.groupby("type")["hours"].median()
    city_ontime = f.groupby("type")["on_time"].mean()
    city_transfer = f.groupby("type")["transferred"].mean()
    groups, suppressed = [], 0
    measures = (("median_hours_to_close", "hours", city_hours, lambda s: s.median()),
                ("on_time_share", "on_time", city_ontime, lambda s: s.mean()),
                ("transfer_share", "transferred", city_transfer, lambda s: s.mean()))
    for name, idx in sorted(df.groupby(level).groups.items(), key=lambda kv: str(kv[0])):
        member = pd.Series(df.index.isin(idx), index=df.index)
        n = int(member.sum())
        row: dict = {level: name, "requests": n if n >= min_group else None, "suppressed": n < min_group}
        if n < min_group:
            suppressed += 1
            groups.append(row | {m: None for m, *_ in measures})
            continue
        row["request_types"] = int(f.loc[member, "type"].nunique())
        for m, col, city, agg in measures:
            vals = f.loc[member, col].dropna()
            exp, k = _expected(f, member, col, city)
            if k < min_group:
                row[m] = {"n": k, "observed": None, "expected": None, "ratio": None,
                          "withheld": f"fewer than {min_group}"}
                continue
            obs = float(agg(vals))
            ratio = obs / exp if exp not in (None, 0) and np.isfinite(exp) else None
            row[m] = {"n": k, "observed": obs, "expected": exp, "ratio": ratio}
            if ratio is None:
                row[m]["note"] = "expected value is 0: no ratio (compare observed with expected directly)"
        groups.append(row)
    shown = [g for g in groups if not g["suppressed"]]
    dist = {"requests": _q([g["requests"] for g in shown])}
    for m, *_ in measures:
        dist[m + "_ratio"] = _q([g[m]["ratio"] for g in shown if g[m]["ratio"] is not None])
        dist[m + "_observed"] = _q([g[m]["observed"] for g in shown if g[m]["observed"] is not None])
    return {
        "level": level, "available": True,
        "definition": "observed vs case-mix expected (Σ_types group count × citywide value ÷ group count); "
                      f"groups under {min_group} requests suppressed",
        "context": CONTEXT,
        "citywide": {"median_hours_to_close": float(f["hours"].median()) if f["hours"].notna().any() else None,
                     "on_time_share": float(f["on_time"].mean()) if f["on_time"].notna().any() else None,
                     "transfer_share": float(f["transferred"].mean()) if len(f) else None},
        "distribution": dist, "groups": groups, "suppressed_groups": suppressed,
        "groups_shown": len(shown), "unassigned_requests": int(df[level].isna().sum()),
    }
