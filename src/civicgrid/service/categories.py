"""Sort service requests and contacts into six categories: mapping tables first, a text model for the rest.

Categories: ``inquiry``, ``complaint``, ``service_request``, ``transfer``, ``permit``, ``feedback``.

1. **Versioned mapping tables** (:class:`CategoryMapping`), one per published export: a row's status
   (e.g. ``Referred Out`` → transfer) wins, then its responsible agency (outside agencies →
   transfer), then its request type. A table applies to rows opened on or after its
   ``effective_from``; when a city changes its taxonomy it adds a new version instead of editing
   history. Built-in tables live in :mod:`civicgrid.service.category_maps`.
2. **Generic keyword rules** for words such as "permit application" or "referred out".
3. **A text classifier** (:mod:`civicgrid.service.classifier`: TF-IDF word and character n-grams +
   logistic regression) trained on the rows the mapping labelled, for everything left. Each prediction carries a confidence; below the
   threshold the row is marked ``needs_review`` — a person decides, the model only suggests.

:func:`cross_validated_accuracy` reports how well the classifier reproduces the mapping, per category,
against the majority-class baseline, and optionally on request types it never saw (group k-fold):
the honest measure of what it can do for unmapped rows.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from civicgrid.service.category_maps import BUILTIN_MAPPINGS, KEYWORD_RULES
from civicgrid.service.classifier import DEFAULT_THRESHOLD, TextCategoryClassifier, cross_validated_accuracy

__all__ = ["CATEGORIES", "CategoryMapping", "TextCategoryClassifier", "apply_mapping", "builtin_mappings",
           "categorize", "cross_validated_accuracy", "event_text", "request_type_of"]

CATEGORIES = ("inquiry", "complaint", "service_request", "transfer", "permit", "feedback")


def _key(v) -> str:
    return " ".join(str(v).split()).casefold()


def _keys(values: pd.Series) -> pd.Series:
    """:func:`_key` of each value (None stays None), computed once per distinct value."""
    codes, uniq = pd.factorize(values)
    keys = np.array([_key(u) for u in uniq] + [None], dtype=object)
    return pd.Series(keys[codes], index=values.index, dtype="object")


@dataclass(frozen=True)
class CategoryMapping:
    """One version of one source's mapping table (see module doc for the precedence)."""

    name: str
    version: str
    effective_from: pd.Timestamp
    request_types: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    outside_agencies: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    description: str = ""

    @classmethod
    def from_dict(cls, d: dict) -> "CategoryMapping":
        """Build from a dict (or parsed YAML) with the keys of the built-in tables; checks categories."""
        for part in ("request_types", "statuses"):
            bad = {k: v for k, v in (d.get(part) or {}).items() if v not in CATEGORIES}
            if bad:
                raise ValueError(f"mapping {d.get('name')!r} {part}: unknown categories {bad}; use {CATEGORIES}")
        eff = pd.Timestamp(d.get("effective_from", "1900-01-01"))
        eff = eff.tz_localize("UTC") if eff.tzinfo is None else eff.tz_convert("UTC")
        return cls(str(d["name"]), str(d.get("version", "1")), eff,
                   {_key(k): v for k, v in (d.get("request_types") or {}).items()},
                   {_key(k): v for k, v in (d.get("statuses") or {}).items()},
                   tuple(_key(a) for a in d.get("outside_agencies") or ()),
                   tuple(d.get("files") or ()), d.get("description", ""))

    @classmethod
    def load(cls, path: str | Path) -> "CategoryMapping":
        """Read a mapping table from a YAML file."""
        import yaml

        return cls.from_dict(yaml.safe_load(Path(path).read_text(encoding="utf-8")))

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"

    def matches_file(self, filename: str) -> bool:
        """True when ``filename`` matches one of the table's file patterns."""
        return any(fnmatch.fnmatch(filename, p) for p in self.files)


def builtin_mappings() -> list[CategoryMapping]:
    """The shipped tables (Los Angeles MyLA311, Pittsburgh 311)."""
    return [CategoryMapping.from_dict(d) for d in BUILTIN_MAPPINGS.values()]


def request_type_of(df: pd.DataFrame) -> pd.Series:
    """The published request type of each event.

    ``subcategory`` when the config already mapped ``category`` to one of the six categories
    (the mapper then keeps the raw type in ``subcategory``), else ``category``, else
    ``type_code`` / ``service_code`` / ``description``.
    """
    out = pd.Series(pd.NA, index=df.index, dtype="object")
    cat = df["category"] if "category" in df else pd.Series(pd.NA, index=df.index, dtype="object")
    if "subcategory" in df:
        use_sub = cat.isin(CATEGORIES) & df["subcategory"].notna()
        out = out.mask(use_sub, df["subcategory"])
    out = out.where(out.notna(), cat.where(~cat.isin(CATEGORIES)))  # fillna without pandas' downcast warning
    for col in ("type_code", "service_code", "description"):
        if col in df:
            out = out.fillna(df[col])
    return out


def event_text(df: pd.DataFrame) -> pd.Series:
    """Text the classifier reads: request type, agency, status, description and comment."""
    parts = [request_type_of(df)]
    parts += [df[c] for c in ("agency_responsible", "status", "description", "comment") if c in df]
    parts = [p.astype("string").fillna("") for p in parts]
    text = parts[0].str.cat(parts[1:], sep=" | ") if len(parts) > 1 else parts[0]
    return text.str.replace(r"(?:\s*\|\s*){2,}", " | ", regex=True).str.strip(" |").astype(object)


def apply_mapping(df: pd.DataFrame, mappings: list[CategoryMapping] | CategoryMapping,
                  keywords: bool = True) -> pd.DataFrame:
    """Label rows by the mapping tables; returns ``service_category`` and ``category_rule`` (None = unmapped).

    With several versions, each row uses the latest version whose ``effective_from`` is on or
    before its ``opened_at``; rows opened before the first version use the first, rows without
    ``opened_at`` the latest.
    """
    if isinstance(mappings, CategoryMapping):
        mappings = [mappings]
    rtype = _keys(request_type_of(df))
    status = _keys(df["status"]) if "status" in df else None
    agency = _keys(df["agency_responsible"]) if "agency_responsible" in df else None
    cat = pd.Series(None, index=df.index, dtype="object")
    rule = pd.Series(None, index=df.index, dtype="object")
    opened = (pd.to_datetime(df["opened_at"], utc=True) if "opened_at" in df
              else pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]"))
    versions = sorted(mappings, key=lambda m: m.effective_from)
    for i, m in enumerate(versions):
        nxt = versions[i + 1].effective_from if i + 1 < len(versions) else None
        rows = (opened >= m.effective_from) | (opened.isna() & (nxt is None)) | ((i == 0) & (opened < m.effective_from))
        if nxt is not None:
            rows &= opened < nxt
        for part, values, table in (("status", status, m.statuses),
                                    ("outside agency", agency, {a: "transfer" for a in m.outside_agencies}),
                                    ("request type", rtype, m.request_types)):
            if values is None or not table:
                continue
            hit = rows & cat.isna() & values.isin(table.keys())
            cat[hit] = values[hit].map(table)
            rule[hit] = f"{m.label}: {part}"
    if keywords:
        text = event_text(df)
        for pattern, label in KEYWORD_RULES:
            hit = cat.isna() & text.str.contains(pattern, flags=re.IGNORECASE, regex=True)
            cat[hit] = label
            rule[hit] = f"keyword /{pattern}/"
    return pd.DataFrame({"service_category": cat.astype(object).where(cat.notna(), None),
                         "category_rule": rule.astype(object).where(rule.notna(), None)}, index=df.index)


def categorize(df: pd.DataFrame, mappings: list[CategoryMapping] | CategoryMapping | None = None,
               classifier: TextCategoryClassifier | None = None,
               threshold: float = DEFAULT_THRESHOLD, min_training_rows: int = 20) -> pd.DataFrame:
    """Label every row: config category, then mapping tables, then the classifier.

    Returns a frame aligned with ``df``: ``service_category``, ``category_method`` (``config``,
    ``mapping``, ``keyword``, ``classifier`` or ``none``), ``category_rule``, ``category_confidence``
    (1.0 for tables) and ``needs_review``. Without a ``classifier`` one is trained on the rows the
    tables labelled (when there are ``min_training_rows`` of at least two categories).
    """
    out = pd.DataFrame(index=df.index)
    out["service_category"] = pd.Series(None, index=df.index, dtype="object")
    out["category_rule"] = pd.Series(None, index=df.index, dtype="object")
    if "category" in df:
        pre = df["category"].isin(CATEGORIES)
        out.loc[pre, "service_category"] = df.loc[pre, "category"]
        out.loc[pre, "category_rule"] = "city config category_map"
    todo = out["service_category"].isna()
    if todo.any():
        mapped = apply_mapping(df[todo], mappings or [], keywords=True)
        out.loc[todo, ["service_category", "category_rule"]] = mapped.values
    rule = out["category_rule"].fillna("")
    out["category_method"] = np.select(
        [rule.str.startswith("city config"), rule.str.startswith("keyword"), rule != ""],
        ["config", "keyword", "mapping"], "none")
    out["category_confidence"] = np.where(out["service_category"].notna(), 1.0, np.nan)
    out["needs_review"] = False
    left = out["service_category"].isna()
    if left.any():
        text = event_text(df)
        if classifier is None:
            lab = out["service_category"].notna() & (out["category_method"] != "keyword")
            if lab.sum() >= min_training_rows and out.loc[lab, "service_category"].nunique() >= 2:
                classifier = TextCategoryClassifier(threshold).fit(text[lab], out.loc[lab, "service_category"])
        if classifier is not None:
            pred = classifier.predict(text[left])
            out.loc[left, "service_category"] = pred["category"]
            out.loc[left, "category_confidence"] = pred["confidence"]
            out.loc[left, "needs_review"] = pred["needs_review"]
            out.loc[left, "category_method"] = "classifier"
            out.loc[left, "category_rule"] = "text classifier"
        else:
            out.loc[left, "needs_review"] = True
    return out
