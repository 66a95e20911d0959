"""ASGI middleware: load the session cookie, set it back when it changed, add security headers.

Security headers on every response: a Content-Security-Policy allowing only this origin's scripts,
styles and images (plus the configured map-tile host; ``'unsafe-eval'`` because Vega compiles its
expressions, ``'unsafe-inline'`` styles because Leaflet and vega-embed set inline styles — no
inline scripts are used), ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
``Referrer-Policy: same-origin``, and ``Cache-Control: no-store`` on everything except static files.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders

from civicgrid.web.sessions import SessionCodec, new_session
from civicgrid.web.settings import WebSettings


def _csp(settings: WebSettings) -> str:
    img = "'self' data: blob:"
    if settings.tile_url:
        parts = urlsplit(settings.tile_url.replace("{s}", "a"))
        if parts.scheme and parts.netloc:
            host = parts.netloc
            if "{s}" in settings.tile_url:
                host = "*." + host.split(".", 1)[-1]
            img += f" {parts.scheme}://{host}"
    return ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
            f"img-src {img}; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


class SessionMiddleware:
    """Puts ``request.state.session`` (a :class:`SessionData`) on every HTTP request."""

    def __init__(self, app, codec: SessionCodec, settings: WebSettings, static_prefix: str = "/static"):
        self.app = app
        self.codec = codec
        self.settings = settings
        self.static_prefix = static_prefix
        self.csp = _csp(settings)

    def _cookie(self, scope) -> str | None:
        for k, v in scope.get("headers", []):
            if k == b"cookie":
                c = SimpleCookie()
                try:
                    c.load(v.decode("latin-1"))
                except Exception:  # noqa: BLE001 - a malformed cookie header is just no session
                    return None
                m = c.get(self.settings.cookie_name)
                return m.value if m else None
        return None

    def _set_cookie(self, scope, session) -> str:
        secure = self.settings.secure_cookies
        if secure is None:
            secure = scope.get("scheme") == "https"
        parts = [f"{self.settings.cookie_name}={self.codec.dumps(session)}", "Path=/", "HttpOnly", "SameSite=Lax",
                 f"Max-Age={self.codec.max_age}"]
        if secure:
            parts.append("Secure")
        return "; ".join(parts)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        static = scope.get("path", "").startswith(self.static_prefix + "/")
        state = scope.setdefault("state", {})
        if not static:
            sess = self.codec.loads(self._cookie(scope))
            state["session"] = sess if sess is not None else new_session()

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "same-origin"
                if static:
                    headers["Cache-Control"] = "public, max-age=3600"
                else:
                    headers["Content-Security-Policy"] = self.csp
                    headers.setdefault("Cache-Control", "no-store")
                    sess = state.get("session")
                    if sess is not None and sess.fresh:
                        headers.append("Set-Cookie", self._set_cookie(scope, sess))
            await send(message)

        await self.app(scope, receive, send_wrapper)
