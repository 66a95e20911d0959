"""`civicgrid user …` and `civicgrid serve` as exposed by civicgrid.web.cli (wired by the main CLI)."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from civicgrid.web import users
from civicgrid.web.audit import entries
from civicgrid.web.cli import serve, web_app


def _cli():
    app = typer.Typer()
    app.add_typer(web_app, name="user")
    app.command("serve")(serve)
    return app


def test_user_commands(tmp_path):
    db = str(tmp_path / "app.sqlite")
    run = CliRunner().invoke
    r = run(_cli(), ["user", "add", "ana", "--role", "integration", "--name", "Ana", "--password-stdin",
                     "--app-db", db], input="a long enough password\n")
    assert r.exit_code == 0, r.output
    assert run(_cli(), ["user", "set-role", "ana", "hr", "--app-db", db]).exit_code == 0
    out = run(_cli(), ["user", "list", "--app-db", db])
    assert "ana\thr" in out.output
    bad = run(_cli(), ["user", "add", "bo", "--role", "king", "--password-stdin", "--app-db", db], input="x" * 12 + "\n")
    assert bad.exit_code == 2 and "unknown role" in bad.output
    short = run(_cli(), ["user", "add", "bo", "--role", "viewer", "--password-stdin", "--app-db", db], input="short\n")
    assert short.exit_code == 2 and "too short" in short.output
    assert run(_cli(), ["user", "remove", "ana", "--app-db", db]).exit_code == 0
    assert users.list_users(db) == []
    acts = [(e["action"], e["username"]) for e in entries(db)[0]]
    assert [a for a, _ in acts] == ["user.remove", "user.set_role", "user.add"]
    assert all(u.startswith("cli") for _, u in acts)


def test_serve_refuses_a_missing_warehouse(tmp_path):
    r = CliRunner().invoke(_cli(), ["serve", "--db", str(tmp_path / "none.duckdb"), "--app-db",
                                    str(tmp_path / "a.sqlite")])
    assert r.exit_code == 2 and "no warehouse here yet" in r.output


def test_serve_with_two_workers_shares_sessions(demo_db, tmp_path):
    """`civicgrid serve --workers 2`: two processes on one port; a session made by one is valid in the
    other (same signing key), so every request of a signed-in browser succeeds whichever answers."""
    import os
    import re
    import socket
    import subprocess
    import sys
    import time

    import httpx

    from civicgrid.appstate.migrate import upgrade
    from civicgrid.web import users

    url = upgrade(tmp_path / "app.sqlite")
    users.add_user(url, "chief", "a long enough password", "admin")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", "from civicgrid.cli import app; app()", "serve", "--db", str(demo_db),
                             "--app-db", url, "--port", str(port), "--workers", "2", "--insecure-cookies"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ})
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 90
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.time() < deadline, proc.stderr.read().decode()[-2000:]
            time.sleep(0.3)
        for _ in range(12):  # fresh connections spread over both workers
            c = httpx.Client(base_url=base)
            tok = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
            c.post("/login", data={"username": "chief", "password": "a long enough password", "csrf_token": tok})
            for _ in range(3):
                with httpx.Client(base_url=base, cookies=c.cookies) as fresh:
                    r = fresh.get("/api/v1/me")
                    assert r.status_code == 200 and r.json()["username"] == "chief"
            c.close()
        assert len(users.list_users(url)) == 1
    finally:
        proc.terminate()
        proc.wait(timeout=30)
