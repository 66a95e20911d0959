"""Sign-in, sessions, cookies, CSRF, login rate limiting and lockout."""

from __future__ import annotations

from fastapi.testclient import TestClient

from civicgrid.web import users
from civicgrid.web.audit import entries
from web_helpers import PASSWORD, csrf_of, login, make_app, signed_in


def test_pages_need_sign_in_and_api_says_401(demo_app):
    c = TestClient(demo_app)
    r = c.get("/data?x=1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/data%3Fx%3D1"
    assert c.get("/api/v1/status").status_code == 401
    assert c.get("/open311/v2/services.json").status_code == 401
    assert c.get("/api/v1/openapi.json").status_code == 401
    assert c.get("/healthz").json()["ok"] is True
    assert c.get("/static/vendor/htmx.min.js").status_code == 200


def test_sign_in_sets_a_hardened_cookie_and_rotates_the_session(demo_db, app_state):
    app = make_app(demo_db, app_state, secure_cookies=True)
    c = TestClient(app, base_url="https://testserver")
    first = c.get("/login")
    anon_cookie = first.headers["set-cookie"]
    for attr in ("HttpOnly", "SameSite=Lax", "Secure", "Path=/"):
        assert attr in anon_cookie
    r = c.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_of(first.text)},
               follow_redirects=False)
    assert r.status_code == 303
    new_cookie = r.headers["set-cookie"]
    assert "Secure" in new_cookie and "HttpOnly" in new_cookie
    assert new_cookie.split(";")[0] != anon_cookie.split(";")[0]  # no session fixation
    assert c.get("/api/v1/me").json()["role"] == "admin"
    assert c.get("/api/v1/me").json()["csrf_token"] != csrf_of(first.text)


def test_wrong_password_and_unknown_user(demo_app):
    c = TestClient(demo_app)
    assert login(c, "viewer", "not the password").status_code == 401
    assert login(c, "nobody", "whatever password").status_code == 401
    assert c.get("/api/v1/me").status_code == 401


def test_open_redirect_is_refused(demo_app):
    c = TestClient(demo_app)
    r = login(c, "viewer", next_="//evil.example/x")
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_lockout_after_failed_sign_ins(demo_db, app_state):
    app = make_app(demo_db, app_state, max_failed_logins=3, lockout_minutes=10)
    c = TestClient(app)
    for _ in range(2):
        assert login(c, "hr", "wrong password").status_code == 401
    assert login(c, "hr", "wrong password").status_code == 423  # third failure locks
    r = login(c, "hr")  # right password, still locked
    assert r.status_code == 423 and "locked" in r.text
    acc = [u for u in users.list_users(app.state.app_db) if u["username"] == "hr"][0]
    assert acc["locked_until"] is not None
    actions = [e["action"] for e in entries(app.state.app_db, username="hr")[0]]
    assert actions.count("login.fail") == 2 and "login.lock" in actions and "login.locked" in actions
    admin = signed_in(app, "admin")
    r = admin.post("/admin/users/hr/unlock", data={"csrf_token": admin.get("/api/v1/me").json()["csrf_token"]},
                   follow_redirects=False)
    assert r.status_code == 303
    assert login(TestClient(app), "hr").status_code == 303


def test_failed_sign_ins_per_address_are_throttled(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path / "a.sqlite", max_failed_per_ip=4)
    c = TestClient(app)
    codes = [login(c, f"guess{i}", "wrong password").status_code for i in range(5)]
    assert codes[:4] == [401] * 4 and codes[4] == 429
    assert login(c, "admin").status_code == 429  # even the right password, from this address, for a while


def test_csrf_is_required_on_every_post(demo_app):
    c = signed_in(demo_app, "admin")
    token = c.get("/api/v1/me").json()["csrf_token"]
    body = {"decision": "confirm", "address_key": "NO SUCH"}
    assert c.post("/integration/review/decide", data=body).status_code == 403
    assert c.post("/integration/review/decide", data={**body, "csrf_token": "forged"}).status_code == 403
    assert c.post("/integration/review/decide", data={**body, "csrf_token": token}).status_code == 422
    assert c.post("/api/v1/review-decisions", json=body).status_code == 403
    assert c.post("/api/v1/review-decisions", json=body, headers={"X-CSRF-Token": token}).status_code == 422
    assert c.post("/admin/users", data={"username": "x", "password": "y" * 12, "role": "viewer"}).status_code == 403
    anon = TestClient(demo_app)
    assert anon.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 403
    assert "x" not in {u["username"] for u in users.list_users(demo_app.state.app_db)}


def test_every_post_form_carries_the_token(clients):
    import re

    for path in ("/integration/review", "/admin/users", "/data", "/service/staffing"):
        html = clients["admin"].get(path).text
        for form in re.findall(r"<form[^>]*method=\"post\".*?</form>", html, re.S | re.I):
            assert 'name="csrf_token"' in form, (path, form[:200])


def test_role_change_and_removal_take_effect_at_once(demo_db, app_state):
    app = make_app(demo_db, app_state)
    c = signed_in(app, "viewer")
    assert c.get("/workforce").status_code == 403
    users.set_role(app.state.app_db, "viewer", "hr")
    assert c.get("/workforce").status_code == 200
    users.set_password(app.state.app_db, "viewer", "another long password")
    assert c.get("/workforce", follow_redirects=False).status_code == 303  # signed out everywhere
    c2 = signed_in(app, "service_supervisor")
    users.remove_user(app.state.app_db, "service_supervisor")
    assert c2.get("/api/v1/me").status_code == 401


def test_logout(demo_app):
    c = signed_in(demo_app, "viewer")
    token = c.get("/api/v1/me").json()["csrf_token"]
    assert c.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert c.get("/api/v1/me").status_code == 401


def test_passwords_are_argon2id_and_short_ones_refused(demo_app):
    from sqlalchemy import select

    from civicgrid.appstate import User, session_scope

    with session_scope(demo_app.state.app_db) as s:
        h = s.scalar(select(User.password_hash).where(User.username == "admin"))
    assert h.startswith("$argon2id$") and PASSWORD not in h
    import pytest

    with pytest.raises(users.AccountError):
        users.add_user(demo_app.state.app_db, "short", "tiny", "viewer")
    with pytest.raises(users.AccountError):
        users.add_user(demo_app.state.app_db, "weird", "long enough pass", "superuser")


def test_security_headers(clients):
    r = clients["viewer"].get("/data")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"
