"""Loopback replicas of CKAN, Socrata, ArcGIS REST and Open311 serving the REAL rows of fakedata.py.

Only the first ``visible`` rows of each dataset are published, so a test can "add rows
between runs" with :meth:`FakeApis.publish`. Faults (429 with Retry-After, a slow answer, a
malformed page, 500, a 400 error) fire on the n-th request to an API. The server runs on
127.0.0.1 in a daemon thread and stops with the fixture.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import threading
import time
from datetime import datetime, timezone
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse


def _sibling(name: str):
    """Import a helper module next to this file under a unique name (tests/ has no packages)."""
    modname = f"civicgrid_{name}"
    if modname not in sys.modules:
        spec = importlib.util.spec_from_file_location(modname, Path(__file__).with_name(f"{name}.py"))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[modname] = mod
        spec.loader.exec_module(mod)
    return sys.modules[modname]


_data = _sibling("fakedata")
DATA, EXAMPLES, SODA_FIELDS, SODA_NUMBER = _data.DATA, _data.EXAMPLES, _data.SODA_FIELDS, _data.SODA_NUMBER
connector_city, arcgis_fields = _data.connector_city, _data.arcgis_fields
ckan_rows, socrata_rows, arcgis_rows, open311_rows = _data.ckan_rows, _data.socrata_rows, _data.arcgis_rows, _data.open311_rows


class Dataset:
    def __init__(self, rows: list[dict]):
        self.rows = list(rows)  # the cached rows are shared: replace a row, never edit it in place
        self.visible = len(rows)

    def published(self) -> list[dict]:
        return self.rows[: self.visible]


class FakeApis:
    """All four APIs on one loopback server. ``url`` is its root (``http://127.0.0.1:PORT``)."""

    def __init__(self, max_rows: int | None = None):
        """``max_rows``: serve only the first N rows (in watermark order) of each file, for quick tests."""
        self.ckan = Dataset(ckan_rows()[:max_rows])
        self.socrata = Dataset(socrata_rows()[:max_rows])
        self.arcgis = Dataset(arcgis_rows()[:max_rows])
        self.open311 = Dataset(open311_rows()[:max_rows])
        self.faults: dict[str, dict[int, str]] = {}
        self.counts: dict[str, int] = {}
        self.log: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        self.slow_seconds = 1.5
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> "FakeApis":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def publish(self, share: float | None = None, **counts: int) -> None:
        """Publish the first ``share`` of every dataset's rows, or exact counts per API."""
        for name in ("ckan", "socrata", "arcgis", "open311"):
            ds: Dataset = getattr(self, name)
            if name in counts:
                ds.visible = counts[name]
            elif share is not None:
                ds.visible = int(len(ds.rows) * share)

    def fault(self, api: str, kind: str, at: int = 1) -> None:
        """Answer the ``at``-th request (counted from now) to ``api`` with ``kind`` instead."""
        self.faults.setdefault(api, {})[self.counts.get(api, 0) + at] = kind

    def requests(self, api: str) -> list[dict]:
        return [q for a, q in self.log if a == api]

    # ------------------------------------------------------------------ the four APIs
    def answer(self, api: str, path: str, q: dict) -> tuple[int, dict, object]:
        if api == "ckan":
            return self._ckan(path, q)
        if api == "socrata":
            return self._socrata(q)
        if api == "arcgis":
            return self._arcgis(path, q)
        return self._open311(q)

    def _ckan(self, path: str, q: dict):
        rows = self.ckan.published()
        fields = [{"id": k, "type": "text"} for k in rows[0]] if rows else []
        if path.endswith("datastore_search_sql"):
            m = re.fullmatch(r'SELECT \* FROM "([^"]+)"(?: WHERE "(\w+)" >= \'((?:[^\']|\'\')*)\')? '
                             r'ORDER BY "(\w+)", "_id" LIMIT (\d+) OFFSET (\d+)', q.get("sql", ""))
            if not m:
                return 409, {}, {"success": False, "error": {"message": "unsupported SQL in the fake", "__type": "Validation Error"}}
            _res, wf, wv, order, limit, offset = m.groups()
            if wf:
                rows = [r for r in rows if r[wf] is not None and r[wf] >= wv.replace("''", "'")]
            rows = sorted(rows, key=lambda r: (r[order] or "", r["_id"]))
            page = rows[int(offset): int(offset) + int(limit)]
            return 200, {}, {"success": True, "result": {"records": page, "fields": fields, "sql": q["sql"]}}
        limit, offset = int(q.get("limit", 100)), int(q.get("offset", 0))
        page = rows[offset: offset + limit]
        return 200, {}, {"success": True, "result": {"records": page, "fields": fields, "total": len(rows)}}

    def _socrata(self, q: dict):
        rows = self.socrata.published()
        where = q.get("$where")
        if where:
            m = re.fullmatch(r"(\w+) >= '([^']*)'", where)
            if not m:
                return 400, {}, {"error": True, "message": f"unsupported $where in the fake: {where}"}
            f, v = m.groups()
            rows = [r for r in rows if r.get(f) is not None and r[f] >= v]
        if q.get("$order") != "updateddate, :id":
            return 400, {}, {"error": True, "message": "the fake serves $order=updateddate, :id only"}
        limit, offset = int(q.get("$limit", 1000)), int(q.get("$offset", 0))
        headers = {"X-SODA2-Fields": json.dumps(SODA_FIELDS),
                   "X-SODA2-Types": json.dumps(["number" if f in SODA_NUMBER else "text" for f in SODA_FIELDS])}
        return 200, headers, rows[offset: offset + limit]

    def _arcgis(self, path: str, q: dict):
        if not path.endswith("/query"):
            return 200, {}, {"name": "Dispatch", "type": "Feature Layer", "objectIdField": "OBJECTID",
                             "maxRecordCount": 2000, "fields": arcgis_fields(),
                             "advancedQueryCapabilities": {"supportsPagination": True}}
        rows = self.arcgis.published()
        where = q.get("where", "1=1")
        if where != "1=1":
            m = re.fullmatch(r"(\w+) >= TIMESTAMP '([\d\- :]+)'", where)
            if not m:
                return 200, {}, {"error": {"code": 400, "message": "Unable to complete operation.",
                                           "details": [f"Invalid query: {where}"]}}
            f, v = m.groups()
            ms = int(datetime.strptime(v, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp() * 1000)
            rows = [r for r in rows if r[f] is not None and r[f] >= ms]
        n = min(int(q.get("resultRecordCount", 2000)), 2000)
        off = int(q.get("resultOffset", 0))
        page = rows[off: off + n]
        return 200, {}, {"objectIdFieldName": "OBJECTID", "fields": arcgis_fields(),
                         "features": [{"attributes": r} for r in page],
                         "exceededTransferLimit": off + n < len(rows)}

    def _open311(self, q: dict):
        try:
            start = datetime.fromisoformat(q["start_date"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(q["end_date"].replace("Z", "+00:00"))
        except (KeyError, ValueError):
            return 400, {}, [{"code": 400, "description": "start_date and end_date are required"}]
        rows = [r for r in self.open311.published() if start <= _instant(r["requested_datetime"]) <= end]
        rows.reverse()  # newest first, as many GeoReport servers answer
        size, page = int(q.get("page_size", 50)), int(q.get("page", 1))
        return 200, {}, rows[(page - 1) * size: page * size]


@lru_cache(maxsize=None)
def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _handler(apis: FakeApis):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):  # keep test output quiet
            pass

        def do_GET(self):
            u = urlparse(self.path)
            q = {k: v[-1] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
            api = u.path.strip("/").split("/")[0]
            api = {"api": "ckan", "resource": "socrata", "arcgis": "arcgis", "open311": "open311"}.get(api)
            if api is None:
                return self._send(404, {}, b'{"error": "not found"}')
            with apis.lock:
                apis.counts[api] = apis.counts.get(api, 0) + 1
                kind = apis.faults.get(api, {}).pop(apis.counts[api], None)
                apis.log.append((api, q))
            if kind == "429":
                return self._send(429, {"Retry-After": "1"}, b'{"message": "Too Many Requests"}')
            if kind == "500":
                return self._send(500, {}, b"<html>Internal Server Error</html>")
            if kind == "slow":
                time.sleep(apis.slow_seconds)
            if kind == "broken":
                return self._send(400, {}, b'{"error": true, "message": "query failed: no such column"}')
            status, headers, body = apis.answer(api, u.path, q)
            data = json.dumps(body).encode()
            if kind == "malformed":
                data = data[: max(1, len(data) // 2)]  # a page cut off half-way
            self._send(status, headers, data)

        def _send(self, status: int, headers: dict, data: bytes):
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

    return Handler
