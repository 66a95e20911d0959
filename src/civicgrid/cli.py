"""The ``civicgrid`` command line (typer + rich).

Every summary command takes ``--json``. Errors are one sentence with the fix and a
non-zero exit code, never a traceback (set ``CIVICGRID_DEBUG=1`` to see one).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.markup import escape
from rich.table import Table

from civicgrid.appstate.cli import appstate_app
from civicgrid.clitools import DB_OPT, JSON_OPT, console, fail, guard, out
from civicgrid.config import load_config
from civicgrid.integration.cli import integration_app, meeting_app
from civicgrid.linkage.cli import linkage_app
from civicgrid.refresh.cli import register as register_refresh_commands
from civicgrid.service.cli import service_app
from civicgrid.web.cli import serve, web_app
from civicgrid.warehouse.build import ProgressHook, build_warehouse
from civicgrid.warehouse.stages import build_stages
from civicgrid.warehouse.db import open_readonly
from civicgrid.warehouse.status import warehouse_status

app = typer.Typer(help="civicgrid: one linked warehouse of a city's departmental records.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
quarantine_app = typer.Typer(help="Rows that could not be loaded, with the reason.", no_args_is_help=True)
app.add_typer(quarantine_app, name="quarantine")
workforce_app = typer.Typer(help="Hometown workforce: hires, separations, turnover, retention, representation.",
                            no_args_is_help=True)
app.add_typer(workforce_app, name="workforce")
app.add_typer(linkage_app, name="linkage")
app.add_typer(service_app, name="service")
app.add_typer(integration_app, name="integration")
app.add_typer(meeting_app, name="meeting")
app.add_typer(appstate_app, name="appstate")  # appstate migrate|copy
app.add_typer(web_app, name="user")  # user add|remove|set-role|set-password|unlock|list
app.command("serve")(serve)
register_refresh_commands(app)  # refresh, compact, schedule, backup, restore, alerts test



_fail = fail
_guard = guard()


class _RichProgress(ProgressHook):
    def __init__(self, progress: Progress):
        self.p = progress
        self.task = None

    def source_started(self, name: str, files: int) -> None:
        self.task = self.p.add_task(f"{name}", total=None)

    def advance(self, rows: int) -> None:
        if self.task is not None:
            self.p.advance(self.task, rows)

    def source_finished(self, name, reports) -> None:
        if self.task is not None:
            read = sum(r.rows_read for r in reports)
            bad = [r for r in reports if r.status == "failed"]
            mark = "[red]failed[/]" if bad else ("[dim]unchanged[/]" if all(r.status == "unchanged" for r in reports) else "[green]ok[/]")
            self.p.update(self.task, total=max(read, 1), completed=max(read, 1), description=f"{name} {mark}")


def _print_build(rep) -> None:
    t = Table(title=f"Build {rep.build_id} — {rep.status}", show_lines=False)
    for col in ("source", "file", "status", "read", "loaded", "quarantined", "duplicate", "read = loaded+q+dup"):
        t.add_column(col, justify="right" if col in ("read", "loaded", "quarantined", "duplicate") else "left")
    for f in rep.files:
        t.add_row(f.source, f.file, f.status, f"{f.rows_read:,}", f"{f.rows_loaded:,}", f"{f.rows_quarantined:,}",
                  f"{f.rows_duplicate:,}", "[green]yes[/]" if f.invariant_ok else "[red]NO[/]")
    out.print(t)
    for f in rep.files:
        if f.status == "failed":
            console.print(f"[red]failed[/] {f.source}/{f.file}: {f.message}", highlight=False)


@app.command()
@_guard
def build(config: Path = typer.Argument(..., help="City configuration (city.yaml)."),
          data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Folder holding the exports (default: the config's folder)."),
          db: Path = DB_OPT, as_json: bool = JSON_OPT) -> None:
    """Load every configured source into the warehouse, then swap the new file in."""
    cfg = load_config(config, data_dir)
    rep = _run_build(cfg, db, as_json)
    if not as_json:
        _print_build(rep)
    if rep.status != "ok":
        raise typer.Exit(3)


def _run_build(cfg, db: Path, as_json: bool):
    """Build with rich progress bars (none under --json); print the JSON report when asked."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("rows"), TimeElapsedColumn(), console=console, disable=as_json or not console.is_terminal) as p:
        rep = build_warehouse(cfg, db, progress=_RichProgress(p), after_ingest=build_stages(None))
    if as_json:
        out.print_json(json.dumps(rep.as_dict(), default=str))
    return rep


@app.command()
@_guard
def status(db: Path = DB_OPT, as_json: bool = JSON_OPT) -> None:
    """Sources, rows, last run, data as-of date and age, freshness and quarantine counts by reason."""
    st = warehouse_status(db)
    _add_freshness(st, db)
    if as_json:
        out.print_json(json.dumps(st, default=str))
        return
    lb = st["last_build"]
    if lb:
        label = " [yellow](SYNTHETIC DEMO DATA)[/]" if lb["synthetic"] else ""
        out.print(f"[bold]{lb['city']}[/]{label} — last build {lb['build_id']} {escape('[' + lb['status'] + ']')} at {lb['finished_at']}")
    t = Table(title="Sources", caption="as of = newest record's own date (its age in days); fresh = judged on "
              "new rows loaded (days since a load last brought any) against expected_cadence_days")
    for col in ("source", "department", "kind", "rows", "as of (age)", "fresh (loaded)", "status", "quarantined",
                "linked", "invariant"):
        t.add_column(col, justify="right" if col in ("rows", "quarantined", "linked") else "left")
    for s in st["sources"]:
        inv = all(f["invariant_ok"] for f in s["files"])
        fr = s.get("freshness") or {}
        as_of = (s["as_of"] or "—")[:10] + _days_text(fr.get("data_age_days"))
        if fr.get("data_old"):
            as_of = f"[yellow]{as_of}[/]"
        t.add_row(s["name"], s["department"], s["kind"], f"{s['rows_current']:,}", as_of,
                  fr.get("state", "—") + _days_text(fr.get("age_days"), ".1f"), s["status"],
                  f"{s['rows_quarantined_total']:,}",
                  f"{100 * s['linked_share']:.1f} %" if "linked_share" in s else "—",
                  "[green]ok[/]" if inv else "[red]BROKEN[/]")
    out.print(t)
    for s in st["sources"]:
        fr = s.get("freshness") or {}
        if fr.get("state") == "failing" and fr.get("pull_error"):
            console.print(f"[red]{s['name']}[/]: last pull failed — {fr['pull_error']}", highlight=False)
        if fr.get("data_old"):
            console.print(f"[yellow]{s['name']}[/]: newest record dated {fr['data_as_of'][:10]}, "
                          f"{fr['data_age_days']:.0f} days old (limit max_data_age_days {fr['max_data_age_days']:g}).",
                          highlight=False)
    if st["quarantine_by_reason"]:
        q = Table(title="Quarantine by reason")
        for col in ("source", "reason", "rows"):
            q.add_column(col)
        for r in st["quarantine_by_reason"][:30]:
            q.add_row(r["source"], r["reason"], f"{r['rows']:,}")
        out.print(q)


def _days_text(days, fmt: str = ",.0f") -> str:
    """`` (3 d)`` after a date or state; empty when unknown."""
    return "" if days is None else f" ({days:{fmt}} d)"


def _add_freshness(st: dict, db: Path) -> None:
    """Attach each source's freshness (refresh.freshness: load age and state, data as-of and data age)."""
    from civicgrid.refresh.freshness import source_freshness

    con = open_readonly(db)
    try:
        fresh = source_freshness(con, db)
    finally:
        con.close()
    for s in st["sources"]:
        s["freshness"] = fresh.get(s["name"])


@quarantine_app.command("list")
@_guard
def quarantine_list(db: Path = DB_OPT, source: Optional[str] = typer.Option(None, help="Only this source."),
                    limit: int = typer.Option(50, help="Rows to show."), as_json: bool = JSON_OPT) -> None:
    """List quarantined rows: source, file, line and reason."""
    con = open_readonly(db)
    try:
        sql = "SELECT row_number() OVER (ORDER BY source, file, line) AS id, source, file, line, reason FROM quarantine"
        params: list = []
        if source:
            sql = f"SELECT * FROM ({sql}) WHERE source = ?"
            params.append(source)
        rows = con.execute(f"{sql} ORDER BY id LIMIT {int(limit)}", params).fetchall()
        total = con.execute("SELECT count(*) FROM quarantine" + (" WHERE source = ?" if source else ""), params).fetchone()[0]
    finally:
        con.close()
    if as_json:
        out.print_json(json.dumps({"total": total, "rows": [dict(zip(("id", "source", "file", "line", "reason"), r)) for r in rows]}))
        return
    t = Table(title=f"Quarantine ({total:,} rows; showing {len(rows)})")
    for col in ("id", "source", "file", "line", "reason"):
        t.add_column(col)
    for r in rows:
        t.add_row(*(str(x) for x in r))
    out.print(t)


@quarantine_app.command("show")
@_guard
def quarantine_show(row_id: int = typer.Argument(..., help="Id from `quarantine list`."), db: Path = DB_OPT,
                    as_json: bool = JSON_OPT) -> None:
    """Show one quarantined row with its raw text."""
    con = open_readonly(db)
    try:
        r = con.execute("""SELECT * FROM (SELECT row_number() OVER (ORDER BY source, file, line) AS id, *
                           FROM quarantine) WHERE id = ?""", [row_id]).fetchone()
        cols = [d[0] for d in con.description]
    finally:
        con.close()
    if r is None:
        _fail(f"no quarantined row with id {row_id}; run `civicgrid quarantine list` for the ids.")
    rec = dict(zip(cols, r))
    if as_json:
        out.print_json(json.dumps(rec, default=str))
        return
    for k, v in rec.items():
        out.print(f"[bold]{k}[/]: {v}", highlight=False)


@app.command()
@_guard
def demo(dir: Path = typer.Option(Path("civicgrid-demo"), "--dir", help="Folder for the demo city's files and warehouse."),
         seed: int = typer.Option(2026, help="Random seed (same seed, same city)."),
         scale: float = typer.Option(1.0, help="Size relative to Racine (0.1 = a tenth, for quick tries)."),
         serve_after: bool = typer.Option(False, "--serve", help="Then serve the dashboard (makes an admin "
                                                                 "account with a printed password if there is none)."),
         port: int = typer.Option(8000, "--port", help="Port for --serve (on 127.0.0.1)."),
         as_json: bool = JSON_OPT) -> None:
    """Generate the synthetic demo city (modelled on Racine, WI) and build its warehouse."""
    from civicgrid.demo import generate_demo_city

    with console.status("Generating the synthetic demo city…"):
        data = generate_demo_city(dir / "data", seed=seed, scale=scale)
    cfg = load_config(data / "city.yaml")
    db = dir / "civicgrid.duckdb"
    rep = _run_build(cfg, db, as_json)
    if not as_json:
        _print_build(rep)
        out.print(f"\n[yellow]SYNTHETIC DEMO DATA[/] — files in {data}, warehouse at {db}.\n"
                  f"Next: civicgrid status --db {db}")
    if rep.status != "ok":
        raise typer.Exit(3)
    if serve_after:
        _serve_demo(db, port)


def _serve_demo(db: Path, port: int) -> None:
    """Serve the demo warehouse on 127.0.0.1; with no account yet, make ``admin`` with a random password."""
    import secrets

    from civicgrid.appstate.migrate import upgrade as upgrade_app_db
    from civicgrid.web import users
    from civicgrid.web.server import serve as run

    url = upgrade_app_db(None)
    if users.list_users(url):
        console.print("Sign in with an existing account (civicgrid user list).")
    else:
        password = secrets.token_urlsafe(12)
        users.add_user(url, "admin", password, "admin", display_name="Demo administrator", actor="cli:demo")
        console.print(f"Made account [bold]admin[/] with password [bold]{escape(password)}[/] (shown once; change it "
                      f"with `civicgrid user set-password admin`).", highlight=False)
    console.print(f"Open http://127.0.0.1:{port}/ — Ctrl-C stops.")
    run(db, url, host="127.0.0.1", port=port)


@workforce_app.command("report")
@_guard
def workforce_report_cmd(db: Path = DB_OPT, as_json: bool = JSON_OPT,
                         settings: Optional[Path] = typer.Option(None, "--settings", help="workforce.yaml (default: beside the city config)."),
                         write_tables: bool = typer.Option(False, "--write-tables", help="Also store workforce_* tables in the warehouse."),
                         pdf: Optional[Path] = typer.Option(None, "--pdf", help="Write a PDF summary to this file.")) -> None:
    """Hires, separations, turnover, retention and representation from the HR tables (groups under 5 suppressed)."""
    from civicgrid.workforce import SettingsError, summary_lines, workforce_report

    try:
        report = workforce_report(str(db), settings=str(settings) if settings else None, write_tables=write_tables)
    except SettingsError as exc:
        _fail(str(exc), 2)
    if pdf is not None:
        from civicgrid.reports.workforce_pdf import write_workforce_pdf

        write_workforce_pdf(report, pdf)
        console.print(f"PDF summary written to {pdf}")
    if as_json:
        out.print_json(json.dumps(report, default=str))
        return
    for line in summary_lines(report):
        out.print(line, highlight=False)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
