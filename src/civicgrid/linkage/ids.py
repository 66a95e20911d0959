"""Parcel-id normalization, per the city's ``linkage.parcel_id`` rule."""

from __future__ import annotations

import re

import pandas as pd

from civicgrid.config import ParcelIdRule


def normalize_parcel_id(value: str | None, rule: ParcelIdRule) -> str | None:
    """One id: ``"0011-E-00031-0000-00"`` -> ``"0011E00031000000"``; None when empty or invalid."""
    return normalize_parcel_ids(pd.Series([value], dtype="object"), rule).iloc[0]


def normalize_parcel_ids(ids: pd.Series, rule: ParcelIdRule) -> pd.Series:
    """Normalize a column of ids (vectorized). Invalid or empty ids become None."""
    s = ids.astype("object").where(ids.notna(), None)
    s = s.map(lambda v: None if v is None else str(v), na_action="ignore")
    if rule.strip_chars:
        s = s.str.replace(f"[{re.escape(rule.strip_chars)}]", "", regex=True)
    if rule.upper:
        s = s.str.upper()
    if rule.length and rule.pad != "none":
        s = s.str.pad(rule.length, side=rule.pad, fillchar=rule.pad_char)
    s = s.where(s.str.len() > 0)
    if rule.pattern:
        pat = re.compile(rule.pattern)
        s = s.map(lambda v: v if v is not None and pat.fullmatch(v) else None, na_action="ignore")
    return s.astype("object").where(s.notna(), None)
