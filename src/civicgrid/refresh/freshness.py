"""How fresh each source is: when new rows last arrived, and whether its API pulls are failing.

``state`` per source:
* ``failing``: its connector's last pull failed — the warehouse still serves the rows of
  its last good pull, marked stale until a pull succeeds;
* ``stale``: no new rows for longer than ``expected_cadence_days``;
* ``fresh``: new rows within the cadence;
* ``unknown``: no ``expected_cadence_days`` set (the age is still reported).

"New rows" means a file of the source loaded new or changed rows (``ingest_runs``), so a
re-published identical export or an API that answers with nothing new does not count.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from civicgrid.refresh.runlog import read_runs


def source_freshness(con, db_path: str | Path, now: datetime | None = None,
                     current_pulls: list[dict] | None = None) -> dict[str, dict]:
    """Freshness of every source in the warehouse, keyed by source name.

    Args:
        con: an open (read-only is enough) connection to the warehouse.
        db_path: the warehouse file (its run log ``<db>.runs.jsonl`` gives the latest pulls).
        now: the clock (UTC).
        current_pulls: pulls of a run not yet in the run log (newest; they win).

    Returns:
        ``{name: {state, last_new_rows_at, age_days, expected_cadence_days, last_pull_at,
        last_pull_status, last_good_pull_at, pull_error}}``.
    """
    now = now or datetime.now(timezone.utc)
    sources = con.execute("SELECT name, expected_cadence_days FROM sources ORDER BY name").fetchall()
    last_new = dict(con.execute("""SELECT source, max(finished_at) FROM ingest_runs
                                   WHERE status = 'ok' AND rows_loaded > 0 GROUP BY source""").fetchall())
    pulls = latest_pulls(db_path, current=current_pulls)
    out = {}
    for name, cadence in sources:
        ts = last_new.get(name)
        age = (now - ts).total_seconds() / 86400 if ts is not None else None
        p = pulls.get(name, {})
        if p.get("last_status") == "failed":
            state = "failing"
        elif cadence is None:
            state = "unknown"
        elif age is None or age > cadence:
            state = "stale"
        else:
            state = "fresh"
        out[name] = {
            "state": state,
            "last_new_rows_at": ts.isoformat() if ts is not None else None,
            "age_days": round(age, 2) if age is not None else None,
            "expected_cadence_days": cadence,
            "last_pull_at": p.get("last_at"),
            "last_pull_status": p.get("last_status"),
            "last_good_pull_at": p.get("good_at"),
            "pull_error": p.get("error"),
        }
    return out


def latest_pulls(db_path: str | Path, runs: int = 500, current: list[dict] | None = None) -> dict[str, dict]:
    """Per source, from the run log: the last pull's time/status/error and the last good pull's time."""
    out: dict[str, dict] = {}
    newest_first = [{"pulls": current or []}] + list(reversed(read_runs(db_path, last=runs)))
    for run in newest_first:
        for p in run.get("pulls") or []:
            d = out.setdefault(p["source"], {})
            if "last_status" not in d:
                d.update(last_at=p.get("finished_at") or p.get("started_at"), last_status=p.get("status"),
                         error=p.get("message") if p.get("status") == "failed" else None)
            if p.get("status") == "ok" and "good_at" not in d:
                d["good_at"] = p.get("finished_at")
    return out
