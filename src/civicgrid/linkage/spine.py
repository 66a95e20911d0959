"""The parcel spine: one row per parcel, every address it is known by, its centroid and area.

Built from the spine sources (``linkage.spine_sources``): parcel tables (assessments, city-owned
inventory) and events that carry a parcel id (tax status, code cases, licenses). Parcel ids are
normalized per the city's rule; every address any source gives a parcel becomes an alias; an
address range (``"1249 51 VOSKAMP ST"``) is expanded into every number it covers. An address
key on more than one parcel is **ambiguous**: the cascade never picks one of them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from civicgrid.addresses import block_key
from civicgrid.config import LinkageSettings
from civicgrid.linkage.ids import normalize_parcel_ids
from civicgrid.linkage.keys import AddressBook
from civicgrid.linkage.units import unit_of

ADDRESS_COLUMNS = ["parcel_id", "address_key", "unit_key", "source", "from_range", "street_key",
                   "house_number", "unit", "lot", "range_numbers", "range_low"]


@dataclass
class Spine:
    """The spine tables plus the look-up indexes the match cascade uses."""

    parcels: pd.DataFrame            # warehouse table parcel_spine
    addresses: pd.DataFrame          # warehouse table parcel_addresses
    by_key: dict[str, frozenset] = field(default_factory=dict)        # written addresses
    by_range_key: dict[str, frozenset] = field(default_factory=dict)  # numbers inside ranges
    by_range: dict[tuple[str, int], frozenset] = field(default_factory=dict)  # (low key, numbers) of ranges
    by_unit: dict[str, frozenset] = field(default_factory=dict)
    units_at: dict[str, frozenset] = field(default_factory=dict)      # address_key -> its units
    streets: frozenset = frozenset()
    by_number: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # number -> (street, key)
    zips: dict[str, frozenset] = field(default_factory=dict)
    hoods: dict[str, frozenset] = field(default_factory=dict)
    primary_block: dict[str, str] = field(default_factory=dict)
    centroid: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def parcel_ids(self) -> frozenset:
        return frozenset(self.parcels["parcel_id"])

    def parcels_at(self, key: str) -> frozenset:
        """Every parcel an address key is on: written, or inside a written range."""
        return self.by_key.get(key, frozenset()) | self.by_range_key.get(key, frozenset())


def _address_rows(rec: pd.DataFrame, book: AddressBook, lots: list[str]) -> pd.DataFrame:
    rows = []
    for pid, raw, source in rec[["pid", "address", "source"]].drop_duplicates().itertuples(index=False):
        if raw is None:
            continue
        a = book[raw]
        street = a.street_key
        if a.kind not in ("address", "range") or a.house_number is None or not street:
            continue
        ranged = a.kind == "range"
        unit, lot = unit_of(a, lots)
        keys = a.address_keys
        for key in keys:
            unit_key = f"{key} #{unit}" if unit else None
            rows.append((pid, key, unit_key, source, ranged, street, key[: -len(street) - 1], unit, lot,
                         len(keys) if ranged else None, keys[0] if ranged else None))
    return pd.DataFrame(rows, columns=ADDRESS_COLUMNS)


def _mode_by(df: pd.DataFrame, key: str, col: str) -> pd.Series:
    """Most frequent non-null ``col`` per ``key`` (ties: the smallest value)."""
    counts = df[[key, col]].dropna().value_counts().rename("n").reset_index()
    counts = counts.sort_values([key, "n", col], ascending=[True, False, True])
    return counts.drop_duplicates(key).set_index(key)[col]


def _primary_keys(addr: pd.DataFrame) -> pd.DataFrame:
    """Each parcel's main address: most sources, written before range-expanded, non-zero first."""
    if addr.empty:
        return pd.DataFrame(columns=["parcel_id", "address_key", "street_key", "house_number"])
    g = (addr.assign(zero=addr["house_number"].eq("0"))
         .groupby(["parcel_id", "address_key", "street_key", "house_number"], as_index=False)
         .agg(n=("source", "nunique"), ranged=("from_range", "min"), zero=("zero", "first")))
    g = g.sort_values(["parcel_id", "zero", "ranged", "n", "address_key"],
                      ascending=[True, True, True, False, True])
    return g.drop_duplicates("parcel_id")[["parcel_id", "address_key", "street_key", "house_number"]]


def _block_of(number: str | None, street: str | None) -> str | None:
    digits = "".join(c for c in (number or "").split(" ")[0] if c.isdigit())
    return block_key(digits, street) if digits and street else None


def build_spine(records: pd.DataFrame, book: AddressBook, settings: LinkageSettings,
                source_order: list[str] | None = None) -> Spine:
    """Build the spine from a record frame (see :mod:`civicgrid.linkage.records`).

    ``book`` must know the records' addresses (call ``book.add`` first for speed; unknown
    strings are parsed on the fly). Records without a valid parcel id are ignored.
    """
    rec = records.assign(pid=normalize_parcel_ids(records["parcel_raw"], settings.parcel_id))
    rec = rec[rec["pid"].notna()]
    if source_order:
        rank = {s: i for i, s in enumerate(source_order)}
        rec = rec.assign(_r=rec["source"].map(rank)).sort_values("_r", kind="stable").drop(columns="_r")
    book.add(rec["address"])
    addr = _address_rows(rec, book, settings.lot_qualifiers).drop_duplicates(["parcel_id", "address_key", "unit_key", "source"])
    addr["n_parcels_sharing"] = addr.groupby("address_key")["parcel_id"].transform("nunique")
    addr["n_parcels_sharing_unit"] = (addr.groupby("unit_key")["parcel_id"].transform("nunique")
                                      .where(addr["unit_key"].notna()))
    addr = addr.reset_index(drop=True)

    zips = rec["zip"].where(rec["zip"].notna(), rec["address"].map(
        lambda r: book[r].zip if r is not None else None))
    rec = rec.assign(zip5=zips.map(lambda z: str(z)[:5] if z else None))
    ok = rec["lat"].between(-90, 90) & rec["lon"].between(-180, 180)
    rec = rec.assign(lat=rec["lat"].where(ok), lon=rec["lon"].where(ok))
    parcels = rec.groupby("pid", sort=True).agg(
        n_records=("source", "size"), lat=("lat", "mean"), lon=("lon", "mean")).reset_index()
    src = rec.drop_duplicates(["pid", "source"]).groupby("pid", sort=False)["source"].agg(", ".join)
    parcels["sources"] = parcels["pid"].map(src)
    parcels["neighborhood"] = parcels["pid"].map(_mode_by(rec, "pid", "neighborhood"))
    parcels["zip"] = parcels["pid"].map(_mode_by(rec, "pid", "zip5"))
    parcels = parcels.rename(columns={"pid": "parcel_id"})
    prim = _primary_keys(addr)
    prim["block_key"] = [_block_of(n, s) for n, s in zip(prim["house_number"], prim["street_key"])]
    counts = addr.groupby("parcel_id")["address_key"].nunique().rename("n_addresses")
    parcels = (parcels.merge(prim[["parcel_id", "address_key", "block_key"]], on="parcel_id", how="left")
               .merge(counts, on="parcel_id", how="left"))
    parcels["n_addresses"] = parcels["n_addresses"].fillna(0).astype("int64")
    parcels["ambiguous_address"] = parcels["address_key"].map(
        addr.drop_duplicates("address_key").set_index("address_key")["n_parcels_sharing"]).gt(1)
    parcels = parcels[["parcel_id", "address_key", "block_key", "n_addresses", "ambiguous_address",
                       "sources", "n_records", "lat", "lon", "neighborhood", "zip"]]

    spine = Spine(parcels=parcels, addresses=addr)
    _index(spine, addr, rec, settings.max_range_numbers)
    spine.primary_block = dict(zip(parcels["parcel_id"], parcels["block_key"]))
    known = parcels.dropna(subset=["lat", "lon"])
    spine.centroid = dict(zip(known["parcel_id"], zip(known["lat"], known["lon"])))
    return spine


def _index(spine: Spine, addr: pd.DataFrame, rec: pd.DataFrame, max_range: int) -> None:
    by_key, by_range, by_unit, units = (defaultdict(set) for _ in range(4))
    by_number = defaultdict(set)
    whole = defaultdict(set)
    for pid, key, ukey, ranged, street, num, unit, lot, span, low in addr[
            ["parcel_id", "address_key", "unit_key", "from_range", "street_key", "house_number", "unit", "lot",
             "range_numbers", "range_low"]
    ].itertuples(index=False):
        if ukey is not None:
            by_unit[ukey].add(pid)
        if ranged and not lot:
            whole[(low, int(span))].add(pid)
        if lot or (ranged and span > max_range):  # a rear lot only through its qualifier; wide ranges never
            continue
        (by_range if ranged else by_key)[key].add(pid)
        if ukey is not None:
            units[key].add(unit)
        by_number[num].add((street, key))
    spine.by_key = {k: frozenset(v) for k, v in by_key.items()}
    spine.by_range_key = {k: frozenset(v) for k, v in by_range.items()}
    spine.by_range = {k: frozenset(v) for k, v in whole.items()}
    spine.by_unit = {k: frozenset(v) for k, v in by_unit.items()}
    spine.units_at = {k: frozenset(v) for k, v in units.items()}
    spine.streets = frozenset(addr["street_key"])
    spine.by_number = {k: sorted(v) for k, v in by_number.items()}
    zips, hoods = defaultdict(set), defaultdict(set)
    for pid, z, h in rec[["pid", "zip5", "neighborhood"]].itertuples(index=False):
        if z:
            zips[pid].add(z)
        if h:
            hoods[pid].add(h.upper())
    spine.zips = {k: frozenset(v) for k, v in zips.items()}
    spine.hoods = {k: frozenset(v) for k, v in hoods.items()}


def centroid_arrays(spine: Spine) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(parcel_ids, lat, lon)`` of parcels with a known centroid."""
    p = spine.parcels.dropna(subset=["lat", "lon"])
    return p["parcel_id"].to_numpy(), p["lat"].to_numpy(float), p["lon"].to_numpy(float)
