"""Integration queries on the warehouse: ranked properties, property profiles, block activity.

When the build has the tables of :mod:`civicgrid.integration` (``property_scores`` …), the ranking
is theirs (:mod:`scores_data`). Otherwise an interim ranking is read straight from ``event_links``,
``events``, ``parcel_spine``: by the number of departments with records at the parcel in the window,
then by the number of records. Records that must never count against a property (GUIDE §6: the resident is the victim,
domestic violence, medical/EMS, welfare checks) are left out and counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from civicgrid.web.areas import scores_data as S
from civicgrid.web.warehouse import WarehouseHandle

WINDOWS = (30, 90, 365)
FLAGS = {"multi_department": "records in 2 or more departments",
         "open_code_case": "an open code-enforcement case",
         "tax_delinquent": "a tax-status record"}
ALL_FLAGS = {**FLAGS, **S.FLAGS}
#: GUIDE §6 — never count against a property (category / type / description text, lower case)
EXCLUDE_PATTERN = (r"domestic|\bdv\b|victim|medical|\bems\b|ambulance|overdose|welfare|well[- ]?being|"
                   r"check (on )?(the )?welfare|suicid|mental|sick|injur|unconscious|cardiac|breathing")
POLICE_KINDS = ("police_call", "police_incident", "arrest", "citation")


@dataclass(frozen=True)
class Filters:
    department: str | None = None
    neighborhood: str | None = None
    window_days: int = 365
    flag: str | None = None

    @classmethod
    def from_query(cls, params) -> "Filters":
        try:
            w = int(params.get("window") or 365)
        except ValueError:
            w = 365
        flag = params.get("flag") or None
        return cls(department=params.get("department") or None, neighborhood=params.get("neighborhood") or None,
                   window_days=w if 1 <= w <= 3650 else 365, flag=flag if flag in ALL_FLAGS else None)


def _excluded_sql(alias: str = "e") -> str:
    text = (f"lower(coalesce({alias}.category, '') || ' ' || coalesce({alias}.subcategory, '') || ' ' || "
            f"coalesce({alias}.description, ''))")
    return (f"(coalesce({alias}.victim_flag, false) OR regexp_matches({text}, '{EXCLUDE_PATTERN}') "
            f"OR ({alias}.kind = 'fire_incident' AND {alias}.type_code LIKE '3%'))")


LINK_HINT = "link the records first (`civicgrid linkage link CONFIG --db …`; every `civicgrid build` links)."


def require_linked(handle: WarehouseHandle) -> None:
    handle.require("event_links", "parcel_spine", hint=LINK_HINT)


def as_of(handle: WarehouseHandle):
    """Latest ``opened_at`` of a parcel-linked record (windows count back from the data, not the clock)."""
    require_linked(handle)
    return handle.memo(("integration_as_of",), lambda con: con.execute(
        "SELECT max(e.opened_at) FROM event_links l JOIN events e USING (source, record_id) "
        "WHERE l.parcel_id IS NOT NULL").fetchone()[0])


def options(handle: WarehouseHandle) -> dict:
    """Values for the filter menus."""
    require_linked(handle)
    def q(con):
        deps = [r[0] for r in con.execute("SELECT DISTINCT department FROM event_links WHERE parcel_id IS NOT NULL "
                                          "AND department IS NOT NULL ORDER BY 1").fetchall()]
        hoods = [r[0] for r in con.execute("SELECT DISTINCT neighborhood FROM parcel_spine WHERE neighborhood IS NOT "
                                           "NULL ORDER BY 1").fetchall()]
        return {"departments": deps, "neighborhoods": hoods}
    return handle.memo(("integration_options",), q)


def scored(handle: WarehouseHandle) -> bool:
    """Does this build carry the integration module's scores?"""
    return S.available(handle)


def flags(handle: WarehouseHandle) -> dict:
    return S.FLAGS if scored(handle) else FLAGS


def ranked(handle: WarehouseHandle, f: Filters) -> tuple[pd.DataFrame, dict]:
    """Ranked properties (one row per parcel) and a summary (as-of date, excluded count, scored or not)."""
    require_linked(handle)
    fn = S.ranked if scored(handle) else interim_ranked
    return handle.memo(("ranked", f), lambda con: fn(handle, f), bucket="lists")


def interim_ranked(handle: WarehouseHandle, f: Filters) -> tuple[pd.DataFrame, dict]:
    """The interim ranking: departments, then records, at the parcel in the window."""
    def q(con):
        end = as_of(handle)
        if end is None:
            return pd.DataFrame(columns=["parcel_id", "address", "neighborhood", "departments_in_window",
                                         "records_in_window", "lat", "lon"]), {
                "as_of": None, "excluded": 0}
        where, args = ["l.parcel_id IS NOT NULL", "e.opened_at > ?::TIMESTAMPTZ - to_days(?)"], [end, f.window_days]
        if f.neighborhood:
            where.append("p.neighborhood = ?")
            args.append(f.neighborhood)
        base = (f"FROM event_links l JOIN events e USING (source, record_id) JOIN parcel_spine p "
                f"ON p.parcel_id = l.parcel_id WHERE {' AND '.join(where)}")
        excluded = con.execute(f"SELECT count(*) {base} AND {_excluded_sql()}", args).fetchone()[0]
        deps = [r[0] for r in con.execute(f"SELECT DISTINCT l.department {base} ORDER BY 1", args).fetchall() if r[0]]
        per_dep = ", ".join(f"count(*) FILTER (WHERE l.department = '{d}') AS \"{d}\"" for d in deps
                            if d.replace("_", "").isalnum())
        df = con.execute(f"""
            SELECT p.parcel_id, p.address_key AS address, p.neighborhood,
                   count(DISTINCT l.department) AS departments_in_window,
                   count(*) AS records_in_window{', ' + per_dep if per_dep else ''},
                   count(*) FILTER (WHERE e.kind = 'code_case' AND e.closed_at IS NULL) AS open_code_cases,
                   count(*) FILTER (WHERE e.kind = 'tax_status') AS tax_records,
                   max(e.opened_at) AS last_record, any_value(p.lat) AS lat, any_value(p.lon) AS lon
            {base} AND NOT {_excluded_sql()}
            GROUP BY p.parcel_id, p.address_key, p.neighborhood""", args).df()
        return df, {"as_of": end, "excluded": int(excluded), "departments": deps, "scored": False}
    df, summary = handle.memo(("ranked", f.window_days, f.neighborhood), q)
    df = df.copy()
    if f.department and f.department in df.columns:
        df = df[df[f.department] > 0]
    if f.flag == "multi_department":
        df = df[df["departments_in_window"] >= 2]
    elif f.flag == "open_code_case":
        df = df[df["open_code_cases"] > 0]
    elif f.flag == "tax_delinquent":
        df = df[df["tax_records"] > 0]
    df = df.sort_values(["departments_in_window", "records_in_window", "parcel_id"], ascending=[False, False, True],
                        ignore_index=True)
    df.insert(0, "rank", range(1, len(df) + 1))
    return df, summary


def geojson(df: pd.DataFrame) -> dict:
    """GeoJSON points of ranked properties (every one with coordinates; no cap)."""
    colors = {1: "#fdae61", 2: "#f46d43", 3: "#d73027"}
    feats = []
    for r in df.dropna(subset=["lat", "lon"]).itertuples(index=False):
        d = int(r.departments_in_window)
        score = f"score {r.score:.1f}, " if hasattr(r, "score") else ""
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(r.lon, 6), round(r.lat, 6)]},
                      "properties": {"id": r.parcel_id, "label": r.address or r.parcel_id, "rank": int(r.rank),
                                     "summary": f"#{r.rank}: {score}{d} department{'s' if d != 1 else ''}, "
                                                f"{int(r.records_in_window)} records in the window",
                                     "url": f"/integration/property/{r.parcel_id}", "radius": 4 + 2 * min(d, 4),
                                     "color": colors.get(min(d, 3), "#fdae61")}})
    return {"type": "FeatureCollection", "features": feats}


def parcel_rule(handle: WarehouseHandle):
    """The city's parcel-id rule (from the latest build's config), to find the parcel's own rows."""
    def q(con):
        b = handle.last_build() or {}
        try:
            from civicgrid.config import load_config

            return load_config(b.get("config_path")).linkage.parcel_id
        except Exception:  # noqa: BLE001 - config moved or unreadable: exact ids only
            return None
    return handle.memo(("parcel_rule",), q)
