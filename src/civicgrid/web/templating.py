"""Jinja2 templates: the shared frame (skip link, navigation by role, SYNTHETIC banner) and filters."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Undefined
from markupsafe import Markup

from civicgrid.warehouse.db import WarehouseError
from civicgrid.web.guard import can, current_user

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: (label, url name, permission, path prefix) of the main navigation, in order
NAV = [
    ("Integration", "integration_properties", "integration.view", "/integration"),
    ("Customer service", "service_overview", "service.view", "/service"),
    ("Workforce", "workforce_page", "workforce.view", "/workforce"),
    ("Data", "data_page", "data.view", "/data"),
    ("Admin", "admin_users", "admin.users", "/admin"),
]


def _missing(v) -> bool:
    """None, NaN, or a key the report does not have (reports differ by city: a missing key shows '—')."""
    return v is None or isinstance(v, Undefined) or (isinstance(v, float) and math.isnan(v))


def num(v, digits: int = 0) -> str:
    """1234.5 → '1,235' (or with ``digits`` decimals); None → '—'."""
    if _missing(v):
        return "—"
    try:
        return f"{float(v):,.{digits}f}"
    except (TypeError, ValueError):
        return str(v)


def pct(v, digits: int = 1, scale: float = 100) -> str:
    """A share 0–1 as a percentage (``scale=1`` when already 0–100); None → '—'."""
    return "—" if _missing(v) else f"{float(v) * scale:.{digits}f} %"


def hours(v, digits: int = 1) -> str:
    return "—" if _missing(v) else f"{float(v):,.{digits}f} h"


def when(v, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A datetime or ISO text, shortened; None → '—'."""
    if _missing(v):
        return "—"
    if isinstance(v, str):
        try:
            v = datetime.fromisoformat(v)
        except ValueError:
            return v
    if isinstance(v, datetime):
        return v.strftime(fmt + (" UTC" if v.tzinfo is not None and "H" in fmt else ""))
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def tojson_script(obj) -> Markup:
    """JSON safe to place inside ``<script type="application/json">`` (no ``</script>`` breakout)."""
    text = json.dumps(obj, default=str).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def query(request: Request, **changes) -> str:
    """The current query string with some parameters changed (None removes one)."""
    params = dict(request.query_params)
    for k, v in changes.items():
        if v is None:
            params.pop(k, None)
        else:
            params[k] = v
    return urlencode(params)


def make_templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(TEMPLATES))
    t.env.filters.update(num=num, pct=pct, hours=hours, when=when, tojson_script=tojson_script)
    t.env.globals.update(NAV=NAV)
    return t


def build_info(request: Request) -> dict | None:
    """City and synthetic flag of the build being served (None when the warehouse is unreadable)."""
    try:
        return request.app.state.wh.last_build()
    except WarehouseError:
        return None


def render(request: Request, template: str, status_code: int = 200, **context):
    """Render a page with the frame's context: user, navigation, CSRF token, build banner."""
    user = current_user(request)
    path = request.url.path
    nav = [(label, request.app.url_path_for(name), path.startswith(prefix))
           for label, name, perm, prefix in NAV if user is not None and can(request, perm)]
    ctx = {"request": request, "user": user, "nav": nav, "csrf_token": request.state.session.csrf,
           "build": build_info(request) if user is not None or context.get("show_build") else None,
           "can": lambda p: can(request, p), "settings": request.app.state.settings,
           "q": lambda **kw: query(request, **kw)}
    ctx.update(context)
    return request.app.state.templates.TemplateResponse(request, template, ctx, status_code=status_code)
