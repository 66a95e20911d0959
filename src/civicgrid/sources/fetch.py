"""HTTP for connectors: one ``httpx`` client with timeouts, retries and exponential backoff.

Retried: timeouts, connection errors, HTTP 429 (waiting what ``Retry-After`` asks, up to
``max_wait``), 500/502/503/504, and bodies that are not valid JSON (a page cut short).
Not retried: other 4xx answers (a wrong dataset id or a bad query will not fix itself);
the error says what the server said.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from datetime import datetime, timezone
from typing import Any, Callable

import httpx

from civicgrid import __version__

RETRY_STATUS = {429, 500, 502, 503, 504}


class PullError(RuntimeError):
    """A connector could not get its rows; one sentence that names the URL and the cause."""


class Fetcher:
    """GET JSON with retries. Counts requests and retries for the pull report.

    Args:
        timeout: seconds per response.
        retries: extra attempts after the first.
        backoff: first wait in seconds; doubles each retry (with up to 10 % jitter).
        max_wait: longest ``Retry-After`` honoured; a longer one fails the pull instead.
        headers: sent with every request (e.g. an API token).
        sleep: injectable for tests.
    """

    def __init__(self, timeout: float = 30.0, retries: int = 4, backoff: float = 1.0, max_wait: float = 300.0,
                 headers: dict[str, str] | None = None, sleep: Callable[[float], None] = time.sleep):
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        self.requests = 0
        self.retried = 0
        self.waited = 0.0
        h = {"User-Agent": f"civicgrid/{__version__} (+https://github.com/civicgrid)", "Accept": "application/json"}
        h.update(headers or {})
        self.client = httpx.Client(timeout=httpx.Timeout(timeout), headers=h, follow_redirects=True)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get_json(self, url: str, params: dict[str, Any] | None = None) -> tuple[Any, httpx.Headers]:
        """GET ``url`` and return ``(parsed JSON, response headers)``.

        Raises:
            PullError: still failing after the retries, or a non-retryable answer.
        """
        last = ""
        for attempt in range(self.retries + 1):
            self.requests += 1
            wait = self.backoff * (2 ** attempt) * (1 + random.random() / 10)
            try:
                resp = self.client.get(url, params=params)
            except httpx.TimeoutException:
                last = f"no answer within {self.client.timeout.read:g} s"
            except httpx.TransportError as exc:
                last = f"connection failed ({type(exc).__name__}: {exc})"
            else:
                if resp.status_code in RETRY_STATUS:
                    last = f"HTTP {resp.status_code}"
                    if resp.status_code == 429:
                        asked = retry_after_seconds(resp.headers.get("Retry-After"))
                        if asked is not None:
                            if asked > self.max_wait:
                                raise PullError(f"{url}: rate-limited (429) with Retry-After {asked:g} s, longer than "
                                                f"max_wait {self.max_wait:g} s; try again later.")
                            wait = max(wait, asked)
                        last = "rate-limited (HTTP 429)"
                elif resp.status_code >= 400:
                    raise PullError(f"{url}: HTTP {resp.status_code} {_server_message(resp)}; check url, dataset and params.")
                else:
                    try:
                        return resp.json(), resp.headers
                    except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
                        last = f"the answer is not valid JSON ({exc})"
            if attempt < self.retries:
                self.retried += 1
                self.waited += wait
                self.sleep(wait)
        raise PullError(f"{url}: {last} after {self.retries + 1} attempt(s).")


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: either a number or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _server_message(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return (resp.text or "")[:200].strip()
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            return str(err.get("message") or err.get("__type") or err)[:200]
        return str(body.get("message") or err or body)[:200]
    if isinstance(body, list) and body and isinstance(body[0], dict):  # Open311 errors
        return str(body[0].get("description") or body[0])[:200]
    return str(body)[:200]
