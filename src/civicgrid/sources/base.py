"""What every connector shares: the page iterator interface and watermark arithmetic.

A connector turns its API into a stream of pages of flat JSON records (every declared field
present, ``null`` when the API left it out, so the file ingest sees a stable header).
:mod:`civicgrid.sources.pull` writes the records to a file and keeps the watermark.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any, Iterator

from civicgrid.sources.fetch import Fetcher, PullError
from civicgrid.sources.settings import ConnectorSettings


class Connector:
    """Base class. Subclasses implement :meth:`pages`.

    Args:
        settings: the source's ``connector:`` block.
        fetcher: HTTP client with retries.
        watermark: the last watermark value pulled (None: first pull; ``settings.start`` applies).
        memo: small JSON-able dict kept between pulls (e.g. the watermark column's type).
        now: the pull's clock (UTC).
        token: API token for connectors that send it as a query parameter (never stored).
    """

    #: rows arrive sorted by the watermark, so the rows of a pull that failed half-way are a
    #: complete prefix and may be kept (the next pull resumes after them)
    ordered = True

    def __init__(self, settings: ConnectorSettings, fetcher: Fetcher, watermark: Any, memo: dict,
                 now: datetime, token: str | None = None):
        self.s = settings
        self.fetch = fetcher
        self.watermark = watermark if watermark is not None else settings.start
        self.memo = memo
        self.now = now
        self.token = token

    @property
    def watermark_field(self) -> str | None:
        return self.s.watermark

    def pages(self) -> Iterator[list[dict]]:  # pragma: no cover - interface
        raise NotImplementedError

    def page_limit(self) -> range:
        """Bounded loop over request numbers; running past it is an error, never a hang."""
        return range(self.s.max_pages)

    def too_many_pages(self) -> PullError:
        return PullError(f"{self.s.url}: more than max_pages={self.s.max_pages} requests in one pull; "
                         "raise max_pages or page_size.")


def fill(records: list[dict], fields: list[str]) -> list[dict]:
    """Give every record every declared field (missing → None), declared fields first."""
    if not fields:
        return records
    out = []
    for rec in records:
        row = {f: rec.get(f) for f in fields}
        for k, v in rec.items():
            if k not in row:
                row[k] = v
        out.append(row)
    return out


def line_hash(line: str) -> str:
    """Content hash of one pulled record's JSON line (fields come in the API's declared order,
    so the same row gives the same line, and the same hash, on every pull)."""
    return hashlib.sha256(line.encode()).hexdigest()[:24]


def wm_key(v: Any) -> tuple:
    """Sort key for watermark values: numbers by value, ISO timestamps as instants, else text.

    Naive timestamps are compared as if they were UTC (only their order matters here).
    """
    if isinstance(v, bool):
        return (2, str(v))
    if isinstance(v, (int, float)):
        return (0, float(v))
    s = str(v).strip()
    try:
        return (0, float(s))
    except ValueError:
        pass
    dt = parse_instant(s)
    if dt is not None:
        return (1, dt)
    return (2, s)


def parse_instant(s: str) -> datetime | None:
    """ISO 8601 text → aware datetime (naive taken as UTC); None when it is not a timestamp."""
    try:
        dt = datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith("Z") else s)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def sql_quote(v: Any) -> str:
    """A value as an SQL string literal (single quotes doubled)."""
    return "'" + str(v).replace("'", "''") + "'"
