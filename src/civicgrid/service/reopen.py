"""Reopen rate from status history: closed requests reopened within 30 days ÷ closed requests.

The warehouse keeps every earlier version of a record in ``events_history`` (a changed export row
for the same record id). Put in order (by ``updated_at``, then by when the version was loaded),
a request is **reopened** when a closed version (``closed_at`` set) is followed by an open version
(no ``closed_at``) or by a version with a later ``closed_at`` (it was reopened and closed again).
The reopen happened at the later version's ``updated_at``; when that is unknown it is counted as
reopened with unknown timing and reported separately (not in the 30-day numerator).

Without any earlier versions there is no history and the rate is reported as not available,
never as zero.
"""

from __future__ import annotations

import pandas as pd

def load_versions(con, kinds: tuple[str, ...] = ("service_request", "interaction")) -> pd.DataFrame:
    """Current (``_current`` 1) and earlier (0) versions of every service request, with load times."""
    ph = ", ".join("?" * len(kinds))
    runs = "(SELECT run_id, min(started_at) AS loaded FROM ingest_runs GROUP BY run_id)"
    parts = [f"""SELECT t.source, t.record_id, t.status, t.opened_at, t.updated_at, t.closed_at,
                       {cur} AS _current, t.line AS _line, r.loaded AS _loaded
                FROM {table} t LEFT JOIN {runs} r USING (run_id) WHERE t.kind IN ({ph})"""
             for table, cur in (("events_history", 0), ("events", 1))]
    df = con.execute(" UNION ALL ".join(parts), list(kinds) * 2).df()
    for c in ("opened_at", "updated_at", "closed_at", "_loaded"):
        df[c] = pd.to_datetime(df[c], utc=True)
    return df


def reopen_rate(versions: pd.DataFrame, window_days: float = 30) -> dict:
    """Reopened within ``window_days`` of a closure ÷ requests ever closed (see module doc)."""
    window = pd.Timedelta(days=window_days)
    key = ["source", "record_id"]
    n_hist = int((versions["_current"] == 0).sum()) if "_current" in versions else 0
    base = {"definition": f"closed requests reopened within {window_days:g} days ÷ closed requests "
                          "(from successive versions in events_history)",
            "history_versions": n_hist}
    if n_hist == 0:
        return base | {"available": False, "reason": "no status history: events_history holds no earlier "
                                                     "versions of these requests (one export snapshot)"}
    v = versions.drop_duplicates().sort_values(
        key + ["updated_at", "_current", "_loaded", "_line"], na_position="first")
    g = v.groupby(key, sort=False)
    nxt_closed = g["closed_at"].shift(-1)
    nxt_updated = g["updated_at"].shift(-1)
    has_next = g["record_id"].shift(-1).notna()
    was_closed = v["closed_at"].notna()
    reopened = was_closed & has_next & (nxt_closed.isna() | (nxt_closed > v["closed_at"]))
    gap = nxt_updated - v["closed_at"]
    within = reopened & gap.notna() & (gap <= window)
    unknown = reopened & gap.isna()
    ever_closed = v[was_closed].drop_duplicates(key)
    n_closed = len(ever_closed)
    n_within = v[within].drop_duplicates(key).shape[0]
    return base | {"available": n_closed > 0, "closed": n_closed, "reopened_within_window": n_within,
                   "reopened_timing_unknown": v[unknown].drop_duplicates(key).shape[0],
                   "reopened_after_window": v[reopened & gap.notna() & (gap > window)].drop_duplicates(key).shape[0],
                   "reopen_rate": n_within / n_closed if n_closed else None}
