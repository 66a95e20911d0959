"""The connectors' HTTP client: retries with backoff, Retry-After on 429, timeouts, malformed bodies."""

from __future__ import annotations

import threading
import time
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from civicgrid.sources.fetch import Fetcher, PullError, retry_after_seconds


class Script:
    """A loopback server answering each request with the next scripted (status, headers, body, delay)."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.hits = 0
        script = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                script.hits += 1
                status, headers, body, delay = script.answers.pop(0) if script.answers else (200, {}, b"{}", 0)
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/x"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


OK = (200, {}, b'{"ok": true}', 0)


def _fetcher(**kw):
    waits: list[float] = []
    f = Fetcher(**{"timeout": 2.0, "retries": 3, "backoff": 0.1, **kw}, sleep=waits.append)
    return f, waits


def test_429_waits_what_retry_after_asks():
    with Script([(429, {"Retry-After": "7"}, b"slow down", 0), OK]) as s:
        f, waits = _fetcher()
        body, _ = f.get_json(s.url)
    assert body == {"ok": True} and s.hits == 2
    assert waits == [7.0] and f.retried == 1


def test_429_longer_than_max_wait_fails_at_once():
    with Script([(429, {"Retry-After": "3600"}, b"", 0)]) as s:
        f, waits = _fetcher(max_wait=60)
        with pytest.raises(PullError, match="Retry-After 3600 s, longer than max_wait 60 s"):
            f.get_json(s.url)
    assert waits == [] and s.hits == 1


def test_5xx_retried_with_exponential_backoff():
    with Script([(503, {}, b"", 0), (502, {}, b"", 0), OK]) as s:
        f, waits = _fetcher()
        assert f.get_json(s.url)[0] == {"ok": True}
    assert len(waits) == 2 and 0.1 <= waits[0] <= 0.11 and 0.2 <= waits[1] <= 0.22


def test_timeout_is_retried():
    with Script([(200, {}, b"{}", 1.0), OK]) as s:
        f, waits = _fetcher(timeout=0.3)
        assert f.get_json(s.url)[0] == {"ok": True}
    assert f.requests == 2 and len(waits) == 1


def test_timeouts_exhaust_the_retries_with_a_clear_message():
    with Script([(200, {}, b"{}", 0.6)] * 3) as s:
        f, _ = _fetcher(timeout=0.2, retries=2)
        with pytest.raises(PullError, match=r"no answer within 0.2 s after 3 attempt\(s\)"):
            f.get_json(s.url)


def test_malformed_body_is_retried_then_reported():
    with Script([(200, {}, b'{"records": [1, 2', 0), OK]) as s:
        f, _ = _fetcher()
        assert f.get_json(s.url)[0] == {"ok": True}
    with Script([(200, {}, b"<html>maintenance</html>", 0)] * 4) as s:
        f, _ = _fetcher()
        with pytest.raises(PullError, match="not valid JSON"):
            f.get_json(s.url)


def test_client_errors_are_not_retried_and_quote_the_server():
    with Script([(404, {}, b'{"error": {"message": "Not found: resource abc"}}', 0)]) as s:
        f, waits = _fetcher()
        with pytest.raises(PullError, match="HTTP 404 Not found: resource abc"):
            f.get_json(s.url)
    assert s.hits == 1 and waits == []


def test_connection_refused_is_retried_then_reported():
    f, waits = _fetcher(retries=1)
    with pytest.raises(PullError, match="connection failed"):
        f.get_json("http://127.0.0.1:9/nothing")
    assert len(waits) == 1


def test_retry_after_forms():
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 25 <= retry_after_seconds(later) <= 31
