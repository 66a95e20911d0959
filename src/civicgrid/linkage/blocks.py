"""The ``blocks`` table: every hundred block that any record links to, with events by department."""

from __future__ import annotations

import pandas as pd

from civicgrid.ingest.fields import DEPARTMENTS
from civicgrid.linkage.spine import Spine


def build_blocks(links: pd.DataFrame, records: pd.DataFrame, spine: Spine) -> pd.DataFrame:
    """One row per block key found in ``links`` or among the spine's main addresses.

    ``links`` and ``records`` are row-aligned (same order and length).
    """
    ev = pd.DataFrame({"block_key": links["block_key"].to_numpy(),
                       "department": links["department"].to_numpy(),
                       "lat": records["lat"].to_numpy(), "lon": records["lon"].to_numpy()})
    ev = ev[ev["block_key"].notna()]
    counts = ev.pivot_table(index="block_key", columns="department", values="lat", aggfunc="size",
                            fill_value=0)
    counts = counts.reindex(columns=DEPARTMENTS, fill_value=0).add_prefix("n_")
    par = spine.parcels[spine.parcels["block_key"].notna()][["block_key", "lat", "lon"]]
    n_par = par.groupby("block_key").size().rename("n_parcels")
    parts = [f.dropna() for f in (ev[["block_key", "lat", "lon"]], par)]
    pts = pd.concat([f for f in parts if len(f)] or [parts[0]], ignore_index=True)
    ok = pts["lat"].between(-90, 90) & pts["lon"].between(-180, 180)
    centre = pts[ok].groupby("block_key")[["lat", "lon"]].median()
    keys = pd.Index(sorted(set(ev["block_key"]) | set(par["block_key"])), name="block_key")
    out = counts.reindex(keys, fill_value=0).astype("int64")
    out["n_events"] = out[[f"n_{d}" for d in DEPARTMENTS]].sum(axis=1)
    out["n_departments"] = (out[[f"n_{d}" for d in DEPARTMENTS]] > 0).sum(axis=1)
    out["n_parcels"] = n_par.reindex(keys, fill_value=0).astype("int64")
    out = out.join(centre).reset_index()
    if not len(out):  # a city with no block-level records (e.g. HR-only configs)
        out["hundred"] = pd.Series(dtype="Int64")
        out["street_key"] = pd.Series(dtype=object)
        return out
    split = out["block_key"].str.split(" ", n=1, expand=True).reindex(columns=[0, 1])
    out["hundred"] = pd.to_numeric(split[0], errors="coerce").astype("Int64")
    out["street_key"] = split[1]
    return out
