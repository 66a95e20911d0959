"""The review queue: what a person should look at, and recording their decision.

``review_queue`` groups the links that need a person (ambiguous, scored below
``review_below``, or unmatched with a readable address; never police/fire) by address,
most records first — one decision on "0 WEBSTER AVE" settles every record there.
``decide`` stores a decision in the app-state database; every later build or relink
re-applies it (:mod:`civicgrid.linkage.decisions`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from civicgrid.warehouse.db import connect

QUEUE_COLUMNS = ["group_key", "records", "sources", "match_types", "parcel_id", "candidates",
                 "explanation", "example_source", "example_record_id"]


def _con(db):
    return (connect(db, read_only=True), True) if isinstance(db, (str, Path)) else (db, False)


def review_queue(db, source: str | None = None, match_type: str | None = None,
                 limit: int | None = 50) -> pd.DataFrame:
    """Links that need review, one row per address (or raw text), most records first.

    Args:
        db: warehouse path or open DuckDB connection.
        source: only this source. match_type: only this match type (e.g. ``ambiguous``).
        limit: at most this many groups (None: all).

    Returns:
        Columns :data:`QUEUE_COLUMNS`: ``group_key`` (address key; ``near parcel P`` for
        coordinate-only links; else the raw address; else ``source:record_id``), ``records``, ``sources``, ``match_types``, ``parcel_id`` (the
        current link when all records share one), ``candidates`` (spine parcels at the address),
        ``explanation`` (of the first record), and one example record.
    """
    con, own = _con(db)
    try:
        where, args = ["l.needs_review"], []
        if source:
            where.append("l.source = ?")
            args.append(source)
        if match_type:
            where.append("l.match_type = ?")
            args.append(match_type)
        lim = f"LIMIT {int(limit)}" if limit else ""
        return con.execute(f"""
            WITH q AS (
              SELECT l.*, coalesce(l.address_key,
                                   CASE WHEN l.match_type = 'centroid' THEN 'near parcel ' || l.parcel_id END,
                                   e.address, l.source || ':' || l.record_id) AS group_key
              FROM event_links l LEFT JOIN events e USING (source, record_id)
              WHERE {' AND '.join(where)})
            SELECT group_key, count(*) AS records,
                   string_agg(DISTINCT source, ', ' ORDER BY source) AS sources,
                   string_agg(DISTINCT match_type, ', ' ORDER BY match_type) AS match_types,
                   CASE WHEN count(DISTINCT parcel_id) = 1 AND count(parcel_id) = count(*)
                        THEN any_value(parcel_id) END AS parcel_id,
                   (SELECT string_agg(DISTINCT a.parcel_id, ', ' ORDER BY a.parcel_id)
                      FROM parcel_addresses a WHERE a.address_key = q.group_key) AS candidates,
                   arg_min(explanation, source || record_id) AS explanation,
                   min(source) AS example_source, arg_min(record_id, source || record_id) AS example_record_id
            FROM q GROUP BY group_key ORDER BY records DESC, group_key {lim}""", args).fetchdf()
    finally:
        if own:
            con.close()


def _current_parcel(con, source, record_id, address_key) -> tuple[str | None, int]:
    if address_key is not None:
        rows = con.execute("SELECT DISTINCT parcel_id FROM event_links WHERE address_key = ?",
                           [address_key]).fetchall()
    else:
        rows = con.execute("SELECT parcel_id FROM event_links WHERE source = ? AND record_id = ?",
                           [source, record_id]).fetchall()
    if not rows:
        return None, 0
    return (rows[0][0] if len(rows) == 1 else None), len(rows)


def decide(app_db, decision: str, *, decided_by: str, source: str | None = None,
           record_id: str | None = None, address_key: str | None = None, parcel_id: str | None = None,
           note: str | None = None, db=None) -> dict:
    """Store a review decision; it holds on every later build.

    Args:
        app_db: app-state database (path or URL; created and migrated when missing).
        decision: ``confirm``, ``reject`` or ``reassign``.
        decided_by: who decides (user name).
        source, record_id: the record decided on; or ``address_key`` for every record at it.
        parcel_id: the parcel (required for ``reassign``; for ``confirm``/``reject`` the
            currently linked parcel is filled in from ``db`` when omitted).
        note: free text.
        db: the warehouse (path or connection): checks that the record / address exists and
            fills ``parcel_id``.

    Returns:
        The stored decision as a dict.

    Raises:
        ValueError: unknown decision, no target, a reassign without parcel, or a record /
            address the warehouse does not know.
    """
    from civicgrid.appstate import DECISIONS, LinkDecision, session_scope, upgrade

    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    on_record = source is not None and record_id is not None
    if not on_record and address_key is None:
        raise ValueError("name a record (source and record id) or an address key")
    if on_record and address_key is not None:
        raise ValueError("name either a record or an address key, not both")
    if decision == "reassign" and not parcel_id:
        raise ValueError("reassign needs the parcel id to link to")
    if db is not None:
        con, own = _con(db)
        try:
            current, n = _current_parcel(con, source, record_id, address_key)
            if n == 0:
                what = f"record {source}:{record_id}" if on_record else f"address {address_key!r}"
                raise ValueError(f"{what} is not in event_links; check the id (see `civicgrid linkage review list`)")
            if parcel_id is None and decision in ("confirm", "reject"):
                parcel_id = current
        finally:
            if own:
                con.close()
    url = upgrade(app_db)
    row = LinkDecision(source=source if on_record else None, record_id=record_id if on_record else None,
                       address_key=address_key, decision=decision, parcel_id=parcel_id,
                       decided_by=decided_by, note=note)
    with session_scope(url) as s:
        s.add(row)
        s.flush()
        return row.as_dict()
