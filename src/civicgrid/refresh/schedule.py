"""Run refreshes on a schedule: in-process (APScheduler 3), or as generated cron / systemd units.

``--every`` takes ``30s``, ``15m``, ``1h``, ``6h``, ``1d`` (one number and one unit). A
crontab line can only express intervals that divide an hour or a day evenly; systemd timers
take any interval. In-process runs never overlap (``max_instances=1`` and the warehouse lock),
and a run that could not start on time is coalesced into one.
"""

from __future__ import annotations

import re
import shlex
from datetime import datetime, timedelta, timezone
from typing import Callable

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ScheduleError(ValueError):
    """An interval that cannot be scheduled; the message says what would work."""


def parse_every(text: str) -> timedelta:
    """``"15m"`` → 15 minutes. Raises :class:`ScheduleError`."""
    m = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", text or "")
    if not m or int(m.group(1)) == 0:
        raise ScheduleError(f"--every {text!r} is not an interval; use a number and a unit, e.g. 30m, 1h, 6h or 1d.")
    return timedelta(seconds=int(m.group(1)) * _UNITS[m.group(2)])


def cron_line(every: timedelta, command: str) -> str:
    """A crontab line running ``command`` every ``every``; output goes to syslog via ``logger``."""
    minutes = int(every.total_seconds() // 60)
    if every.total_seconds() % 60 or minutes == 0:
        raise ScheduleError("cron runs at most once a minute and in whole minutes; use --print-systemd for seconds.")
    if minutes < 60 and 60 % minutes == 0:
        spec = "* * * * *" if minutes == 1 else f"*/{minutes} * * * *"
    elif minutes % 60 == 0 and minutes < 1440 and 24 % (minutes // 60) == 0:
        hours = minutes // 60
        spec = "17 * * * *" if hours == 1 else f"17 */{hours} * * *"
    elif minutes == 1440:
        spec = "17 3 * * *"
    else:
        raise ScheduleError(f"cron cannot run exactly every {minutes} minutes (it must divide an hour or a day); "
                            "use --print-systemd or the in-process scheduler instead.")
    return f"{spec} {command} 2>&1 | logger -t civicgrid-refresh"


def systemd_units(every: timedelta, command: str, user: str = "civicgrid",
                  workdir: str = "/var/lib/civicgrid", name: str = "civicgrid-refresh") -> dict[str, str]:
    """``{"<name>.service": …, "<name>.timer": …}``: a oneshot refresh and the timer that starts it."""
    seconds = int(every.total_seconds())
    service = f"""[Unit]
Description=civicgrid refresh: pull city data APIs, rebuild and swap the warehouse
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
User={user}
Group={user}
WorkingDirectory={workdir}
ExecStart={command}
# a refresh that is stopped mid-build leaves the served warehouse intact; the next one cleans up
TimeoutStartSec=6h
Nice=10
NoNewPrivileges=true
ProtectSystem=strict
ReadWritePaths={workdir}
PrivateTmp=true
"""
    timer = f"""[Unit]
Description=Run {name} every {_human(seconds)}

[Timer]
OnBootSec=5min
OnUnitActiveSec={seconds}s
RandomizedDelaySec={min(300, max(1, seconds // 10))}s
Persistent=true

[Install]
WantedBy=timers.target
"""
    return {f"{name}.service": service, f"{name}.timer": timer}


def refresh_command(executable: str, config: str, db: str, data_dir: str | None) -> str:
    parts = [executable, "refresh", config, "--db", db] + (["--data-dir", data_dir] if data_dir else [])
    return " ".join(shlex.quote(p) for p in parts)


def run_schedule(job: Callable[[], object], every: timedelta, *, max_runs: int | None = None,
                 run_now: bool = True, log: Callable[[str], None] = print) -> int:
    """Run ``job`` every ``every`` in this process until stopped (Ctrl-C / SIGTERM) or ``max_runs``.

    A job that raises is logged and the schedule goes on. Returns the number of runs.
    """
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    sched = BlockingScheduler(executors={"default": ThreadPoolExecutor(1)}, timezone=timezone.utc)
    runs = 0

    def wrapped() -> None:
        nonlocal runs
        runs += 1
        try:
            job()
        except Exception as exc:  # keep the schedule alive; the run log has the details
            log(f"refresh run {runs} failed: {type(exc).__name__}: {exc}")
        if max_runs is not None and runs >= max_runs:
            sched.shutdown(wait=False)

    extra = {"next_run_time": datetime.now(timezone.utc)} if run_now else {}  # None would pause the job
    sched.add_job(wrapped, IntervalTrigger(seconds=every.total_seconds(), timezone=timezone.utc),
                  id="civicgrid-refresh", max_instances=1, coalesce=True,
                  misfire_grace_time=max(1, int(every.total_seconds())), **extra)
    log(f"civicgrid schedule: refresh every {_human(int(every.total_seconds()))}; Ctrl-C to stop.")
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    return runs


def _human(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
