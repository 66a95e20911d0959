"""Fuzzy street names: same house number, same ZIP or neighbourhood, near-identical street.

Only tried for an address whose street the spine does not know at all (a typo such as
``"BROWNSVILE RD"``): when the street exists in the spine, the record's street is right and its
number is simply not in the spine, so a similar-looking street elsewhere ("FAIRLAWN" ->
"FAIRLAND") must not be taken. Directions must agree when both sides have one (N vs S AIKEN
AVE are different streets), and a runner-up street within 3 points makes the link ambiguous.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from civicgrid.addresses import NormalizedAddress
from civicgrid.config import LinkageSettings
from civicgrid.linkage import matchtypes as mt
from civicgrid.linkage.cascade import AddressMatch
from civicgrid.linkage.spine import Spine

RUNNER_UP_GAP = 3.0
_DIRS = {"N", "S", "E", "W", "NE", "NW", "SE", "SW"}


def _dirs(street: str) -> tuple[str | None, str | None]:
    words = street.split()
    pre = words[0] if len(words) > 1 and words[0] in _DIRS else None
    post = words[-1] if len(words) > 2 and words[-1] in _DIRS else None
    return pre, post


def _compatible(a: str, b: str) -> bool:
    (pa, qa), (pb, qb) = _dirs(a), _dirs(b)
    return not ((pa and pb and pa != pb) or (qa and qb and qa != qb))


def _in_area(pid: str, zip5: str | None, hood: str | None, spine: Spine) -> bool:
    return bool((zip5 and zip5 in spine.zips.get(pid, ())) or (hood and hood in spine.hoods.get(pid, ())))


def fuzzy_match(a: NormalizedAddress, zip5: str | None, hood: str | None, spine: Spine,
                settings: LinkageSettings) -> AddressMatch | None:
    """The fuzzy-street link for ``a``, an ``ambiguous`` result, or None when nothing is close."""
    street, number = a.street_key, a.number_text
    if not street or not number or not (zip5 or hood):
        return None
    hood = hood.upper() if hood else None
    scored: dict[str, tuple[float, set]] = {}
    for cand, key in spine.by_number.get(number, ()):
        if cand == street or not _compatible(street, cand):
            continue
        pids = {p for p in spine.parcels_at(key) if _in_area(p, zip5, hood, spine)}
        if not pids:
            continue
        score = fuzz.ratio(street, cand)
        if score >= settings.fuzzy_threshold - RUNNER_UP_GAP:
            old = scored.get(cand, (score, set()))
            scored[cand] = (score, old[1] | pids)
    if not scored:
        return None
    ranked = sorted(scored.items(), key=lambda kv: -kv[1][0])
    best, (score, pids) = ranked[0]
    if score < settings.fuzzy_threshold:
        return None
    where = f"ZIP {zip5}" if zip5 else f"neighbourhood {hood.title()}"
    if len(ranked) > 1 and score - ranked[1][1][0] < RUNNER_UP_GAP:
        return AddressMatch(None, mt.AMBIGUOUS, 0.0,
                            f"street '{street}' is as close to '{best}' as to '{ranked[1][0]}' "
                            f"(number {number}, {where}); not guessing")
    if len(pids) > 1:
        return AddressMatch(None, mt.AMBIGUOUS, 0.0,
                            f"'{number} {best}' (fuzzy for '{street}') is on {len(pids)} parcels; not guessing")
    return AddressMatch(next(iter(pids)), mt.FUZZY_STREET, round(mt.FUZZY_MAX * score / 100, 3),
                        f"street '{street}' ~ '{best}' (similarity {score:.0f}), same number {number} "
                        f"and {where}")
