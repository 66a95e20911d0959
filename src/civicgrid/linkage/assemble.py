"""Link a frame of records: the whole cascade, record by record (each address matched once).

Order for one record:

1. its own **parcel id**, when the spine has it;
2. a department in ``block_departments`` (police, fire) links to its **block** (or
   intersection), never to a parcel;
3. the exact address steps (:func:`~civicgrid.linkage.cascade.match_address`): address with
   unit, address without unit, inside a range; blocks and intersections get their keys;
4. **fuzzy street** (:mod:`~civicgrid.linkage.fuzzy`) for numbers on a street the spine lacks;
4b. **probabilistic** (:mod:`~civicgrid.linkage.probabilistic`, only with
   ``linkage.probabilistic``; Splink) for house-number addresses still unmatched;
5. **nearest centroid** (:mod:`~civicgrid.linkage.geo`) for records with coordinates and no
   usable address.

Every record gets its block key when its address (or its parcel's main address) has one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from civicgrid.config import LinkageSettings
from civicgrid.linkage import matchtypes as mt
from civicgrid.linkage.cascade import match_address
from civicgrid.linkage.fuzzy import fuzzy_match
from civicgrid.linkage.geo import CentroidIndex
from civicgrid.linkage.ids import normalize_parcel_ids
from civicgrid.linkage.keys import AddressBook
from civicgrid.linkage.spine import Spine

LINK_COLUMNS = ["source", "record_id", "department", "parcel_id", "block_key", "intersection_key",
                "match_type", "score", "explanation", "address_kind", "address_key", "needs_review"]
_NO_ADDRESS_KINDS = ("empty", "placeholder", "unparsed", "po_box")


def link_records(records: pd.DataFrame, spine: Spine, book: AddressBook, settings: LinkageSettings,
                 use_parcel_id: bool = True, centroids: CentroidIndex | None = None) -> pd.DataFrame:
    """Return one link row per record (columns :data:`LINK_COLUMNS`).

    Args:
        records: a record frame (:func:`civicgrid.linkage.records.load_records`).
        spine: the parcel spine to link against.
        book: address book (normalizes each distinct string once).
        settings: the city's linkage settings.
        use_parcel_id: False hides the records' own parcel ids (evaluation).
        centroids: a prebuilt :class:`CentroidIndex` of ``spine`` (built when None).
    """
    df = records.reset_index(drop=True)
    n = len(df)
    book.add(df["address"])
    raws = df["address"].tolist()
    distinct = {r: book[r] for r in set(raws)}
    matches = {r: match_address(a, spine, settings) for r, a in distinct.items()}
    na = [distinct[r] for r in raws]
    m = [matches[r] for r in raws]

    out = pd.DataFrame({
        "source": df["source"], "record_id": df["record_id"], "department": df["department"],
        "parcel_id": [x.parcel_id for x in m], "block_key": [a.block_key for a in na],
        "intersection_key": [a.intersection_key for a in na],
        "match_type": [x.match_type for x in m], "score": [x.score for x in m],
        "explanation": [x.explanation for x in m], "address_kind": [a.kind for a in na],
        "address_key": [a.address_key for a in na]})

    blocky = df["department"].isin(settings.block_departments).to_numpy()
    _fuzzy(out, df, na, m, spine, settings, blocky)
    _probabilistic(out, df, na, spine, settings, blocky)
    _conflicts(out, df, na, spine, settings)
    _centroid(out, df, na, spine, settings, blocky, centroids)
    _block_departments(out, blocky)
    if use_parcel_id:
        _parcel_ids(out, df, spine, settings)
    missing = out["block_key"].isna() & out["parcel_id"].notna()
    out.loc[missing, "block_key"] = out.loc[missing, "parcel_id"].map(spine.primary_block)
    out["needs_review"] = needs_review(out, settings, blocky, has_spine=len(spine.parcels) > 0)
    out["score"] = out["score"].astype("float64")
    assert len(out) == n
    return out[LINK_COLUMNS]


def needs_review(links: pd.DataFrame, settings: LinkageSettings, blocky: np.ndarray,
                 has_spine: bool = True) -> pd.Series:
    """Ambiguous addresses, weak parcel links, and unmatched house-number or unreadable addresses.

    Records without a house number (a street name, coordinates only) are reviewed only when the
    centroid step linked them (a weak link); police and fire never (they link to blocks). Without
    any spine parcel there is nothing to decide, so unmatched records are not queued.
    """
    linked = links["parcel_id"].notna()
    weak = linked & (links["score"] < settings.review_below)
    keyed = links["address_key"].notna()
    ambiguous = links["match_type"].eq(mt.AMBIGUOUS) & keyed
    lost = links["match_type"].eq(mt.UNMATCHED) & (keyed | links["address_kind"].eq("unparsed")) & has_spine
    return (ambiguous | weak | lost) & ~blocky


def _fuzzy(out, df, na, m, spine, settings, blocky) -> None:
    if not settings.fuzzy:
        return
    rows = [i for i, x in enumerate(m) if x.fuzzy_ok and not blocky[i]]
    if not rows:
        return
    zips, hoods = df["zip"].tolist(), df["neighborhood"].tolist()
    done: dict = {}
    for i in rows:
        a = na[i]
        z = (str(zips[i]) if zips[i] else a.zip or "")[:5] or None
        h = hoods[i]
        key = (a.raw, z, h)
        if key not in done:
            done[key] = fuzzy_match(a, z, h, spine, settings)
        res = done[key]
        if res is not None:
            out.loc[i, ["parcel_id", "match_type", "score", "explanation"]] = list(res[:4])


def _probabilistic(out, df, na, spine, settings, blocky) -> None:
    """Records still unmatched with a house-number address: Splink against the spine (optional)."""
    if not settings.probabilistic:
        return
    from civicgrid.linkage import probabilistic as pr

    if not pr.splink_available():
        raise RuntimeError("linkage.probabilistic is true but splink is not installed (pip install splink)")
    zips, hoods = df["zip"].tolist(), df["neighborhood"].tolist()
    mtypes = out["match_type"].to_numpy()
    rows: dict[int, object] = {}
    for i in np.flatnonzero((mtypes == mt.UNMATCHED) & ~blocky):
        a = na[i]
        q = pr.query_for(a, (str(zips[i]) if zips[i] else a.zip or "")[:5] or None, hoods[i], settings)
        if q is not None:
            rows[i] = q
    if not rows:
        return
    res = pr.probabilistic_match(list(dict.fromkeys(rows.values())), spine, settings)
    for i, q in rows.items():
        r = res.get(q)
        if r is None:
            continue
        if r.parcel_id is None:
            out.at[i, "explanation"] = f"{out.at[i, 'explanation']}; {r.explanation}"
        else:
            out.loc[i, ["parcel_id", "match_type", "score", "explanation"]] = [
                r.parcel_id, pr.PROBABILISTIC, r.score, r.explanation]


_ADDRESS_TYPES = (mt.ADDRESS, mt.ADDRESS_UNIT, mt.ADDRESS_NO_UNIT, mt.RANGE, mt.FUZZY_STREET, mt.PROBABILISTIC)


def _conflicts(out, df, na, spine, settings) -> None:
    """Refuse an address link whose ZIP or coordinates say it is another property."""
    rows = np.flatnonzero(out["match_type"].isin(_ADDRESS_TYPES).to_numpy() & out["parcel_id"].notna().to_numpy())
    if not len(rows):
        return
    zips, lats, lons = df["zip"].to_numpy(), df["lat"].to_numpy(), df["lon"].to_numpy()
    pids = out["parcel_id"].to_numpy()
    limit = settings.max_address_distance_m
    for i in rows:
        pid, why = pids[i], None
        z = (str(zips[i]) if zips[i] else na[i].zip or "")[:5]
        have = spine.zips.get(pid)
        if z and have and z not in have:
            why = f"the record's ZIP {z} is not the parcel's ({', '.join(sorted(have))})"
        elif limit and pid in spine.centroid and np.isfinite(lats[i]) and np.isfinite(lons[i]):
            d = _metres(lats[i], lons[i], *spine.centroid[pid])
            if d > limit:
                why = f"the record lies {d:,.0f} m from the parcel's centroid (limit {limit:g} m)"
        if why:
            out.loc[i, ["parcel_id", "match_type", "score"]] = [None, mt.UNMATCHED, 0.0]
            out.loc[i, "explanation"] = f"{out.at[i, 'explanation']}, but {why}: not the same property"


def _metres(lat1, lon1, lat2, lon2) -> float:
    k = 111_195.0
    return float(np.hypot((lat1 - lat2) * k, (lon1 - lon2) * k * np.cos(np.radians((lat1 + lat2) / 2))))


def _centroid(out, df, na, spine, settings, blocky, centroids) -> None:
    no_addr = np.array([a.kind in _NO_ADDRESS_KINDS or (a.kind == "address" and a.house_number is None)
                        for a in na], dtype=bool)
    has_xy = (df["lat"].between(-90, 90) & df["lon"].between(-180, 180)).to_numpy()
    pick = np.flatnonzero(no_addr & has_xy & ~blocky)
    if not len(pick):
        return
    index = centroids or CentroidIndex(spine)
    res = index.match(df["lat"].to_numpy()[pick], df["lon"].to_numpy()[pick], settings)
    cols = ["parcel_id", "match_type", "score", "explanation"]
    frame = pd.DataFrame(res, columns=cols, index=pick)
    before = out.loc[pick, "explanation"].to_numpy()
    frame["explanation"] = [f"{e} ({b})" if t != mt.CENTROID else e
                            for e, b, t in zip(frame["explanation"], before, frame["match_type"])]
    out.loc[pick, cols] = frame[cols]


def _block_departments(out, blocky) -> None:
    if not blocky.any():
        return
    idx = np.flatnonzero(blocky)
    has_block = out.loc[idx, "block_key"].notna().to_numpy()
    has_x = out.loc[idx, "intersection_key"].notna().to_numpy()
    out.loc[idx, "parcel_id"] = None
    b, x = idx[has_block], idx[~has_block & has_x]
    out.loc[b, "match_type"] = mt.BLOCK
    out.loc[b, "score"] = 1.0
    out.loc[b, "explanation"] = "block-level source (published at block level on purpose): block " + \
        out.loc[b, "block_key"]
    out.loc[x, "match_type"] = mt.INTERSECTION
    out.loc[x, "score"] = 1.0
    rest = idx[~has_block & ~has_x]
    out.loc[rest, "match_type"] = mt.UNMATCHED
    out.loc[rest, "score"] = 0.0


def _parcel_ids(out, df, spine, settings) -> None:
    pid = normalize_parcel_ids(df["parcel_raw"], settings.parcel_id)
    known = pid.isin(spine.parcel_ids) & pid.notna()
    out.loc[known, "parcel_id"] = pid[known]
    out.loc[known, "match_type"] = mt.PARCEL_ID
    out.loc[known, "score"] = 1.0
    out.loc[known, "explanation"] = "the record's own parcel id " + pid[known] + " is in the spine"
    unknown = pid.notna() & ~known
    out.loc[unknown, "explanation"] = ("parcel id " + pid[unknown] + " is not in the spine; by address: "
                                       + out.loc[unknown, "explanation"])
