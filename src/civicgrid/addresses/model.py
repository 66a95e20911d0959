"""The normalized-address record and the key strings built from it.

Keys are plain upper-case strings so that other stages can join on them in DuckDB or pandas:

==================  ==========================================  =====================================
key                 shape                                       example
==================  ==========================================  =====================================
street_key          predir name type postdir                    ``N DITHRIDGE ST``
address_key         number[suffix] street_key (no unit)         ``420 N AIKEN AVE``, ``14A MAIN ST``,
                                                                ``123 1/2 MAIN ST``
unit_key            address_key #unit                           ``320 FORT DUQUESNE BLVD #300``
block_key           number floored to 100, street_key           ``200 N DITHRIDGE ST``
intersection_key    the two street keys, sorted, joined by &    ``3RD ST & MAIN ST``
==================  ==========================================  =====================================
"""

from __future__ import annotations

from dataclasses import dataclass

#: every value :attr:`NormalizedAddress.kind` can take
KINDS: tuple[str, ...] = ("address", "range", "block", "intersection", "po_box", "placeholder",
                          "unparsed", "empty")

#: a range is expanded into at most this many address keys by :attr:`NormalizedAddress.address_keys`
MAX_RANGE_KEYS = 60


def block_key(house_number: int | str, street_key: str) -> str:
    """Return the hundred-block key of a house number on a street.

    ``block_key(214, "N DITHRIDGE ST")`` -> ``"200 N DITHRIDGE ST"``; ``block_key("0628",
    "REEDSDALE ST")`` -> ``"600 REEDSDALE ST"``; numbers below 100 give the ``0`` block.
    ``house_number`` may be an int or a digit string (leading zeros and a ``.0`` float tail are
    accepted). ``street_key`` is used as given (pass a normalized :attr:`street_key`).

    Raises:
        ValueError: ``house_number`` is not a non-negative whole number, or ``street_key`` is empty.
    """
    if not street_key or not str(street_key).strip():
        raise ValueError("street_key is empty")
    text = str(house_number).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit():
        raise ValueError(f"house number {house_number!r} is not a whole number")
    return f"{int(text) // 100 * 100} {str(street_key).strip()}"


def _join(*parts: str | None) -> str | None:
    text = " ".join(p for p in parts if p)
    return text or None


@dataclass(frozen=True, slots=True)
class NormalizedAddress:
    """One address string, parsed and normalized to USPS Publication 28 forms.

    Field values are upper case; absent parts are None. ``kind`` is one of :data:`KINDS`:

    - ``address``: a street address. ``house_number`` may be ``"0"`` (a lot published without a
      number, e.g. ``"0 GROTTO ST"``; many parcels share such an address, so the linkage stage
      treats it as ambiguous) or None (a street written without any number, ``"MCKINLEY ST"``).
    - ``range``: ``"1249 51 VOSKAMP ST"`` -> ``house_number`` 1249, ``house_number_high`` 1251.
    - ``block``: a hundred block (``"200 Block N DITHRIDGE ST"``); ``house_number`` is the number
      as written, ``address_key`` is None and ``block_key`` is set.
    - ``intersection``: the first street in the street fields, the second in ``cross_street``.
    - ``po_box``: ``unit_type`` is ``"PO BOX"`` and ``unit`` the box number.
    - ``placeholder``: text that stands for "no address" (``"No primary address specified"``).
    - ``unparsed``: text that could not be read as any of the above; ``reason`` says why.
    - ``empty``: None or blank input.

    ``reason`` is one sentence: why the kind is placeholder/unparsed/empty, or what was dropped
    or assumed while parsing (a parenthetical, a second unit designator, a house number 0).
    """

    raw: str | None
    kind: str
    house_number: str | None = None
    house_number_high: str | None = None
    number_suffix: str | None = None
    predir: str | None = None
    street_name: str | None = None
    street_type: str | None = None
    postdir: str | None = None
    unit_type: str | None = None
    unit: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    cross_street: str | None = None
    reason: str | None = None

    @property
    def street_key(self) -> str | None:
        """``predir name type postdir`` (``"N DITHRIDGE ST"``), or None without a street name."""
        if not self.street_name:
            return None
        return _join(self.predir, self.street_name, self.street_type, self.postdir)

    @property
    def number_text(self) -> str | None:
        """House number with its suffix: ``"14A"``, ``"123 1/2"``, ``"420"``; None if no number."""
        if self.house_number is None:
            return None
        if not self.number_suffix:
            return self.house_number
        sep = " " if "/" in self.number_suffix else ""
        return f"{self.house_number}{sep}{self.number_suffix}"

    @property
    def address_key(self) -> str | None:
        """``number[suffix] street_key`` without the unit (``"420 N AIKEN AVE"``).

        Set for kinds ``address`` (with a house number) and ``range`` (the low number; see
        :attr:`address_keys` for every number in the range); ``"PO BOX 12"`` for ``po_box``;
        None for blocks, intersections and everything else.
        """
        if self.kind == "po_box":
            return _join("PO BOX", self.unit)
        if self.kind not in ("address", "range") or self.house_number is None:
            return None
        street = self.street_key
        return f"{self.number_text} {street}" if street else None

    @property
    def address_keys(self) -> tuple[str, ...]:
        """Every address key the record covers: one for an address, each number of a range.

        A range ``1249..1251`` gives ``("1249 VOSKAMP ST", "1251 VOSKAMP ST")``: numbers of the
        low number's parity (one side of the street), at most :data:`MAX_RANGE_KEYS` of them.
        """
        key = self.address_key
        if key is None:
            return ()
        if self.kind != "range" or not self.house_number_high or not self.street_key:
            return (key,)
        low, high = int(self.house_number), int(self.house_number_high)
        step = 2 if (high - low) % 2 == 0 else 1
        numbers = range(low, high + 1, step)[:MAX_RANGE_KEYS]
        return tuple(f"{n} {self.street_key}" for n in numbers)

    @property
    def unit_key(self) -> str | None:
        """``address_key + " #" + unit`` (``"2810 SHELLY ST #1"``); None when there is no unit."""
        key = self.address_key
        if key is None or not self.unit or self.kind == "po_box":
            return None
        return f"{key} #{self.unit}"

    @property
    def block_key(self) -> str | None:
        """Hundred-block key (``"200 N DITHRIDGE ST"``) for addresses, ranges and blocks."""
        if self.kind not in ("address", "range", "block") or self.house_number is None:
            return None
        street = self.street_key
        return block_key(self.house_number, street) if street else None

    @property
    def intersection_key(self) -> str | None:
        """The two street keys sorted and joined by ``" & "``; None unless kind is intersection."""
        if self.kind != "intersection" or not self.street_key or not self.cross_street:
            return None
        return " & ".join(sorted((self.street_key, self.cross_street)))

    def as_dict(self) -> dict[str, str | None]:
        """All fields plus the five keys, for a DataFrame row or JSON."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for key in ("street_key", "address_key", "unit_key", "block_key", "intersection_key"):
            out[key] = getattr(self, key)
        return out
