"""Back-test the early warning on the city's own history.

At past dates (one per meeting, ``step_days`` apart) the flags and scores are computed from the
records known **before** that date only (undated state records such as tax delinquency are left
out: they describe today). For each date the team's capacity ``k`` (25) of flagged locations,
highest score first, is compared with what happened in the next ``horizon_days`` (90): a serious
event at the location (``serious_events``: a structure fire, a condemnation, an arrest that is not
a protected call). Alternatives ranked the same way: the score alone, the raw count of complaints
(customer-service records, no points, no exclusions) and the raw count of every record.

precision@k = locations picked that had a serious event / locations picked (pooled over dates);
base rate = the same share among every *active* location (any record in the previous 365 days).
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from civicgrid.integration.early_warning import checkpoints, counted_rows, flags_at
from civicgrid.integration.events import EPOCH, Prepared, days
from civicgrid.integration.scores import _joined, score_matrix

ACTIVE_DAYS = 365


def _day(t: float) -> str:
    return (EPOCH + pd.to_timedelta(t, unit="D")).date().isoformat()


def outcome_window(prep: Prepared, horizon: int) -> tuple[float, float, bool, dict]:
    """Dates where every source of serious events is observed for the whole horizon.

    Returns (start, end, overlapping, {source: [first, last]}). When the sources' spans do not
    overlap, the union is used and ``overlapping`` is False (some outcomes are then unobservable
    at some dates; the report says so).
    """
    ev = prep.ev
    ser = ev[ev["serious"].notna() & ev["opened_at"].notna()]
    if ser.empty:
        raise ValueError("no serious events (fire, condemnation, arrest) in the warehouse: nothing to back-test against")
    span = ser.groupby("source")["opened_at"].agg(["min", "max"])
    spans = {s: [r["min"].date().isoformat(), r["max"].date().isoformat()] for s, r in span.iterrows()}
    lo = days(span["min"]).max()
    hi = days(span["max"]).min() - horizon
    if hi >= lo:
        return lo, hi, True, spans
    return days(span["min"]).min(), days(span["max"]).max() - horizon, False, spans


def _tiebreak(keys: pd.Index) -> np.ndarray:
    """Deterministic pseudo-random order among equal counts (ties are not broken by name)."""
    return np.array([zlib.crc32(str(k).encode()) for k in keys], dtype=np.int64)


def _top(values: pd.Series, k: int) -> list:
    values = values[values > 0]
    if values.empty:
        return []
    order = np.lexsort((_tiebreak(values.index), -values.to_numpy()))
    return list(values.index[order[:k]])


def backtest(prep: Prepared, level: str = "block", start=None, end=None, step_days: int | None = None,
             horizon_days: int | None = None, k: int | None = None) -> dict:
    """Flags raised at past dates against serious events in the following ``horizon_days``.

    Args:
        prep: prepared events (:func:`civicgrid.integration.events.prepare`).
        level: ``block`` (default: police and fire publish blocks) or ``parcel``.
        start, end: first and last flag date (default: where every serious-event source is
            observed for the whole horizon; see :func:`outcome_window`).
        step_days: days between flag dates (default: the meeting cadence).
        horizon_days: how far ahead a serious event counts (default 90).
        k: locations the team can take per meeting (default: ``team_capacity``, 25).

    Returns:
        A JSON-ready dict: window, base rate, and per method the picks, hits, precision and lift.
    """
    s = prep.settings
    H = horizon_days or s.backtest.horizon_days
    step = step_days or s.backtest.step_days or s.meeting_cadence_days
    k = k or s.team_capacity
    lo, hi, overlapping, spans = outcome_window(prep, H)
    start = start or s.backtest.start
    end = end or s.backtest.end
    lo = days(pd.Timestamp(start, tz="UTC")) if start else lo
    hi = days(pd.Timestamp(end, tz="UTC")) if end else hi
    if hi < lo:
        raise ValueError(f"back-test window is empty ({_day(lo)} .. {_day(hi)})")
    dates = list(np.arange(lo, hi + 1e-9, step))
    ew = s.early_warning
    back = {T: checkpoints(T, s.meeting_cadence_days, ew.first_crossing_lookback_days) for T in dates}
    need = sorted(set(dates) | {c for cs in back.values() for c in cs})
    mat = score_matrix(prep, level, need, include_undated=False)
    rows = counted_rows(prep, level)
    j = _joined(prep, level)
    addr = (j["attribution"] == "address").to_numpy() if level == "parcel" else np.ones(len(j), bool)
    t = j["t"].to_numpy()
    serious = j[j["serious"].notna()]
    complaints = j["department"].isin(s.backtest.raw_complaint_departments).to_numpy()
    methods = {m: {"picks": 0, "hits": 0} for m in ("early_warning", "score", "raw_complaints", "raw_events")}
    flags_all = {"all": {"n": 0, "hits": 0}}
    by_type: dict[str, int] = {}
    per_date = []
    tot_elig = tot_pos = 0
    for T in dates:
        age = T - t
        active = j[(age >= 0) & (age < ACTIVE_DAYS) & addr]
        eligible = pd.Index(active.loc[active["excluded"].isna(), "key"].unique())
        st = serious["t"].to_numpy()
        fut = serious[(st > T) & (st <= T + H)]
        pos = set(fut["key"])
        pos_types = fut.groupby("key")["serious"].agg(lambda x: sorted(set(x)))
        n_pos = len(pos & set(eligible))
        tot_elig += len(eligible)
        tot_pos += n_pos
        now = mat[T]
        before = mat[back[T]] if back[T] else None
        fl = flags_at(prep, level, T, rows, now, before)
        flagged = fl.groupby("location_key")["score"].max().sort_values(ascending=False, kind="stable")
        picks = {
            "early_warning": _top(flagged + 1e-9, k),
            "score": _top(now, k),
            "raw_complaints": _top(active[complaints[active.index]].groupby("key").size(), k),
            "raw_events": _top(active.groupby("key").size(), k),
        }
        row = {"date": _day(T), "eligible": len(eligible), "positives": n_pos,
               "base_rate": round(n_pos / len(eligible), 4) if len(eligible) else None, "flags": len(flagged)}
        for m, keys in picks.items():
            hits = sum(1 for key in keys if key in pos)
            methods[m]["picks"] += len(keys)
            methods[m]["hits"] += hits
            row[f"{m}_hits"] = hits
            row[f"{m}_picks"] = len(keys)
            if m == "early_warning":
                for key in keys:
                    for ty in pos_types.get(key, []):
                        by_type[ty] = by_type.get(ty, 0) + 1
        for f, g in fl.groupby("flag"):
            d = flags_all.setdefault(f, {"n": 0, "hits": 0})
            ks = set(g["location_key"])
            d["n"] += len(ks)
            d["hits"] += len(ks & pos)
        flags_all["all"]["n"] += len(flagged)
        flags_all["all"]["hits"] += len(set(flagged.index) & pos)
        per_date.append(row)
    base = tot_pos / tot_elig if tot_elig else None
    for d in list(methods.values()) + list(flags_all.values()):
        n = d.get("picks", d.get("n"))
        d["precision"] = round(d["hits"] / n, 4) if n else None
        d["lift"] = round(d["precision"] / base, 2) if d["precision"] is not None and base else None
    return {
        "level": level, "k": k, "horizon_days": H, "step_days": step,
        "window": {"start": _day(dates[0]), "end": _day(dates[-1]), "n_dates": len(dates),
                   "all_outcome_sources_observed": overlapping},
        "serious_event_sources": spans,
        "serious_events": sorted({r.name for r in s.serious_events}),
        "base_rate": round(base, 4) if base is not None else None,
        "eligible_location_dates": tot_elig, "positive_location_dates": tot_pos,
        "methods": methods, "flags": flags_all, "early_warning_hits_by_outcome": by_type,
        "dates": per_date,
        "definition": __doc__.split("\n\n", 1)[1].strip(),
    }
