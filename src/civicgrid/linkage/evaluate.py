"""Measure the linkage honestly: hide a source's parcel ids and predict them (GUIDE §8).

For each evaluated source S: build the spine from the other spine sources, link S's records by
address and coordinates only, and compare with S's own (normalized) parcel ids.

- **precision** = correct links / links made (every link counts, also for records whose
  parcel is not in the spine: linking those anywhere is wrong); **precision_in_spine** counts
  only links of records whose true parcel is in the spine (the issue's target).
- **recall** = correct / records whose true parcel is in the spine, whose address is not
  ambiguous there (not on several parcels, not house number 0) and that have an address or
  coordinates. **recall_findable** narrows that to records whose normalized address the spine
  lists on the true parcel (what an address join can find at all; sources that disagree on
  the number, "420" vs "418 N AIKEN AVE", fall outside it).
- ambiguous, out-of-spine and no-location records are counted beside them.

Methods: the cascade, the baselines of :mod:`~civicgrid.linkage.baselines`, and (for sources with
coordinates) ``coordinates_only``: the cascade with the address hidden too, which measures the
nearest-centroid step alone.
"""

from __future__ import annotations

import time

import pandas as pd

from civicgrid.config import CityConfig
from civicgrid.linkage import matchtypes as mt
from civicgrid.linkage.assemble import link_records
from civicgrid.linkage.baselines import KEYS, baseline_links
from civicgrid.linkage.cascade import match_address
from civicgrid.linkage.ids import normalize_parcel_ids
from civicgrid.linkage.keys import AddressBook
from civicgrid.linkage.records import evaluate_sources, load_records, spine_sources
from civicgrid.linkage.spine import Spine, build_spine

METHODS = ("raw_join", "clean_join", "clean_unique", "cascade", "coordinates_only")


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _scores(pred: pd.DataFrame, truth: pd.Series, den: pd.Index, findable: pd.Index,
            in_spine: pd.Series) -> dict:
    good = pred["parcel_id"].to_numpy() == truth.loc[pred["rec"]].to_numpy()
    ok = pred[good]
    hit = set(ok["rec"])
    inside = in_spine.loc[pred["rec"]].to_numpy()
    return {"links": len(pred), "correct": len(ok), "records_linked": int(pred["rec"].nunique()),
            "precision": _ratio(len(ok), len(pred)),
            "precision_in_spine": _ratio(int((good & inside).sum()), int(inside.sum())),
            "recall": _ratio(sum(r in hit for r in den), len(den)),
            "recall_findable": _ratio(sum(r in hit for r in findable), len(findable))}


def _labels(rec: pd.DataFrame, truth: pd.Series, spine: Spine, book: AddressBook, s) -> pd.DataFrame:
    """Per record: in spine, ambiguous, has a location, findable by its address."""
    pairs = set(zip(spine.addresses["parcel_id"], spine.addresses["address_key"]))
    amb, find = [], []
    for raw, t in zip(rec["address"], truth):
        a = book[raw]
        amb.append(match_address(a, spine, s).match_type == mt.AMBIGUOUS)
        find.append(any((t, k) in pairs for k in a.address_keys))
    kinds = rec["address"].map(lambda r: book[r].kind)
    has_xy = rec["lat"].notna() & rec["lon"].notna()
    return pd.DataFrame({"in_spine": truth.isin(spine.parcel_ids).to_numpy(), "ambiguous": amb,
                         "located": (~kinds.isin(["empty", "placeholder"]) | has_xy).to_numpy(),
                         "findable": find}, index=rec.index)


def evaluate_source(cfg: CityConfig, source: str, records: pd.DataFrame, spine_records: pd.DataFrame,
                    book: AddressBook, spine_names: list[str], examples: int = 5) -> dict:
    """Evaluate one source against a spine of ``spine_names`` (``source`` itself left out)."""
    s = cfg.linkage
    names = [n for n in spine_names if n != source]
    t = time.perf_counter()
    spine = build_spine(spine_records[spine_records["source"].isin(names)], book, s, names)
    t_spine = time.perf_counter() - t
    rec = records[records["source"] == source].copy()
    truth = normalize_parcel_ids(rec["parcel_raw"], s.parcel_id)
    rec, truth = rec[truth.notna()].reset_index(drop=True), truth[truth.notna()].reset_index(drop=True)
    lab = _labels(rec, truth, spine, book, s)
    den = lab.index[lab["in_spine"] & ~lab["ambiguous"] & lab["located"]]
    findable = lab.index[lab["in_spine"] & ~lab["ambiguous"] & lab["findable"]]
    out = {"source": source, "spine_sources": names, "spine_parcels": len(spine.parcels),
           "records": len(rec), "in_spine": int(lab["in_spine"].sum()),
           "out_of_spine": int((~lab["in_spine"]).sum()), "ambiguous": int(lab["ambiguous"].sum()),
           "no_location": int((~lab["located"]).sum()), "recall_base": len(den),
           "findable_base": len(findable), "methods": {}}
    sp = spine_records[spine_records["source"].isin(names)]
    sp = sp.assign(pid=normalize_parcel_ids(sp["parcel_raw"], s.parcel_id)).dropna(subset=["pid"])
    for method in KEYS:
        t = time.perf_counter()
        pred = baseline_links(method, rec, sp)
        out["methods"][method] = {**_scores(pred, truth, den, findable, lab["in_spine"]),
                                  "seconds": round(time.perf_counter() - t, 3)}
    t = time.perf_counter()
    links = link_records(rec, spine, book, s, use_parcel_id=False)
    secs = time.perf_counter() - t
    pred = pd.DataFrame({"rec": links.index, "parcel_id": links["parcel_id"]}).dropna()
    out["methods"]["cascade"] = {**_scores(pred, truth, den, findable, lab["in_spine"]),
                                 "seconds": round(secs + t_spine, 3)}
    if (rec["lat"].notna() & rec["lon"].notna()).any():
        t = time.perf_counter()
        xy = link_records(rec.assign(address=None), spine, book, s, use_parcel_id=False)
        pred = pd.DataFrame({"rec": xy.index, "parcel_id": xy["parcel_id"]}).dropna()
        out["methods"]["coordinates_only"] = {**_scores(pred, truth, den, findable, lab["in_spine"]),
                                              "seconds": round(time.perf_counter() - t, 3)}
    right = links["parcel_id"].eq(truth)
    by = {}
    for kind, g in links.groupby("match_type"):
        linked = g["parcel_id"].notna()
        by[kind] = {"records": len(g), "links": int(linked.sum()), "correct": int(right[g.index].sum()),
                    "precision": _ratio(int(right[g.index].sum()), int(linked.sum()))}
    out["cascade_by_match_type"] = by
    wrong = links[links["parcel_id"].notna() & ~right]
    missed = links.loc[[i for i in den if not right[i]]]
    show = lambda df: [{"address": rec.at[i, "address"], "true_parcel": truth[i], "linked": df.at[i, "parcel_id"],
                        "match_type": df.at[i, "match_type"], "explanation": df.at[i, "explanation"]}
                       for i in df.index[:examples]]
    out["wrong_examples"], out["missed_examples"] = show(wrong), show(missed)
    out["missed_by_match_type"] = missed["match_type"].value_counts().to_dict()
    return out


def evaluate(cfg: CityConfig, con, sources: list[str] | None = None,
             spine_names: list[str] | None = None, examples: int = 5) -> dict:
    """Evaluate every source in ``sources`` (default ``linkage.evaluate_sources``).

    Args:
        cfg: city configuration.
        con: warehouse connection holding the sources' records (read-only is enough).
        sources: sources to evaluate.
        spine_names: spine sources (default ``linkage.spine_sources``); each evaluated source is
            left out of its own spine.
        examples: wrong links and misses to list per source.

    Returns:
        ``{"sources": [per-source result], "seconds": …}``; see docs/linkage.md.
    """
    t = time.perf_counter()
    sources = sources or evaluate_sources(cfg)
    spine_names = spine_names or spine_sources(cfg)
    book = AddressBook(cfg.linkage)
    spine_records = load_records(con, cfg, spine_names)
    records = load_records(con, cfg, sorted(set(sources)))
    book.add(pd.concat([spine_records["address"], records["address"]]))
    results = [evaluate_source(cfg, src, records, spine_records, book, spine_names, examples)
               for src in sources]
    return {"spine_sources": spine_names, "sources": results, "seconds": round(time.perf_counter() - t, 2)}
