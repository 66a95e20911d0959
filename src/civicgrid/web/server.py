"""Run the app with uvicorn: ``serve(db, app_db, host, port, workers=N)``.

One process serves every request in threads, but Python runs one thread at a time, so a page that
spends 0.2 s in pandas holds the others back. ``workers`` > 1 starts that many processes (uvicorn's
process manager) sharing the port; each has its own warehouse attachment and result cache and all
share the app-state database and the session signing key. Per-address sign-in throttling counts
per process (the per-account lockout lives in the app-state database and is shared).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import logging
import os
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
          warm: bool = True, workers: int = 1) -> None:
    """Serve the dashboard until interrupted.

    Cookies: unless ``settings`` says otherwise, the Secure flag follows the request scheme (https
    directly or via ``X-Forwarded-Proto`` from a reverse proxy in ``forwarded_allow_ips``), so plain
    http on 127.0.0.1 works and any https deployment gets Secure cookies. ``warm`` computes the
    slow reports (service, forecast, workforce) and the top-ranked property profiles in the background
    at start. ``workers``: processes (see the module docstring; about one per CPU core).

    Raises:
        ValueError: ``workers`` is below 1.
    """
    import uvicorn

    from civicgrid.web.app import create_app

    settings = settings or WebSettings.from_env(secure_cookies=None)
    if not _loopback(host) and settings.secure_cookies is False:
        log.warning("serving on %s with Secure cookies off: use https (or a TLS proxy) beyond this machine", host)
    if workers < 1:
        raise ValueError(f"workers must be 1 or more, not {workers}")
    common = dict(host=host, port=port, log_level=log_level, proxy_headers=True,
                  forwarded_allow_ips=forwarded_allow_ips or "127.0.0.1", server_header=False)
    if workers == 1:
        app = create_app(db, app_db, settings)
        if warm:
            from civicgrid.web.warm import warm_in_background

            warm_in_background(app)
        uvicorn.run(app, **common)
        return
    from civicgrid.appstate.migrate import upgrade
    from civicgrid.web.sessions import secret_for

    url = upgrade(app_db)  # once, before the workers start (they would race on a new database)
    # every worker must sign and read the same session cookies; the key travels in this process's environment,
    # readable only by the same operating-system user (who can read the key file anyway)
    settings = settings.with_(secret_key=secret_for(url, settings.secret_key))
    os.environ[_ENV] = json.dumps({"db": str(db), "app_db": url, "warm": warm,
                                   "settings": dataclasses.asdict(settings)})
    uvicorn.run("civicgrid.web.server:worker_app", factory=True, workers=workers, **common)


_ENV = "CIVICGRID_WEB_WORKER"


def worker_app():
    """The app of one worker process (uvicorn factory; reads what :func:`serve` put in the environment)."""
    from civicgrid.web.app import create_app

    conf = json.loads(os.environ[_ENV])
    app = create_app(conf["db"], conf["app_db"], WebSettings(**conf["settings"]))
    if conf["warm"]:
        from civicgrid.web.warm import warm_in_background

        warm_in_background(app)
    return app
