"""The warehouse tables the integration stage writes: names, column types, one-line meanings.

docs/integration.md documents the same columns (a test checks they agree). Every table carries
``as_of``: the instant the windows were counted back from (the data's, never the wall clock).
"""

from __future__ import annotations

import pandas as pd

_LOC = [("level", "VARCHAR", "`parcel` or `block`"),
        ("location_key", "VARCHAR", "parcel id (`parcel_spine.parcel_id`) or block key (`blocks.block_key`)"),
        ("as_of", "TIMESTAMP WITH TIME ZONE", "data as-of instant the windows count back from")]

#: table -> [(column, DuckDB type, meaning)]
SCHEMAS: dict[str, list[tuple[str, str, str]]] = {
    "property_scores": _LOC[:1] + [
        ("rank", "BIGINT", "rank by score within the level (1 = highest; ties share a rank)"),
        *_LOC[1:],
        ("score", "DOUBLE", "sum of the components' decayed points"),
        ("points_address", "DOUBLE", "points from records at the address (blocks: linked to a parcel)"),
        ("points_block", "DOUBLE", "points from block-published records (police, fire) on the block, "
                                   "weighted by `block_weight` for parcels"),
        ("n_events_30", "BIGINT", "counted-or-zero-point records at the location in the last 30 days "
                                  "(protected calls never counted)"),
        ("n_departments_30", "BIGINT", "departments with points at the location in the last 30 days"),
        ("n_events_90", "BIGINT", "records in the last 90 days"),
        ("n_departments_90", "BIGINT", "departments with points in the last 90 days"),
        ("n_events_365", "BIGINT", "records in the last 365 days"),
        ("n_departments_365", "BIGINT", "departments with points in the last 365 days"),
        ("n_departments", "BIGINT", "departments with points in the overlap window (`overlap_window_days`)"),
        ("n_departments_at_address", "BIGINT", "of those, departments with points at the address itself"),
        ("overlap", "BOOLEAN", "at least `min_departments` departments (parcels: one of them at the address)"),
        ("over_threshold", "BOOLEAN", "overlap and score at or above `score_threshold`"),
        ("first_event_at", "TIMESTAMP WITH TIME ZONE", "first record at the location (protected calls left out)"),
        ("last_event_at", "TIMESTAMP WITH TIME ZONE", "last record at the location up to `as_of`"),
        ("open_cases", "BIGINT", "requests, cases and work orders open at `as_of`"),
        ("address", "VARCHAR", "main address (parcels) or the block key (blocks)"),
        ("block_key", "VARCHAR", "hundred block"),
        ("neighborhood", "VARCHAR", "neighbourhood (spine, else the records' most frequent)"),
        ("council_district", "VARCHAR", "council district (the records' most frequent)"),
        ("lead_department", "VARCHAR", "suggested lead: the department with the most points among `lead_departments`"),
        ("top_components", "VARCHAR", "the three largest components, as text"),
    ],
    "property_score_components": _LOC + [
        ("department", "VARCHAR", "department of the records"),
        ("category", "VARCHAR", "the points rule's label, else the records' category"),
        ("attribution", "VARCHAR", "`address` (linked to the location) or `block` (published as a hundred block)"),
        ("n_events", "BIGINT", "records in the component (score window)"),
        ("points_each", "DOUBLE", "points per record before decay and block weight"),
        ("points", "DOUBLE", "the component's decayed, weighted points"),
        ("first_at", "TIMESTAMP WITH TIME ZONE", "first record of the component (NULL: undated state)"),
        ("last_at", "TIMESTAMP WITH TIME ZONE", "last record of the component"),
    ],
    "location_activity": _LOC + [
        ("window_days", "BIGINT", "window length (30, 90, 365 by default)"),
        ("department", "VARCHAR", "department"),
        ("kind", "VARCHAR", "record kind"),
        ("n_events", "BIGINT", "records at the location in the window (protected calls left out)"),
    ],
    "early_warnings": _LOC + [
        ("flag", "VARCHAR", "`rate_spike`, `first_crossing` or `escalation`"),
        ("detail", "VARCHAR", "one sentence: why the flag was raised"),
        ("recent_events", "DOUBLE", "rate_spike: weighted records in the recent window; escalation: police/fire records"),
        ("baseline_events", "DOUBLE", "rate_spike: weighted records in the baseline window"),
        ("rate_ratio", "DOUBLE", "rate_spike: recent rate ÷ (baseline + 1) rate"),
        ("score", "DOUBLE", "the location's score at `as_of`"),
        ("rank", "BIGINT", "the location's rank at `as_of`"),
    ],
    "score_exclusions": [
        ("source", "VARCHAR", "source name"),
        ("department", "VARCHAR", "department"),
        ("category", "VARCHAR", "category as published (first 120 characters)"),
        ("reason", "VARCHAR", "`victim`, `domestic`, `medical` or `welfare`"),
        ("rule", "VARCHAR", "name of the exclusion rule that matched first"),
        ("n_events", "BIGINT", "records excluded (all dates; no locations are stored)"),
    ],
    "area_rollups": [
        ("area_type", "VARCHAR", "`neighborhood` or `council_district`"),
        ("area", "VARCHAR", "area name as published"),
        ("as_of", "TIMESTAMP WITH TIME ZONE", "data as-of instant"),
        ("population", "DOUBLE", "residents (reference source; NULL when unknown)"),
        ("n_events_365", "BIGINT", "counted records (points > 0) in the last 365 days"),
        ("events_per_1000", "DOUBLE", "n_events_365 per 1,000 residents (NULL under `areas.min_population`)"),
        ("n_parcels_over_threshold", "BIGINT", "parcels over threshold"),
        ("n_flagged", "BIGINT", "locations (parcels and blocks) with an early-warning flag"),
        ("flagged_per_1000", "DOUBLE", "n_parcels_over_threshold + n_flagged per 1,000 residents"),
        ("share_of_flags", "DOUBLE", "the area's share of the city's flags and over-threshold parcels"),
        ("share_of_population", "DOUBLE", "the area's share of residents"),
        ("demographics", "VARCHAR", "JSON: the configured demographic measures of the area"),
    ],
    # lookup tables for property profiles (:mod:`civicgrid.integration.lookups`), sorted by their first columns
    "profile_records": [
        ("lookup_key", "VARCHAR", "parcel id for records linked to a parcel; `~block ` + block key for "
                                  "block-published records (police, fire)"),
        ("source", "VARCHAR", "source name (`events.source`)"),
        ("record_id", "VARCHAR", "record id (`events.record_id`)"),
        ("department", "VARCHAR", "department"),
        ("kind", "VARCHAR", "record kind"),
        ("category", "VARCHAR", "category as published"),
        ("subcategory", "VARCHAR", "subcategory as published"),
        ("type_code", "VARCHAR", "type code (e.g. NFIRS incident type, offence code)"),
        ("description", "VARCHAR", "description / narrative as published (shown by role only)"),
        ("status", "VARCHAR", "status as published"),
        ("victim_flag", "BOOLEAN", "the source marks a victim or protected call"),
        ("opened_at", "TIMESTAMP WITH TIME ZONE", "opened / occurred"),
        ("closed_at", "TIMESTAMP WITH TIME ZONE", "closed"),
        ("address", "VARCHAR", "address as published"),
        ("neighborhood", "VARCHAR", "neighbourhood as published"),
        ("council_district", "VARCHAR", "council district as published"),
        ("owner", "VARCHAR", "owner named on the record"),
        ("amount", "DOUBLE", "amount (e.g. tax owed)"),
        ("count", "BIGINT", "count (e.g. prior years delinquent)"),
        ("parcel_id", "VARCHAR", "linked parcel (`event_links.parcel_id`)"),
        ("block_key", "VARCHAR", "hundred block (`event_links.block_key`)"),
        ("match_type", "VARCHAR", "how the record was linked (`event_links.match_type`)"),
    ],
    "parcel_keys": [
        ("parcel_key", "VARCHAR", "parcel id with letters and digits only, upper case"),
        ("parcel_id", "VARCHAR", "parcel id as `parcels` holds it"),
    ],
    "owner_index": [
        ("key_type", "VARCHAR", "`owner` (owner name, upper case, trimmed) or `mailing` (owner mailing address)"),
        ("key", "VARCHAR", "the owner name or mailing address"),
        ("parcel_key", "VARCHAR", "parcel (`parcel_keys.parcel_key`)"),
    ],
}


def write_table(con, name: str, df: pd.DataFrame) -> None:
    """Replace warehouse table ``name`` with ``df`` using the fixed column types of :data:`SCHEMAS`."""
    cols = SCHEMAS[name]
    con.execute(f"CREATE OR REPLACE TABLE {name} ({', '.join(f'{c} {t}' for c, t, _ in cols)})")
    if df is None or df.empty:
        return
    frame = df.reindex(columns=[c for c, _, _ in cols])
    view = f"_cg_{name}"
    con.register(view, frame)
    try:
        casts = ", ".join(f"CAST({c} AS {t})" for c, t, _ in cols)
        con.execute(f"INSERT INTO {name} SELECT {casts} FROM {view}")
    finally:
        con.unregister(view)


def markdown(name: str) -> str:
    """The table's documentation as a Markdown table (docs/integration.md is checked against it)."""
    lines = ["| column | type | meaning |", "|---|---|---|"]
    lines += [f"| `{c}` | {t} | {m} |" for c, t, m in SCHEMAS[name]]
    return "\n".join(lines)
