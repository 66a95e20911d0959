"""Hiring speed and vacancies: time to fill, time to hire, vacancy rate (GUIDE §5).

* **time to fill** = requisition opened (``job_postings.opened_at``) → offer accepted
  (``filled_at``), in days, per posting;
* **time to hire** = application (``job_applicants.applied_at``) → accepted offer
  (``offer_accepted_at``), in days, per hired applicant;
* both reported as percentiles (P25, median, P75, P90 — never only the mean) by job class; a
  negative duration is a data error: counted and left out;
* **vacancy rate** = vacant ÷ authorized positions, where authorized positions are configured
  (``authorized_positions`` per department); filled = distinct people (FTE when given) on the latest
  roster in that department.

Job classes with fewer than ``min_group`` postings / hires are suppressed (a percentile of 1–4
hires describes those people's applications).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from civicgrid.workforce.privacy import suppress
from civicgrid.workforce.settings import WorkforceSettings
from civicgrid.workforce.spells import job_class, primary_rows

PCTS = {"p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9}

__all__ = ["time_to_fill", "time_to_hire", "vacancy_rate", "duration_percentiles"]


def duration_percentiles(days: pd.DataFrame, by: str, value: str, settings: WorkforceSettings | None = None,
                         what: str = "postings") -> pd.DataFrame:
    """P25/median/P75/P90 of ``value`` per ``by`` plus an all-classes row; small groups suppressed."""
    s = settings or WorkforceSettings()
    d = days[days[value].notna()]
    parts = [d.assign(**{by: "All job classes"}), d]
    q = pd.concat(parts).groupby(by)[value]
    t = q.quantile(list(PCTS.values())).unstack()
    t.columns = list(PCTS)
    t.insert(0, what, q.size())
    t = t.reset_index()
    return suppress(t, [what], [what, *PCTS], s.min_group, s.suppress_zero)


def time_to_fill(postings: pd.DataFrame, settings: WorkforceSettings | None = None) -> tuple[pd.DataFrame, dict]:
    """Days from requisition opened to offer accepted, percentiles by job class."""
    s = settings or WorkforceSettings()
    if postings is None or not len(postings) or postings["filled_at"].isna().all():
        return pd.DataFrame(), {"status": "not_available",
                                "reason": "no job postings with both opened and filled dates (kind job_posting)"}
    p = postings.copy()
    p["job_class"] = job_class(p["job_title"].fillna(p["job_code"]), s.job_class_upper).fillna("(no job title)")
    p["days"] = (p["filled_at"] - p["opened_at"]).dt.days
    neg = int((p["days"] < 0).sum())
    p.loc[p["days"] < 0, "days"] = np.nan
    t = duration_percentiles(p, "job_class", "days", s, "postings")
    return t, {"status": "ok", "postings": int(len(p)), "filled": int(p["days"].notna().sum()),
               "negative_durations_dropped": neg}


def time_to_hire(applicants: pd.DataFrame, postings: pd.DataFrame,
                 settings: WorkforceSettings | None = None) -> tuple[pd.DataFrame, dict]:
    """Days from application to accepted offer for hired applicants, percentiles by job class."""
    s = settings or WorkforceSettings()
    if applicants is None or not len(applicants) or applicants["offer_accepted_at"].isna().all():
        return pd.DataFrame(), {"status": "not_available",
                                "reason": "no applications with an accepted-offer date (kind job_applicant)"}
    a = applicants[applicants["offer_accepted_at"].notna()].copy()
    if postings is not None and len(postings):
        titles = postings.drop_duplicates("record_id").set_index("record_id")["job_title"]
        a["job_title"] = a["posting_id"].map(titles)
    else:
        a["job_title"] = None
    a["job_class"] = job_class(a["job_title"].astype("string"), s.job_class_upper).fillna("(posting unknown)")
    a["days"] = (a["offer_accepted_at"] - a["applied_at"]).dt.days
    neg = int((a["days"] < 0).sum())
    a.loc[a["days"] < 0, "days"] = np.nan
    t = duration_percentiles(a, "job_class", "days", s, "hires")
    return t, {"status": "ok", "hires": int(len(a)), "negative_durations_dropped": neg}


def vacancy_rate(df: pd.DataFrame, authorized: dict[str, float], settings: WorkforceSettings | None = None
                 ) -> tuple[pd.DataFrame, dict]:
    """Vacant ÷ authorized positions per configured department, at the latest roster.

    Args:
        df: output of :func:`civicgrid.workforce.spells.prepare_roster`.
        authorized: ``{department: authorized positions}`` (settings ``authorized_positions``).
    """
    s = settings or WorkforceSettings()
    if not authorized:
        return pd.DataFrame(), {"status": "not_available",
                                "reason": "no authorized (budgeted) positions configured (authorized_positions)"}
    year = int(df["year"].max())
    p = primary_rows(df[df["year"] == year])
    use_fte = p["fte"].notna().any()
    filled = p.groupby("department")["fte"].sum() if use_fte else p.groupby("department").size()
    rows = []
    for dept, auth in authorized.items():
        f = float(filled.get(dept, 0.0))
        vac = max(float(auth) - f, 0.0)
        rows.append({"department": dept, "authorized": float(auth), "filled": f, "vacant": vac,
                     "vacancy_rate": vac / auth if auth else np.nan})
    t = pd.DataFrame(rows)
    t = suppress(t, ["filled"], ["filled", "vacant", "vacancy_rate"], s.min_group, s.suppress_zero)
    return t, {"status": "ok", "snapshot_year": year, "filled_measure": "FTE" if use_fte else "people"}
