"""The app factory: ``create_app(db_path, app_db, settings)``.

One FastAPI app serving HTML pages (Jinja2 + htmx), the JSON API under ``/api/v1`` (OpenAPI schema
at ``/api/v1/openapi.json``), the Open311 GeoReport v2 read endpoints and the exports. Every route
passes :func:`civicgrid.web.guard.guard` (sign-in, permission, CSRF); static files (vendored JS and
CSS, no CDN) are public.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

import civicgrid
from civicgrid.appstate import upgrade
from civicgrid.warehouse.db import WarehouseError
from civicgrid.web.guard import CsrfFailed, Forbidden, NotSignedIn, guard
from civicgrid.web.middleware import SessionMiddleware
from civicgrid.web.ratelimit import FailureWindow
from civicgrid.web.sessions import SessionCodec, secret_for
from civicgrid.web.settings import WebSettings
from civicgrid.web.templating import make_templates, render
from civicgrid.web.warehouse import MissingTables, WarehouseHandle

STATIC = Path(__file__).resolve().parent / "static"
API_PREFIXES = ("/api/", "/open311/")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIXES)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def _not_signed_in(request: Request, exc: NotSignedIn):
        if _wants_json(request):
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        if request.headers.get("hx-request"):
            return HTMLResponse("", status_code=401, headers={"HX-Redirect": "/login"})
        from urllib.parse import quote

        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden):
        if _wants_json(request):
            return JSONResponse({"detail": "your role does not allow this", "permission": exc.permission},
                                status_code=403)
        return render(request, "message.html", status_code=403, title="Not allowed",
                      message="Your role does not allow this page. Ask an administrator if you need it.")

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed):
        if _wants_json(request):
            return JSONResponse({"detail": "missing or wrong CSRF token (X-CSRF-Token header)"}, status_code=403)
        return render(request, "message.html", status_code=403, title="Form expired",
                      message="This form expired or did not come from this site. Go back, reload and try again.")

    @app.exception_handler(MissingTables)
    async def _missing(request: Request, exc: MissingTables):
        if _wants_json(request):
            return JSONResponse({"detail": str(exc)}, status_code=409)
        return render(request, "message.html", status_code=409, title="Not in this build", message=str(exc))

    @app.exception_handler(WarehouseError)
    async def _warehouse(request: Request, exc: WarehouseError):
        if _wants_json(request):
            return JSONResponse({"detail": str(exc)}, status_code=503)
        return render(request, "message.html", status_code=503, title="Warehouse not available", message=str(exc))


def _routers():
    from civicgrid.web.areas import (admin, api, auth, casework, data, exports, integration, meetings, open311,
                                     property, review, service, workforce)

    # casework before meetings: /integration/cases/{id}/lead must match before /integration/cases/{id}/{what}
    return [auth.router, data.router, integration.router, property.router, review.router, casework.router,
            meetings.router, service.router, workforce.router, admin.router, exports.router, api.router, open311.router]


def create_app(db_path: str | Path, app_db: str | Path | None = None, settings: WebSettings | None = None) -> FastAPI:
    """Build the web app.

    Args:
        db_path: the warehouse file (opened read-only; a swapped-in new build is picked up at once).
        app_db: app-state database path or SQLAlchemy URL (created/migrated on start; default
            ``$CIVICGRID_APP_DB`` or ``civicgrid_app.sqlite``).
        settings: :class:`WebSettings` (default: secure defaults).
    """
    settings = settings or WebSettings()
    url = upgrade(app_db)
    try:  # the integration module migrates once per process on first use; do it now, before threads race
        from civicgrid.integration.casework import ready

        ready(url)
    except ImportError:
        pass
    app = FastAPI(title="civicgrid", version=civicgrid.__version__ if hasattr(civicgrid, "__version__") else "0",
                  description="civicgrid JSON API and Open311 GeoReport v2 read endpoints. Sign in through "
                              "/login (session cookie); POST requests need the X-CSRF-Token header.",
                  docs_url=None, redoc_url=None, openapi_url=None, dependencies=[Depends(guard)])
    app.state.settings = settings
    app.state.app_db = url
    app.state.wh = WarehouseHandle(db_path)
    app.state.templates = make_templates()
    app.state.login_failures = FailureWindow(settings.max_failed_per_ip, settings.ip_window_minutes * 60)
    codec = SessionCodec(secret_for(app_db, settings.secret_key), settings.session_hours * 3600)
    app.add_middleware(SessionMiddleware, codec=codec, settings=settings)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    _install_handlers(app)
    for r in _routers():
        app.include_router(r)

    @app.get("/api/v1/openapi.json", name="openapi", include_in_schema=False)
    def openapi():
        return app.openapi()

    return app
