"""How fresh each source is: when new rows last arrived, how old its newest record is, and
whether its API pulls are failing.

Two ages per source, on purpose — a source can load every day and still serve old data:

* **load age** (``age_days``, from ``last_new_rows_at``): days since a file of the source last
  loaded new or changed rows (``ingest_runs``), so a re-published identical export or an API
  that answers with nothing new does not count. ``state`` is judged on it:

  * ``failing``: its connector's last pull failed — the warehouse still serves the rows of
    its last good pull, marked stale until a pull succeeds;
  * ``stale``: no new rows for longer than ``expected_cadence_days``;
  * ``fresh``: new rows within the cadence;
  * ``unknown``: no ``expected_cadence_days`` set (the age is still reported).

* **data age** (``data_age_days``, from ``data_as_of``): days since the newest record's own
  date — ``opened_at`` for events, ``snapshot_date`` for rosters, ``applied_at`` for applicants
  (:data:`civicgrid.warehouse.status.AS_OF_COLUMN`). ``data_old`` is true when it exceeds the
  source's ``max_data_age_days`` (None when no limit is set or the rows carry no date).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from civicgrid.refresh.runlog import read_runs
from civicgrid.warehouse.status import as_instant, data_as_of


def source_freshness(con, db_path: str | Path, now: datetime | None = None,
                     current_pulls: list[dict] | None = None) -> dict[str, dict]:
    """Freshness of every source in the warehouse, keyed by source name.

    Args:
        con: an open (read-only is enough) connection to the warehouse.
        db_path: the warehouse file (its run log ``<db>.runs.jsonl`` gives the latest pulls).
        now: the clock (UTC).
        current_pulls: pulls of a run not yet in the run log (newest; they win).

    Returns:
        ``{name: {state, last_new_rows_at, age_days, expected_cadence_days, data_as_of,
        data_age_days, max_data_age_days, data_old, last_pull_at, last_pull_status,
        last_good_pull_at, pull_error}}``; times are ISO 8601 text, ages are days (2 decimals).
    """
    now = now or datetime.now(timezone.utc)
    has_limit = con.execute("""SELECT count(*) FROM information_schema.columns
                               WHERE table_name = 'sources' AND column_name = 'max_data_age_days'""").fetchone()[0]
    limit_col = "max_data_age_days" if has_limit else "NULL"  # a warehouse built before the column existed
    sources = con.execute(f"SELECT name, expected_cadence_days, {limit_col} FROM sources ORDER BY name").fetchall()
    last_new = dict(con.execute("""SELECT source, max(finished_at) FROM ingest_runs
                                   WHERE status = 'ok' AND rows_loaded > 0 GROUP BY source""").fetchall())
    as_of = data_as_of(con)
    pulls = latest_pulls(db_path, current=current_pulls)
    out = {}
    for name, cadence, limit in sources:
        ts = last_new.get(name)
        age = _days(now, ts) if ts is not None else None
        data_ts = as_of.get(name)
        data_age = _days(now, as_instant(data_ts)) if data_ts is not None else None
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
            "data_as_of": data_ts.isoformat() if data_ts is not None else None,
            "data_age_days": round(data_age, 2) if data_age is not None else None,
            "max_data_age_days": limit,
            "data_old": None if limit is None or data_age is None else data_age > limit,
            "last_pull_at": p.get("last_at"),
            "last_pull_status": p.get("last_status"),
            "last_good_pull_at": p.get("good_at"),
            "pull_error": p.get("error"),
        }
    return out


def _days(now: datetime, then: datetime) -> float:
    return (now - then).total_seconds() / 86400


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
