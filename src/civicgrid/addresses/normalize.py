"""normalize_address: one raw address string -> :class:`NormalizedAddress`; and a caching normalizer.

The pipeline for one string (each step in its own module):

1. :func:`~civicgrid.addresses.clean.clean_text` - upper case, collapse spaces, drop stray marks;
2. placeholders (``"No primary address specified"``) and PO boxes are recognised;
3. :func:`~civicgrid.addresses.clean.split_tail` - city / state / ZIP off the end;
4. intersections are split (``&``, ``/``, ``@``, ``AND``);
5. :mod:`~civicgrid.addresses.parse` - house number, block or range, units, and the street with
   USPS Publication 28 abbreviations (Appendix C1 suffixes, C2 unit designators);
6. usaddress tags the strings the rules cannot read, and finds a city glued to the street
   (``"... ST PITTSBURGH, PA"``) when no suffix marks where the street ends.

Nothing raises: a string that cannot be read comes back with kind ``"unparsed"`` and a reason.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from . import usaddress_tags
from .city import split_trailing_city
from .clean import DEFAULT_PLACEHOLDERS, Tail, clean_text, is_placeholder, split_tail
from .model import NormalizedAddress
from .parse import parse_number, parse_street, parse_units, split_intersection

_PO_BOX = re.compile(r"^(?:P\s?O\s?B?|POST OFFICE|P\s?O\s?DRAWER)\s*(?:BOX|BX|DRAWER)?\s*#?\s*"
                     r"(\d[A-Z0-9-]*|[A-Z]\d*)\b\s*(.*)$")
_BOX = re.compile(r"^BOX\s+#?\s*(\d+)\b\s*(.*)$")
_ROUTE_WORDS = frozenset({"RT", "RTE", "ROUTE", "I", "HWY", "SR", "US", "CR", "HIGHWAY", "STATE",
                          "COUNTY", "INTERSTATE", "PA", "EXIT"})
_ORDINAL_HALF = re.compile(r"\b\d+(?:ST|ND|RD|TH) 1/2\b")  # "43RD 1/2 ST" is a real street
MAX_NAME_WORDS = 7
ZERO_NUMBER_NOTE = ("house number 0 marks a lot published without a number, so the linkage stage "
                    "treats the address as ambiguous")


def _number_inside(name: str) -> bool:
    """True when a bare number sits inside a street name, not after a route word (RT 51)."""
    words = name.split()
    return any(w.isdigit() and words[i - 1] not in _ROUTE_WORDS
               for i, w in enumerate(words[:-1]) if i > 0)


def _sentence(notes: list[str]) -> str | None:
    notes = [n for n in notes if n]
    if not notes:
        return None
    text = "; ".join(notes)
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


class AddressNormalizer:
    """Normalize address strings, each distinct string once (results are cached).

    Args:
        placeholders: phrases meaning "no address" (compared upper-cased, spaces collapsed);
            defaults to :data:`~civicgrid.addresses.clean.DEFAULT_PLACEHOLDERS`.
        cities: city names that may trail a street with no comma and no state
            (``"1200 Block Voskamp ST Pittsburgh"``); from the city configuration.
        zero_padded_blocks: read Detroit-style ``"09100 PETOSKEY"`` as a hundred block.
        use_usaddress: let usaddress tag strings the rules cannot read.
        cache: keep results; turn off for one-shot use.

    Attributes:
        hits: calls answered from the cache.
        misses: calls that parsed a string.
    """

    def __init__(self, placeholders: Iterable[str] | None = None, cities: Iterable[str] = (),
                 zero_padded_blocks: bool = True, use_usaddress: bool = True,
                 cache: bool = True) -> None:
        phrases = DEFAULT_PLACEHOLDERS if placeholders is None else placeholders
        self.placeholders = frozenset(" ".join(p.upper().split()) for p in phrases)
        self.cities = tuple(sorted({" ".join(c.upper().split()) for c in cities if c.strip()},
                                   key=lambda c: -len(c.split())))
        self.zero_padded_blocks = zero_padded_blocks
        self.use_usaddress = use_usaddress and usaddress_tags.available()
        self._cache: dict[str | None, NormalizedAddress] | None = {} if cache else None
        self.hits = 0
        self.misses = 0

    # -- public -----------------------------------------------------------------------------
    def normalize(self, text: str | None) -> NormalizedAddress:
        """Normalize one string; see :func:`normalize_address`. Never raises."""
        if isinstance(text, float) and math.isnan(text):
            text = None
        cache = self._cache
        if cache is not None:
            try:
                found = cache.get(text)
            except TypeError:  # unhashable input: parse it uncached
                found, cache = None, None
            if found is not None:
                self.hits += 1
                return found
        self.misses += 1
        try:
            result = self._parse(text)
        except Exception as exc:  # a bug in a rule must not stop an ingest run
            result = NormalizedAddress(raw=text if isinstance(text, str) else repr(text),
                                       kind="unparsed",
                                       reason=f"Internal parser error {type(exc).__name__}.")
        if cache is not None:
            cache[text] = result
        return result

    def normalize_many(self, texts: Iterable[str | None]) -> list[NormalizedAddress]:
        """Normalize every string in ``texts``, in order (one result per input)."""
        return [self.normalize(t) for t in texts]

    def __len__(self) -> int:
        return len(self._cache) if self._cache is not None else 0

    def clear(self) -> None:
        """Forget cached results and reset the counters."""
        if self._cache is not None:
            self._cache.clear()
        self.hits = self.misses = 0

    # -- parsing ----------------------------------------------------------------------------
    def _parse(self, text: str | None) -> NormalizedAddress:
        if text is None:
            return NormalizedAddress(raw=None, kind="empty", reason="No address was given.")
        raw = text if isinstance(text, str) else str(text)
        if not raw.strip():
            return NormalizedAddress(raw=raw, kind="empty", reason="The address is blank.")
        clean, notes = clean_text(raw)
        if not any(c.isalnum() for c in clean):
            return NormalizedAddress(raw=raw, kind="placeholder",
                                     reason="The text has no letters or digits.")
        if is_placeholder(clean, self.placeholders):
            return NormalizedAddress(raw=raw, kind="placeholder",
                                     reason=f"'{clean}' is a placeholder for a missing address.")
        tail = split_tail(clean)
        notes += tail.notes
        street = tail.street
        place = dict(city=tail.city, state=tail.state, zip=tail.zip)
        box = _PO_BOX.match(street) or _BOX.match(street)
        if box:
            if box.group(2) and place["city"] is None:
                place["city"] = box.group(2)
            return NormalizedAddress(raw=raw, kind="po_box", unit_type="PO BOX",
                                     unit=box.group(1), reason=_sentence(notes), **place)
        words = street.split()
        half = len(words) // 2
        if words and len(words) % 2 == 0 and words[:half] == words[half:]:
            return NormalizedAddress(raw=raw, kind="unparsed", **{**place, "city": place["city"]
                                     or " ".join(words[:half])},
                                     reason=_sentence([f"The text names only a place "
                                                       f"('{' '.join(words[:half])}')"] + notes))
        sides = split_intersection(street)
        if sides and tail.city_in_street and tail.city is None and len(sides[-1].split()) == 1:
            place["city"] = sides.pop()  # police "ELBA ST &  PITTSBURGH, PA": no cross street
            notes.append("the intersection has no second street")
            if len(sides) == 1:
                return self._address(raw, sides[0], place, notes)
        if sides:
            if len(sides[-1].split()) > 1:
                sides[-1], city = self._split_city(sides[-1], tail, notes)
                place["city"] = place["city"] or city
            return self._intersection(raw, sides, place, notes)
        return self._address(raw, street, place, notes, tail)

    def _address(self, raw: str, street: str, place: dict, notes: list[str],
                 tail: Tail | None = None, tried_usaddress: bool = False) -> NormalizedAddress:
        if not street:
            return NormalizedAddress(raw=raw, kind="unparsed", **place,
                                     reason=_sentence(["No street was found before the city, "
                                                       "state or ZIP"] + notes))
        num = parse_number(street, self.zero_padded_blocks)
        if tail is not None and len(num.rest.split()) > 1:
            num.rest, city = self._split_city(num.rest, tail, notes)
            place = {**place, "city": place["city"] or city}
        if num.rest in self.placeholders:
            return NormalizedAddress(raw=raw, kind="placeholder", **place,
                                     reason=f"'{num.rest}' is a placeholder for a missing address.")
        units = parse_units(num.rest)
        st = parse_street(units.rest)
        problem = self._problem(num.low, st)
        # a number inside a street without a leading number ("ACME 123 MAIN ST") is suspicious:
        # ask usaddress, but keep the rule result if usaddress cannot read it either
        suspicious = problem is None and num.low is None and _number_inside(st.name)
        if (problem or suspicious) and self.use_usaddress and not tried_usaddress:
            tagged = usaddress_tags.street_address(street)
            if tagged is not None:
                rebuilt = " ".join(p for p in (tagged["number"], tagged["street"],
                                               tagged["unit"]) if p)
                if rebuilt != street:
                    again = self._address(raw, rebuilt, place, notes + ["read with usaddress"],
                                          tried_usaddress=True)
                    if again.kind != "unparsed":
                        return again
        if problem is not None:
            return NormalizedAddress(raw=raw, kind="unparsed", **place,
                                     reason=_sentence([problem] + notes))
        notes = notes + num.notes + units.notes
        if num.low == "0" and num.kind == "address":
            notes.append(ZERO_NUMBER_NOTE)
        if num.low is None and num.kind == "address":
            notes.append("the street has no house number")
        return NormalizedAddress(
            raw=raw, kind=num.kind, house_number=num.low, house_number_high=num.high,
            number_suffix=num.suffix, predir=st.predir, street_name=st.name,
            street_type=st.type, postdir=st.postdir, unit_type=units.unit_type,
            unit=units.unit, reason=_sentence(notes), **place)

    @staticmethod
    def _problem(number: str | None, st) -> str | None:
        if st is None:
            return "no street name was found"
        words = st.name.split()
        if not any(any(c.isalpha() for c in w) for w in words):
            return f"the street name '{st.name}' has no letters"
        if len(words) > MAX_NAME_WORDS:
            return f"the street name '{st.name}' is too long to be one street"
        if "#" in st.name or "/" in _ORDINAL_HALF.sub("", st.name):
            return f"the street name '{st.name}' holds an unreadable unit or fraction"
        if number is None and st.type is None and len(words) == 1 and len(words[0]) == 1:
            return f"'{st.name}' is too short to be a street"
        return None

    def _split_city(self, street: str, tail: Tail, notes: list[str]) -> tuple[str, str | None]:
        return split_trailing_city(street, tail, self.cities, self.use_usaddress, notes)

    def _intersection(self, raw: str, sides: list[str], place: dict,
                      notes: list[str]) -> NormalizedAddress:
        streets = []
        number = None
        for i, side in enumerate(sides[:2]):
            lead = re.match(r"^(\d+)\s+(.*)$", side)
            if lead:
                if int(lead.group(1)) > 0 and i == 0:
                    number = str(int(lead.group(1)))
                side = lead.group(2)
            block = re.match(r"^(?:BLOCK|BLK)\s+(?:OF\s+)?(.*)$", side)
            if block:
                side = block.group(1)
            st = parse_street(parse_units(side).rest)
            problem = self._problem(None, st)
            if problem is not None:
                return NormalizedAddress(raw=raw, kind="unparsed", **place,
                                         reason=_sentence([f"intersection side '{side}': "
                                                           + problem] + notes))
            streets.append(st)
        if len(sides) > 2:
            notes = notes + [f"kept the first two of {len(sides)} streets"]
        if number is not None:
            notes = notes + [f"kept house number {number} written before an intersection"]
        first, second = streets
        return NormalizedAddress(
            raw=raw, kind="intersection", house_number=number, predir=first.predir,
            street_name=first.name, street_type=first.type, postdir=first.postdir,
            cross_street=second.key, reason=_sentence(notes), **place)


_DEFAULT = AddressNormalizer(cache=False)


def normalize_address(text: str | None) -> NormalizedAddress:
    """Parse and normalize one address string to USPS Publication 28 forms. Never raises.

    ``text`` is any address as a city system exports it: ``"420 N AIKEN AV"``,
    ``"200 Block N DITHRIDGE ST PITTSBURGH, PA "``, ``"MAIN ST & 3RD ST"``,
    ``"1249 51 VOSKAMP ST"``, ``"2810 SHELLY ST #1, Pittsburgh, PA 15203"``, None.
    Returns a :class:`~civicgrid.addresses.model.NormalizedAddress` whose ``kind`` says what the
    text is; a string the parser cannot read gives kind ``"unparsed"`` with ``raw`` kept and a
    one-sentence ``reason``. Street suffixes follow Pub 28 Appendix C1 (``AV`` -> ``AVE``,
    ``BL`` -> ``BLVD``, ``WY`` -> ``WAY``), unit designators Appendix C2.

    Uses default settings and no cache; for many strings use :class:`AddressNormalizer`.
    """
    return _DEFAULT.normalize(text)
