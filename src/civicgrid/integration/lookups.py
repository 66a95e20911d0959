"""Lookup tables for one property's profile, written by the integration stage after the scores.

A profile needs the records of one parcel and of its block, the parcel's assessor rows and the
owner's other parcels. Read straight from ``events`` ⨝ ``event_links`` and ``parcels`` that is a scan
of every record and a regular expression over every parcel id per page view (~0.3 s at 1M records);
these three tables hold the same rows sorted by the key a profile asks for, so DuckDB's per-row-group
min/max statistics skip almost everything and a profile reads a few thousand rows:

- ``profile_records``: every record linked to a parcel, and every block-published record (police,
  fire: ``match_type = 'block'``) on its block, with the columns :func:`events.load_events` reads,
  sorted by ``lookup_key`` (the parcel id, or ``~block `` + the block key for block-published records).
- ``parcel_keys``: the raw parcel ids of ``parcels`` by their comparison key (letters and digits,
  upper case — the key :mod:`civicgrid.integration.profile` compares on).
- ``owner_index``: parcel keys by owner name (upper case, trimmed; from ``parcels`` and from the
  owner named on code cases, violations and tax records) and by owner mailing address (as published).

They are derived data: every build rewrites them from the tables above, and a profile computed
with them equals one computed without (tested on the real Pittsburgh build).
"""

from __future__ import annotations

from civicgrid.integration.api import tables
from civicgrid.integration.tables import SCHEMAS

#: the prefix of ``profile_records.lookup_key`` for block-published records
BLOCK_PREFIX = "~block "
LOOKUP_TABLES = ("profile_records", "parcel_keys", "owner_index")
#: the comparison key of a parcel id (same rule as :func:`civicgrid.integration.profile._norm`)
PARCEL_KEY_SQL = "upper(regexp_replace({col}, '[^A-Za-z0-9]', '', 'g'))"
#: record kinds whose ``owner`` names the property owner
OWNER_KINDS = ("code_case", "violation", "tax_status")


def _create(con, name: str, select_sql: str | None) -> None:
    """Replace ``name`` with the typed columns of :data:`SCHEMAS` and fill it from ``select_sql`` (None: empty)."""
    cols = SCHEMAS[name]
    con.execute(f"CREATE OR REPLACE TABLE {name} ({', '.join(f'{c} {t}' for c, t, _ in cols)})")
    if select_sql:
        con.execute(f"INSERT INTO {name} ({', '.join(c for c, _, _ in cols)}) {select_sql}")


def write_lookups(con) -> dict[str, int]:
    """(Re)write the three lookup tables from ``events``, ``event_links`` and ``parcels``.

    Tables the build lacks (no parcels file, not linked) give empty lookup tables. Returns the row
    count of each table.
    """
    have = tables(con)
    if {"events", "event_links"} <= have:
        _create(con, "profile_records", f"""
            SELECT coalesce(l.parcel_id, '{BLOCK_PREFIX}' || l.block_key), e.source, e.record_id, e.department,
                   e.kind, e.category, e.subcategory, e.type_code, e.description, e.status, e.victim_flag,
                   e.opened_at, e.closed_at, e.address, e.neighborhood, e.council_district, e.owner, e.amount,
                   e.count, l.parcel_id, l.block_key, l.match_type
            FROM events e JOIN event_links l USING (source, record_id)
            WHERE l.parcel_id IS NOT NULL OR (l.match_type = 'block' AND l.block_key IS NOT NULL)
            ORDER BY 1, e.source, e.record_id""")
    else:
        _create(con, "profile_records", None)
    key = PARCEL_KEY_SQL.format(col="parcel_id")
    parts_owner, parts_keys = [], []
    if "parcels" in have:
        parts_keys.append(f"SELECT DISTINCT {key}, parcel_id FROM parcels WHERE parcel_id IS NOT NULL")
        parts_owner.append(f"SELECT 'owner', upper(trim(owner)), {key} FROM parcels "
                           f"WHERE owner IS NOT NULL AND parcel_id IS NOT NULL")
        parts_owner.append(f"SELECT 'mailing', owner_mailing, {key} FROM parcels "
                           f"WHERE owner_mailing IS NOT NULL AND parcel_id IS NOT NULL")
    if "events" in have:
        kinds = ", ".join(f"'{k}'" for k in OWNER_KINDS)
        parts_owner.append(f"SELECT 'owner', upper(trim(owner)), {key} FROM events WHERE kind IN ({kinds}) "
                           f"AND owner IS NOT NULL AND parcel_id IS NOT NULL")
    _create(con, "parcel_keys", f"SELECT * FROM ({' UNION '.join(parts_keys)}) ORDER BY 1, 2" if parts_keys else None)
    _create(con, "owner_index", f"SELECT DISTINCT * FROM ({' UNION ALL '.join(parts_owner)}) ORDER BY 1, 2, 3"
            if parts_owner else None)
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in LOOKUP_TABLES}


def profile_events(con, parcel_id: str, block_key: str | None):
    """The records of one parcel and the block-published records of its block, from ``profile_records``.

    Same columns and order as :func:`civicgrid.integration.events.load_events` (times as UTC
    timestamps), restricted to what a profile shows: records linked to ``parcel_id`` and records
    with ``match_type = 'block'`` and no parcel on ``block_key``.
    """
    import pandas as pd

    cols = [c for c, _, _ in SCHEMAS["profile_records"][1:]]
    keys = [str(parcel_id)] + ([BLOCK_PREFIX + block_key] if block_key else [])
    # one equality per key: DuckDB skips row groups by min/max for `=`, but reads more for an IN list
    one = f"SELECT {', '.join(cols)} FROM profile_records WHERE lookup_key = ?"
    ev = con.execute(f"SELECT * FROM ({' UNION ALL '.join([one] * len(keys))}) ORDER BY source, record_id", keys).df()
    for c in ("opened_at", "closed_at"):
        ev[c] = pd.to_datetime(ev[c], utc=True)
    return ev


def raw_parcel_ids(con, parcel_key: str) -> list[str]:
    """The ids as ``parcels`` holds them that share the comparison key ``parcel_key``."""
    return [r[0] for r in con.execute("SELECT parcel_id FROM parcel_keys WHERE parcel_key = ?", [parcel_key]).fetchall()]


def owner_parcel_keys(con, key_type: str, value: str) -> set[str]:
    """Parcel keys listed under one owner name (``key_type='owner'``, compared upper case and trimmed) or
    one owner mailing address (``'mailing'``, as published)."""
    key = value.strip().upper() if key_type == "owner" else value
    return {r[0] for r in con.execute("SELECT parcel_key FROM owner_index WHERE key_type = ? AND key = ?",
                                      [key_type, key]).fetchall()}


def has_lookups(con) -> bool:
    """True when the build has all three lookup tables (builds before they existed do not)."""
    return set(LOOKUP_TABLES) <= tables(con)
