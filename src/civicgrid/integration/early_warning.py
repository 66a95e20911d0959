"""Early warning: locations that are getting worse, before they top the ranked list.

Three flags, each from counted events only (protected calls never raise a flag):

- ``rate_spike``: events in the last ``recent_days`` at a rate ``spike_ratio`` times the
  location's own rate in the ``baseline_days`` before (smoothed: baseline + 1 event), with at
  least ``min_recent_events`` recent events.
- ``first_crossing``: the score reaches ``score_threshold`` now and was below it at every meeting
  date (``meeting_cadence_days`` apart) in the previous ``first_crossing_lookback_days``.
- ``escalation``: a complaint (``complaint_departments``) in the last ``escalation_lookback_days``
  followed by a police or fire event (``escalation_departments``) within the last ``recent_days``.
"""

from __future__ import annotations

import pandas as pd

from civicgrid.integration.events import Prepared, days
from civicgrid.integration.scores import _joined, score_matrix

FLAGS = ("rate_spike", "first_crossing", "escalation")


def counted_rows(prep: Prepared, level: str) -> pd.DataFrame:
    """Dated, counted (points > 0, not excluded) event-at-location rows."""
    j = _joined(prep, level)
    return j[(j["points"] > 0) & j["t"].notna()].reset_index(drop=True)


def _gate(rows: pd.DataFrame, level: str) -> pd.DataFrame:
    """Parcels: block-published events only where the parcel has events of its own."""
    if level != "parcel" or rows.empty:
        return rows
    own = rows.loc[rows["attribution"] == "address", "key"].unique()
    return rows[(rows["attribution"] == "address") | rows["key"].isin(own)]


def flags_at(prep: Prepared, level: str, T: float, rows: pd.DataFrame,
             scores_now: pd.Series, scores_before: pd.DataFrame | None) -> pd.DataFrame:
    """Flags raised at instant ``T`` (float days). ``scores_before``: scores at earlier meeting dates."""
    ew = prep.settings.early_warning
    s = prep.settings
    age = T - rows["t"].to_numpy()
    out = []
    R, B = ew.recent_days, ew.baseline_days
    win = rows[(age >= 0) & (age < R + B)]
    win = _gate(win, level)
    a = T - win["t"].to_numpy()
    recent = win[a < R].groupby("key")["weight"].sum()
    base = win[a >= R].groupby("key")["weight"].sum().reindex(recent.index).fillna(0.0)
    ratio = (recent / R) / ((base + 1.0) / B)
    hit = (recent >= ew.min_recent_events) & (ratio >= ew.spike_ratio)
    for k in recent.index[hit]:
        out.append((k, "rate_spike", f"{recent[k]:.3g} events in {R} days vs {base[k]:.3g} in the {B} days "
                    f"before ({ratio[k]:.1f}× its own rate)", float(recent[k]), float(base[k]), float(ratio[k])))
    if scores_before is not None:
        now = scores_now[scores_now >= s.score_threshold]
        prev = scores_before.reindex(now.index).fillna(0.0)
        first = now.index[(prev.max(axis=1) < s.score_threshold).to_numpy()] if len(prev.columns) else now.index
        for k in first:
            out.append((k, "first_crossing", f"score {now[k]:.1f} reached the threshold {s.score_threshold:g} for "
                        f"the first time in {ew.first_crossing_lookback_days} days", None, None, None))
    E = ew.escalation_lookback_days
    esc = rows[(age >= 0) & (age < E)]
    esc = _gate(esc, level)
    complaints = esc[esc["department"].isin(ew.complaint_departments)]
    nc = complaints.groupby("key").size()
    comp = complaints.groupby("key")["t"].min()[nc >= ew.escalation_min_complaints]
    later = esc[esc["department"].isin(ew.escalation_departments) & ((T - esc["t"]) < R)]
    later = later.assign(first_complaint=later["key"].map(comp))
    later = later[later["t"] > later["first_complaint"]]
    if not later.empty:
        g = later.groupby("key").agg(n=("t", "size"), depts=("department", lambda d: ", ".join(sorted(set(d)))))
        g = g[g["n"] >= ew.escalation_min_followups]
        for k, r in g.iterrows():
            out.append((k, "escalation", f"{int(nc[k])} complaint(s) since "
                        f"{_date(comp[k])}, then {int(r['n'])} {r['depts']} event(s) in the last {R} days",
                        float(r["n"]), None, None))
    df = pd.DataFrame(out, columns=["location_key", "flag", "detail", "recent_events", "baseline_events", "rate_ratio"])
    df["score"] = df["location_key"].map(scores_now).fillna(0.0).round(3)
    return df


def _date(t_days: float) -> str:
    return (pd.Timestamp("1970-01-01", tz="UTC") + pd.to_timedelta(t_days, unit="D")).date().isoformat()


def checkpoints(T: float, cadence: int, lookback: int) -> list[float]:
    """Earlier meeting instants: T − cadence, T − 2·cadence, … within ``lookback`` days."""
    return [T - k * cadence for k in range(1, lookback // cadence + 1)]


def early_warnings(prep: Prepared, level: str = "parcel") -> pd.DataFrame:
    """Every flag at ``prep.as_of`` with the location's score and rank (highest scores first)."""
    s = prep.settings
    T = days(prep.as_of)
    before = checkpoints(T, s.meeting_cadence_days, s.early_warning.first_crossing_lookback_days)
    mat = score_matrix(prep, level, [T] + before, include_undated=True)
    now = mat.iloc[:, 0]
    rows = counted_rows(prep, level)
    df = flags_at(prep, level, T, rows, now, mat.iloc[:, 1:])
    rank = now[now > 0].rank(method="min", ascending=False)
    df["rank"] = df["location_key"].map(rank).astype("Int64")
    df.insert(0, "level", level)
    df.insert(2, "as_of", prep.as_of)
    return df.sort_values(["score", "flag"], ascending=[False, True], ignore_index=True)


def flagged_keys(df: pd.DataFrame) -> pd.DataFrame:
    """One row per flagged location: its flags joined, its score (for ranking and agendas)."""
    if df.empty:
        return pd.DataFrame(columns=["location_key", "flags", "score"])
    g = df.groupby("location_key").agg(flags=("flag", lambda f: ", ".join(sorted(set(f)))), score=("score", "max"))
    return g.sort_values("score", ascending=False).reset_index()


__all__ = ["FLAGS", "checkpoints", "counted_rows", "early_warnings", "flagged_keys", "flags_at"]
