"""Every route has an explicit permission, and every role × route gets exactly what the table says."""

from __future__ import annotations

import re

import pytest
from civicgrid.appstate import ROLES
from civicgrid.web.permissions import (AUTHENTICATED, PUBLIC, ROLE_PERMISSIONS, ROUTE_PERMISSIONS, allowed,
                                       iter_routes)
from civicgrid.web.registry import CHARTS, TABLES


def test_every_route_has_a_permission_entry(demo_app):
    routes = list(iter_routes(demo_app))
    assert len(routes) > 40 and any(p == "/open311/v2/requests.json" for _, p, _, _ in routes)
    missing = [f"{sorted(m)} {path} (name {name!r})" for name, path, m, _ in routes if name not in ROUTE_PERMISSIONS]
    assert not missing, "routes without an entry in ROUTE_PERMISSIONS: " + "; ".join(missing)


def test_no_stale_permission_entries(demo_app):
    names = {name for name, _, _, _ in iter_routes(demo_app)}
    assert set(ROUTE_PERMISSIONS) - names == set()


def test_permission_names_are_known():
    known = set().union(*ROLE_PERMISSIONS.values()) | {PUBLIC, AUTHENTICATED}
    assert set(ROUTE_PERMISSIONS.values()) <= known
    for spec in list(TABLES.values()) + list(CHARTS.values()):
        assert spec.permission in known, spec.name


def test_sensitive_permissions_only_where_needed():
    who = {p: {r for r, ps in ROLE_PERMISSIONS.items() if p in ps} for p in
           ("police.narratives", "service.staff", "service.comments", "workforce.view", "data.quarantine_raw",
            "admin.users", "admin.audit", "integration.profile")}
    assert who["police.narratives"] == {"admin", "integration"}
    assert who["service.staff"] == who["service.comments"] == {"admin", "service_supervisor"}
    assert who["workforce.view"] == {"admin", "hr"}
    assert who["data.quarantine_raw"] == who["admin.users"] == who["admin.audit"] == {"admin"}
    assert who["integration.profile"] == {"admin", "integration"}


def _concrete(path: str, parcel: str) -> str:
    values = {"parcel_id": parcel, "meeting_id": "1", "row_id": "1", "name": "data_sources", "fmt": "png",
              "request_id": "INT-0000001", "path": "css/civicgrid.css", "case_id": "999999", "what": "note",
              "action_id": "999999", "contest_id": "999999"}
    out = re.sub(r"{(\w+)(:\w+)?}", lambda m: values[m.group(1)], path)
    if path.startswith("/export/chart/"):
        out = "/export/chart/data_rows_by_source.svg"
    return out


def _matrix(app, parcel):
    for name, path, methods, is_mount in iter_routes(app):
        if is_mount:
            continue
        for method in sorted(methods - {"HEAD"}):
            yield name, method, _concrete(path, parcel)


POST_BODIES = {"login_submit": None, "integration_meeting_new": {"held_on": "not a date"}, "integration_decide": {"decision": "confirm", "address_key": "no such key"},
               "api_review_decide": {"decision": "confirm", "address_key": "no such key"},
               "admin_user_add": {"username": "", "password": "", "role": "viewer"},
               "admin_user_role": {"role": "viewer"}}


@pytest.mark.parametrize("role", list(ROLES) + ["anonymous"])
def test_role_route_matrix(role, clients, scored_app, top_parcel):
    """Allowed → not 401/403 and no redirect to sign-in; refused → 403 (signed in) or 401/303 (anonymous)."""
    c = clients[role]
    token = None if role == "anonymous" else c.get("/api/v1/me").json()["csrf_token"]
    failures = []
    for name, method, path in _matrix(scored_app, top_parcel):
        if name in ("logout", "login_submit"):
            continue  # signing out would end the shared session; both are covered in test_auth
        perm = ROUTE_PERMISSIONS[name]
        ok = allowed(None if role == "anonymous" else role, perm)
        if perm == "open311.read" and scored_app.state.settings.open311_public:
            ok = True
        if method == "GET":
            r = c.get(path, follow_redirects=False)
        else:
            body = POST_BODIES.get(name, {})
            hdr = {"X-CSRF-Token": token} if token else {}
            if path.startswith("/api/"):
                r = c.post(path, json=body or {}, headers=hdr, follow_redirects=False)
            else:
                r = c.post(path, data=body or {}, headers=hdr, follow_redirects=False)
        to_login = r.status_code == 303 and r.headers.get("location", "").startswith("/login")
        if ok and (r.status_code in (401, 403) or to_login or r.status_code in (500, 502, 503)):
            failures.append(f"{role} should reach {method} {path} ({perm}) but got {r.status_code}")
        if not ok:
            expected = (401,) if path.startswith(("/api/", "/open311/")) and role == "anonymous" else (403,)
            if not (r.status_code in expected or (role == "anonymous" and to_login)):
                failures.append(f"{role} must not reach {method} {path} ({perm}) but got {r.status_code}")
    assert not failures, "\n".join(failures)


def test_export_needs_the_tables_own_permission(clients, top_parcel):
    assert clients["viewer"].get("/export/integration_ranked.csv").status_code == 403
    assert clients["hr"].get("/export/service_volume_category.csv").status_code == 403
    assert clients["viewer"].get(f"/export/property_timeline.csv?parcel={top_parcel}").status_code == 403
    assert clients["integration"].get("/export/workforce_turnover_city.csv").status_code == 403
    assert clients["viewer"].get("/export/chart/service_staff_chart.png").status_code == 403
    assert clients["viewer"].get("/api/v1/tables/service_staff_agent").status_code == 403
    names = {t["name"] for t in clients["viewer"].get("/api/v1/tables").json()}
    assert "service_volume_category" in names and "service_staff_agent" not in names


def test_nav_shows_only_permitted_areas(clients):
    html = clients["hr"].get("/").text
    nav = re.search(r'<nav aria-label="Main".*?</nav>', html, re.S).group(0)
    assert "Workforce" in nav and "Data" in nav
    assert "Integration" not in nav and "Admin" not in nav and "Customer service" not in nav


EXPECTED = {  # a hand-written slice of the matrix, so an accidental edit of the tables is caught
    "/integration": {"admin", "integration"},
    "/integration/review": {"admin", "integration"},
    "/service": {"admin", "integration", "service_supervisor", "viewer"},
    "/service/staff": {"admin", "service_supervisor"},
    "/workforce": {"admin", "hr"},
    "/data": {"admin", "integration", "service_supervisor", "hr", "viewer"},
    "/admin/users": {"admin"},
    "/admin/audit": {"admin"},
    "/api/v1/workforce/report": {"admin", "hr"},
    "/open311/v2/services.json": {"admin", "integration", "service_supervisor", "viewer"},
}


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_expected_slice_of_the_matrix(path, clients):
    got = {role for role in ROLES if clients[role].get(path, follow_redirects=False).status_code == 200}
    assert got == EXPECTED[path]
