"""Apply the integration rules to events: exclusions, points, serious events (vectorized).

Each event gets ``excluded`` (the reason: victim / domestic / medical / welfare, or None),
``exclusion_rule`` (the rule's name), ``points`` (before decay; 0 when excluded), ``label`` (the
component it adds to) and ``serious`` (the serious-event rule it matches, or None). Regular
expressions run once per distinct text, not once per row.
"""

from __future__ import annotations

import fnmatch
import re

import numpy as np
import pandas as pd

from civicgrid.settings.integration import IntegrationSettings, Match

TEXT_FIELDS = ("category", "subcategory", "type_code", "description")


def event_text(ev: pd.DataFrame) -> pd.Series:
    """``category | subcategory | type_code | description`` in lower case (what ``pattern`` searches)."""
    parts = [ev[c].astype("string").fillna("") if c in ev else pd.Series("", index=ev.index, dtype="string")
             for c in TEXT_FIELDS]
    out = parts[0]
    for p in parts[1:]:
        out = out + " | " + p
    return out.str.lower()


def _search(values: pd.Series, regex: str, where: np.ndarray | None = None) -> np.ndarray:
    """``regex`` searched in each value (only where ``where``), evaluated once per distinct value."""
    out = np.zeros(len(values), dtype=bool)
    idx = np.flatnonzero(where) if where is not None else np.arange(len(values))
    if len(idx) == 0:
        return out
    codes, uniques = pd.factorize(values.iloc[idx].fillna(""), sort=False)
    rx = re.compile(regex, re.IGNORECASE)
    hit = np.fromiter((bool(rx.search(str(u))) for u in uniques), dtype=bool, count=len(uniques))
    ok = codes >= 0
    out[idx[ok]] = hit[codes[ok]]
    return out


class _Lower:
    """Lower-cased department / kind / source columns, computed once per classification."""

    def __init__(self, ev: pd.DataFrame):
        self.cols = {c: ev[c].astype("string").str.lower().fillna("").to_numpy(dtype=object)
                     for c in ("department", "kind", "source") if c in ev}

    def isin(self, col: str, values: list[str]) -> np.ndarray:
        return np.isin(self.cols[col], [str(v).lower() for v in values])


def rule_mask(ev: pd.DataFrame, rule: Match, text: pd.Series | None = None, lower: _Lower | None = None,
              where: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of the events ``rule`` matches (filters all pass, then any matcher hits).

    ``where`` limits the work to rows still undecided (the result is False elsewhere).
    """
    lower = lower or _Lower(ev)
    mask = np.ones(len(ev), dtype=bool) if where is None else where.copy()
    for col, values in (("department", rule.departments), ("kind", rule.kinds), ("source", rule.sources)):
        if values is not None:
            mask &= lower.isin(col, values)
    if not mask.any():
        return mask
    hits = []
    if rule.type_codes:
        rx = "|".join("^" + fnmatch.translate(g.strip()) for g in rule.type_codes)
        hits.append(_search(ev["type_code"].astype("string").str.strip(), rx, mask))
    if rule.pattern:
        hits.append(_search(text if text is not None else event_text(ev), rule.pattern, mask))
    if rule.status:
        hits.append(_search(ev["status"].astype("string"), rule.status, mask))
    if rule.victim_flag is not None:
        vf = ev["victim_flag"].astype("boolean")
        hits.append((vf == rule.victim_flag).fillna(False).to_numpy(dtype=bool))
    if hits:
        mask &= np.logical_or.reduce(hits)
    return mask


def classify(ev: pd.DataFrame, s: IntegrationSettings) -> pd.DataFrame:
    """Add ``excluded``, ``exclusion_rule``, ``points``, ``label`` and ``serious`` to a copy of ``ev``."""
    ev = ev.copy()
    text = event_text(ev)
    n = len(ev)
    excluded = np.full(n, None, dtype=object)
    rule_name = np.full(n, None, dtype=object)
    lower = _Lower(ev)
    for r in s.exclusions.active():
        m = rule_mask(ev, r, text, lower, where=pd.isna(excluded))
        excluded[m] = r.reason
        rule_name[m] = r.name
    points = np.zeros(n, dtype=float)
    label = np.full(n, None, dtype=object)
    todo = np.ones(n, dtype=bool)
    is_ex = ~pd.isna(excluded)
    todo &= ~is_ex
    for r in s.points:
        m = rule_mask(ev, r, text, lower, where=todo)
        points[m] = r.points
        if r.label:
            label[m] = r.label
        todo &= ~m
    points[is_ex] = 0.0
    default_label = ev["category"].astype("string").fillna(ev["type_code"].astype("string")).fillna(ev["kind"])
    default_label = default_label.astype(str).str.strip().str.slice(0, 80)
    label = np.where(pd.isna(label), default_label.to_numpy(dtype=object), label)
    serious = np.full(n, None, dtype=object)
    for r in s.serious_events:
        m = rule_mask(ev, r, text, lower, where=pd.isna(serious) & ~is_ex)
        serious[m] = r.name
    ev["excluded"] = excluded
    ev["exclusion_rule"] = rule_name
    ev["points"] = points
    ev["label"] = label
    ev["serious"] = serious
    return ev


def exclusion_summary(ev: pd.DataFrame) -> pd.DataFrame:
    """Excluded records by source, department, category and reason (no locations: safe to publish)."""
    ex = ev[ev["excluded"].notna()]
    if ex.empty:
        return pd.DataFrame(columns=["source", "department", "category", "reason", "rule", "n_events"])
    cat = ex["category"].astype("string").fillna("(none)").str.slice(0, 120)
    g = (ex.assign(category=cat).groupby(["source", "department", "category", "excluded", "exclusion_rule"],
                                         dropna=False).size().reset_index(name="n_events"))
    return g.rename(columns={"excluded": "reason", "exclusion_rule": "rule"}).sort_values(
        ["source", "n_events"], ascending=[True, False], ignore_index=True)
