"""Options, error handling and output shared by the ``integration`` and ``meeting`` commands."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from civicgrid.clitools import guard
from civicgrid.config import load_config
from civicgrid.warehouse.db import DEFAULT_DB

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


_guard = guard(ValueError, KeyError)


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
