"""Hard-to-fill job classes, ranked with the evidence shown.

Each job class gets up to four signals, from whatever the city has loaded:

=====================  ======================================================  ==========
signal                 definition                                              harder if
=====================  ======================================================  ==========
median_days_to_fill    median requisition → offer-accepted days (postings)     higher
postings               postings for the class (repeated postings = re-posts)   higher
applicants_per_posting median applications per posting                         lower
turnover               separations ÷ summed average headcount, all periods     higher
=====================  ======================================================  ==========

Every available signal is turned into a percentile rank among the classes that have it (1 = the
hardest); the **score** is the mean of a class's percentile ranks, and ``signals`` says how many it
rests on. Nothing is hidden in the score: each row carries the raw values beside their ranks. A
class needs an average headcount of ``hard_to_fill_min_headcount`` for its turnover to count (a
class of three people has a turnover of 0 % or 33 %), and any class whose group is under
``min_group`` people is suppressed. It is a list to look into, not a verdict: seasonal and
part-time classes turn over by design.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from civicgrid.workforce.settings import WorkforceSettings
from civicgrid.workforce.spells import job_class

SIGNALS = {"median_days_to_fill": True, "postings": True, "applicants_per_posting": False, "turnover": True}

__all__ = ["SIGNALS", "hard_to_fill"]


def _posting_signals(postings: pd.DataFrame, applicants: pd.DataFrame, upper: bool) -> pd.DataFrame:
    if postings is None or not len(postings):
        return pd.DataFrame(columns=["job_class"])
    p = postings.copy()
    p["job_class"] = job_class(p["job_title"].fillna(p["job_code"]), upper).fillna("(no job title)")
    p["days"] = (p["filled_at"] - p["opened_at"]).dt.days
    p.loc[p["days"] < 0, "days"] = np.nan
    out = p.groupby("job_class").agg(postings=("record_id", "nunique"), median_days_to_fill=("days", "median"))
    if applicants is not None and len(applicants):
        n = applicants.groupby("posting_id").size()
        p["applicants"] = p["record_id"].map(n).fillna(0)
        out["applicants_per_posting"] = p.groupby("job_class")["applicants"].median()
    return out.reset_index()


def hard_to_fill(turnover_by_class: pd.DataFrame | None, postings: pd.DataFrame | None,
                 applicants: pd.DataFrame | None, settings: WorkforceSettings | None = None
                 ) -> tuple[pd.DataFrame, dict]:
    """Rank job classes by the signals above.

    Args:
        turnover_by_class: output of :func:`civicgrid.workforce.turnover.turnover_summary` at the
            job-class level (already suppressed), or None.
        postings, applicants: frames from :mod:`civicgrid.workforce.load` (may be empty).

    Returns:
        ``(table, summary)``: the top ``hard_to_fill_top`` classes with ``rank``, ``score``,
        ``signals`` and each signal's value and ``<signal>_pct``; the summary names the signals
        that were available.
    """
    s = settings or WorkforceSettings()
    frames = []
    if turnover_by_class is not None and len(turnover_by_class):
        t = turnover_by_class.rename(columns={"group_name": "job_class"})
        t = t[~t["suppressed"].astype(bool)].copy()
        avg = pd.to_numeric(t["person_years"]) / pd.to_numeric(t["periods"])
        t["avg_headcount"] = avg
        t = t[avg >= s.hard_to_fill_min_headcount]
        frames.append(t[["job_class", "turnover", "separations", "avg_headcount"]])
    ps = _posting_signals(postings, applicants, s.job_class_upper)
    if len(ps):
        frames.append(ps)
    if not frames:
        return pd.DataFrame(), {"status": "not_available", "reason": "no turnover or posting data"}
    df = frames[0].copy()
    for f in frames[1:]:
        df = df.merge(f, on="job_class", how="outer")
    used = [c for c in SIGNALS if c in df and pd.to_numeric(df[c], errors="coerce").notna().any()]
    for c in used:
        v = pd.to_numeric(df[c], errors="coerce")
        df[f"{c}_pct"] = v.rank(pct=True, ascending=SIGNALS[c])
    pct = df[[f"{c}_pct" for c in used]]
    df["signals"] = pct.notna().sum(axis=1)
    df["score"] = pct.mean(axis=1)
    df = df[df["signals"] > 0].sort_values(["score", "signals"], ascending=[False, False])
    df.insert(0, "rank", range(1, len(df) + 1))
    top = df.head(s.hard_to_fill_top).reset_index(drop=True)
    missing = [c for c in SIGNALS if c not in used]
    return top, {"status": "ok", "signals_used": used, "signals_missing": missing,
                 "classes_ranked": int(len(df)),
                 "note": "percentile ranks among classes with the signal; score = their mean; "
                         "seasonal and part-time classes turn over by design"}
