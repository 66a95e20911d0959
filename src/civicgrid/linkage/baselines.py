"""Baselines the cascade is measured against: plain joins on address text (GUIDE §8).

- ``raw_join``: exact join on the address string as published (no clean-up at all);
- ``clean_join``: upper-case, drop the text after the first comma, collapse spaces, then an
  exact join (a record joins every parcel with that text: precision counts every joined row);
- ``clean_unique``: the same clean-up, but abstain when the text is on more than one parcel —
  shows how much of the cascade's gain is normalization and how much is abstaining.
"""

from __future__ import annotations

import pandas as pd


def raw_key(text: str | None) -> str | None:
    return text if isinstance(text, str) and text else None


def clean_key(text: str | None) -> str | None:
    """GUIDE §8 clean-up: upper-case, drop everything after the first comma, collapse spaces."""
    if not isinstance(text, str):
        return None
    return " ".join(text.upper().split(",")[0].split()) or None


KEYS = {"raw_join": raw_key, "clean_join": clean_key, "clean_unique": clean_key}


def baseline_links(method: str, records: pd.DataFrame, spine_records: pd.DataFrame) -> pd.DataFrame:
    """Join ``records`` (index = record position) to ``spine_records`` (columns pid, address).

    Returns rows ``(rec, parcel_id)``: one per joined pair (``*_join``), or one per record whose
    key is on exactly one parcel (``clean_unique``).
    """
    fn = KEYS[method]
    sp = pd.DataFrame({"k": spine_records["address"].map(fn), "parcel_id": spine_records["pid"]})
    sp = sp.dropna().drop_duplicates()
    if method == "clean_unique":
        n = sp.groupby("k")["parcel_id"].transform("nunique")
        sp = sp[n == 1]
    rec = pd.DataFrame({"rec": records.index, "k": records["address"].map(fn)}).dropna()
    return rec.merge(sp, on="k")[["rec", "parcel_id"]]
