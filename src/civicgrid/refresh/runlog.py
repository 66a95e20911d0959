"""The record of every refresh: a JSON Lines run log beside the warehouse, and a warehouse table.

* ``<db>.runs.jsonl``: one line per run (failed runs included, which never reach the
  warehouse): what each connector pulled, what the build read, loaded, quarantined and
  linked, the alerts raised and where they were sent. Rotated to ``.1`` past 5 MB.
* ``source_pulls`` (in the warehouse, written during the build so it swaps in with the data):
  one row per connector pull, for analysts and the web app's Data page.
"""

from __future__ import annotations

import json
import os
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only a type: reading the log must not import the connectors
    from civicgrid.sources.pull import PullReport

MAX_LOG_BYTES = 5 * 1024 * 1024

SOURCE_PULLS_COLUMNS = [
    ("run_id", "VARCHAR", "refresh run (`<db>.runs.jsonl` `run_id`)"),
    ("source", "VARCHAR", "source name"),
    ("connector", "VARCHAR", "ckan, socrata, arcgis or open311"),
    ("status", "VARCHAR", "ok or failed (failed: the source is stale, its earlier rows stay)"),
    ("rows_pulled", "BIGINT", "rows written to the pulled file"),
    ("file", "VARCHAR", "pulled file name (`ingest_runs.file`), NULL when nothing new"),
    ("watermark_before", "VARCHAR", "watermark value the pull started from"),
    ("watermark_after", "VARCHAR", "watermark value after the pull"),
    ("requests", "BIGINT", "HTTP requests made, retries included"),
    ("retries", "BIGINT", "requests retried (timeouts, 429, 5xx, malformed pages)"),
    ("started_at", "TIMESTAMPTZ", "pull started"),
    ("finished_at", "TIMESTAMPTZ", "pull finished"),
    ("message", "VARCHAR", "one sentence: rows pulled, or why the pull failed"),
]


def run_log_path(db_path: str | Path) -> Path:
    db = Path(db_path)
    return db.with_name(db.name + ".runs.jsonl")


def append_run(db_path: str | Path, entry: dict) -> None:
    """Append one run to the log (rotating it first when it is large)."""
    p = run_log_path(db_path)
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.exists() and p.stat().st_size > MAX_LOG_BYTES:
        os.replace(p, p.with_name(p.name + ".1"))
    with open(p, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, default=str, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_runs(db_path: str | Path, last: int = 50) -> list[dict]:
    """The last ``last`` runs, oldest first (unreadable lines are skipped)."""
    p = run_log_path(db_path)
    if not p.exists():
        return []
    out: deque[dict] = deque(maxlen=last)
    with open(p, encoding="utf-8") as fh:
        for line in fh:
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return list(out)


def record_pulls(con, run_id: str, pulls: list[PullReport]) -> None:
    """Write this run's pulls into the warehouse being built (``source_pulls``)."""
    cols = ", ".join(f"{c} {t}" for c, t, _ in SOURCE_PULLS_COLUMNS)
    con.execute(f"CREATE TABLE IF NOT EXISTS source_pulls ({cols})")
    if pulls:
        con.executemany(
            f"INSERT INTO source_pulls VALUES ({', '.join('?' * len(SOURCE_PULLS_COLUMNS))})",
            [[run_id, p.source, p.connector, p.status, p.rows, p.file, p.watermark_before, p.watermark_after,
              p.requests, p.retries, p.started_at or None, p.finished_at or None, p.message] for p in pulls])
