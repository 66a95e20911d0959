"""``civicgrid appstate …``: migrate the app-state database, and copy it to another database.

Wired into the main CLI with ``app.add_typer(appstate_app, name="appstate")``::

    civicgrid appstate migrate [--app-db PATH|URL] [--json]
    civicgrid appstate copy --from civicgrid_app.sqlite --to postgresql+psycopg://… [--replace] [--json]

Errors are one sentence and exit code 2 (a wrong path or URL, a source not at the newest
revision, a target that already holds rows without ``--replace``, counts that do not reconcile).
"""

from __future__ import annotations

import json
from typing import Optional

import typer
from rich.table import Table

from civicgrid.appstate.transfer import TransferError
from civicgrid.clitools import APP_DB_OPT, JSON_OPT, console, guard, out

appstate_app = typer.Typer(help="The app-state database (users, audit log, meetings, decisions): migrate, copy.",
                           no_args_is_help=True)

_guard = guard(TransferError, interrupted="interrupted; the target database is unchanged.")


@appstate_app.command("migrate")
@_guard
def migrate_cmd(app_db: Optional[str] = APP_DB_OPT, as_json: bool = JSON_OPT) -> None:
    """Create the app-state database or bring it to the newest schema (safe to run when already current)."""
    from civicgrid.appstate.transfer import migrate_to_head

    rep = migrate_to_head(app_db)
    if as_json:
        out.print_json(json.dumps(rep))
        return
    out.print(f"app state {rep['app_db']} is at revision {rep['revision']}", highlight=False, soft_wrap=True)


@appstate_app.command("copy")
@_guard
def copy_cmd(source: str = typer.Option(..., "--from", help="App state to copy: SQLite path or URL (not changed)."),
             target: str = typer.Option(..., "--to", help="Database to copy into: SQLite path or URL (migrated first)."),
             replace: bool = typer.Option(False, "--replace", help="Delete the rows the target already holds first "
                                                                   "(default: refuse a target that holds rows)."),
             as_json: bool = JSON_OPT) -> None:
    """Copy every app-state table to another database (e.g. SQLite to PostgreSQL), ids kept, in one transaction."""
    from civicgrid.appstate.transfer import copy_app_state

    rep = copy_app_state(source, target, replace=replace)
    if as_json:
        out.print_json(json.dumps(rep, default=str))
        return
    t = Table(title=f"App state copied — revision {rep['revision']}")
    for col in ("table", "rows copied", "rows deleted first"):
        t.add_column(col, justify="left" if col == "table" else "right")
    for name, n in rep["tables"].items():
        t.add_row(name, f"{n:,}", f"{rep['deleted'][name]:,}" if name in rep["deleted"] else "—")
    out.print(t)
    for name in rep["not_copied"]:
        console.print(f"[yellow]not copied[/] {name}: no civicgrid model describes this table.", highlight=False)
    out.print(f"copied {rep['rows']:,} rows from {rep['source']} ({rep['source_dialect']}) to {rep['target']} "
              f"({rep['target_dialect']}); every table reconciles.", highlight=False, soft_wrap=True)
