"""Admin pages: accounts (add, change role, unlock, remove) and the audit log. Every change audited."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from civicgrid.appstate import ROLES
from civicgrid.web import audit, users
from civicgrid.web.context import app_db, client_ip, form_data, username
from civicgrid.web.permissions import ROLE_PERMISSIONS
from civicgrid.web.registry import table, table_link
from civicgrid.web.templating import render

router = APIRouter()
SUBNAV = [("Users", "/admin/users"), ("Audit log", "/admin/audit")]


def _audit_filters(request: Request) -> dict:
    q = request.query_params
    since = None
    if q.get("since"):
        try:
            since = datetime.fromisoformat(q["since"])
        except ValueError:
            since = None
    return {"username": q.get("user") or None, "action": q.get("action") or None,
            "object_id": q.get("object") or None, "since": since}


@table("admin_audit", "Audit log (newest first)", "admin.audit")
def audit_table(request: Request) -> pd.DataFrame:
    rows, _ = audit.entries(app_db(request), limit=100_000, **_audit_filters(request))
    return pd.DataFrame(rows, columns=["id", "at", "username", "action", "object_type", "object_id", "detail", "ip"])


@table("admin_users", "Accounts", "admin.users")
def users_table(request: Request) -> pd.DataFrame:
    return pd.DataFrame(users.list_users(app_db(request)),
                        columns=["username", "display_name", "role", "active", "created_at", "last_login_at",
                                 "failed_logins", "locked_until"])


@router.get("/admin/users", response_class=HTMLResponse, name="admin_users", include_in_schema=False)
def admin_users(request: Request):
    return render(request, "admin_users.html", subnav=SUBNAV, roles=ROLES, role_permissions=ROLE_PERMISSIONS,
                  accounts=users.list_users(app_db(request)), export=table_link(request, "admin_users"),
                  msg=request.query_params.get("msg"), err=request.query_params.get("err"))


def _done(msg: str | None = None, err: str | None = None):
    from urllib.parse import urlencode

    return RedirectResponse("/admin/users?" + urlencode({k: v for k, v in (("msg", msg), ("err", err)) if v}),
                            status_code=303)


@router.post("/admin/users", name="admin_user_add", include_in_schema=False)
def admin_user_add(request: Request):
    f = form_data(request)
    try:
        users.add_user(app_db(request), str(f.get("username", "")), str(f.get("password", "")),
                       str(f.get("role", "")), display_name=str(f.get("display_name") or "") or None,
                       actor=username(request), min_length=request.app.state.settings.min_password_length,
                       ip=client_ip(request))
    except users.AccountError as exc:
        return _done(err=str(exc))
    return _done(msg=f"Added {f.get('username')}.")


@router.post("/admin/users/{name}/role", name="admin_user_role", include_in_schema=False)
def admin_user_role(request: Request, name: str):
    f = form_data(request)
    if name == username(request) and f.get("role") != "admin":
        return _done(err="You cannot remove your own admin role; ask another administrator.")
    try:
        users.set_role(app_db(request), name, str(f.get("role", "")), actor=username(request), ip=client_ip(request))
    except users.AccountError as exc:
        return _done(err=str(exc))
    return _done(msg=f"{name} is now {f.get('role')}.")


@router.post("/admin/users/{name}/unlock", name="admin_user_unlock", include_in_schema=False)
def admin_user_unlock(request: Request, name: str):
    try:
        users.unlock(app_db(request), name, actor=username(request), ip=client_ip(request))
    except users.AccountError as exc:
        return _done(err=str(exc))
    return _done(msg=f"Unlocked {name}.")


@router.post("/admin/users/{name}/remove", name="admin_user_remove", include_in_schema=False)
def admin_user_remove(request: Request, name: str):
    if name == username(request):
        return _done(err="You cannot remove your own account.")
    try:
        users.remove_user(app_db(request), name, actor=username(request), ip=client_ip(request))
    except users.AccountError as exc:
        return _done(err=str(exc))
    return _done(msg=f"Removed {name}.")


@router.get("/admin/audit", response_class=HTMLResponse, name="admin_audit", include_in_schema=False)
def admin_audit(request: Request):
    try:
        page = max(1, int(request.query_params.get("page") or 1))
    except ValueError:
        page = 1
    size = request.app.state.settings.page_size
    rows, total = audit.entries(app_db(request), limit=size, offset=(page - 1) * size, **_audit_filters(request))
    return render(request, "admin_audit.html", subnav=SUBNAV, rows=rows, total=total, page=page, size=size,
                  f=request.query_params, export=table_link(request, "admin_audit"))
