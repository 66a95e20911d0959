"""Helpers shared by the web tests: apps with one account per role, signing in, CSRF tokens."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from civicgrid.appstate import ROLES
from civicgrid.web import WebSettings, create_app, users

PASSWORD = "correct horse battery staple"


def settings(**kw) -> WebSettings:
    base = dict(secure_cookies=False, secret_key="test-secret-" + "x" * 32)
    base.update(kw)
    return WebSettings(**base)


def make_app(db: Path, app_db: Path, **kw):
    """An app with one account per role (user name = role name)."""
    app = create_app(db, app_db, settings(**kw))
    for role in ROLES:
        users.add_user(app.state.app_db, role, PASSWORD, role)
    return app


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client: TestClient, username: str, password: str = PASSWORD, next_: str = "/"):
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password, "next": next_,
                                       "csrf_token": csrf_of(page.text)}, follow_redirects=False)


def signed_in(app, role: str) -> TestClient:
    c = TestClient(app)
    r = login(c, role)
    assert r.status_code == 303, r.text
    return c
