"""Scored integration views, read from the tables :mod:`civicgrid.integration` writes into the warehouse
(``property_scores``, ``property_score_components``, ``early_warnings``, ``score_exclusions``,
``area_rollups``; docs/integration.md). Used whenever the build has them; otherwise the pages fall back to
the interim ranking in :mod:`integration_data`.

Scores are points with named components and an as-of date (GUIDE §6); protected calls (victim,
domestic, medical, welfare) never count, and the exclusion counts are shown beside the ranking.
"""

from __future__ import annotations

import pandas as pd

from civicgrid.web.warehouse import WarehouseHandle

SCORE_TABLES = ("property_scores", "property_score_components")
WINDOW_COLS = {30: ("n_events_30", "n_departments_30"), 90: ("n_events_90", "n_departments_90"),
               365: ("n_events_365", "n_departments_365")}
FLAGS = {"over_threshold": "over the score threshold (and several departments)",
         "overlap": "records in several departments",
         "rate_spike": "early warning: rate spike", "first_crossing": "early warning: first threshold crossing",
         "escalation": "early warning: complaints then police or fire", "open_cases": "open requests or cases"}


def available(handle: WarehouseHandle) -> bool:
    return set(SCORE_TABLES) <= handle.tables()


def _window_cols(window: int) -> tuple[str, str]:
    return WINDOW_COLS.get(window) or WINDOW_COLS[min(WINDOW_COLS, key=lambda w: abs(w - window))]


def ranked(handle: WarehouseHandle, f) -> tuple[pd.DataFrame, dict]:
    """Parcels by score with the filters of :class:`integration_data.Filters` (window picks the count columns)."""
    def q(con):
        warn = ("(SELECT string_agg(DISTINCT w.flag, ', ' ORDER BY w.flag) FROM early_warnings w "
                "WHERE w.level = 'parcel' AND w.location_key = s.location_key)"
                if "early_warnings" in handle.tables() else "NULL")
        df = con.execute(f"""
            SELECT s.rank, s.location_key AS parcel_id, s.address, s.neighborhood, round(s.score, 2) AS score,
                   round(s.points_address, 2) AS points_address, round(s.points_block, 2) AS points_block,
                   s.n_departments AS departments, s.n_events_30, s.n_departments_30, s.n_events_90, s.n_departments_90,
                   s.n_events_365, s.n_departments_365, s.open_cases, s.overlap, s.over_threshold, s.lead_department,
                   s.top_components, s.last_event_at AS last_record, {warn} AS warnings, p.lat, p.lon, s.as_of
            FROM property_scores s LEFT JOIN parcel_spine p ON p.parcel_id = s.location_key
            WHERE s.level = 'parcel'""").df()
        deps = con.execute("SELECT location_key, list(DISTINCT department) FROM property_score_components "
                           "WHERE level = 'parcel' GROUP BY 1").fetchall()
        excluded = (con.execute("SELECT coalesce(sum(n_events), 0) FROM score_exclusions").fetchone()[0]
                    if "score_exclusions" in handle.tables() else None)
        return df, {k: set(v) for k, v in deps}, excluded
    df, deps, excluded = handle.memo(("scores_ranked",), q)
    n_col, d_col = _window_cols(f.window_days)
    df = df[df[n_col] > 0]
    if f.neighborhood:
        df = df[df["neighborhood"] == f.neighborhood]
    if f.department:
        df = df[df["parcel_id"].map(lambda k: f.department in deps.get(k, ())).astype(bool)]  # bool even when empty
    if f.flag in ("over_threshold", "overlap"):
        df = df[df[f.flag].astype(bool)]
    elif f.flag == "open_cases":
        df = df[df["open_cases"] > 0]
    elif f.flag in ("rate_spike", "first_crossing", "escalation"):
        df = df[df["warnings"].fillna("").str.contains(f.flag)]
    as_of = df["as_of"].iloc[0] if len(df) else None
    keep = ["rank", "parcel_id", "address", "neighborhood", "score", "points_address", "points_block", d_col, n_col,
            "open_cases", "over_threshold", "warnings", "lead_department", "top_components", "last_record", "lat", "lon"]
    out = df.sort_values(["rank", "parcel_id"], ignore_index=True)[keep].rename(
        columns={n_col: "records_in_window", d_col: "departments_in_window"})
    return out, {"as_of": as_of, "excluded": excluded, "scored": True}


def components(handle: WarehouseHandle, parcel_id: str) -> pd.DataFrame:
    with handle.cursor() as con:
        return con.execute("""SELECT department, category, attribution, n_events, points_each, round(points, 3) AS points,
                                     first_at, last_at FROM property_score_components
                              WHERE level = 'parcel' AND location_key = ? ORDER BY points DESC, department, category""",
                           [parcel_id]).df()


def score_row(handle: WarehouseHandle, level: str, key: str | None) -> dict | None:
    if not key:
        return None
    with handle.cursor() as con:
        cur = con.execute("SELECT * FROM property_scores WHERE level = ? AND location_key = ?", [level, key])
        r = cur.fetchone()
        return None if r is None else dict(zip([d[0] for d in cur.description], r))


def warnings(handle: WarehouseHandle, parcel_id: str, block_key: str | None) -> pd.DataFrame:
    if "early_warnings" not in handle.tables():
        return pd.DataFrame(columns=["level", "flag", "detail"])
    with handle.cursor() as con:
        return con.execute("""SELECT level, location_key, flag, detail, recent_events, baseline_events, rate_ratio
                              FROM early_warnings WHERE (level = 'parcel' AND location_key = ?)
                                 OR (level = 'block' AND location_key = ?) ORDER BY level DESC, flag""",
                           [parcel_id, block_key]).df()


def table(handle: WarehouseHandle, name: str) -> pd.DataFrame:
    """A whole aggregate table (``area_rollups``, ``score_exclusions``) or an empty frame when absent."""
    if name not in handle.tables():
        return pd.DataFrame()
    return handle.memo(("scores_table", name), lambda con: con.execute(f"SELECT * FROM {name}").df())
