"""Options, error handling and output shared by the ``integration`` and ``meeting`` commands."""

from __future__ import annotations

import functools
import json
import os
from datetime import date
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from civicgrid.config import ConfigError, load_config
from civicgrid.warehouse.db import DEFAULT_DB, WarehouseError

console = Console(stderr=True, soft_wrap=True)
out = Console()

DB_OPT = typer.Option(DEFAULT_DB, "--db", help="Warehouse file (DuckDB).")
APP_DB_OPT = typer.Option(None, "--app-db", help="App-state database: SQLite path or URL "
                          "(default $CIVICGRID_APP_DB or civicgrid_app.sqlite).")
JSON_OPT = typer.Option(False, "--json", help="Print machine-readable JSON.")
CONFIG_OPT = typer.Option(None, "--config", help="city.yaml whose `integration:` settings to use "
                          "(default: the last build's; computes instead of reading the stored tables).")
AS_OF_OPT = typer.Option(None, "--as-of", help="Count windows back from this date (YYYY-MM-DD) instead of the data's.")
LEVEL_OPT = typer.Option("parcel", "--level", help="parcel or block.")
USER_OPT = typer.Option(None, "--user", help="Your user name (written to the audit log).")


def _guard(fn):
    @functools.wraps(fn)
    def wrapper(*a, **kw):
        try:
            return fn(*a, **kw)
        except typer.Exit:
            raise
        except (ConfigError, WarehouseError, ValueError, KeyError) as exc:
            console.print(f"[bold red]error:[/] {str(exc).strip(chr(39))}", highlight=False)
            raise typer.Exit(2)
        except Exception as exc:  # pragma: no cover - last resort, still one sentence
            if os.environ.get("CIVICGRID_DEBUG"):
                raise
            console.print(f"[bold red]error:[/] {type(exc).__name__}: {exc} (set CIVICGRID_DEBUG=1 for the "
                          "traceback and report it).", highlight=False)
            raise typer.Exit(1)
    return wrapper


def _cfg(config: Optional[Path]):
    return load_config(config) if config else None


def _date(v: Optional[str]) -> Optional[date]:
    if v is None:
        return None
    try:
        return date.fromisoformat(v)
    except ValueError as exc:
        raise ValueError(f"{v!r} is not a date; write it as YYYY-MM-DD") from exc


def _dump(obj) -> None:
    out.print_json(json.dumps(obj, default=str))
