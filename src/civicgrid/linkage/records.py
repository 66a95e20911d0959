"""Read the records the linkage needs from the warehouse, and resolve which sources play which role."""

from __future__ import annotations

import pandas as pd

from civicgrid.config import CityConfig, ConfigError
from civicgrid.ingest.fields import TABLE_BY_KIND

#: columns of a record frame (one row per record, from ``events`` or ``parcels``)
RECORD_COLUMNS = ["source", "record_id", "department", "kind", "address", "parcel_raw", "lat", "lon",
                  "zip", "neighborhood"]
SPINE_KINDS = ("parcel", "tax_status", "code_case", "license")


def _known(cfg: CityConfig, names: list[str], key: str) -> list[str]:
    have = {s.name for s in cfg.sources}
    bad = [n for n in names if n not in have]
    if bad:
        raise ConfigError(f"{cfg.path}: linkage.{key}: unknown source(s) {', '.join(bad)}; "
                          f"expected names from `sources`: {', '.join(sorted(have))}")
    return names


def spine_sources(cfg: CityConfig) -> list[str]:
    """Sources that feed the parcel spine (``linkage.spine_sources`` or the default rule)."""
    if cfg.linkage.spine_sources is not None:
        return _known(cfg, cfg.linkage.spine_sources, "spine_sources")
    return [s.name for s in cfg.sources if s.kind in SPINE_KINDS and "parcel_id" in s.columns]


def link_sources(cfg: CityConfig) -> list[str]:
    """Event sources to link (``linkage.link_sources`` or every source landing in ``events``)."""
    if cfg.linkage.link_sources is not None:
        return _known(cfg, cfg.linkage.link_sources, "link_sources")
    return [s.name for s in cfg.sources if TABLE_BY_KIND[s.kind] == "events"]


def evaluate_sources(cfg: CityConfig) -> list[str]:
    """Sources whose parcel ids are hidden and predicted by the evaluation."""
    if cfg.linkage.evaluate_sources is not None:
        return _known(cfg, cfg.linkage.evaluate_sources, "evaluate_sources")
    return spine_sources(cfg)


def _table_of(cfg: CityConfig, name: str) -> str:
    return next(TABLE_BY_KIND[s.kind] for s in cfg.sources if s.name == name)


def load_records(con, cfg: CityConfig, sources: list[str]) -> pd.DataFrame:
    """One row per current record of ``sources`` with the columns of :data:`RECORD_COLUMNS`."""
    parts = []
    for table in ("events", "parcels"):
        names = [n for n in sources if _table_of(cfg, n) == table]
        if not names:
            continue
        if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                           [table]).fetchall()[0][0]:
            continue
        marks = ",".join("?" * len(names))
        parts.append(con.execute(
            f"""SELECT source, record_id, department, kind, address, parcel_id AS parcel_raw,
                       lat, lon, zip, neighborhood
                FROM {table} WHERE source IN ({marks})""", names).fetchdf())
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in RECORD_COLUMNS})
    df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    for c in ("lat", "lon"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    for c in RECORD_COLUMNS:
        if c not in ("lat", "lon"):
            df[c] = df[c].astype("object").where(df[c].notna(), None)
    return df[RECORD_COLUMNS]
