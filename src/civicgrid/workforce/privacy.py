"""Small-group suppression and the no-personal-data guard for every workforce output (GUIDE §6).

Rules, applied to every table before it leaves the workforce stage:

* a row describing a group of 1–4 people (``min_group`` = 5) keeps its labels, gets
  ``suppressed = True`` and has every count and rate replaced by ``None``. A group of zero people
  discloses no one and is shown as 0, so an absent group stays visible (``suppress_zero`` hides
  zeros too);
* complementary suppression: where a total and its parts are both shown, one hidden part could be
  recovered by subtraction, so the smallest other part is hidden as well (repeated until no
  total has exactly one hidden part);
* nothing that identifies a person is output: no names, tokens, employee ids or internal keys.
  :func:`assert_no_personal_data` walks the finished report and raises if any value equals a
  roster token or any key is a personal field.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pandas as pd

PERSONAL_KEYS = frozenset({"person_token", "employee_id", "key", "name_token", "NAME", "Name"})


class PrivacyError(RuntimeError):
    """An output would disclose personal data; the report is not returned."""


def is_small(size: pd.Series, min_group: int = 5, suppress_zero: bool = False) -> pd.Series:
    """True where a group's size is under ``min_group`` (zero only with ``suppress_zero``)."""
    s = pd.to_numeric(size, errors="coerce")
    small = s < min_group
    if not suppress_zero:
        small &= s > 0
    return small.fillna(False).astype(bool)


def suppress(df: pd.DataFrame, size_cols: list[str], value_cols: list[str], min_group: int = 5,
             suppress_zero: bool = False) -> pd.DataFrame:
    """Hide the values of rows whose group (any of ``size_cols``) is smaller than ``min_group``.

    Returns a copy with a ``suppressed`` column (OR-ed with an existing one) and ``value_cols``
    set to None on suppressed rows. ``size_cols`` are hidden too when listed in ``value_cols``.
    """
    out = df.copy()
    small = pd.Series(False, index=out.index)
    for c in size_cols:
        out[f"_true_{c}"] = out[c]
        small |= is_small(out[c], min_group, suppress_zero)
    if "suppressed" in out:
        small |= out["suppressed"].fillna(False).astype(bool)
    out["suppressed"] = small
    return hide(out, value_cols)


def hide(df: pd.DataFrame, value_cols: list[str]) -> pd.DataFrame:
    """Set ``value_cols`` to None where ``suppressed`` is true (columns become object dtype)."""
    for c in value_cols:
        if c in df:
            df[c] = df[c].astype(object).where(~df["suppressed"], None)
    return df


def complementary(df: pd.DataFrame, count_col: str, dims: list[str], total: str = "All",
                  value_cols: list[str] | None = None) -> pd.DataFrame:
    """Secondary suppression over additive tables (a total row labelled ``total`` on each dim).

    For each dimension, rows that agree on the other dimensions form a set {total, parts}; when
    exactly one member of a set is suppressed, the smallest shown non-zero part (else the total)
    is suppressed too. Repeats until stable. The true counts are read from ``_true_<count_col>``
    (kept by :func:`suppress`; dropped by :func:`records`).
    """
    true_col = f"_true_{count_col}"
    out = df.copy()
    if true_col not in out:
        out[true_col] = out[count_col]
    for _ in range(20):
        changed = False
        for d in dims:
            others = [x for x in dims if x != d]
            groups = out.groupby(others, dropna=False).groups if others else {None: out.index}
            for idx in groups.values():
                sub = out.loc[idx]
                if int(sub["suppressed"].sum()) != 1:
                    continue
                shown_parts = sub[(~sub["suppressed"]) & (sub[d] != total) & (sub[true_col].fillna(0) > 0)]
                if len(shown_parts):
                    pick = shown_parts[true_col].astype(float).idxmin()
                else:
                    tot = sub[(~sub["suppressed"]) & (sub[d] == total)]
                    if not len(tot):
                        continue
                    pick = tot.index[0]
                out.loc[pick, "suppressed"] = True
                changed = True
        if not changed:
            break
    return hide(out, (value_cols or []) + [count_col])


def complementary_within(df: pd.DataFrame, count_col: str, by: list[str],
                         value_cols: list[str]) -> pd.DataFrame:
    """Secondary suppression for parts of a total that is published elsewhere (e.g. departments
    within a year, whose sum is the city's headcount): if exactly one part of a set is hidden,
    hide the smallest other non-zero part too."""
    out = df.copy()
    true = f"_true_{count_col}"
    if true not in out:
        out[true] = out[count_col]
    for _, idx in out.groupby(by, dropna=False).groups.items():
        sub = out.loc[idx]
        if int(sub["suppressed"].sum()) != 1:
            continue
        shown = sub[(~sub["suppressed"]) & (pd.to_numeric(sub[true], errors="coerce").fillna(0) > 0)]
        if len(shown):
            out.loc[pd.to_numeric(shown[true]).idxmin(), "suppressed"] = True
    return hide(out, value_cols + [count_col])


def _clean(v):
    if v is None or v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else float(f"{f:.10g}")
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else v.date().isoformat() if v == v.normalize() else v.isoformat()
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def records(df: pd.DataFrame, drop: tuple[str, ...] = ()) -> list[dict]:
    """JSON-ready rows: NaN/NaT → None, numpy scalars → Python, dates → ISO text.

    Internal columns (``key``, ``_true_*``) are dropped.
    """
    cols = [c for c in df.columns if c not in drop and c != "key" and not str(c).startswith("_true_")]
    return [{c: _clean(v) for c, v in zip(cols, row)} for row in df[cols].itertuples(index=False, name=None)]


def assert_no_personal_data(obj, tokens: set[str]) -> None:
    """Raise :class:`PrivacyError` if ``obj`` holds a roster token or a personal-field key."""
    stack = [obj]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            for k, v in x.items():
                if k in PERSONAL_KEYS:
                    raise PrivacyError(f"output has a personal field {k!r}")
                stack.append(v)
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, str) and x in tokens:
            raise PrivacyError("output contains a person token")
