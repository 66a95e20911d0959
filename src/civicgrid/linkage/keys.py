"""Normalize each distinct address string once, and remember the result in the warehouse.

Exports repeat addresses heavily (105k Pittsburgh records carry 52k distinct strings), so
the linkage parses each distinct string once per run with an :class:`AddressNormalizer`. The
results are also kept in the warehouse table ``normalized_addresses``: a build starts from a
copy of the previous warehouse, so the next build parses only strings it has not seen. The
table carries a fingerprint of the normalizer (its code and the city's settings); when either
changes, everything is parsed again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path

import pandas as pd

from civicgrid.addresses import AddressNormalizer, NormalizedAddress
from civicgrid.addresses.clean import DEFAULT_PLACEHOLDERS
from civicgrid.config import LinkageSettings

CACHE_TABLE = "normalized_addresses"
_FIELDS = [f.name for f in fields(NormalizedAddress)]
_KEYS = ["street_key", "address_key", "unit_key", "block_key", "intersection_key"]


def make_normalizer(settings: LinkageSettings) -> AddressNormalizer:
    """The normalizer for a city: default placeholders plus the city's own, and its city names."""
    return AddressNormalizer(placeholders=list(DEFAULT_PLACEHOLDERS) + list(settings.placeholders),
                             cities=settings.city_names)


def fingerprint(settings: LinkageSettings) -> str:
    """Hash of the address code and the settings that change what a string normalizes to."""
    h = hashlib.sha256()
    for path in sorted((Path(__file__).resolve().parents[1] / "addresses").glob("*.py")):
        h.update(path.read_bytes())
    h.update(repr((sorted(settings.placeholders), sorted(settings.city_names))).encode())
    return h.hexdigest()[:16]


class AddressBook:
    """Distinct address strings -> :class:`NormalizedAddress`, parsed once.

    Args:
        settings: the city's linkage settings (placeholders, city names).
        normalizer: reuse an existing normalizer (and its cache) instead of making one.

    Attributes:
        parsed: strings parsed in this process (cache misses).
        reused: strings read back from the warehouse cache.
    """

    def __init__(self, settings: LinkageSettings, normalizer: AddressNormalizer | None = None):
        self.settings = settings
        self.normalizer = normalizer or make_normalizer(settings)
        self.fingerprint = fingerprint(settings)
        self._known: dict[str, NormalizedAddress] = {}
        self.parsed = 0
        self.reused = 0

    def __getitem__(self, raw: str | None) -> NormalizedAddress:
        if raw is None:
            return self.normalizer.normalize(None)
        found = self._known.get(raw)
        if found is None:
            found = self._known[raw] = self.normalizer.normalize(raw)
            self.parsed += 1
        return found

    def add(self, raws: Iterable[str | None], con=None) -> None:
        """Make sure every string in ``raws`` is known; with ``con``, use and extend the cache table."""
        todo = {r for r in raws if r is not None and r == r and r not in self._known}
        if not todo:
            return
        if con is not None:
            self._load_cache(con, todo)
            todo = {r for r in todo if r not in self._known}
        new = {r: self.normalizer.normalize(r) for r in sorted(todo)}
        self.parsed += len(new)
        self._known.update(new)
        if con is not None and new:
            self._save_cache(con, new.values())

    def _load_cache(self, con, wanted: set[str]) -> None:
        if not _has_table(con, CACHE_TABLE):
            return
        fp = con.execute(f"SELECT any_value(normalizer) FROM {CACHE_TABLE}").fetchall()[0][0]
        if fp != self.fingerprint:
            con.execute(f"DROP TABLE {CACHE_TABLE}")
            return
        want = pd.DataFrame({"raw": sorted(wanted)})
        con.register("_cg_wanted", want)
        try:
            rows = con.execute(f"SELECT {', '.join(_FIELDS)} FROM {CACHE_TABLE} "
                               "JOIN _cg_wanted USING (raw)").fetchall()
        finally:
            con.unregister("_cg_wanted")
        for row in rows:
            self._known[row[0]] = NormalizedAddress(*row)
        self.reused += len(rows)

    def _save_cache(self, con, items: Iterable[NormalizedAddress]) -> None:
        df = pd.DataFrame([a.as_dict() for a in items], columns=_FIELDS + _KEYS)
        df["normalizer"] = self.fingerprint
        con.register("_cg_new_addr", df)
        try:
            cols = _FIELDS + _KEYS + ["normalizer"]
            if not _has_table(con, CACHE_TABLE):
                con.execute(f"CREATE TABLE {CACHE_TABLE} ({', '.join(c + ' VARCHAR' for c in cols)})")
            con.execute(f"INSERT INTO {CACHE_TABLE} SELECT {', '.join(f'CAST({c} AS VARCHAR)' for c in cols)} "
                        "FROM _cg_new_addr")
        finally:
            con.unregister("_cg_new_addr")


def _has_table(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                            [name]).fetchall()[0][0])
