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
