"""Read the warehouse's own bookkeeping: sources, runs, freshness, quarantine."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from civicgrid.warehouse.db import open_readonly

#: the canonical field that dates a record of each table (civicgrid.ingest.fields): when a
#: request was opened, a roster snapshot taken, a posting opened, an application made.
#: Parcels and reference rows carry no date of their own.
AS_OF_COLUMN = {"events": "opened_at", "roster_records": "snapshot_date", "job_postings": "opened_at",
                "job_applicants": "applied_at", "parcels": None, "reference_rows": None}


def data_as_of(con) -> dict[str, datetime | date]:
    """Per source, the data's own as-of: the latest record date in its current rows.

    The date field per table is :data:`AS_OF_COLUMN` (``opened_at`` for events …); a timestamp
    comes back as an aware ``datetime``, a roster snapshot date as a ``date``. Sources whose
    table has no date field, or whose rows have no date, are left out.

    Args:
        con: an open (read-only is enough) warehouse connection.
    """
    out: dict[str, datetime | date] = {}
    tables = {t for (t,) in con.execute("SELECT DISTINCT target_table FROM sources").fetchall()}
    for table in sorted(tables):
        col = AS_OF_COLUMN.get(table)
        if not col:
            continue
        for name, v in con.execute(f"SELECT source, max({col}) FROM {table} GROUP BY source").fetchall():
            if v is not None:
                out[name] = v
    return out


def as_instant(v: datetime | date) -> datetime:
    """A date (midnight UTC) or timestamp as an aware ``datetime`` (naive taken as UTC)."""
    if not isinstance(v, datetime):
        return datetime(v.year, v.month, v.day, tzinfo=timezone.utc)
    return v if v.tzinfo else v.replace(tzinfo=timezone.utc)


def warehouse_status(db_path: str | Path) -> dict:
    """Summarise a warehouse for `civicgrid status`.

    Returns a JSON-ready dict: ``last_build`` (id, status, times, totals), ``sources`` (one per
    source: department, kind, table, rows now current, last run status and time, files,
    rows read/loaded/quarantined/duplicate of its latest runs, the data's as-of date =
    latest event date, and — once linked — ``match_rates`` by match type and ``linked_share``),
    ``quarantine_by_reason`` (source, reason, rows) and ``invariant_ok``.

    Raises:
        WarehouseError: the file does not exist or cannot be opened.
    """
    con = open_readonly(db_path)
    try:
        last = con.execute("SELECT * FROM builds ORDER BY started_at DESC LIMIT 1").fetchdf()
        out: dict = {"db": str(db_path), "last_build": None, "sources": [], "quarantine_by_reason": []}
        if len(last):
            r = last.iloc[0]
            out["last_build"] = {
                "build_id": r.build_id, "status": r.status, "city": r.city, "synthetic": bool(r.synthetic),
                "started_at": r.started_at.isoformat(), "finished_at": r.finished_at.isoformat(),
                "rows_read": int(r.rows_read), "rows_loaded": int(r.rows_loaded),
                "rows_quarantined": int(r.rows_quarantined), "rows_duplicate": int(r.rows_duplicate),
                "message": r.message,
            }
        sources = con.execute("SELECT name, department, kind, target_table FROM sources ORDER BY name").fetchall()
        as_of_by_source = data_as_of(con)
        all_ok = True
        for name, dept, kind, table in sources:
            # the latest run of each file of this source
            runs = con.execute("""
                SELECT file, status, rows_read, rows_loaded, rows_quarantined, rows_duplicate, message,
                       finished_at, invariant_ok
                FROM (SELECT *, row_number() OVER (PARTITION BY file ORDER BY finished_at DESC) rn
                      FROM ingest_runs WHERE source = ?) WHERE rn = 1 ORDER BY file""", [name]).fetchall()
            current = con.execute(f"SELECT count(*) FROM {table} WHERE source = ?", [name]).fetchone()[0]
            v = as_of_by_source.get(name)
            as_of = v.isoformat() if v is not None else None
            files = [
                {"file": f, "status": st, "rows_read": rr, "rows_loaded": rl, "rows_quarantined": rq,
                 "rows_duplicate": rd, "message": msg, "finished_at": fin.isoformat() if fin else None,
                 "invariant_ok": bool(ok)}
                for f, st, rr, rl, rq, rd, msg, fin, ok in runs
            ]
            all_ok &= all(f["invariant_ok"] for f in files)
            statuses = {f["status"] for f in files}
            out["sources"].append({
                "name": name, "department": dept, "kind": kind, "table": table, "rows_current": int(current),
                "status": "failed" if "failed" in statuses else ("ok" if files else "never_run"),
                "as_of": as_of, "files": files,
                "rows_quarantined_total": int(con.execute(
                    "SELECT count(*) FROM quarantine WHERE source = ?", [name]).fetchone()[0]),
            })
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "link_summary" in tables:
            rates: dict[str, dict[str, float]] = {}
            for src_name, mtype, share in con.execute("SELECT source, match_type, share FROM link_summary").fetchall():
                rates.setdefault(src_name, {})[mtype] = round(float(share), 4)
            for s in out["sources"]:
                if s["name"] in rates:
                    r = rates[s["name"]]
                    s["match_rates"] = r
                    s["linked_share"] = round(sum(v for k, v in r.items() if k not in ("unmatched", "ambiguous")), 4)
        out["quarantine_by_reason"] = [
            {"source": s, "reason": r, "rows": int(n)}
            for s, r, n in con.execute("""
                SELECT source, regexp_replace(reason, ': ''[^'']*''', ': ''…''', 'g') AS reason_kind, count(*)
                FROM quarantine GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2""").fetchall()
        ]
        out["invariant_ok"] = all_ok
        return out
    finally:
        con.close()
