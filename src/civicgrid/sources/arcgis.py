"""ArcGIS REST feature layer (e.g. a city's ArcGIS Hub "Dispatch Data" layer).

The connector reads the layer's description (``<layer>?f=json``: fields and their types,
``maxRecordCount``, the object-id field), then pages its ``query`` endpoint::

    where=Received_Date >= TIMESTAMP '2019-01-31 00:00:00'
    orderByFields=Received_Date ASC, OBJECTID ASC
    resultOffset=2000  resultRecordCount=2000  outFields=*  f=json

while the answer says ``exceededTransferLimit`` (or a page comes back full). Date fields,
published as epoch milliseconds, are written as ISO 8601 UTC text (``2019-01-10T00:00:00Z``).
Point geometry, when ``params.returnGeometry`` is true, becomes ``geometry_x``/``geometry_y``.
ArcGIS reports errors inside a 200 answer (``{"error": {...}}``); they fail the pull.
"""

from __future__ import annotations

import json
from functools import lru_cache
from datetime import datetime, timedelta, timezone
from typing import Iterator

from civicgrid.sources.base import Connector, fill, parse_instant, sql_quote
from civicgrid.sources.fetch import PullError

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_NUMBER_TYPES = {"esriFieldTypeOID", "esriFieldTypeInteger", "esriFieldTypeSmallInteger", "esriFieldTypeBigInteger",
                 "esriFieldTypeDouble", "esriFieldTypeSingle"}


class ArcGisConnector(Connector):
    """ArcGIS ``query`` paging with ``resultOffset``/``resultRecordCount``."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.ordered = self.s.watermark is not None
        self.layer = self.s.url + (f"/{self.s.dataset}" if self.s.dataset else "")

    def pages(self) -> Iterator[list[dict]]:
        meta = self._checked(self.fetch.get_json(self.layer, {"f": "json", **self._token()})[0], "layer description")
        types = {f["name"]: f.get("type") for f in meta.get("fields") or [] if isinstance(f, dict) and "name" in f}
        if not types:
            raise PullError(f"{self.layer}: the layer description lists no fields; is the URL a layer (…/FeatureServer/0)?")
        if self.s.watermark and self.s.watermark not in types:
            raise PullError(f"{self.layer}: watermark field {self.s.watermark!r} is not a field of the layer; "
                            f"fields: {', '.join(types)}.")
        if (meta.get("advancedQueryCapabilities") or {}).get("supportsPagination") is False:
            raise PullError(f"{self.layer}: the layer does not support paging (resultOffset); ask its owner to "
                            "enable pagination or publish a larger export.")
        oid = meta.get("objectIdField") or next((n for n, t in types.items() if t == "esriFieldTypeOID"), None)
        n = min(self.s.page_size, int(meta.get("maxRecordCount") or self.s.page_size))
        dates = {name for name, t in types.items() if t == "esriFieldTypeDate"}
        fields = list(types)
        order = [f"{self.s.watermark} ASC"] if self.s.watermark else []
        order += [f"{oid} ASC"] if oid else []
        base = {"where": self._where(types), "outFields": "*", "returnGeometry": "false", "f": "json",
                **{k: v for k, v in self.s.params.items() if k != "where"}, **self._token()}
        if order:
            base["orderByFields"] = ", ".join(order)
        for i in self.page_limit():
            body, _ = self.fetch.get_json(f"{self.layer}/query", {**base, "resultOffset": i * n, "resultRecordCount": n})
            body = self._checked(body, f"page {i + 1}")
            feats = body.get("features")
            if not isinstance(feats, list):
                raise PullError(f"{self.layer}: page {i + 1} has no features list; the API answered in an unknown shape.")
            rows = [self._row(f, dates) for f in feats]
            if rows:
                yield fill(rows, fields)
            if not rows or not (body.get("exceededTransferLimit") or len(rows) >= n):
                return
        raise self.too_many_pages()

    def _token(self) -> dict:
        return {"token": self.token} if self.token else {}

    def _where(self, types: dict) -> str:
        conds = []
        if self.s.params.get("where"):
            conds.append(f"({self.s.params['where']})")
        wm = self.s.watermark
        if wm and self.watermark is not None:
            conds.append(f"{wm} >= {self._literal(self.watermark, types.get(wm))}")
        return " AND ".join(conds) or "1=1"

    def _literal(self, v, ftype: str | None) -> str:
        if ftype == "esriFieldTypeDate":
            dt = parse_instant(str(v))
            if dt is None:
                dt = _EPOCH + timedelta(milliseconds=float(v))
            # a layer that keeps dates in local time reads the literal in its zone: lookback_days covers that
            dt -= timedelta(days=self.s.lookback_days)
            return f"TIMESTAMP '{dt.astimezone(timezone.utc).strftime('%Y-%m-%d %H:%M:%S')}'"
        if ftype in _NUMBER_TYPES:
            return str(v)
        return sql_quote(v)

    def _checked(self, body, what: str) -> dict:
        if not isinstance(body, dict):
            raise PullError(f"{self.layer}: the {what} is not a JSON object; the API answered in an unknown shape.")
        err = body.get("error")
        if err:
            detail = err.get("message") if isinstance(err, dict) else err
            more = "; ".join(err.get("details") or []) if isinstance(err, dict) else ""
            raise PullError(f"{self.layer}: ArcGIS error on the {what} ({detail}{'; ' + more if more else ''}); "
                            "check the layer URL, watermark field and params.")
        return body

    @staticmethod
    def _row(feature, dates: set[str]) -> dict:
        if not isinstance(feature, dict) or not isinstance(feature.get("attributes"), dict):
            raise PullError("a feature without attributes; the API answered in an unknown shape.")
        row = dict(feature["attributes"])
        for name in dates:
            v = row.get(name)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                row[name] = epoch_ms_to_iso(v)
        geom = feature.get("geometry")
        if isinstance(geom, dict):
            if "x" in geom and "y" in geom:
                row["geometry_x"], row["geometry_y"] = geom["x"], geom["y"]
            else:
                row["geometry"] = json.dumps(geom)
        return row


@lru_cache(maxsize=65536)  # dates repeat heavily (a day of calls shares one midnight)
def epoch_ms_to_iso(ms: float) -> str:
    """ArcGIS date (milliseconds since 1970, UTC) → ``2019-01-10T00:00:00Z`` (``.123Z`` when it has ms)."""
    dt = _EPOCH + timedelta(milliseconds=ms)
    if dt.microsecond:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
