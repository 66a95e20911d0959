"""The one gate every route passes: who is signed in, may they use this route, is the POST genuine.

Installed as an app-wide FastAPI dependency, so no route can forget it. It looks the route's name
up in :data:`civicgrid.web.permissions.ROUTE_PERMISSIONS` (no entry: refused), loads the user
named by the session (removed, deactivated or password-changed accounts are signed out), and for
every unsafe method checks the CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``).
It parses form bodies once (``request.state.form``), so route handlers can be plain ``def`` functions
that FastAPI runs in its thread pool — nothing blocking (argon2, SQLite, DuckDB) runs on the event loop.
"""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from civicgrid.web import users
from civicgrid.web.permissions import PUBLIC, allowed, route_permission
from civicgrid.web.sessions import CSRF_FIELD, CSRF_HEADER, csrf_ok, new_session

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class NotSignedIn(Exception):
    """The route needs a signed-in user."""


class Forbidden(Exception):
    """The user's role lacks the permission."""

    def __init__(self, permission: str | None):
        super().__init__(permission)
        self.permission = permission


class CsrfFailed(Exception):
    """A POST without the session's CSRF token."""


def current_user(request: Request):
    """The signed-in :class:`~civicgrid.web.users.Account`, or None (loaded once per request)."""
    if "user" in request.state._state:
        return request.state.user
    sess = request.state.session
    acc = None
    if sess.uid is not None:
        acc = users.get_account(request.app.state.app_db, sess.uid)
        if acc is None or acc.password_fingerprint != sess.pw:
            acc = None
            request.state.session = new_session()  # stale session: start over as a visitor
    request.state.user = acc
    return acc


def can(request: Request, permission: str) -> bool:
    """Does the current user have ``permission``?"""
    acc = current_user(request)
    return allowed(acc.role if acc else None, permission)


async def guard(request: Request) -> None:
    """App-wide dependency: authentication, the route's permission, CSRF on unsafe methods."""
    route = request.scope.get("route")
    permission = route_permission(getattr(route, "name", None))
    if permission == "open311.read" and request.app.state.settings.open311_public:
        permission = PUBLIC
    acc = await run_in_threadpool(current_user, request)  # an app-database read: off the event loop
    if not allowed(acc.role if acc else None, permission):
        if acc is None and permission is not None:
            raise NotSignedIn()
        raise Forbidden(permission)
    if request.method not in SAFE_METHODS:
        supplied = request.headers.get(CSRF_HEADER)
        if "form" in request.headers.get("content-type", ""):
            form = await request.form()
            request.state.form = {k: v for k, v in form.items()}  # handlers are sync: they read this
            supplied = supplied or form.get(CSRF_FIELD)
        if not csrf_ok(request.state.session, supplied):
            raise CsrfFailed()
