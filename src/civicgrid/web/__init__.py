"""The civicgrid web app: secure multi-user dashboard, JSON API and Open311 (issue 6).

    from civicgrid.web import create_app, serve
    app = create_app("civicgrid.duckdb", "civicgrid_app.sqlite")      # an ASGI app (FastAPI)
    serve("civicgrid.duckdb", "civicgrid_app.sqlite", host="127.0.0.1", port=8000)

Layout (one job per module): ``app`` (factory), ``settings``, ``warehouse`` (read-only handle that
follows swapped-in builds), ``users`` (argon2 accounts, lockout), ``sessions`` (signed cookies, CSRF),
``middleware`` (cookies, security headers), ``guard`` (the one gate every route passes),
``permissions`` (role and route tables), ``audit``, ``ratelimit``, ``registry`` (tables and charts
shared by pages, exports and the API), ``charts`` (Altair → vega-embed / vl-convert),
``templating``, ``server`` (uvicorn), ``cli`` (``civicgrid user …`` and ``civicgrid serve``), and
``areas/`` (routes per page group). See docs/web.md.
"""

from civicgrid.web.app import create_app
from civicgrid.web.server import serve
from civicgrid.web.settings import WebSettings

__all__ = ["WebSettings", "create_app", "serve"]
