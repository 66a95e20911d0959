"""Text clean-up before parsing, and splitting the city / state / ZIP tail off an address.

Nothing here raises: every function takes and returns plain strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .pub28 import BARE_STATE_CODES, COUNTRIES, STATES, STREET_SUFFIXES

#: Strings (compared after upper-casing and collapsing spaces) that mean "no address".
DEFAULT_PLACEHOLDERS: tuple[str, ...] = (
    "NO PRIMARY ADDRESS SPECIFIED", "NO ADDRESS", "NO ADDRESS SPECIFIED", "ADDRESS UNKNOWN",
    "UNKNOWN", "UNKNOWN ADDRESS", "NONE", "NULL", "N/A", "NA", "NOT AVAILABLE", "NOT PROVIDED",
    "TBD", "UNK", "NAN", "CONFIDENTIAL", "REDACTED", "WITHHELD", "HOMELESS",
)

_PAREN = re.compile(r"\(([^()]*)\)?")
_JUNK = re.compile(r"[`*\"!?;:=<>{}\[\]|\\~^]")
_PERIOD = re.compile(r"(?<!\d)\.|\.(?!\d)")
_APOS = re.compile(r"['\u2019]")
_SPACES = re.compile(r"\s+")
_DANGLING_HASH = re.compile(r"(?:\s#)+\s*(?=,|$)")
_ZIP = re.compile(r"^(\d{5})(?:-\d{0,4})?$")
#: suffix spellings that never occur inside a city name
_STREET_WORDS = frozenset({"ST", "AVE", "AV", "RD", "DR", "BLVD", "BL", "LN", "CT", "PL", "WAY",
                           "WY", "TER", "CIR", "HWY", "PKWY", "STREET", "AVENUE", "ROAD"})
_BAD_ZIP = re.compile(r"^\d{3,9}-?\d*$")


def clean_text(text: str) -> tuple[str, list[str]]:
    """Upper-case and tidy one raw address; return ``(clean, notes)``.

    Newlines, tabs and repeated spaces collapse to one space; periods (not decimal points),
    apostrophes and stray marks (`` ` * " ; ``) are dropped; parenthetical remarks
    (``"DARSIE (REAR) ST"``) are removed and reported in ``notes``; leading and trailing
    commas, hyphens and spaces are stripped.
    """
    notes: list[str] = []
    s = str(text).upper().replace("\u00a0", " ")
    if "(" in s:
        dropped = [m.group(1).strip() for m in _PAREN.finditer(s) if m.group(1).strip()]
        s = _PAREN.sub(" ", s).replace(")", " ")
        if dropped:
            notes.append("dropped parenthetical " + ", ".join(f"'{d}'" for d in dropped))
    s = _JUNK.sub(" ", s).replace("#", " #")
    s = _APOS.sub("", s)
    s = _PERIOD.sub(" ", s)
    s = _SPACES.sub(" ", s).strip(" -").rstrip(",")
    s = _DANGLING_HASH.sub("", s).strip(" -")
    s = re.sub(r"\s*,\s*", ", ", s)
    s = re.sub(r"(,\s*)+", ", ", s)
    return s, notes


def is_placeholder(clean: str, placeholders: frozenset[str]) -> bool:
    """True when the cleaned text (or its street part) is one of the placeholder phrases."""
    if clean in placeholders:
        return True
    head = clean.split(",", 1)[0].strip()
    return head in placeholders


@dataclass
class Tail:
    """Result of :func:`split_tail`: the street part and whatever city/state/ZIP was found."""

    street: str
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    #: a state or ZIP was found but no city after a comma: the city may still be glued to the
    #: end of the street part ("... DITHRIDGE ST PITTSBURGH, PA")
    city_in_street: bool = False
    notes: list[str] = field(default_factory=list)


def _take_state(words: list[str], bare: bool) -> str | None:
    """Pop a state (one or two words) off the end of ``words``; ``bare`` = no comma/ZIP cue."""
    if not words:
        return None
    if not bare and len(words) >= 2:
        two = f"{words[-2]} {words[-1]}"
        if two in STATES:
            del words[-2:]
            return STATES[two]
    last = words[-1]
    if (bare and last in BARE_STATE_CODES and len(words) >= 3) or (not bare and last in STATES):
        words.pop()
        return STATES[last]
    return None


def looks_like_city(text: str) -> bool:
    """True when ``text`` can be a city name: 1-4 words, no digits, no street suffix inside."""
    words = text.split()
    if not words or len(words) > 4 or any(ch.isdigit() for ch in text) or "#" in text:
        return False
    if any(w in _STREET_WORDS for w in words[1:]):  # "ORE ST PITTSBURGH" is street + city
        return False
    return words[-1] not in STREET_SUFFIXES or len(words) > 1


def split_tail(clean: str) -> Tail:
    """Split ``"STREET PART[, CITY][, STATE ZIP][, COUNTRY]"`` into a :class:`Tail`.

    Handles commas or none: ``"1522 5TH AVE, PITTSBURGH, PA 15219-"`` (empty ZIP+4),
    ``"2230 LUCINA AVE, PITTSBURGH, 15210"`` (no state), ``"800 BLOCK CENTER ST, WILKINSBURG PA
    15221"``, ``"... ILENE STREET, DETROIT, MICHIGAN, USA"``, ``"... DITHRIDGE ST PITTSBURGH, PA"``
    (city left in the street part, flagged by ``city_in_street``) and ``"123 MAIN ST PITTSBURGH
    PA 15222"``. A bare two-letter state with neither comma nor ZIP is taken only for the codes
    in :data:`~civicgrid.addresses.pub28.BARE_STATE_CODES`. ZIP is kept as 5 digits.
    """
    first, *others = clean.split(",")
    street, rest = first.strip(), [p.strip() for p in others if p.strip()]
    if not street and not rest:
        return Tail(street="")
    tail = Tail(street=street)
    # Segments right after the street that are units ("APT 4") or house-number leftovers belong
    # to the street part; keep them there.
    while rest and (rest[0].startswith("#") or rest[0].split()[0] in ("APT", "STE", "UNIT",
                                                                      "SUITE", "FL", "RM")):
        tail.street += " " + rest.pop(0)
    if rest:
        words = " ".join(rest).split()
        while words and " ".join(words[-3:]) in COUNTRIES or words and words[-1] in COUNTRIES:
            if " ".join(words[-3:]) in COUNTRIES:
                del words[-3:]
            else:
                words.pop()
        if words and _ZIP.match(words[-1]):
            tail.zip = words.pop()[:5]
        elif words and _BAD_ZIP.match(words[-1]):
            tail.notes.append(f"ignored the malformed ZIP '{words.pop()}'")
        tail.state = _take_state(words, bare=False)
        city = " ".join(words)
        if city and looks_like_city(city):
            tail.city = city
        elif city:  # the "tail" is really more street ("0711 DIAMOND, E ST"): put it back
            tail.street += " " + city
            tail.notes.append(f"kept '{city}' after a comma as part of the street")
        if tail.city is None and tail.state:  # "... ST PITTSBURGH, PA"; a bare ZIP is no cue
            tail.city_in_street = True
        return tail
    # no comma: "... PITTSBURGH PA 15222", "... PITTSBURGH PA", or nothing at all
    words = street.split()
    zip_code = None
    if len(words) >= 3 and _ZIP.match(words[-1]):
        state = STATES.get(words[-2])
        if state and len(words) >= 4:
            zip_code = words.pop()[:5]
            words.pop()
            tail.state, tail.zip = state, zip_code
    if zip_code is None:
        state = _take_state(words, bare=True)
        if state:
            tail.state = state
    if tail.state:
        tail.street = " ".join(words)
        tail.city_in_street = True
    return tail
