"""Commands for unattended operation: ``refresh``, ``compact``, ``schedule``, ``backup``, ``restore``, ``alerts test``.

Wire them into the main CLI with ``register(app)`` (they become top-level commands plus the
``alerts`` group). ``refresh_app`` carries the same commands on its own, for tests and for
``python -m civicgrid.refresh.cli``. Errors are one sentence and a non-zero exit code:
1 failed, 2 bad config / input, 3 partial (a source or file failed), 75 another refresh
holds the lock (try again later).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import sys
import threading
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from civicgrid.clitools import fail, guard
from civicgrid.config import load_config
from civicgrid.refresh.backup import BackupError
from civicgrid.refresh.lock import EXIT_LOCKED, LockBusy
from civicgrid.refresh.schedule import ScheduleError
from civicgrid.warehouse.db import DEFAULT_DB

console = Console(stderr=True, soft_wrap=True)
out = Console()

DB_OPT = typer.Option(DEFAULT_DB, "--db", help="Warehouse file (DuckDB).")
JSON_OPT = typer.Option(False, "--json", help="Print machine-readable JSON.")
DATA_OPT = typer.Option(None, "--data-dir", help="Folder holding the exports and _pulled/ (default: the config's folder).")


_fail = fail
_guard = guard(BackupError, ScheduleError, codes={LockBusy: EXIT_LOCKED},
               interrupted="interrupted; the served warehouse is unchanged.")


def refresh(config: Path = typer.Argument(..., help="City configuration (city.yaml)."),
            data_dir: Optional[Path] = DATA_OPT, db: Path = DB_OPT,
            wait: float = typer.Option(0.0, "--wait", help="Seconds to wait for a running refresh (default: exit at once)."),
            compact_after: Optional[int] = typer.Option(
                None, "--compact-after", min=0, help="Pack pulled files once a source has more than N "
                "(default: each source's connector.compact_after, 30; 0: never)."),
            as_json: bool = JSON_OPT) -> None:
    """Pull every API source (only what changed), rebuild the warehouse and swap it in; alert on trouble."""
    from civicgrid.refresh.run import run_refresh

    cfg = load_config(config, data_dir)
    with _sigterm_as_exit():
        rep = run_refresh(cfg, db, lock_wait=wait, after_ingest=_link_hook(), compact_after=compact_after)
    if as_json:
        out.print_json(json.dumps(rep.as_dict(), default=str))
    else:
        _print_refresh(rep)
    if rep.status == "failed":
        raise typer.Exit(1)
    if rep.status != "ok":
        raise typer.Exit(3)


def _link_hook():
    """Every refresh runs the same stages as `civicgrid build`: linkage, then integration scores."""
    from civicgrid.warehouse.stages import build_stages

    return build_stages(None)


@contextlib.contextmanager
def _sigterm_as_exit():
    """`systemctl stop` sends SIGTERM: raise SystemExit instead, so the build removes its copy and the run is logged."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _print_refresh(rep) -> None:
    if rep.pulls:
        t = Table(title=f"Pulls — run {rep.run_id}")
        for col in ("source", "connector", "status", "rows", "requests", "retries", "watermark", "message"):
            t.add_column(col, justify="right" if col in ("rows", "requests", "retries") else "left")
        for p in rep.pulls:
            st = "[green]ok[/]" if p.status == "ok" else "[red]failed (stale)[/]"
            t.add_row(p.source, p.connector, st, f"{p.rows:,}", str(p.requests), str(p.retries),
                      p.watermark_after or "—", p.message)
        out.print(t)
    if rep.build:
        t = Table(title=f"Build {rep.build.build_id} — {rep.build.status}")
        for col in ("source", "file", "status", "read", "loaded", "quarantined", "duplicate"):
            t.add_column(col, justify="right" if col in ("read", "loaded", "quarantined", "duplicate") else "left")
        for f in rep.build.files:
            if f.status != "unchanged":
                t.add_row(f.source, f.file, f.status, f"{f.rows_read:,}", f"{f.rows_loaded:,}",
                          f"{f.rows_quarantined:,}", f"{f.rows_duplicate:,}")
        out.print(t)
    for c in rep.compactions:
        if c.status in ("packed", "failed"):
            colour = "red" if c.status == "failed" else "dim"
            console.print(f"[{colour}]{c.source}: {c.message}[/]", highlight=False)
    for a in rep.alerts:
        console.print(f"[yellow]alert[/] {a.kind}: {a.message}", highlight=False)
    for d in rep.delivery:
        console.print(f"[dim]{d}[/]", highlight=False)
    colour = {"ok": "green", "partial": "yellow"}.get(rep.status, "red")
    out.print(f"[{colour}]{rep.status}[/]: {rep.message}", highlight=False)


def compact(config: Path = typer.Argument(..., help="City configuration (city.yaml)."),
            data_dir: Optional[Path] = DATA_OPT, db: Path = DB_OPT,
            after: Optional[int] = typer.Option(None, "--after", min=0, help="Pack once a source has more than N "
                                                "loose pulled files (default: its connector.compact_after, 30)."),
            source: Optional[list[str]] = typer.Option(None, "--source", help="Only this source (repeatable)."),
            wait: float = typer.Option(0.0, "--wait", help="Seconds to wait for a running refresh (default: exit at once)."),
            as_json: bool = JSON_OPT) -> None:
    """Pack old pulled files of API sources into one archive each; the warehouse reads the same rows.

    A refresh does this by itself after every run; this command does it now (under the same lock).
    """
    from civicgrid.refresh.lock import RefreshLock
    from civicgrid.sources.compact import compact_all

    cfg = load_config(config, data_dir)
    names = [s.name for s in cfg.sources if s.connector is not None]
    for name in source or []:
        if name not in names:
            _fail(f"no connector source named {name!r} in {config}; connector sources: {', '.join(names) or 'none'}.", 2)
    with RefreshLock(db, wait=wait, purpose="compaction"):
        reps = compact_all(cfg, after=after, only=list(source) if source else None)
    if as_json:
        out.print_json(json.dumps([r.as_dict() for r in reps], default=str))
    elif not names:
        out.print(f"nothing to compact: {config} has no connector sources (only they pull files into _pulled/).",
                  highlight=False)
    else:
        for r in reps:
            colour = {"packed": "green", "failed": "red"}.get(r.status, "dim")
            out.print(f"[{colour}]{r.source}[/]: {r.message}"
                      + (f" (cleaned up: {', '.join(r.cleaned)})" if r.cleaned else ""), highlight=False)
    if any(r.status == "failed" for r in reps):
        raise typer.Exit(1)


def schedule(config: Path = typer.Argument(..., help="City configuration (city.yaml)."),
             every: str = typer.Option("1h", "--every", help="Interval: 30m, 1h, 6h, 1d …"),
             data_dir: Optional[Path] = DATA_OPT, db: Path = DB_OPT,
             print_systemd: bool = typer.Option(False, "--print-systemd", help="Print a systemd service + timer instead of running."),
             print_cron: bool = typer.Option(False, "--print-cron", help="Print a crontab line instead of running."),
             user: str = typer.Option("civicgrid", "--user", help="Service user in the systemd unit."),
             max_runs: Optional[int] = typer.Option(None, "--max-runs", hidden=True)) -> None:
    """Refresh every interval in this process (APScheduler), or print cron / systemd units that do."""
    from civicgrid.refresh.schedule import cron_line, parse_every, refresh_command, run_schedule, systemd_units

    interval = parse_every(every)
    cfg_path = str(config.resolve())
    cfg = load_config(config, data_dir)  # fail now, not at the first run, if the config is broken
    if print_systemd or print_cron:
        exe = shutil.which("civicgrid") or f"{sys.executable} -m civicgrid.cli"
        cmd = refresh_command(exe, cfg_path, str(db.resolve()), str(cfg.data_dir) if data_dir else None)
        if print_cron:
            out.print(cron_line(interval, cmd), highlight=False, soft_wrap=True)
        if print_systemd:
            units = systemd_units(interval, cmd, user=user, workdir=str(db.resolve().parent))
            for name, text in units.items():
                out.print(f"# /etc/systemd/system/{name}\n{text}", highlight=False, soft_wrap=True)
        return

    from civicgrid.refresh.run import run_refresh

    def job() -> None:
        try:
            # re-read the config: edits apply at the next run
            rep = run_refresh(load_config(cfg_path, data_dir), db, after_ingest=_link_hook())
        except LockBusy as exc:
            out.print(f"skipped: {exc}", highlight=False)
            return
        out.print(f"{rep.finished_at:%Y-%m-%d %H:%M:%S}Z {rep.status}: {rep.message}"
                  + (f" ({len(rep.alerts)} alert(s))" if rep.alerts else ""), highlight=False)

    run_schedule(job, interval, max_runs=max_runs, log=lambda m: out.print(m, highlight=False))


def backup(db: Path = DB_OPT, to: Path = typer.Option(..., "--to", help="Folder that receives civicgrid-<timestamp>/ backups."),
           app_db: Optional[str] = typer.Option(None, "--app-db", help="App state: SQLite file or PostgreSQL URL (default: "
                                                "$CIVICGRID_APP_DB, else civicgrid_app.sqlite beside --db, else in this folder)."),
           keep: Optional[int] = typer.Option(None, "--keep", help="Keep only the newest N backups in --to."),
           wait: float = typer.Option(600.0, "--wait", help="Seconds to wait for a running refresh."),
           as_json: bool = JSON_OPT) -> None:
    """Copy the warehouse, the app state (SQLite or PostgreSQL) and the run log into a checksummed backup folder."""
    from civicgrid.refresh.backup import backup as do_backup

    m = do_backup(db, to, app_db=app_db, keep=keep, lock_wait=wait)
    for w in m.get("warnings", []):
        console.print(f"[yellow]warning:[/] {escape(w)}", highlight=False)
    if as_json:
        out.print_json(json.dumps(m, default=str))
        return
    for name, meta in m["files"].items():
        out.print(f"{meta['role']:<10} {name}  {meta['bytes']:,} bytes  sha256 {meta['sha256'][:12]}…", highlight=False)
    out.print(f"backup written to {m['folder']}", highlight=False)


def restore(from_dir: Path = typer.Argument(..., help="A civicgrid-<timestamp> backup folder."), db: Path = DB_OPT,
            app_db: Optional[str] = typer.Option(None, "--app-db", help="Where the app state goes: a SQLite file, or a "
                                                 "PostgreSQL URL whose rows are replaced (default: civicgrid_app.sqlite "
                                                 "beside --db; required for a backup taken from PostgreSQL)."),
            wait: float = typer.Option(600.0, "--wait", help="Seconds to wait for a running refresh."),
            as_json: bool = JSON_OPT) -> None:
    """Restore a backup (checksums verified first; current files kept as *.pre-restore). Stop `civicgrid serve` first."""
    from civicgrid.refresh.backup import restore as do_restore

    r = do_restore(from_dir, db, app_db=app_db, lock_wait=wait)
    if as_json:
        out.print_json(json.dumps(r, default=str))
        return
    for role, path in r["restored"].items():
        out.print(f"restored {role}: {path}", highlight=False, soft_wrap=True)
    if r.get("app_state_rows") is not None:
        out.print(f"loaded {sum(r['app_state_rows'].values()):,} app-state rows; what the database held before is in "
                  f"{r['app_state_pre_restore']}", highlight=False, soft_wrap=True)


alerts_app = typer.Typer(help="Alerts: stale sources, failed runs, quarantine jumps, match-rate drops.", no_args_is_help=True)


@alerts_app.command("test")
@_guard
def alerts_test(config: Path = typer.Argument(..., help="City configuration with an alerts: section.")) -> None:
    """Send a test alert through every configured channel (e-mail, webhook)."""
    from civicgrid.refresh.alerts import Alert
    from civicgrid.refresh.notify import deliver

    cfg = load_config(config)
    alert = Alert("test", "warning", f"test alert from civicgrid for {cfg.city.name}; delivery works.")
    outcomes, ok = deliver(cfg.alerts, cfg.city.name, [alert], "test")
    for line in outcomes:
        out.print(line, highlight=False)
    if not ok:
        _fail("no alert was delivered; check the alerts: section of the config.", 1)


_COMMANDS = {"refresh": refresh, "compact": compact, "schedule": schedule, "backup": backup, "restore": restore}


def register(app: typer.Typer) -> None:
    """Add ``refresh``, ``compact``, ``schedule``, ``backup``, ``restore`` and the ``alerts`` group to ``app``."""
    for name, fn in _COMMANDS.items():
        app.command(name)(_guard(fn))
    app.add_typer(alerts_app, name="alerts")


refresh_app = typer.Typer(help="civicgrid unattended operation.", no_args_is_help=True, add_completion=False,
                          pretty_exceptions_enable=False)
register(refresh_app)

if __name__ == "__main__":  # pragma: no cover
    refresh_app()
