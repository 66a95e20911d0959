"""Sign in, sign out, the home page and a health check."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from civicgrid.warehouse.db import WarehouseError
from civicgrid.web import audit, users
from civicgrid.web.context import app_db, audit_event, client_ip, form_data, wh
from civicgrid.web.guard import can, current_user
from civicgrid.web.sessions import new_session
from civicgrid.web.templating import NAV, render

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only same-site paths (no ``//host`` or scheme): no open redirect after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/healthz", name="healthz", include_in_schema=False)
def healthz(request: Request):
    try:
        b = wh(request).last_build()
        return {"ok": True, "build_id": b["build_id"] if b else None}
    except WarehouseError:
        return JSONResponse({"ok": False, "warehouse": "unreadable"}, status_code=503)


@router.get("/login", response_class=HTMLResponse, name="login_form", include_in_schema=False)
def login_form(request: Request, next: str = "/"):
    if current_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", next=safe_next(next), error=None, show_build=True)


@router.post("/login", response_class=HTMLResponse, name="login_submit", include_in_schema=False)
def login_submit(request: Request):
    form = form_data(request)
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    nxt = safe_next(str(form.get("next", "/")))
    s = request.app.state.settings
    limiter = request.app.state.login_failures
    ip = client_ip(request)
    if limiter.blocked(ip):
        audit.record(app_db(request), username or None, "login.throttled", "ip", ip, None, ip)
        return render(request, "login.html", status_code=429, next=nxt, show_build=True,
                      error="Too many failed sign-ins from this address. Wait a few minutes and try again.")
    acc, outcome = users.authenticate(app_db(request), username, password, max_failed=s.max_failed_logins,
                                      lockout_minutes=s.lockout_minutes, ip=ip)
    if acc is None:
        limiter.fail(ip)
        msg = ("This account is locked after too many failed sign-ins. Try again later or ask an administrator "
               "to unlock it." if outcome == "locked" else "Wrong user name or password.")
        return render(request, "login.html", status_code=401 if outcome == "bad" else 423, next=nxt, error=msg,
                      show_build=True, username=username)
    request.state.session = new_session(acc.id, acc.password_fingerprint)  # new id and CSRF token
    request.state.user = acc
    return RedirectResponse(nxt, status_code=303)


@router.post("/logout", name="logout", include_in_schema=False)
def logout(request: Request):
    audit_event(request, "logout", "user", getattr(current_user(request), "username", None))
    request.state.session = new_session()
    return RedirectResponse("/login", status_code=303)


@router.get("/", response_class=HTMLResponse, name="home", include_in_schema=False)
def home(request: Request):
    areas = [(label, name) for label, name, perm, _ in NAV if can(request, perm)]
    return render(request, "home.html", areas=areas)
