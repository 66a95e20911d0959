"""One property's profile: facts, timeline, activity components, the owner's other parcels, block activity.

Police narratives (``description`` and ``comment`` of police records) are blanked unless the
caller may see them (``police.narratives``); police and fire records are linked to blocks, not
parcels (docs/linkage.md), and appear here only as counts for the block.
"""

from __future__ import annotations

import re

import pandas as pd

from civicgrid.web.areas.integration_data import POLICE_KINDS, _excluded_sql, as_of
from civicgrid.web.warehouse import WarehouseHandle

FACT_COLUMNS = ("owner", "property_class", "land_use", "assessed_value", "lot_area", "year_built", "status",
                "council_district", "ward", "zip")


def spine_row(handle: WarehouseHandle, parcel_id: str) -> dict | None:
    from civicgrid.web.areas.integration_data import require_linked

    require_linked(handle)
    with handle.cursor() as con:
        cur = con.execute("SELECT * FROM parcel_spine WHERE parcel_id = ?", [parcel_id])
        row = cur.fetchone()
        return None if row is None else dict(zip([d[0] for d in cur.description], row))


def facts(handle: WarehouseHandle, parcel_id: str, rule) -> pd.DataFrame:
    """The parcel's rows in the ``parcels`` table (assessor facts), matched on the normalized id."""
    with handle.cursor() as con:
        cols = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                          "WHERE table_name = 'parcels'").fetchall()}
        keep = ["source"] + [c for c in FACT_COLUMNS if c in cols]
        select = f"SELECT parcel_id, {', '.join(keep)} FROM parcels WHERE parcel_id IS NOT NULL AND "
        if "parcel_keys" in handle.tables():  # the build's lookup table: no regular expression over every parcel
            from civicgrid.integration.lookups import raw_parcel_ids

            ids = raw_parcel_ids(con, re.sub(r"[^0-9A-Za-z]", "", str(parcel_id)).upper()) or [None]
            raw = con.execute(select + f"parcel_id IN ({', '.join('?' * len(ids))}) ORDER BY rowid", ids).df()
        else:
            raw = con.execute(select + "upper(regexp_replace(parcel_id, '[^0-9A-Za-z]', '', 'g')) = "
                              "upper(regexp_replace(?, '[^0-9A-Za-z]', '', 'g'))", [parcel_id]).df()
    if rule is not None and len(raw):
        from civicgrid.linkage.ids import normalize_parcel_ids

        raw = raw[normalize_parcel_ids(raw["parcel_id"], rule) == parcel_id]
    return raw.drop(columns=["parcel_id"]).reset_index(drop=True)


def integration_settings(handle: WarehouseHandle):
    """The city's integration settings (exclusion rules), or None without the integration module."""
    def q(con):
        try:
            from civicgrid.settings.integration import IntegrationSettings
        except Exception:  # noqa: BLE001 - module not installed
            return None
        try:
            from civicgrid.config import load_config

            cfg = load_config((handle.last_build() or {}).get("config_path"))
            return getattr(cfg, "integration", None) or IntegrationSettings()
        except Exception:  # noqa: BLE001 - config moved: the default rules
            return IntegrationSettings()
    return handle.memo(("integration_settings",), q)


def _never_counted(df: pd.DataFrame, settings) -> pd.Series | None:
    """Exclusion reason per record by the integration module's own rules (None when unavailable)."""
    if settings is None or df.empty:
        return None
    try:
        from civicgrid.integration.rules import classify

        return classify(df, settings)["excluded"]
    except Exception:  # noqa: BLE001 - rules module changed or missing: fall back to the interim rule
        return None


def timeline(handle: WarehouseHandle, parcel_id: str, narratives: bool) -> pd.DataFrame:
    """Every record linked to the parcel, newest first; ``counts`` says whether it may count against it
    (the integration module's exclusion rules when installed, else the interim rule)."""
    with handle.cursor() as con:
        df = con.execute(f"""
            SELECT e.opened_at, e.closed_at, l.department, e.kind, e.category, e.status, e.description,
                   e.source, e.record_id, l.match_type, NOT {_excluded_sql()} AS counts,
                   e.subcategory, e.type_code, e.victim_flag
            FROM event_links l JOIN events e USING (source, record_id)
            WHERE l.parcel_id = ? ORDER BY e.opened_at DESC NULLS LAST, e.source, e.record_id""", [parcel_id]).df()
    reason = _never_counted(df, integration_settings(handle))
    if reason is not None:
        df["counts"] = reason.isna().to_numpy()
    df = df.drop(columns=["subcategory", "type_code", "victim_flag"])
    if not narratives and len(df):
        df.loc[df["kind"].isin(POLICE_KINDS), "description"] = "(police narrative: not shown for your role)"
    return df


def components(df: pd.DataFrame, window_days: int, end) -> pd.DataFrame:
    """Counts in the window by department and category — the parts of the interim ranking."""
    if df.empty or end is None:
        return pd.DataFrame(columns=["department", "category", "records", "left_out"])
    start = pd.Timestamp(end) - pd.Timedelta(days=window_days)
    w = df[pd.to_datetime(df["opened_at"], utc=True) > start]
    if w.empty:
        return pd.DataFrame(columns=["department", "category", "records", "left_out"])
    g = (w.assign(category=w["category"].fillna("(none)"), left=~w["counts"])
         .groupby(["department", "category"]).agg(records=("counts", "sum"), left_out=("left", "sum")).reset_index())
    return g.astype({"records": int, "left_out": int}).sort_values(["department", "records"], ascending=[True, False],
                                                                   ignore_index=True)


def owner_parcels(handle: WarehouseHandle, owners: list[str], parcel_id: str, limit: int = 200) -> pd.DataFrame:
    """Other parcels with the same owner name (as published), with their spine id when linked."""
    owners = [o for o in owners if o and str(o).strip()]
    if not owners:
        return pd.DataFrame(columns=["owner", "parcel_id", "address", "in_spine"])
    with handle.cursor() as con:
        return con.execute(f"""
            SELECT DISTINCT p.owner, p.parcel_id, coalesce(p.address, trim(coalesce(p.house_number, '') || ' ' ||
                   coalesce(p.street, ''))) AS address, s.parcel_id IS NOT NULL AS in_spine
            FROM parcels p LEFT JOIN parcel_spine s ON s.parcel_id = p.parcel_id
            WHERE p.owner IN ({', '.join('?' * len(owners))}) AND p.parcel_id <> ?
            ORDER BY p.owner, address LIMIT {int(limit)}""", [*owners, parcel_id]).df()


def block_activity(handle: WarehouseHandle, block_key: str | None, window_days: int) -> tuple[dict | None, pd.DataFrame]:
    """The block's totals (``blocks`` table) and records on it in the window by department and category."""
    if not block_key:
        return None, pd.DataFrame(columns=["department", "category", "records"])
    end = as_of(handle)
    with handle.cursor() as con:
        cur = con.execute("SELECT * FROM blocks WHERE block_key = ?", [block_key])
        row = cur.fetchone()
        blk = None if row is None else {k: v for k, v in zip([d[0] for d in cur.description], row)
                                        if not (k.startswith("n_") and v == 0)}
        df = con.execute(f"""
            SELECT l.department, coalesce(e.category, '(none)') AS category, count(*) AS records,
                   count(*) FILTER (WHERE {_excluded_sql()}) AS never_counted
            FROM event_links l JOIN events e USING (source, record_id)
            WHERE l.block_key = ? AND (? IS NULL OR e.opened_at > ?::TIMESTAMPTZ - to_days(?))
            GROUP BY 1, 2 ORDER BY 1, 3 DESC""", [block_key, end, end, window_days]).df()
    return blk, df
