"""Outcomes: did discussed properties improve, compared with similar ones never discussed?

For every case, *first discussion* is the date of the first meeting (not cancelled) whose agenda
held it. Counted events (points > 0; protected calls never counted) per month are compared in the
``months`` before and after that date (the after-period stops at the data's as-of date). The
comparison group: for each discussed location, the ``k`` never-discussed locations of the same
level with the closest number of counted events in the same before-period (ties: closest score at
that date), given the same date. Difference in differences = (after − before per month) of the
discussed minus the same for their comparisons. Counts are always shown beside the estimate: with
few discussed properties the estimate is noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import select

from civicgrid.appstate import AgendaItem, IntegrationCase, Meeting, session_scope
from civicgrid.integration.api import resolve_settings, warehouse
from civicgrid.integration.casework import ready
from civicgrid.integration.early_warning import counted_rows
from civicgrid.integration.events import days, prepare

MONTH = 30.4375


def first_discussions(app_db) -> pd.DataFrame:
    """``level``, ``location_key``, ``case_id``, ``first_discussed`` (date) of every case ever on an agenda."""
    with session_scope(ready(app_db)) as s:
        q = (select(IntegrationCase.level, IntegrationCase.location_key, IntegrationCase.id, Meeting.held_on)
             .join(AgendaItem, AgendaItem.case_id == IntegrationCase.id)
             .join(Meeting, Meeting.id == AgendaItem.meeting_id).where(Meeting.status != "cancelled"))
        rows = s.execute(q).all()
    df = pd.DataFrame(rows, columns=["level", "location_key", "case_id", "held_on"])
    if df.empty:
        return df.rename(columns={"held_on": "first_discussed"})
    return (df.groupby(["level", "location_key"]).agg(case_id=("case_id", "min"), first_discussed=("held_on", "min"))
            .reset_index())


def outcomes(app_db, db, *, months: int = 6, k: int = 5, cfg=None, settings=None) -> dict:
    """Events per month before and after first discussion, discussed vs matched never-discussed."""
    disc = first_discussions(app_db)
    with warehouse(db) as con:
        prep = prepare(con, resolve_settings(con, cfg, settings))
    T_end = days(prep.as_of)
    span = months * MONTH
    result = {"as_of": prep.as_of.isoformat(), "months": months, "k": k, "levels": {}, "cases": []}
    for lv, d in disc.groupby("level") if len(disc) else []:
        rows = counted_rows(prep, lv)
        t_all, w_all, key_all = rows["t"].to_numpy(), rows["weight"].to_numpy(), rows["key"].to_numpy()
        discussed = set(d["location_key"])
        per_case, diffs_t, diffs_c = [], [], []
        for r in d.itertuples():
            t0 = days(pd.Timestamp(r.first_discussed, tz="UTC"))
            after_len = min(span, T_end - t0)
            if after_len <= MONTH / 2:
                per_case.append({"level": lv, "location_key": r.location_key, "first_discussed": str(r.first_discussed),
                                 "status": "too recent: less than half a month of data after first discussion"})
                continue
            pre_m = (t_all >= t0 - span) & (t_all < t0)
            post_m = (t_all >= t0) & (t_all < t0 + after_len)
            before = pd.Series(w_all[pre_m]).groupby(key_all[pre_m]).sum() / months
            after = pd.Series(w_all[post_m]).groupby(key_all[post_m]).sum() / (after_len / MONTH)
            b, a = float(before.get(r.location_key, 0.0)), float(after.get(r.location_key, 0.0))
            pool = before[~before.index.isin(discussed) & (before > 0)]
            if pool.empty:
                continue
            ctrl = list((pool - b).abs().sort_values(kind="stable").index[:k])
            cr = np.array([[before.get(c, 0.0), after.get(c, 0.0)] for c in ctrl])
            cb, ca = float(cr[:, 0].mean()), float(cr[:, 1].mean())
            diffs_t.append(a - b)
            diffs_c.append(ca - cb)
            per_case.append({"level": lv, "location_key": r.location_key, "first_discussed": str(r.first_discussed),
                             "events_before": round(b * months, 2), "events_after": round(a * after_len / MONTH, 2),
                             "before_per_month": round(b, 3), "after_per_month": round(a, 3),
                             "after_months": round(after_len / MONTH, 1), "comparison_locations": len(ctrl),
                             "comparison_before_per_month": round(cb, 3), "comparison_after_per_month": round(ca, 3),
                             "did": round((a - b) - (ca - cb), 3)})
        n = len(diffs_t)
        est = float(np.mean(diffs_t) - np.mean(diffs_c)) if n else None
        se = float(np.std(np.array(diffs_t) - np.array(diffs_c), ddof=1) / np.sqrt(n)) if n > 1 else None
        done = [c for c in per_case if "did" in c]
        result["levels"][lv] = {
            "discussed": int(len(d)), "with_after_data": n, "comparison_per_case": k,
            "comparison_locations": sum(c["comparison_locations"] for c in done),
            "events_before": round(sum(c["events_before"] for c in done), 2),
            "events_after": round(sum(c["events_after"] for c in done), 2),
            "discussed_change_per_month": round(float(np.mean(diffs_t)), 3) if n else None,
            "comparison_change_per_month": round(float(np.mean(diffs_c)), 3) if n else None,
            "difference_in_differences": round(est, 3) if est is not None else None,
            "standard_error": round(se, 3) if se is not None else None,
            "reading": _reading(est, se, n)}
        result["cases"].extend(per_case)
    if not result["levels"]:
        result["note"] = "no discussed cases with data after their first discussion yet"
    return result


def _reading(est, se, n) -> str:
    if est is None:
        return "no discussed location has data after its first discussion yet"
    if n < 10 or se is None:
        return f"only {n} discussed location(s): too few to tell an effect from chance"
    if abs(est) < 2 * se:
        return "no difference distinguishable from chance (|DiD| < 2 standard errors)"
    return ("discussed locations improved more than their comparisons" if est < 0
            else "discussed locations worsened relative to their comparisons")
