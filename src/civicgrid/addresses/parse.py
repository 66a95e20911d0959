"""Rule-based parsing of the street part of an address (after the city/state/ZIP tail is gone).

Three steps, each a function that never raises:

1. :func:`parse_number` reads the front: a hundred block (``"200 BLOCK"``, ``"0 BLK OF"``,
   Detroit-style ``"09100"``), a range (``"1249 51"``, ``"13120-13130"``), a fraction
   (``"123 1/2"``), a letter suffix (``"14A"``) or a plain number (``"0628"`` -> ``"628"``).
2. :func:`parse_units` reads secondary units off the end (``"APT 4"``, ``"#4"``, ``"STE 300"``,
   ``"3RD FLOOR #308"``, ``"UNIT 504-A"``, ``"REAR"``).
3. :func:`parse_street` reads ``predir name type postdir`` with Pub 28 abbreviations and resolves
   Saint vs Street (``"S ST LOUIS ST"`` -> predir S, name SAINT LOUIS, type ST).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .pub28 import DIRECTIONALS, NAME_PREFIXES, STREET_SUFFIXES, UNITS_WITH_ID, UNITS_WITHOUT_ID

_BLOCK = re.compile(r"^(\d+)\s*-?\s*(?:BLOCK|BLK)\b(?:\s+(?:BLOCK|BLK)\b)?(?:\s+OF\b)?\s*(.*)$")
_DETROIT_BLOCK = re.compile(r"^(0\d{2}00)\s+(\D.*)$")
_HYPHEN_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)\s+(\D.*)$")
_SPACE_RANGE = re.compile(r"^(\d+)\s+(\d{1,5})\s+([A-Z].*)$")
_FRACTION = re.compile(r"^(\d+)[\s-]+(\d/\d{1,2})\s+(.*)$")
_LETTER = re.compile(r"^(\d+)-?([A-Z])\s+(.*)$")
_NUMBER = re.compile(r"^(\d+)(\.\d+)?\s+(.*)$")
_ORDINAL_FLOOR = re.compile(r"(?:^|\s)(\d+)(?:ST|ND|RD|TH)?\s+(?:FL|FLR|FLOOR)$")
_HASH_UNIT = re.compile(r"(?:^|\s)#\s*([A-Z0-9][A-Z0-9-]*)$")
_UNIT_ID = re.compile(r"^(?:[A-Z]|[A-Z]?\d+[A-Z0-9-]*|[A-Z]-?\d+[A-Z0-9-]*)$")

#: the largest gap accepted between the two numbers of a house-number range
MAX_RANGE_SPAN = 200


@dataclass
class Number:
    """What :func:`parse_number` found at the front of the street part."""

    kind: str  # "address", "range" or "block"
    rest: str
    low: str | None = None
    high: str | None = None
    suffix: str | None = None
    notes: list[str] = field(default_factory=list)


def _digits(text: str) -> str:
    return str(int(text))


def _range_high(low: str, high: str, full: bool) -> str | None:
    """Expand an abbreviated high number ("1249", "51" -> "1251"); None if not a plausible range."""
    lo = int(low)
    if len(high) < len(low):
        hi = int(low[: len(low) - len(high)] + high)
        if hi <= lo:
            hi += 10 ** len(high)
    else:
        hi = int(high)
    span = hi - lo
    limit = MAX_RANGE_SPAN * (5 if full else 1)
    if span <= 0 or span > limit or (not full and span % 2):
        return None
    return str(hi)


def parse_number(street: str, zero_padded_blocks: bool = True) -> Number:
    """Read the house number (or block, or range) at the front of ``street``.

    Returns a :class:`Number`; ``low`` is None when the street part has no leading number.
    A space-separated range (``"1249 51 VOSKAMP ST"``) is accepted only when both numbers have
    the same parity and are at most :data:`MAX_RANGE_SPAN` apart; a second number equal to the
    first (``"214 214 LANGLEY AVE"``) is a repeat, not a range. With ``zero_padded_blocks``, a
    5-digit zero-padded number ending in 00 on a street with no suffix (Detroit's
    ``"09100 PETOSKEY"``) is a hundred block; Pittsburgh's padded lot numbers (``"02600
    BRIGHTON WOODS RD"``, ``"00000 PRESCOTT"``) are not.
    """
    m = _BLOCK.match(street)
    if m:
        rest = m.group(2)
        stray = re.match(r"^\d/\d\s+(.*)$", rest)  # "1300 Block 1/2 HALSEY PL"
        if stray:
            return Number("block", stray.group(1), low=_digits(m.group(1)),
                          notes=["dropped a fraction written after the block"])
        return Number("block", rest, low=_digits(m.group(1)))
    m = _DETROIT_BLOCK.match(street)
    if zero_padded_blocks and m and int(m.group(1)) > 0:
        last = m.group(2).split()[-1]
        if last not in STREET_SUFFIXES and not any(c in m.group(2) for c in "&/@"):
            return Number("block", m.group(2), low=_digits(m.group(1)),
                          notes=["read the zero-padded number as a hundred block"])
    m = _HYPHEN_RANGE.match(street)
    if m:
        high = _range_high(m.group(1), m.group(2), full=len(m.group(2)) >= len(m.group(1)))
        if high:
            return Number("range", m.group(3), low=_digits(m.group(1)), high=high)
        return Number("address", m.group(3), low=_digits(m.group(1)),
                      notes=[f"ignored '-{m.group(2)}' after the house number"])
    m = _FRACTION.match(street)
    if m:
        return Number("address", m.group(3), low=_digits(m.group(1)), suffix=m.group(2))
    m = _SPACE_RANGE.match(street)
    if m:
        first, second = m.group(1), m.group(2)
        if int(first) == int(second) and len(first) >= len(second):
            return Number("address", m.group(3), low=_digits(first),
                          notes=["dropped a repeated house number"])
        high = _range_high(first, second, full=False)
        lone_suffix = m.group(3) in STREET_SUFFIXES  # "1200 12 ST" is 12th Street, not a range
        if high and len(second) <= len(first) and not lone_suffix:
            return Number("range", m.group(3), low=_digits(first), high=high)
    m = _LETTER.match(street)
    if m:
        return Number("address", m.group(3), low=_digits(m.group(1)), suffix=m.group(2))
    m = _NUMBER.match(street)
    if m:
        notes = [f"dropped decimal '{m.group(2)}' of the house number"] if m.group(2) else []
        return Number("address", m.group(3), low=_digits(m.group(1)), notes=notes)
    return Number("address", street)


@dataclass
class Units:
    """Secondary unit read off the end of the street part."""

    rest: str
    unit_type: str | None = None
    unit: str | None = None
    notes: list[str] = field(default_factory=list)


def _unit_value(text: str) -> str:
    text = text.replace("-", "").lstrip("#")
    return str(int(text)) if text.isdigit() else text


def parse_units(street: str) -> Units:
    """Read secondary-unit designators (Pub 28 Appendix C2) off the end of ``street``.

    ``"FORT DUQUESNE BLVD STE 300"`` -> STE 300; ``"SHELLY ST #1"`` -> # 1; ``"3RD FLOOR #308"``
    -> # 308 (the rightmost designator is kept, the floor is reported in ``notes``);
    ``"CRAIG ST UNIT 504-A"`` -> UNIT 504A; ``"WALNUT ST APT G2"`` -> APT G2. A designator
    without an identifier (``REAR``, ``UPPR``) is read only right after a street suffix.
    """
    found: list[tuple[str, str | None]] = []
    s = street
    while s:
        m = _HASH_UNIT.search(s)
        if m:
            words = s[: m.start()].split()
            if words and words[-1] in UNITS_WITH_ID and UNITS_WITH_ID[words[-1]] != "FL":
                found.append((UNITS_WITH_ID[words[-1]], _unit_value(m.group(1))))
                s = " ".join(words[:-1])
            else:
                found.append(("#", _unit_value(m.group(1))))
                s = s[: m.start()].strip()
            continue
        m = _ORDINAL_FLOOR.search(s)
        if m:
            found.append(("FL", _unit_value(m.group(1))))
            s = s[: m.start()].strip()
            continue
        words = s.split()
        if len(words) >= 3 and words[-2] in UNITS_WITH_ID and _UNIT_ID.match(words[-1]):
            found.append((UNITS_WITH_ID[words[-2]], _unit_value(words[-1])))
            s = " ".join(words[:-2])
            continue
        if (len(words) >= 3 and words[-1] in UNITS_WITHOUT_ID
                and words[-2] in STREET_SUFFIXES):
            found.append((UNITS_WITHOUT_ID[words[-1]], None))
            s = " ".join(words[:-1])
            continue
        break
    units = Units(rest=s)
    if found:
        units.unit_type, units.unit = found[0]
        if len(found) > 1:
            extra = ", ".join(" ".join(p for p in f if p) for f in found[1:])
            units.notes.append(f"kept unit {found[0][0]} {found[0][1] or ''}".rstrip()
                               + f" and dropped the outer designator '{extra}'")
    return units


@dataclass
class Street:
    """``predir name type postdir`` of one street."""

    predir: str | None
    name: str
    type: str | None
    postdir: str | None

    @property
    def key(self) -> str:
        """The street key: the four parts joined by spaces."""
        return " ".join(p for p in (self.predir, self.name, self.type, self.postdir) if p)


#: spelled-out suffixes abbreviated inside a name too ("9TH STREET BRIDGE" = "9TH ST BRG")
_INNER_WORDS = {"STREET": "ST", "AVENUE": "AVE", "BOULEVARD": "BLVD", "ROAD": "RD"}
_ORDINAL_NUMBER = re.compile(r"^\d+(?:ST|ND|RD|TH)$")
_UNIT_ORDINALS = {"FIRST": 1, "SECOND": 2, "THIRD": 3, "FOURTH": 4, "FIFTH": 5, "SIXTH": 6,
                  "SEVENTH": 7, "EIGHTH": 8, "NINTH": 9}
_TEEN_ORDINALS = {"TENTH": 10, "ELEVENTH": 11, "TWELFTH": 12, "THIRTEENTH": 13,
                  "FOURTEENTH": 14, "FIFTEENTH": 15, "SIXTEENTH": 16, "SEVENTEENTH": 17,
                  "EIGHTEENTH": 18, "NINETEENTH": 19}
_TENS = {"TWENTY": 20, "THIRTY": 30, "FORTY": 40, "FIFTY": 50, "SIXTY": 60, "SEVENTY": 70,
         "EIGHTY": 80, "NINETY": 90}


def ordinal_word_value(word: str) -> int | None:
    """``"FIFTH"`` -> 5, ``"TWENTY-FIRST"`` -> 21, ``"FORTIETH"`` -> 40; None for other words."""
    if word in _UNIT_ORDINALS:
        return _UNIT_ORDINALS[word]
    if word in _TEEN_ORDINALS:
        return _TEEN_ORDINALS[word]
    if word.endswith("IETH") and word[:-4] + "Y" in _TENS:
        return _TENS[word[:-4] + "Y"]
    tens, _, unit = word.partition("-")
    if tens in _TENS and unit in _UNIT_ORDINALS:
        return _TENS[tens] + _UNIT_ORDINALS[unit]
    return None


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}TH"
    return f"{n}{ {1: 'ST', 2: 'ND', 3: 'RD'}.get(n % 10, 'TH')}"


def parse_street(text: str) -> Street | None:
    """Parse one street (no house number, no unit) into predir / name / type / postdir.

    - the last word is the suffix when it is a Pub 28 Appendix C1 spelling (or a local one:
      police ``AV``/``BL``/``WY``) and a name is left before it; ``"ST EXT"`` stays two words;
    - a directional after the suffix is the postdir (``"NEVILLE ST N"``);
    - a leading directional is the predir unless it is the whole name (``"S ST"``, ``"EAST ST"``);
      a single-letter directional just before the suffix is moved to the front (city-owned
      ``"CHARLES N ST"`` -> ``"N CHARLES ST"``);
    - a one-word numbered name gets its ordinal (``"S 12 ST"`` -> ``"S 12TH ST"``, ``"FIFTH AVE"``
      -> ``"5TH AVE"``, ``"1 ST AV"`` -> ``"1ST AVE"``); ``BLOCK`` after an ordinal is dropped
      (fire ``"5TH BLOCK AVE"``); ``STREET``/``AVENUE``/``BOULEVARD``/``ROAD`` inside a name are
      abbreviated (``"9TH STREET BRIDGE"`` -> ``"9TH ST BRG"``);
    - ``ST``/``MT``/``FT`` opening a multi-word name are spelled out (``"ST LOUIS"`` ->
      ``"SAINT LOUIS"``), as is a suffix opening ``"... OF ..."`` (``"BOULEVARD OF THE ALLIES"``
      -> ``"BLVD OF THE ALLIES"``).

    Returns None when no name with a letter or digit is left.
    """
    words = [w.strip("-/&,") for w in text.split()]
    words = [w for w in words if w]
    if not words:
        return None
    predir = postdir = stype = None
    if len(words) >= 3 and words[-1] in DIRECTIONALS and words[-2] in STREET_SUFFIXES:
        postdir = DIRECTIONALS[words.pop()]
    if len(words) >= 2 and words[-1] in STREET_SUFFIXES:
        stype = STREET_SUFFIXES[words.pop()]
        if stype == "EXT" and len(words) >= 2 and words[-1] in STREET_SUFFIXES:
            stype = f"{STREET_SUFFIXES[words.pop()]} EXT"
    if len(words) >= 2 and words[-1] in ("N", "S", "E", "W") and stype:
        predir = words.pop()  # city-owned "CHARLES N ST", "CARSON, W ST" = N CHARLES ST
    elif len(words) >= 2 and words[0] in DIRECTIONALS:
        predir = DIRECTIONALS[words.pop(0)]
    words = [w for i, w in enumerate(words)  # fire "5TH BLOCK AVE" = 5TH AVE
             if not (w in ("BLOCK", "BLK") and i > 0 and _ORDINAL_NUMBER.match(words[i - 1]))]
    if len(words) >= 2 and words[0].isdigit() and int(words[0]) > 0 \
            and _ordinal(int(words[0])) == words[0] + words[1]:
        words[:2] = [words[0] + words[1]]  # police "1 ST AV" -> "1ST AVE"
    words = [_INNER_WORDS.get(w, w) if 0 < i < len(words) - 1 or (i and stype) else w
             for i, w in enumerate(words)]  # "40TH STREET BRG" -> "40TH ST BRG"
    if len(words) >= 2:
        if words[0] in NAME_PREFIXES:
            words[0] = NAME_PREFIXES[words[0]]
        elif words[1] == "OF" and words[0] in STREET_SUFFIXES:
            words[0] = STREET_SUFFIXES[words[0]]
    if len(words) == 1 and words[0].isdigit() and (stype or predir) and int(words[0]) > 0:
        words[0] = _ordinal(int(words[0]))  # police "S 12 ST" -> "S 12TH ST"
    elif len(words) == 1 and (stype or predir):
        number = ordinal_word_value(words[0])  # "FIFTH AVE" -> "5TH AVE"
        if number:
            words[0] = _ordinal(number)
    name = " ".join(words)
    if not any(c.isalnum() for c in name):
        return None
    return Street(predir, name, stype, postdir)


_SEPARATORS = re.compile(r"\s*(?:&|@|\+|(?<!\d)/|/(?!\d)|\bAND\b|\bAT\b)\s*")
_WORD_SEPARATORS = re.compile(r"\s(?:AND|AT)\s")
_LEADING_NUMBER = re.compile(r"^(\d+)\s+")


def split_intersection(street: str) -> list[str] | None:
    """Split ``"15TH ST / X ST"``, ``"MAIN ST & 3RD ST"``, ``"I-279 RAMP @ EAST ST"`` or
    ``"00 PLYMOUTH AND MANSFIELD"`` into its streets; None when it is not an intersection.

    ``AND``/``AT`` separate streets only when the text has no non-zero house number in front,
    so ``"123 SAND AND GRAVEL RD"`` is not split; ``/`` between digits (``1/2``) never splits.
    """
    if not any(c in street for c in "&@/+") and not _WORD_SEPARATORS.search(street):
        return None
    pattern = _SEPARATORS
    lead = _LEADING_NUMBER.match(street)
    if lead and int(lead.group(1)) > 0:
        pattern = re.compile(r"\s*(?:&|@|\+|(?<!\d)/|/(?!\d))\s*")
    parts = [p.strip() for p in pattern.split(street)]
    parts = [p for p in parts if p and any(c.isalpha() for c in p)]
    if len(parts) < 2:
        return None
    return parts
