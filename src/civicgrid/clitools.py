"""What every ``civicgrid`` command shares: consoles, common options, and one error guard.

A command wrapped by :func:`guard` never shows a traceback: a known user error becomes one
sentence on stderr and a non-zero exit code; anything unexpected becomes one sentence that asks
for a report (``CIVICGRID_DEBUG=1`` re-raises it for the traceback).
"""

from __future__ import annotations

import functools
import os

import typer
from rich.console import Console
from rich.markup import escape

from civicgrid.config import ConfigError
from civicgrid.warehouse.db import DEFAULT_DB, WarehouseError

console = Console(stderr=True, soft_wrap=True)  # an error is one unbroken sentence
out = Console()

DB_OPT = typer.Option(DEFAULT_DB, "--db", help="Warehouse file (DuckDB).")
JSON_OPT = typer.Option(False, "--json", help="Print machine-readable JSON.")
APP_DB_OPT = typer.Option(None, "--app-db", help="App-state database: SQLite path or URL "
                          "(default $CIVICGRID_APP_DB or civicgrid_app.sqlite).")


def fail(msg: str, code: int = 1) -> None:
    """Print ``error: msg`` on stderr and exit with ``code`` (raises :class:`typer.Exit`)."""
    console.print(f"[bold red]error:[/] {msg}", highlight=False)
    raise typer.Exit(code)


def _sentence(exc: BaseException) -> str:
    """The error's message as one line of plain text (``[…]`` in it is text, not rich markup)."""
    msg = " ".join(str(exc).split()).strip("'")
    return escape(msg if msg.endswith((".", "?", "!")) else msg + ".")


def guard(*user_errors: type[BaseException], codes: dict[type[BaseException], int] | None = None,
          interrupted: str = "interrupted; the previous warehouse is unchanged."):
    """Decorator factory: errors of ``ConfigError``, ``WarehouseError`` and ``user_errors`` exit 2
    (or the code ``codes`` gives their type) with their message; Ctrl-C exits 130 with
    ``interrupted``; ``OSError`` names the file; anything else exits 1 asking for a report."""
    known = (ConfigError, WarehouseError, *user_errors)
    special = dict(codes or {})

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*a, **kw):
            try:
                return fn(*a, **kw)
            except typer.Exit:
                raise
            except tuple(special) or () as exc:  # type: ignore[misc]
                fail(_sentence(exc), special[type(exc)] if type(exc) in special else 2)
            except known as exc:
                fail(_sentence(exc), 2)
            except KeyboardInterrupt:
                fail(interrupted, 130)
            except OSError as exc:
                if os.environ.get("CIVICGRID_DEBUG"):
                    raise
                fail(escape(f"{exc.filename or 'a file'}: {exc.strerror or exc}; check the path and its permissions."), 1)
            except Exception as exc:  # last resort, still one sentence
                if os.environ.get("CIVICGRID_DEBUG"):
                    raise
                fail(escape(f"{type(exc).__name__}: {exc} (set CIVICGRID_DEBUG=1 for the traceback and report it)."), 1)
        return wrapper
    return decorate
