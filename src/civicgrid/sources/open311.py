"""Open311 GeoReport v2 ``requests.json`` (a city's 311 system, read the standard way).

GeoReport v2 filters requests by ``start_date``/``end_date`` (on ``requested_datetime``) and
many servers return at most a fixed number per answer, so the connector walks forward in
windows of ``window_days`` from the watermark (minus ``lookback_days``) to now, and inside each
window asks ``page=1, 2, …`` (with ``page_size``) until a page comes back short or empty
(or repeats the previous one: a server that ignores ``page``). Windows do not overlap: each
ends one second before the next starts. ``params`` can add ``jurisdiction_id``,
``service_code``, ``status`` or an ``api_key``-style parameter the server needs.

The spec does not fix an order inside a window, so a pull that fails half-way is discarded
(the next one starts again from the same watermark).
"""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Iterator

from civicgrid.sources.base import Connector, fill, parse_instant
from civicgrid.sources.fetch import PullError

#: GeoReport v2 service request fields, in the spec's order
FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
          "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
          "address", "address_id", "zipcode", "lat", "long", "media_url"]


class Open311Connector(Connector):
    """GeoReport v2 date windows × page paging."""

    ordered = False

    @property
    def watermark_field(self) -> str:
        return self.s.watermark or "requested_datetime"

    def pages(self) -> Iterator[list[dict]]:
        url = f"{self.s.url}/requests.json"
        start = parse_instant(str(self.watermark)) if self.watermark is not None else None
        if self.watermark is not None and start is None:
            raise PullError(f"{url}: watermark/start {self.watermark!r} is not an ISO 8601 date-time.")
        if start is None:
            start = self.now - timedelta(days=90)  # the spec's default window
        start -= timedelta(days=self.s.lookback_days)
        window = timedelta(days=self.s.window_days)
        n = self.s.page_size
        requests = 0
        base = dict(self.s.params)
        if self.token:
            base.setdefault("api_key", self.token)
        while start <= self.now:
            end = min(start + window - timedelta(seconds=1), self.now)
            previous_first = None
            for page in range(1, self.s.max_pages + 1):
                requests += 1
                if requests > self.s.max_pages:
                    raise self.too_many_pages()
                body, _ = self.fetch.get_json(url, {**base, "start_date": _w3c(start), "end_date": _w3c(end),
                                                    "page": page, "page_size": n})
                rows = self._rows(url, body, page)
                first = rows[0].get("service_request_id") if rows else None
                if not rows or (page > 1 and first == previous_first):
                    break
                previous_first = first
                yield fill(rows, FIELDS)
                if len(rows) < n:
                    break
            start = end + timedelta(seconds=1)

    @staticmethod
    def _rows(url: str, body, page: int) -> list[dict]:
        if isinstance(body, dict):  # some servers wrap the list: {"requests": [...]} / {"service_requests": [...]}
            for key in ("requests", "service_requests"):
                if isinstance(body.get(key), list):
                    body = body[key]
                    break
            else:
                raise PullError(f"{url}: page {page} is not a list of service requests ({str(body)[:120]}).")
        if not isinstance(body, list) or not all(isinstance(r, dict) for r in body):
            raise PullError(f"{url}: page {page} is not a list of service requests; the API answered in an unknown shape.")
        if body and "service_request_id" not in body[0] and "code" in body[0]:
            raise PullError(f"{url}: Open311 error {body[0].get('code')}: {body[0].get('description')}.")
        return body


def _w3c(dt) -> str:
    """W3C date-time in UTC, second precision: ``2017-12-27T08:00:00Z``."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
