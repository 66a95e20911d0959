"""Run the app with uvicorn: ``serve(db, app_db, host, port)``."""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path

from civicgrid.web.settings import WebSettings

log = logging.getLogger("civicgrid.web")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(db: str | Path, app_db: str | Path | None = None, host: str = "127.0.0.1", port: int = 8000, *,
          settings: WebSettings | None = None, log_level: str = "info", forwarded_allow_ips: str | None = None,
          warm: bool = True) -> None:
    """Serve the dashboard until interrupted.

    Cookies: unless ``settings`` says otherwise, the Secure flag follows the request scheme (https
    directly or via ``X-Forwarded-Proto`` from a reverse proxy in ``forwarded_allow_ips``), so plain
    http on 127.0.0.1 works and any https deployment gets Secure cookies. ``warm`` computes the
    slow reports (service, forecast, workforce) in the background at start.
    """
    import uvicorn

    from civicgrid.web.app import create_app

    settings = settings or WebSettings.from_env(secure_cookies=None)
    if not _loopback(host) and settings.secure_cookies is False:
        log.warning("serving on %s with Secure cookies off: use https (or a TLS proxy) beyond this machine", host)
    app = create_app(db, app_db, settings)
    if warm:
        from civicgrid.web.warm import warm_in_background

        warm_in_background(app)
    uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=True,
                forwarded_allow_ips=forwarded_allow_ips or "127.0.0.1", server_header=False)
