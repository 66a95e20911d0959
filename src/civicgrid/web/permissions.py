"""Who may do what: the role → permission table and the route → permission table.

Every route of the app (pages, JSON API, Open311, exports, static files) must appear in
:data:`ROUTE_PERMISSIONS`; a route that is missing is refused to everyone (deny by default) and
``tests/web/test_permissions.py`` fails. Exports additionally check the permission of the table or
chart being exported, so nobody can export what they cannot see.

GUIDE §6: police narratives (free-text descriptions of police records) only for ``integration``
and ``admin``; staff-level figures (pseudonymous agent ids, even suppressed under 5) and resident
comments only for ``service_supervisor`` and ``admin``; the workforce report (already suppressed
under 5 people, no personal data) only for ``hr`` and ``admin``.
"""

from __future__ import annotations

#: no sign-in needed
PUBLIC = "public"
#: any signed-in user
AUTHENTICATED = "authenticated"

PERMISSIONS = {
    "data.view": "Data page: sources, freshness, quarantine counts, match rates, builds",
    "data.quarantine_raw": "raw text of quarantined rows (may hold personal data)",
    "integration.view": "ranked properties, map, block activity",
    "integration.profile": "property profiles (every view audited), score contests",
    "integration.review": "link review queue and decisions",
    "integration.meetings": "meetings and their status, agendas (also from a property profile), lead departments, "
                            "actions, notes, decisions, contest resolutions, outcomes, packets",
    "police.narratives": "free-text descriptions of police records, protected calls (marked, never counted)",
    "service.view": "customer-service trends, time to close, backlog, forecasts, staffing, CAD",
    "service.staff": "staff and team distributions, CAD units and officers (pseudonymous ids)",
    "service.comments": "low-rated requests and resident comments",
    "workforce.view": "hometown workforce report and its PDF",
    "open311.read": "Open311 GeoReport v2 read endpoints",
    "export": "CSV / PNG / SVG / PDF exports of what the role can see (every export audited)",
    "admin.users": "add, remove, re-role and unlock accounts",
    "admin.audit": "read the audit log",
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(PERMISSIONS),
    "integration": frozenset({"data.view", "integration.view", "integration.profile", "integration.review",
                              "integration.meetings", "police.narratives", "service.view", "open311.read",
                              "export"}),
    "service_supervisor": frozenset({"data.view", "service.view", "service.staff", "service.comments",
                                     "open311.read", "export"}),
    "hr": frozenset({"data.view", "workforce.view", "export"}),
    "viewer": frozenset({"data.view", "service.view", "open311.read", "export"}),
}

#: route name → permission. Route names are set with ``name=`` on every route.
ROUTE_PERMISSIONS: dict[str, str] = {
    # frame
    "static": PUBLIC, "healthz": PUBLIC, "login_form": PUBLIC, "login_submit": PUBLIC,
    "logout": AUTHENTICATED, "home": AUTHENTICATED, "openapi": AUTHENTICATED,
    # Integration
    "integration_properties": "integration.view", "integration_map": "integration.view",
    "integration_geojson": "integration.view", "integration_property": "integration.profile",
    "integration_review": "integration.review", "integration_decide": "integration.review",
    "integration_meetings": "integration.meetings", "integration_meeting": "integration.meetings",
    "integration_meeting_new": "integration.meetings", "integration_agenda": "integration.meetings",
    "integration_case_change": "integration.meetings", "integration_action_close": "integration.meetings",
    "integration_contest": "integration.profile", "integration_packet": "integration.meetings",
    "integration_property_agenda": "integration.meetings", "integration_case_lead": "integration.meetings",
    "integration_contest_resolve": "integration.meetings", "integration_meeting_status": "integration.meetings",
    "integration_meeting_outcomes": "integration.meetings",
    # Customer service
    "service_overview": "service.view", "service_close": "service.view", "service_backlog": "service.view",
    "service_forecast": "service.view", "service_staffing": "service.view", "service_cad": "service.view",
    "service_staff": "service.staff", "service_feedback": "service.view",
    # Workforce
    "workforce_page": "workforce.view", "workforce_pdf": "workforce.view",
    # Data
    "data_page": "data.view", "data_quarantine": "data.view", "data_quarantine_row": "data.quarantine_raw",
    # Admin
    "admin_users": "admin.users", "admin_user_add": "admin.users", "admin_user_role": "admin.users",
    "admin_user_remove": "admin.users", "admin_user_unlock": "admin.users", "admin_audit": "admin.audit",
    # exports
    "export_csv": "export", "export_chart": "export",
    # JSON API
    "api_me": AUTHENTICATED, "api_status": "data.view", "api_properties": "integration.view",
    "api_property": "integration.profile", "api_review_queue": "integration.review",
    "api_review_decide": "integration.review", "api_service_report": "service.view",
    "api_service_cad": "service.view", "api_service_staffing": "service.view",
    "api_service_staff": "service.staff", "api_workforce_report": "workforce.view",
    "api_users": "admin.users", "api_audit": "admin.audit", "api_tables": AUTHENTICATED,
    "api_table": "export", "api_meetings": "integration.meetings", "api_meeting": "integration.meetings",
    # Open311 GeoReport v2 (PUBLIC when settings.open311_public)
    "open311_services": "open311.read", "open311_requests": "open311.read", "open311_request": "open311.read",
}


def allowed(role: str | None, permission: str | None) -> bool:
    """May a user with ``role`` (None: not signed in) use something needing ``permission``?"""
    if permission is None:
        return False
    if permission == PUBLIC:
        return True
    if role is None:
        return False
    if permission == AUTHENTICATED:
        return True
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def route_permission(route_name: str | None) -> str | None:
    """The permission a route needs, or None when it has no entry (then nobody may use it)."""
    return ROUTE_PERMISSIONS.get(route_name or "")


def iter_routes(app):
    """``(name, path, methods, is_mount)`` of every route of ``app``, with routers' prefixes applied.

    Works with FastAPI versions that copy included routes into ``app.routes`` and with those that keep
    included routers lazily (``fastapi.routing.iter_route_contexts``).
    """
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # classic FastAPI: included routes are copied into app.routes
        iter_route_contexts = None
    from starlette.routing import Mount

    items = iter_route_contexts(app.routes) if iter_route_contexts else app.routes
    for r in items:
        original = getattr(r, "original_route", r)
        yield (getattr(r, "name", None), getattr(r, "path", None), set(getattr(r, "methods", None) or {"GET"}),
               isinstance(original, Mount))
