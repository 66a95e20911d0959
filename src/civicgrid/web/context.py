"""Small accessors for route code: the warehouse handle, the app database, the user, auditing."""

from __future__ import annotations

from fastapi import Request

from civicgrid.web import audit
from civicgrid.web.guard import current_user
from civicgrid.web.warehouse import WarehouseHandle


def wh(request: Request) -> WarehouseHandle:
    return request.app.state.wh


def app_db(request: Request) -> str:
    return request.app.state.app_db


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def username(request: Request) -> str | None:
    acc = current_user(request)
    return acc.username if acc else None


def audit_event(request: Request, action: str, object_type: str | None = None, object_id: str | None = None,
                detail: dict | None = None) -> None:
    """Write one audit row for the current user and client address."""
    audit.record(app_db(request), username(request), action, object_type, object_id, detail, client_ip(request))


def form_data(request: Request) -> dict:
    """The POSTed form fields (parsed by the guard before the handler runs)."""
    return getattr(request.state, "form", None) or {}
