"""Socrata SODA 2 (e.g. data.lacity.org, the source of the MyLA311 file).

Each pull asks ``/resource/<id>.json`` for the rows at or after the watermark, sorted by it
and by the row id, in pages::

    $where=updateddate >= '2017-12-31T23:59:58.000'  $order=updateddate, :id
    $limit=1000  $offset=2000

Socrata leaves null fields out of a row; the ``X-SODA2-Fields`` header lists them all, so
every written row carries every field. A ``$where`` in ``params`` is AND-ed with the
watermark condition. For the system column ``:updated_at`` add ``params: {$select: ":*, *"}``.
"""

from __future__ import annotations

import json
from typing import Iterator

from civicgrid.sources.base import Connector, fill, sql_quote
from civicgrid.sources.fetch import PullError

_NUMERIC = {"number", "double", "money", "percent"}


class SocrataConnector(Connector):
    """SODA ``$where``/``$order``/``$limit``/``$offset`` paging."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.ordered = self.s.watermark is not None

    def pages(self) -> Iterator[list[dict]]:
        url = f"{self.s.url}/resource/{self.s.dataset}.json"
        params = {k: v for k, v in self.s.params.items() if k != "$where"}
        conds = []
        if self.s.params.get("$where"):
            conds.append(f"({self.s.params['$where']})")
        wm = self.s.watermark
        if wm and self.watermark is not None:
            conds.append(f"{wm} >= {self._literal(self.watermark)}")
        if conds:
            params["$where"] = " AND ".join(conds)
        params["$order"] = f"{wm}, :id" if wm else ":id"
        n = self.s.page_size
        for i in self.page_limit():
            body, headers = self.fetch.get_json(url, {**params, "$limit": n, "$offset": i * n})
            if isinstance(body, dict):
                raise PullError(f"{url}: Socrata answered with an error ({body.get('message') or body}); "
                                "check the dataset id, watermark column and params.")
            if not isinstance(body, list) or not all(isinstance(r, dict) for r in body):
                raise PullError(f"{url}: page {i + 1} is not a list of rows; the API answered in an unknown shape.")
            fields = self._fields(headers)
            if body:
                yield fill(body, fields)
            if len(body) < n:
                return
        raise self.too_many_pages()

    def _fields(self, headers) -> list[str]:
        try:
            fields = json.loads(headers.get("X-SODA2-Fields") or "[]")
            types = json.loads(headers.get("X-SODA2-Types") or "[]")
        except ValueError:
            return []
        if self.s.watermark in fields and len(types) == len(fields):
            self.memo["watermark_type"] = types[fields.index(self.s.watermark)]
        return [f for f in fields if isinstance(f, str)]

    def _literal(self, v) -> str:
        if self.memo.get("watermark_type") in _NUMERIC:
            try:
                return repr(float(v)) if "." in str(v) else str(int(v))
            except ValueError:
                pass
        return sql_quote(v)
