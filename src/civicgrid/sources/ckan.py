"""CKAN datastore (e.g. the WPRDC, where the Pittsburgh files come from).

With a ``watermark`` the connector asks ``datastore_search_sql`` for only the rows at or
after the last value, sorted by it (then by the datastore's ``_id``), in pages::

    SELECT * FROM "<resource>" WHERE "alarm_time" >= '2022-11-26T16:15:50'
    ORDER BY "alarm_time", "_id" LIMIT 1000 OFFSET 2000

Without one it pages through ``datastore_search`` (``limit``/``offset``, sorted by ``_id``):
a full copy each pull, which the ingest then counts as duplicates except for real changes.
``params.filters`` (a JSON object of column → value) narrows either query.
"""

from __future__ import annotations

import json
from typing import Iterator

from civicgrid.sources.base import Connector, fill, sql_quote
from civicgrid.sources.fetch import PullError

_HIDDEN = {"_full_text"}  # CKAN's search vector: not data


class CkanConnector(Connector):
    """CKAN ``datastore_search_sql`` (incremental) or ``datastore_search`` (full) paging."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.ordered = self.s.watermark is not None

    def pages(self) -> Iterator[list[dict]]:
        action = f"{self.s.url}/api/3/action/"
        params = dict(self.s.params)
        filters = params.pop("filters", None)
        filters = json.loads(filters) if isinstance(filters, str) else (filters or {})
        if not isinstance(filters, dict):
            raise PullError(f"{self.s.url}: params.filters must be a JSON object of column → value.")
        n = self.s.page_size
        for i in self.page_limit():
            if self.s.watermark:
                query = {**params, "sql": self._sql(filters, n, i * n)}
                body, _ = self.fetch.get_json(action + "datastore_search_sql", query)
            else:
                query = {**params, "resource_id": self.s.dataset, "limit": n, "offset": i * n, "sort": "_id"}
                if filters:
                    query["filters"] = json.dumps(filters)
                body, _ = self.fetch.get_json(action + "datastore_search", query)
            records, fields = self._result(body, i)
            if records:
                yield fill(records, fields)
            if len(records) < n:
                return
        raise self.too_many_pages()

    def _sql(self, filters: dict, limit: int, offset: int) -> str:
        wm = '"' + self.s.watermark.replace('"', '""') + '"'  # type: ignore[union-attr]
        conds = [f"{wm} >= {sql_quote(self.watermark)}"] if self.watermark is not None else []
        conds += [f'"{k}" = {sql_quote(v)}' for k, v in filters.items()]
        where = f" WHERE {' AND '.join(conds)}" if conds else ""
        return (f'SELECT * FROM "{self.s.dataset}"{where} ORDER BY {wm}, "_id" '
                f"LIMIT {int(limit)} OFFSET {int(offset)}")

    def _result(self, body, page: int) -> tuple[list[dict], list[str]]:
        if not isinstance(body, dict) or body.get("success") is not True:
            err = body.get("error") if isinstance(body, dict) else None
            msg = (err.get("message") or err.get("info") or err) if isinstance(err, dict) else err
            raise PullError(f"{self.s.url}: CKAN answered without success on page {page + 1} ({msg or 'no result'}); "
                            "check the resource id and watermark column.")
        result = body.get("result") or {}
        records = result.get("records")
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise PullError(f"{self.s.url}: page {page + 1} has no list of records; the API answered in an unknown shape.")
        fields = [f.get("id") for f in result.get("fields") or [] if isinstance(f, dict)]
        fields = [f for f in fields if f and f not in _HIDDEN]
        for r in records:
            for h in _HIDDEN:
                r.pop(h, None)
        return records, fields
