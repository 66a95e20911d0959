"""Settings of the web app: cookies, sessions, login limits, map tiles, Open311 exposure.

Every value has a safe default; ``WebSettings.from_env()`` reads ``CIVICGRID_WEB_*`` variables
so a server can be configured without code (docs/web.md lists them).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace


def _bool(text: str) -> bool | None:
    t = text.strip().lower()
    if t in ("auto", ""):
        return None
    return t in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class WebSettings:
    """How the app behaves. Times in seconds unless the name says otherwise."""

    #: signs session cookies; None = read/create ``<app db>.secret`` (SQLite) or a random per-process key
    secret_key: str | None = None
    #: Secure flag on cookies: True (default), False (plain-http localhost), None = only when the request is https
    secure_cookies: bool | None = True
    cookie_name: str = "civicgrid_session"
    #: sessions expire this long after sign-in
    session_hours: float = 12.0
    #: failed sign-ins before an account is locked, and for how long
    max_failed_logins: int = 5
    lockout_minutes: float = 15.0
    #: failed sign-ins per client address in ``ip_window_minutes`` before it gets HTTP 429
    max_failed_per_ip: int = 20
    ip_window_minutes: float = 15.0
    #: minimum password length for new accounts
    min_password_length: int = 10
    #: Leaflet tile URL template (``https://tile.openstreetmap.org/{z}/{x}/{y}.png``); empty = blank background (offline)
    tile_url: str = ""
    tile_attribution: str = ""
    #: serve the Open311 read endpoints without signing in (311 requests are usually public records)
    open311_public: bool = False
    #: data older than this many days (as-of date vs. today) is flagged stale when a source sets no cadence
    stale_after_days: float = 45.0
    #: rows per page in long tables
    page_size: int = 100
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict | None = None, **overrides) -> "WebSettings":
        """Settings from ``CIVICGRID_WEB_<NAME>`` variables (e.g. ``CIVICGRID_WEB_TILE_URL``), then overrides."""
        env = os.environ if environ is None else environ
        values: dict = {}
        for f in fields(cls):
            key = f"CIVICGRID_WEB_{f.name.upper()}"
            if f.name == "extra" or key not in env:
                continue
            raw = env[key]
            if f.name == "secure_cookies":
                values[f.name] = _bool(raw)
            elif f.type in ("bool", bool) or f.name == "open311_public":
                values[f.name] = bool(_bool(raw))
            elif f.name in ("max_failed_logins", "max_failed_per_ip", "min_password_length", "page_size"):
                values[f.name] = int(raw)
            elif f.name in ("session_hours", "lockout_minutes", "ip_window_minutes", "stale_after_days"):
                values[f.name] = float(raw)
            else:
                values[f.name] = raw
        values.update(overrides)
        return cls(**values)

    def with_(self, **changes) -> "WebSettings":
        """A copy with some values changed."""
        return replace(self, **changes)
