"""Find a city name glued to the end of the street part ("... DITHRIDGE ST PITTSBURGH, PA").

Police exports write the city after the street with no comma; only the state follows a comma.
The street is taken to end at its last suffix (plus a postdir or unit); what follows is the city.
"""

from __future__ import annotations

from . import usaddress_tags
from .clean import Tail, looks_like_city
from .pub28 import DIRECTIONALS, STREET_SUFFIXES, UNITS_WITH_ID, UNITS_WITHOUT_ID

#: suffix words that also open city names (Mt. Oliver, Green Tree, Glen Osborne, Forest Hills):
#: when another suffix comes before one of them, the street ends at that earlier suffix
CITY_OPENERS = frozenset({"MT", "MOUNT", "GREEN", "GRN", "GLEN", "GLN", "FOREST", "FRST",
                          "PORT", "PRT", "FORT", "FT", "PARK", "LAKE", "LK", "SPRINGS",
                          "HEIGHTS", "HTS", "HILLS", "HLS", "VILLAGE", "VLG"})


def _has_name(text: str) -> bool:
    """True when ``text`` has a word that can be a street name (not a number or directional)."""
    return any(any(c.isalpha() for c in w) and w not in DIRECTIONALS
               and w not in ("BLOCK", "BLK", "OF") for w in text.split())


def _usaddress_city(street: str, tail: Tail, use_usaddress: bool) -> str | None:
    if not use_usaddress:
        return None
    suffix = ", ".join(p for p in (tail.state, tail.zip) if p)
    return usaddress_tags.place_name(f"{street}, {suffix}" if suffix else street)


def _street_end(words: list[str]) -> int | None:
    """Index just past the street's last suffix (and its postdir or unit), or None."""
    candidates = [i for i in range(len(words) - 2, 0, -1) if words[i] in STREET_SUFFIXES]
    while len(candidates) > 1 and words[candidates[0]] in CITY_OPENERS:
        candidates.pop(0)
    if not candidates:
        return None
    end = candidates[0] + 1
    while end < len(words) and (len(words[end]) <= 2 and words[end] in DIRECTIONALS
                                or words[end] in UNITS_WITHOUT_ID or words[end].startswith("#")):
        end += 1
    if end + 1 < len(words) and words[end] in UNITS_WITH_ID:
        end += 2
    return end


def split_trailing_city(street: str, tail: Tail, cities: tuple[str, ...] = (),
                        use_usaddress: bool = True,
                        notes: list[str] | None = None) -> tuple[str, str | None]:
    """Split a city off the end of ``street`` (upper case, no house number); ``(street, city)``.

    Tried in order, and only when ``tail`` found no city after a comma:

    1. a configured city name (``cities``) at the end: ``"VOSKAMP ST PITTSBURGH"``;
    2. the words after the street's last suffix, taken when a state followed the street
       (``tail.city_in_street``) or when usaddress tags the same words as the place name;
    3. with a state but no usable suffix: usaddress's place name, else the last word (noted in
       ``notes``): ``"FRANKSTOWN & N HOMEWOOD PITTSBURGH, PA"``.

    Returns ``(street, None)`` when no city is found. Never raises.
    """
    notes = notes if notes is not None else []
    words = street.split()
    if tail.city is not None or len(words) < 2:
        return street, None
    for city in cities:
        cw = city.split()
        if len(words) > len(cw) and words[-len(cw):] == cw:
            return " ".join(words[: -len(cw)]), city
    end = _street_end(words)
    if end is not None:
        rest = " ".join(words[end:])
        if rest and len(words) - end <= 3 and rest.replace(" ", "").isalpha() \
                and looks_like_city(rest):
            if tail.city_in_street or _usaddress_city(street, tail, use_usaddress) == rest:
                return " ".join(words[:end]), rest
        if not tail.city_in_street:
            return street, None
    if not (tail.city_in_street and tail.state):
        return street, None
    found = _usaddress_city(street, tail, use_usaddress)
    if found and street.endswith(" " + found) and _has_name(street[: -len(found) - 1]):
        return street[: -len(found) - 1], found
    if words[-1].isalpha() and _has_name(" ".join(words[:-1])):
        notes.append(f"took '{words[-1]}' as the city")
        return " ".join(words[:-1]), words[-1]
    return street, None
