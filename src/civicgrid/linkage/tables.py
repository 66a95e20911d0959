"""The warehouse tables the linkage writes: names, column types and one-line meanings.

docs/linkage.md documents the same columns (a test checks they agree).
"""

from __future__ import annotations

import pandas as pd

from civicgrid.ingest.fields import DEPARTMENTS

#: table -> [(column, DuckDB type, meaning)]
SCHEMAS: dict[str, list[tuple[str, str, str]]] = {
    "parcel_spine": [
        ("parcel_id", "VARCHAR", "parcel id / PIN, normalized per `linkage.parcel_id`"),
        ("address_key", "VARCHAR", "main address (known to most sources; written before range-expanded; "
                                   "non-zero number first)"),
        ("block_key", "VARCHAR", "hundred block of the main address (`200 N DITHRIDGE ST`)"),
        ("n_addresses", "BIGINT", "distinct address keys the parcel is known by (aliases, range numbers)"),
        ("ambiguous_address", "BOOLEAN", "the main address is also on another parcel"),
        ("sources", "VARCHAR", "spine sources that list the parcel, `, `-separated"),
        ("n_records", "BIGINT", "records of the spine sources that carry this parcel id"),
        ("lat", "DOUBLE", "centroid latitude: mean of the sources' known coordinates (NULL if none)"),
        ("lon", "DOUBLE", "centroid longitude"),
        ("neighborhood", "VARCHAR", "most frequent neighbourhood given by the sources"),
        ("zip", "VARCHAR", "most frequent 5-digit ZIP (from a zip column or the address tail)"),
    ],
    "parcel_addresses": [
        ("parcel_id", "VARCHAR", "parcel id (`parcel_spine.parcel_id`)"),
        ("address_key", "VARCHAR", "normalized address without unit (`420 N AIKEN AVE`, `14A MAIN ST`)"),
        ("unit_key", "VARCHAR", "address key + ` #unit` when the source gives a unit, else NULL"),
        ("source", "VARCHAR", "spine source that gives the parcel this address"),
        ("from_range", "BOOLEAN", "the key is one number of a written range (`1249 51 VOSKAMP ST`)"),
        ("street_key", "VARCHAR", "normalized street (`N AIKEN AVE`)"),
        ("house_number", "VARCHAR", "house number with suffix or fraction (`14A`, `123 1/2`)"),
        ("unit", "VARCHAR", "unit, when given (or a lot qualifier such as `REAR`)"),
        ("lot", "BOOLEAN", "the unit is a lot qualifier (`linkage.lot_qualifiers`): reachable only with it"),
        ("range_numbers", "BIGINT", "numbers the written range covers (NULL unless `from_range`); ranges wider "
                                    "than `linkage.max_range_numbers` link only the same written range"),
        ("range_low", "VARCHAR", "first address key of the written range (NULL unless `from_range`)"),
        ("n_parcels_sharing", "BIGINT", "parcels with this address key; more than 1 = **ambiguous**"),
        ("n_parcels_sharing_unit", "BIGINT", "parcels with this unit key (NULL without a unit)"),
    ],
    "event_links": [
        ("source", "VARCHAR", "source name (`events.source`)"),
        ("record_id", "VARCHAR", "record id (`events.record_id`); with `source`, the key back to `events`"),
        ("department", "VARCHAR", "department of the source"),
        ("parcel_id", "VARCHAR", "linked parcel (`parcel_spine.parcel_id`); NULL when not linked to a parcel"),
        ("block_key", "VARCHAR", "hundred block of the record's address (or of its parcel's main address)"),
        ("intersection_key", "VARCHAR", "`3RD ST & MAIN ST` for intersection addresses"),
        ("match_type", "VARCHAR", "how the link was made: parcel_id, address_unit, address, address_no_unit, "
                                  "range, fuzzy_street, centroid, block, intersection, ambiguous, unmatched, "
                                  "review_confirmed, review_reassigned, review_rejected"),
        ("score", "DOUBLE", "confidence 0-1 (1 = own parcel id, exact unit address or a reviewer's decision)"),
        ("explanation", "VARCHAR", "one short sentence: why this link (or why none)"),
        ("address_kind", "VARCHAR", "kind of the normalized address: address, range, block, intersection, "
                                    "po_box, placeholder, unparsed, empty"),
        ("address_key", "VARCHAR", "normalized address key of the record (NULL unless address/range/po_box)"),
        ("needs_review", "BOOLEAN", "in the review queue: ambiguous, scored below `review_below`, or "
                                    "unmatched with a readable address (never police/fire)"),
    ],
    "blocks": [
        ("block_key", "VARCHAR", "hundred block: number floored to 100 + street key (`200 N DITHRIDGE ST`)"),
        ("street_key", "VARCHAR", "normalized street"),
        ("hundred", "BIGINT", "the hundred (`200`)"),
        ("n_events", "BIGINT", "linked events on the block (all departments)"),
        *[(f"n_{d}", "BIGINT", f"events of department `{d}` on the block") for d in DEPARTMENTS],
        ("n_departments", "BIGINT", "departments with at least one event on the block"),
        ("n_parcels", "BIGINT", "spine parcels whose main address is on the block"),
        ("lat", "DOUBLE", "block centroid latitude: median of the events' and parcels' coordinates"),
        ("lon", "DOUBLE", "block centroid longitude"),
    ],
    "link_summary": [
        ("source", "VARCHAR", "source name"),
        ("match_type", "VARCHAR", "match type (see `event_links.match_type`)"),
        ("records", "BIGINT", "records of the source with this match type"),
        ("share", "DOUBLE", "records / all records of the source"),
        ("linked_at", "TIMESTAMP WITH TIME ZONE", "when the linkage ran"),
    ],
}


def write_table(con, name: str, df: pd.DataFrame) -> None:
    """Replace warehouse table ``name`` with ``df`` using the fixed column types of :data:`SCHEMAS`."""
    cols = SCHEMAS[name]
    con.execute(f"CREATE OR REPLACE TABLE {name} ({', '.join(f'{c} {t}' for c, t, _ in cols)})")
    if df.empty:
        return
    view = f"_cg_{name}"
    con.register(view, df[[c for c, _, _ in cols]])
    try:
        casts = ", ".join(f"CAST({c} AS {t})" for c, t, _ in cols)
        con.execute(f"INSERT INTO {name} SELECT {casts} FROM {view}")
    finally:
        con.unregister(view)
