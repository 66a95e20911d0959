"""The exact steps of the match cascade, for one normalized address against the spine.

Order: exact address with unit -> address without unit -> inside an address range. Fuzzy
street names (:mod:`~civicgrid.linkage.fuzzy`), centroids (:mod:`~civicgrid.linkage.geo`) and
the record-level steps (parcel id, block departments, decisions) are applied by
:mod:`~civicgrid.linkage.assemble`. Rules that keep precision:

- an address key on several parcels is ``ambiguous``, never resolved to one of them;
- house number 0 (a lot published without a number) is ambiguous (``zero_number_ambiguous``);
- ``14A`` is not ``14C`` and not ``14``: the number with its suffix must be equal;
- a unit the spine does not know, at an address the spine has unit rows for, is a non-match.
"""

from __future__ import annotations

from typing import NamedTuple

from civicgrid.addresses import NormalizedAddress
from civicgrid.config import LinkageSettings
from civicgrid.linkage import matchtypes as mt
from civicgrid.linkage.spine import Spine
from civicgrid.linkage.units import unit_of

#: address kinds with a house number that can point at one parcel
PARCEL_KINDS = ("address", "range")


class AddressMatch(NamedTuple):
    """Result of the exact steps for one address. ``fuzzy_ok``: the fuzzy step may try it."""

    parcel_id: str | None
    match_type: str
    score: float
    explanation: str
    fuzzy_ok: bool = False


def _n(n: int) -> str:
    return f"{n} parcel" + ("" if n == 1 else "s")


def _one(pids: frozenset, kind: str, subject: str, extra: str = "") -> AddressMatch:
    """A link when ``pids`` is one parcel, else ``ambiguous``."""
    if len(pids) == 1:
        return AddressMatch(next(iter(pids)), kind, mt.SCORES[kind], f"{subject} is on 1 parcel{extra}")
    sample = ", ".join(sorted(pids)[:3]) + (", ..." if len(pids) > 3 else "")
    return AddressMatch(None, mt.AMBIGUOUS, 0.0,
                        f"{subject} is on {_n(len(pids))} ({sample}); not guessing")


def match_address(a: NormalizedAddress, spine: Spine, settings: LinkageSettings) -> AddressMatch:
    """Run the exact steps of the cascade for one normalized address."""
    kind = a.kind
    if kind == "block":
        return AddressMatch(None, mt.BLOCK, 1.0, f"block address: linked to block {a.block_key}")
    if kind == "intersection":
        return AddressMatch(None, mt.INTERSECTION, 1.0, f"intersection {a.intersection_key}")
    if kind not in PARCEL_KINDS or a.address_key is None:
        why = {"empty": "no address", "placeholder": "placeholder address", "po_box": "a PO box is not a property",
               "unparsed": f"address not understood ({a.reason or 'unparsed'})"}.get(kind)
        return AddressMatch(None, mt.UNMATCHED, 0.0, why or "address has no house number")
    key = a.address_key
    if kind == "address" and a.house_number == "0" and settings.zero_number_ambiguous:
        n = len(spine.parcels_at(key))
        return AddressMatch(None, mt.AMBIGUOUS, 0.0,
                            f"house number 0 (a lot without a number): '{key}' is on {_n(n)}; not guessing")
    if kind == "range":
        return _match_range(a, spine, settings)
    unit, lot = unit_of(a, settings.lot_qualifiers)
    if unit:
        ukey = f"{key} #{unit}"
        pids = spine.by_unit.get(ukey)
        if pids:
            return _one(pids, mt.ADDRESS_UNIT, f"'{ukey}'")
        if lot:
            return AddressMatch(None, mt.UNMATCHED, 0.0, f"'{key} {unit}' is a separate lot; the spine has "
                                                         f"no {unit} lot at '{key}'")
        units = spine.units_at.get(key)
        if units:
            known = ", ".join(sorted(units)[:5])
            return AddressMatch(None, mt.UNMATCHED, 0.0,
                                f"unit #{unit} is not among the spine's units at '{key}' ({known}): not the same property")
    pids = spine.by_key.get(key)
    if pids:
        if unit:
            return _one(pids, mt.ADDRESS_NO_UNIT, f"'{key}'",
                        f"; the spine has no units there (record unit #{unit} ignored)")
        return _one(pids, mt.ADDRESS, f"'{key}'")
    pids = spine.by_range_key.get(key)
    if pids:
        return _one(pids, mt.RANGE, f"'{key}' (inside a spine address range)")
    return _no_parcel(a, spine)


def _match_range(a: NormalizedAddress, spine: Spine, settings: LinkageSettings) -> AddressMatch:
    keys = a.address_keys
    label = f"range {keys[0].split(' ')[0]}-{keys[-1].split(' ')[0]} {a.street_key}"
    same = spine.by_range.get((keys[0], len(keys)))
    if same:
        return _one(same, mt.RANGE, f"{label} (written the same in the spine)")
    if len(keys) > settings.max_range_numbers:
        return AddressMatch(None, mt.UNMATCHED, 0.0, f"{label} covers {len(keys)} numbers (more than "
                            f"{settings.max_range_numbers}): it may span several parcels")
    written = frozenset().union(*(spine.by_key.get(k, frozenset()) for k in keys))
    pids = written or frozenset().union(*(spine.by_range_key.get(k, frozenset()) for k in keys))
    if pids:
        return _one(pids, mt.RANGE, label)
    return _no_parcel(a, spine)


def _no_parcel(a: NormalizedAddress, spine: Spine) -> AddressMatch:
    if a.street_key in spine.streets:
        return AddressMatch(None, mt.UNMATCHED, 0.0,
                            f"no spine parcel at '{a.address_key}' (the street is known, the number is not)")
    return AddressMatch(None, mt.UNMATCHED, 0.0,
                        f"no spine parcel at '{a.address_key}' and street '{a.street_key}' is unknown",
                        fuzzy_ok=a.number_text is not None)
