"""Parse one published value into its canonical type.

Every parser takes the stripped text of a cell and returns the typed value, or raises
:class:`BadValue` with a one-sentence reason that goes into the quarantine.
Parsers cache by input string: exports repeat the same dates and codes heavily.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

#: earliest plausible date of an event; anything before is flagged (GUIDE: dates before 1901)
EARLIEST = datetime(1901, 1, 1, tzinfo=timezone.utc)

_MONEY = re.compile(r"^\(?[-+]?\$?\s*[-+]?[\d,]*\.?\d+\)?%?$")
_TRUE = {"y", "yes", "true", "t", "1"}
_FALSE = {"n", "no", "false", "f", "0"}


class BadValue(ValueError):
    """A cell does not hold a value of its field's type; the message says why."""


def parse_float(text: str) -> float:
    """Parse a number, accepting ``$1,234.00``, ``(12.50)`` (negative), ``+40.44`` (Census), ``15.2%`` (kept as 15.2).

    Raises:
        BadValue: the text is not a number.
    """
    t = text.strip()
    if not _MONEY.match(t):
        raise BadValue(f"{text!r} is not a number")
    neg = t.startswith("(") and t.endswith(")")
    t = t.strip("()").replace("$", "").replace(",", "").replace("%", "").replace(" ", "")
    try:
        v = float(t)
    except ValueError as exc:
        raise BadValue(f"{text!r} is not a number") from exc
    return -v if neg else v


def parse_int(text: str) -> int:
    """Parse a whole number; ``100.0`` is accepted, ``100.5`` is not.

    Raises:
        BadValue: the text is not a whole number.
    """
    v = parse_float(text)
    if v != int(v):
        raise BadValue(f"{text!r} is not a whole number")
    return int(v)


def parse_bool(text: str) -> bool:
    """Parse Y/N, yes/no, true/false, t/f, 1/0 (any case).

    Raises:
        BadValue: any other text.
    """
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise BadValue(f"{text!r} is not a yes/no value")


class DateParser:
    """Parse dates and timestamps with configured formats, a time zone and a two-digit-year pivot.

    Args:
        formats: strptime formats tried in order; ISO 8601 is always tried first.
        tz: IANA zone that naive timestamps are in; aware ones keep their offset.
        pivot: two-digit-year rule. ``None``: Python's (POSIX) rule, 69–99 → 1900s.
            An int P: years YY > P are 19YY, else 20YY. ``"snapshot_year"``: the century
            that puts the date at or before the row's snapshot year (a 1979 hire in a 2012
            roster, never 2079).
    """

    def __init__(self, formats: list[str], tz: str, pivot: int | str | None = None):
        self.formats = list(formats)
        self.tz = ZoneInfo(tz)
        self.pivot = pivot
        self._cache: dict[tuple[str, int | None], datetime] = {}
        self._two_digit = any("%y" in f for f in self.formats)

    def parse(self, text: str, snapshot_year: int | None = None) -> datetime:
        """Return a timezone-aware datetime in UTC.

        Raises:
            BadValue: no format matches.
        """
        key = (text, snapshot_year)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        dt = self._parse_uncached(text.strip(), snapshot_year)
        if len(self._cache) < 500_000:
            self._cache[key] = dt
        return dt

    def _parse_uncached(self, t: str, snapshot_year: int | None) -> datetime:
        dt = None
        used = None
        for fmt in self.formats:
            try:
                dt = datetime.strptime(t, fmt)
                used = fmt
                break
            except ValueError:
                continue
        if dt is None:
            try:
                dt = datetime.fromisoformat(t.replace("Z", "+00:00") if t.endswith("Z") else t)
            except ValueError:
                shown = ", ".join(self.formats) or "ISO 8601"
                raise BadValue(f"{t!r} does not match the date formats ({shown})") from None
        if used is not None and "%y" in used:
            dt = self._apply_pivot(dt, snapshot_year)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=self.tz)
        return dt.astimezone(timezone.utc)

    def _apply_pivot(self, dt: datetime, snapshot_year: int | None) -> datetime:
        yy = dt.year % 100
        if self.pivot == "snapshot_year":
            if snapshot_year is None:
                return dt
            year = (snapshot_year // 100) * 100 + yy
            if year > snapshot_year:
                year -= 100
        elif isinstance(self.pivot, int):
            year = 1900 + yy if yy > self.pivot else 2000 + yy
        else:
            return dt
        try:
            return dt.replace(year=year)
        except ValueError:  # 29 Feb in a non-leap century
            return dt.replace(year=year, day=28)


def out_of_range(dt: datetime, run_at: datetime, past_only: bool) -> str | None:
    """Return a flag text when a date is implausible, else None.

    Dates before 1901 are always flagged; for ``past_only`` fields (events that have
    happened) dates after ``run_at`` are flagged too; other fields allow up to 2100.
    """
    if dt < EARLIEST:
        return "before 1901"
    if past_only and dt > run_at:
        return "after the run date"
    if dt.year > 2100:
        return "after 2100"
    return None


def as_date(dt: datetime, tz: ZoneInfo) -> date:
    """The calendar date of ``dt`` in the local zone ``tz`` (for date-typed fields)."""
    return dt.astimezone(tz).date()
