"""Signed session cookies (itsdangerous) and the CSRF token bound to each session.

The cookie holds ``{"sid", "uid", "pw", "csrf"}`` signed with the app's secret and a timestamp:
``uid`` is the signed-in user (None before sign-in), ``pw`` a fingerprint of the user's password
hash (a password change ends every session), ``csrf`` the session's CSRF token. Every visitor
gets a session, so the sign-in form is CSRF-protected too; signing in issues a new session id and
token (no session fixation). Cookies are HttpOnly, SameSite=Lax, Secure per settings, and expire
``session_hours`` after they were issued. Nothing is stored server-side; the user row is read on
every request, so a removed or re-roled account takes effect immediately.

CSRF (session-bound synchronizer token): every POST must carry the token as the form field
``csrf_token`` or the header ``X-CSRF-Token`` (htmx sends it from ``hx-headers``); it is compared
in constant time with the session's token.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from civicgrid.appstate.db import app_url, sqlite_path

SALT = "civicgrid.session.v1"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass
class SessionData:
    sid: str
    uid: int | None
    pw: str | None
    csrf: str
    fresh: bool = False  # not yet sent to the client: the response must set the cookie

    def as_dict(self) -> dict:
        return {"sid": self.sid, "uid": self.uid, "pw": self.pw, "csrf": self.csrf}


def new_session(uid: int | None = None, pw: str | None = None) -> SessionData:
    return SessionData(secrets.token_urlsafe(18), uid, pw, secrets.token_urlsafe(32), fresh=True)


def secret_for(app_db, configured: str | None) -> str:
    """The signing key: configured, else ``$CIVICGRID_SECRET_KEY``, else a key file beside a SQLite
    app database (created once, mode 0600, so sessions survive restarts), else random per process."""
    if configured:
        return configured
    env = os.environ.get("CIVICGRID_SECRET_KEY")
    if env:
        return env
    path = sqlite_path(app_url(app_db))
    if path is None:
        return secrets.token_urlsafe(48)
    key_file = Path(str(path) + ".secret")
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key


class SessionCodec:
    """Encode and decode session cookies."""

    def __init__(self, secret: str, max_age_seconds: float):
        self._s = URLSafeTimedSerializer(secret, salt=SALT)
        self.max_age = int(max_age_seconds)

    def dumps(self, data: SessionData) -> str:
        return self._s.dumps(data.as_dict())

    def loads(self, cookie: str | None) -> SessionData | None:
        if not cookie:
            return None
        try:
            d = self._s.loads(cookie, max_age=self.max_age)
        except (BadSignature, SignatureExpired):
            return None
        if not isinstance(d, dict) or not isinstance(d.get("sid"), str) or not isinstance(d.get("csrf"), str):
            return None
        uid = d.get("uid")
        return SessionData(d["sid"], uid if isinstance(uid, int) else None, d.get("pw"), d["csrf"])


def csrf_ok(session: SessionData | None, supplied: str | None) -> bool:
    """True when ``supplied`` equals the session's CSRF token (constant-time)."""
    if session is None or not supplied:
        return False
    return hmac.compare_digest(session.csrf.encode(), str(supplied).encode())
