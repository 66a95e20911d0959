"""Command line for the web app: ``web_app`` (accounts) and ``serve`` (run the dashboard).

The lead wires them into ``civicgrid``::

    from civicgrid.web.cli import serve, web_app
    app.add_typer(web_app, name="user")      # civicgrid user add|remove|set-role|list|unlock|set-password
    app.command("serve")(serve)              # civicgrid serve [--db] [--app-db] [--host] [--port]

Passwords are read from a hidden prompt (typed twice) or, for scripts, from standard input with
``--password-stdin``; never from the command line, where they would land in shell history.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from civicgrid.appstate import ROLES, upgrade
from civicgrid.warehouse.db import DEFAULT_DB

web_app = typer.Typer(help="Accounts for the web dashboard (roles: " + ", ".join(ROLES) + ").", no_args_is_help=True)

APP_DB_OPT = typer.Option(None, "--app-db", help="App-state database (path or URL; default $CIVICGRID_APP_DB or "
                                                 "civicgrid_app.sqlite).")
STDIN_OPT = typer.Option(False, "--password-stdin", help="Read the password from standard input (first line).")


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no user name in a container: still audited
        return "cli"


def _fail(msg: str, code: int = 2) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != first:
        _fail("the passwords differ; nothing changed.")
    return first


def _app_db(app_db: Optional[str]) -> str:
    return upgrade(app_db)


@web_app.command("add")
def user_add(username: str = typer.Argument(..., help="User name (no spaces)."),
             role: str = typer.Option(..., "--role", help="One of: " + ", ".join(ROLES) + "."),
             display_name: Optional[str] = typer.Option(None, "--name", help="Name shown in the app."),
             password_stdin: bool = STDIN_OPT, app_db: Optional[str] = APP_DB_OPT) -> None:
    """Create an account (the password is asked for, or read with --password-stdin)."""
    from civicgrid.web import users

    url = _app_db(app_db)
    try:
        users.add_user(url, username, _password(password_stdin), role, display_name=display_name, actor=_actor())
    except users.AccountError as exc:
        _fail(str(exc))
    typer.echo(f"added {username} ({role})")


@web_app.command("remove")
def user_remove(username: str = typer.Argument(...), app_db: Optional[str] = APP_DB_OPT) -> None:
    """Delete an account (its audit-log rows stay)."""
    from civicgrid.web import users

    try:
        users.remove_user(_app_db(app_db), username, actor=_actor())
    except users.AccountError as exc:
        _fail(str(exc))
    typer.echo(f"removed {username}")


@web_app.command("set-role")
def user_set_role(username: str = typer.Argument(...), role: str = typer.Argument(..., help=", ".join(ROLES)),
                  app_db: Optional[str] = APP_DB_OPT) -> None:
    """Change an account's role (takes effect on the user's next request)."""
    from civicgrid.web import users

    try:
        users.set_role(_app_db(app_db), username, role, actor=_actor())
    except users.AccountError as exc:
        _fail(str(exc))
    typer.echo(f"{username} is now {role}")


@web_app.command("set-password")
def user_set_password(username: str = typer.Argument(...), password_stdin: bool = STDIN_OPT,
                      app_db: Optional[str] = APP_DB_OPT) -> None:
    """Replace a password (signs the user out everywhere, clears a lockout)."""
    from civicgrid.web import users

    try:
        users.set_password(_app_db(app_db), username, _password(password_stdin), actor=_actor())
    except users.AccountError as exc:
        _fail(str(exc))
    typer.echo(f"password of {username} changed")


@web_app.command("unlock")
def user_unlock(username: str = typer.Argument(...), app_db: Optional[str] = APP_DB_OPT) -> None:
    """Clear an account's failed sign-ins and lock."""
    from civicgrid.web import users

    try:
        users.unlock(_app_db(app_db), username, actor=_actor())
    except users.AccountError as exc:
        _fail(str(exc))
    typer.echo(f"unlocked {username}")


@web_app.command("list")
def user_list(app_db: Optional[str] = APP_DB_OPT, as_json: bool = typer.Option(False, "--json")) -> None:
    """List accounts and roles."""
    from civicgrid.web import users

    rows = users.list_users(_app_db(app_db))
    if as_json:
        typer.echo(json.dumps(rows, default=str, indent=1))
        return
    for r in rows:
        lock = f" locked until {r['locked_until']:%Y-%m-%d %H:%M}" if r["locked_until"] else ""
        typer.echo(f"{r['username']}\t{r['role']}{lock}")


def serve(db: Path = typer.Option(DEFAULT_DB, "--db", help="Warehouse file (DuckDB), read-only."),
          app_db: Optional[str] = APP_DB_OPT,
          host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (127.0.0.1: this machine only)."),
          port: int = typer.Option(8000, "--port", help="Port."),
          tile_url: Optional[str] = typer.Option(None, "--tile-url", help="Map tile URL template; default none "
                                                                           "(blank background, works offline)."),
          secure_cookies: Optional[bool] = typer.Option(None, "--secure-cookies/--insecure-cookies",
                                                        help="Force the cookie Secure flag; default: on for https."),
          workers: int = typer.Option(1, "--workers", min=1, max=64,
                                      help="Server processes (about one per CPU core for many users).")) -> None:
    """Serve the web dashboard (sign in with an account from `civicgrid user add`)."""
    from civicgrid.web.server import serve as run
    from civicgrid.web.settings import WebSettings

    if not db.exists():
        _fail(f"{db}: no warehouse here yet; run `civicgrid build CONFIG --db {db}` or `civicgrid demo` first.")
    overrides: dict = {"secure_cookies": secure_cookies}
    if tile_url is not None:
        overrides["tile_url"] = tile_url
    settings = WebSettings.from_env(**overrides)
    from civicgrid.web import users

    url = _app_db(app_db)
    if not users.list_users(url):
        typer.echo("No accounts yet: create one with `civicgrid user add NAME --role admin`.", err=True)
    typer.echo(f"civicgrid on http://{host}:{port}/ (warehouse {db}, app state {url.split('://')[0]}); Ctrl-C stops.",
               err=True)
    run(db, app_db, host=host, port=port, settings=settings, workers=workers)


if __name__ == "__main__":  # pragma: no cover - python -m civicgrid.web.cli
    cli = typer.Typer()
    cli.add_typer(web_app, name="user")
    cli.command("serve")(serve)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    cli()
