"""Retention: Kaplan–Meier survival of employment by group, log-rank test, median tenure (GUIDE §5).

Time is **tenure** (years since the original hire date). Each employment spell
(:func:`civicgrid.workforce.spells.build_spells`) gives one subject:

* **entry** (left truncation) — tenure at the person's first roster. Someone is seen only by being
  on a roster, so people hired long before the first snapshot, and anyone who joined and left
  between two rosters, would otherwise bias S(t) upwards; lifelines' ``entry=`` handles the first,
  the second stays invisible in yearly data (S(t) in the first year is optimistic);
* **event** — the person is absent from the next roster (a separation; a transfer between
  departments is not an event). The exit date is unknown within the year, so the midpoint between
  the last roster on which the person appears and the next one is used;
* **censored** — still employed at the last roster: duration = tenure at that roster.

S(t) is estimated with lifelines' ``KaplanMeierFitter`` per group. Groups are compared with a
log-rank test; because lifelines' log-rank functions take no ``entry``, :func:`logrank_test_entry`
computes the k-group log-rank statistic over delayed-entry risk sets (identical to lifelines'
``multivariate_logrank_test`` when every entry is 0 — tested). Median tenure = the KM median
(None when S(t) never falls to 0.5: "not reached").

Privacy: groups under ``min_group`` people are suppressed, and a curve stops where fewer than
``min_group`` people are at risk (a tail point with 1–4 people describes those people).

Warehouse table ``workforce_retention`` columns: ``group_by`` (e.g. department), ``group_name``,
``t_years`` (DOUBLE), ``survival``, ``ci_lower``, ``ci_upper`` (95 %), ``at_risk``, ``people``
(spells in the group), ``separations``, ``median_tenure_years``, ``suppressed`` (BOOLEAN).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2

from civicgrid.workforce.settings import WorkforceSettings
from civicgrid.workforce.spells import build_spells

DAYS_PER_YEAR = 365.25

__all__ = ["current_tenure", "kaplan_meier", "logrank_test_entry", "retention_input", "retention_tables"]


def retention_input(df: pd.DataFrame, group_cols: list[str]) -> tuple[pd.DataFrame, dict]:
    """Spells as survival subjects: ``entry``, ``duration`` (years of tenure), ``event`` + groups.

    Returns:
        ``(subjects, notes)``; spells without a hire date are dropped and counted in ``notes``.
    """
    sp = build_spells(df, group_cols)
    notes = {"spells": int(len(sp)), "spells_without_hire_date": int(sp["hire_date"].isna().sum())}
    sp = sp[sp["hire_date"].notna()].copy()
    tenure = lambda d: (d - sp["hire_date"]).dt.days / DAYS_PER_YEAR  # noqa: E731
    exit_date = sp["last_date"] + (sp["next_date"] - sp["last_date"]) / 2
    end = exit_date.where(sp["separated"], sp["last_date"])
    sp["entry"] = tenure(sp["first_date"]).clip(lower=0)
    sp["duration"] = np.maximum(tenure(end).clip(lower=0), sp["entry"])
    sp["event"] = sp["separated"].astype(bool)
    # seen only on the last roster: censored at the moment observation starts, no information
    notes["spells_only_on_last_roster"] = int(((sp["duration"] <= sp["entry"]) & ~sp["event"]).sum())
    sp = sp[(sp["duration"] > sp["entry"]) | sp["event"]]
    notes["separations"] = int(sp["event"].sum())
    notes["censored"] = int((~sp["event"]).sum())
    return sp.drop(columns=["key"]).reset_index(drop=True), notes


def _risk_cut(sub: pd.DataFrame, min_group: int) -> float | None:
    """First event time at which fewer than ``min_group`` people are at risk (None if never)."""
    entry = np.sort(sub["entry"].to_numpy())
    dur = np.sort(sub["duration"].to_numpy())
    times = np.unique(sub.loc[sub["event"], "duration"].to_numpy())
    n = np.searchsorted(entry, times, "left") - np.searchsorted(dur, times, "left")
    low = times[n < min_group]
    return float(low[0]) if len(low) else None


def kaplan_meier(sub: pd.DataFrame, grid: list[float], min_group: int = 5
                 ) -> tuple[pd.DataFrame, float | None, str | None]:
    """KM curve of one group at the grid times.

    With delayed entry the risk set can be tiny at some tenure (only a few new hires observed
    early, or a few long-serving staff late); one exit there would move S(t) for everyone after.
    So follow-up is cut (administrative censoring) at the first exit with fewer than
    ``min_group`` people at risk, and points with fewer than ``min_group`` at risk are not shown.

    Returns:
        ``(points, median, note)``; points have ``t_years``, ``survival``, ``ci_lower``,
        ``ci_upper`` (95 %, lifelines' exponential Greenwood), ``at_risk``; ``note`` says where
        the curve was cut or why it could not be estimated.
    """
    from lifelines import KaplanMeierFitter
    from lifelines.exceptions import StatError

    cols = ["t_years", "survival", "ci_lower", "ci_upper", "at_risk"]
    sub = sub.copy()
    cut = _risk_cut(sub, min_group)
    note = None
    if cut is not None:
        over = sub["duration"] >= cut
        sub.loc[over, "event"] = False
        sub.loc[over, "duration"] = np.maximum(cut - 1e-9, sub.loc[over, "entry"])
        sub = sub[(sub["duration"] > sub["entry"]) | sub["event"]]
        note = f"follow-up cut at {cut:.2f} years: fewer than {min_group} people at risk beyond it"
    if not len(sub) or not sub["event"].any():
        return pd.DataFrame(columns=cols), None, note or "no separations in the group"
    kmf = KaplanMeierFitter()
    try:
        kmf.fit(sub["duration"], event_observed=sub["event"], entry=sub["entry"])
    except StatError:
        return pd.DataFrame(columns=cols), None, "not estimable: the risk set empties (too few people)"
    t = np.asarray(grid, dtype=float)
    if cut is not None:
        t = t[t < cut]
    entry = np.sort(sub["entry"].to_numpy())
    dur = np.sort(sub["duration"].to_numpy())
    at_risk = np.searchsorted(entry, t, "left") - np.searchsorted(dur, t, "left")
    surv = kmf.survival_function_at_times(t).to_numpy()
    ci = kmf.confidence_interval_survival_function_  # step functions, like S(t)
    at = np.clip(np.searchsorted(ci.index.to_numpy(), t, "right") - 1, 0, len(ci) - 1)
    lo, hi = ci.iloc[at, 0].to_numpy(), ci.iloc[at, 1].to_numpy()
    pts = pd.DataFrame({"t_years": t, "survival": surv, "ci_lower": lo, "ci_upper": hi, "at_risk": at_risk})
    pts = pts[pts["at_risk"] >= min_group]
    med = kmf.median_survival_time_
    median = None if med is None or not np.isfinite(med) else float(med)
    if median is not None:
        n_at = int(np.searchsorted(entry, median, "left") - np.searchsorted(dur, median, "left"))
        if n_at < min_group:
            median = None
    return pts.reset_index(drop=True), median, note


def logrank_test_entry(entry, duration, event, groups) -> dict:
    """k-group log-rank test with delayed entry (left truncation).

    At each distinct event time t the risk set of a group is the subjects with
    ``entry < t <= duration``. Statistic = (O−E)ᵀ V⁻¹ (O−E) over k−1 groups, χ² with k−1 df.

    Returns:
        ``{"test_statistic", "degrees_of_freedom", "p_value", "groups": [{group, observed, expected}]}``.
    """
    entry = np.asarray(entry, float)
    duration = np.asarray(duration, float)
    event = np.asarray(event, bool)
    groups = np.asarray(groups)
    labels = list(pd.unique(groups))
    k = len(labels)
    times = np.unique(duration[event])
    n = np.zeros((len(times), k))
    d = np.zeros((len(times), k))
    for j, g in enumerate(labels):
        m = groups == g
        e_sorted = np.sort(entry[m])
        du_sorted = np.sort(duration[m])
        n[:, j] = np.searchsorted(e_sorted, times, "left") - np.searchsorted(du_sorted, times, "left")
        ev = duration[m & event]
        idx = np.searchsorted(times, ev)
        np.add.at(d[:, j], idx, 1)
    n_tot = n.sum(1)
    d_tot = d.sum(1)
    ok = n_tot > 0
    n, d, n_tot, d_tot = n[ok], d[ok], n_tot[ok], d_tot[ok]
    share = n / n_tot[:, None]
    observed = d.sum(0)
    expected = (d_tot[:, None] * share).sum(0)
    w = np.where(n_tot > 1, d_tot * (n_tot - d_tot) / np.maximum(n_tot - 1, 1), 0.0)
    v = np.einsum("t,tg,gh->gh", w, share, np.eye(k)) - np.einsum("t,tg,th->gh", w, share, share)
    diff = (observed - expected)[:-1]
    vv = v[:-1, :-1]
    stat = float(diff @ np.linalg.pinv(vv) @ diff) if k > 1 else 0.0
    df_ = k - 1
    p = float(chi2.sf(stat, df_)) if df_ > 0 else None
    return {"test_statistic": stat, "degrees_of_freedom": df_, "p_value": p,
            "groups": [{"group": str(g), "observed": float(o), "expected": float(e)}
                       for g, o, e in zip(labels, observed, expected)]}


def retention_tables(df: pd.DataFrame, settings: WorkforceSettings | None = None,
                     also_hide: dict[str, set] | None = None) -> tuple[pd.DataFrame, dict]:
    """KM curves, medians and log-rank tests for every configured grouping.

    Args:
        df: output of :func:`civicgrid.workforce.spells.prepare_roster`.
        also_hide: ``{grouping: group names}`` suppressed elsewhere in the report (e.g. departments
            with a hidden turnover year, whose pooled separations here could reveal that year).

    Returns:
        ``(curves, summary)``. ``curves`` has the ``workforce_retention`` columns; ``summary`` is
        JSON-ready: status, subject counts, per grouping the groups (people, separations, median)
        and the log-rank test. With no separation observed (a single roster) the status is
        ``not_estimable`` and no curve is drawn.
    """
    s = settings or WorkforceSettings()
    group_cols = [c for c in s.retention.group_by if c in df.columns and df[c].notna().any()]
    subj, notes = retention_input(df, group_cols)
    summary: dict = {"subjects": notes, "groupings": {}}
    cols = ["group_by", "group_name", "t_years", "survival", "ci_lower", "ci_upper", "at_risk", "people",
            "separations", "median_tenure_years", "suppressed"]
    if notes["separations"] == 0:
        summary["status"] = "not_estimable"
        summary["reason"] = ("no separation is observed: the roster has a single snapshot (or no person "
                             "leaves between snapshots), so every spell is censored and S(t) would be 1; "
                             "load at least two yearly rosters to estimate retention")
        return pd.DataFrame(columns=cols), summary
    summary["status"] = "ok"
    rows = []
    for gb in ["all", *group_cols]:
        key = pd.Series("All employees", index=subj.index) if gb == "all" else subj[gb].fillna("(not recorded)")
        sizes = key.value_counts()
        big = sizes[sizes >= s.min_group].index[: s.retention.max_groups]
        groups = []
        for g, n_people in sizes.items():
            sub = subj[key == g]
            seps = int(sub["event"].sum())
            if n_people < s.min_group or g in (also_hide or {}).get(gb, set()):
                groups.append({"group": g, "suppressed": True, "people": None, "separations": None,
                               "median_tenure_years": None})
                rows.append({"group_by": gb, "group_name": g, "suppressed": True})
                continue
            if g not in big:
                continue
            pts, median, note = kaplan_meier(sub, s.retention.grid_years, s.min_group)
            groups.append({"group": g, "suppressed": False, "people": int(n_people), "separations": seps,
                           "median_tenure_years": median, "points": int(len(pts)), "note": note})
            for p in pts.itertuples(index=False):
                rows.append({"group_by": gb, "group_name": g, "t_years": p.t_years, "survival": p.survival,
                             "ci_lower": p.ci_lower, "ci_upper": p.ci_upper, "at_risk": int(p.at_risk),
                             "people": int(n_people), "separations": seps, "median_tenure_years": median,
                             "suppressed": False})
        entry = {"groups": groups, "groups_shown": int(len(big)), "groups_total": int(len(sizes))}
        if gb != "all" and len(big) > 1:
            m = key.isin(big)
            lr = logrank_test_entry(subj.loc[m, "entry"], subj.loc[m, "duration"], subj.loc[m, "event"], key[m])
            entry["logrank"] = {k: v for k, v in lr.items() if k != "groups"}
            entry["logrank"]["groups_compared"] = int(len(big))
            entry["logrank"]["note"] = ("log-rank over delayed-entry risk sets (H0: the same separation hazard "
                                        "in every group shown)")
        summary["groupings"][gb] = entry
    curves = pd.DataFrame(rows, columns=cols)
    curves["suppressed"] = curves["suppressed"].fillna(False).astype(bool)
    return curves, summary


def current_tenure(df: pd.DataFrame, settings: WorkforceSettings | None = None) -> dict:
    """Years of service of the staff on the latest roster, per configured group (descriptive).

    Not a retention estimate — the people who left are not in it — but what a single roster can
    tell: median and quartiles of tenure at the snapshot. Groups under ``min_group`` suppressed.
    """
    from civicgrid.workforce.spells import primary_rows

    s = settings or WorkforceSettings()
    year = int(df["year"].max())
    p = primary_rows(df[df["year"] == year])
    p = p[p["hire_date"].notna()]
    ten = (p["snap_date"] - p["hire_date"]).dt.days.clip(lower=0) / DAYS_PER_YEAR
    out: dict = {"snapshot_year": year,
                 "definition": "years from original hire date to the snapshot, staff on the latest roster",
                 "groupings": {}}
    for gb in ["all", *[c for c in s.retention.group_by if c in p and p[c].notna().any()]]:
        key = pd.Series("All employees", index=p.index) if gb == "all" else p[gb].fillna("(not recorded)")
        rows = []
        for g, t in ten.groupby(key):
            if len(t) < s.min_group:
                rows.append({"group": g, "people": None, "p25": None, "median": None, "p75": None,
                             "suppressed": True})
            else:
                q = t.quantile([0.25, 0.5, 0.75]).tolist()
                rows.append({"group": g, "people": int(len(t)), "p25": q[0], "median": q[1], "p75": q[2],
                             "suppressed": False})
        out["groupings"][gb] = rows
    return out
