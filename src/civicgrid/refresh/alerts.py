"""Decide which alerts a refresh raises. Pure functions of the run, its predecessor and freshness.

Kinds (``severity``):
* ``run_failed`` (error): the build did not finish; the previous warehouse is still served.
* ``pull_failed`` (error): a connector could not pull; the source is stale until it can.
* ``file_failed`` (error): a file could not be read — often an export whose columns changed
  (the message names the missing columns; fix the mapping in city.yaml).
* ``stale`` (warning): no new rows *loaded* for longer than the source's
  ``expected_cadence_days`` (load time; the message adds the newest record's own date).
* ``data_old`` (warning): the newest record's own date (``opened_at`` …) is older than the
  source's ``max_data_age_days`` — it may load every day and still serve old data.
* ``quarantine_jump`` (warning): more than ``quarantine_share`` of a source's new rows were
  quarantined, or the share is ``quarantine_factor`` × the previous run's.
* ``match_rate_drop`` (warning): the share of a source's records linked to a parcel or block
  fell by more than ``match_rate_drop`` since the previous run.
* ``compact_failed`` (warning): packing a source's old pulled files stopped (disk full,
  a damaged archive); no pulled file was removed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from civicgrid.settings.alerts import AlertSettings


@dataclass
class Alert:
    kind: str
    severity: str  # error | warning
    message: str
    source: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.source or '*'}"

    def as_dict(self) -> dict:
        return asdict(self)


def quarantine_stats(files) -> dict[str, dict]:
    """Per source, rows read and quarantined in files actually read this run (``ok`` files)."""
    out: dict[str, dict] = {}
    for f in files:
        if f.status != "ok":
            continue
        d = out.setdefault(f.source, {"read": 0, "quarantined": 0})
        d["read"] += f.rows_read
        d["quarantined"] += f.rows_quarantined
    for d in out.values():
        d["share"] = d["quarantined"] / d["read"] if d["read"] else 0.0
    return out


def match_rates(con) -> dict[str, float]:
    """Per source, the share of records linked to a parcel or block (not unmatched / ambiguous), from
    the linkage's ``link_summary`` (as `civicgrid status` shows it); {} when the build did not link."""
    has = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'link_summary'").fetchone()[0]
    if not has:
        return {}
    rows = con.execute("""SELECT source, sum(CASE WHEN match_type IN ('unmatched', 'ambiguous') THEN 0 ELSE share END)
                          FROM link_summary GROUP BY source""").fetchall()
    return {s: round(float(r), 4) for s, r in rows}


def evaluate(settings: AlertSettings, *, status: str, message: str, pulls, files, freshness: dict,
             quarantine: dict, rates: dict, previous: dict | None, compactions=()) -> list[Alert]:
    """All alerts for one run. ``previous`` holds each source's latest earlier ``quarantine`` and
    ``match_rates`` values from the run log (for jumps and drops); ``freshness`` is
    :func:`~civicgrid.refresh.freshness.source_freshness`; ``compactions`` the run's
    :class:`~civicgrid.sources.compact.CompactReport` list."""
    alerts: list[Alert] = []
    if status == "failed":
        alerts.append(Alert("run_failed", "error", f"the refresh failed: {message} The previous warehouse is still served."))
    for p in pulls:
        if p.status == "failed":
            alerts.append(Alert("pull_failed", "error", f"{p.source}: pull from {p.connector} failed: {p.message}", p.source))
    failed_pulls = {p.source for p in pulls if p.status == "failed"}
    for f in files:
        if f.source in failed_pulls and f.message.startswith("no files match"):
            continue  # a connector that never pulled yet: pull_failed already says why
        if f.status == "failed":
            alerts.append(Alert("file_failed", "error", f"{f.source}/{f.file}: {f.message}", f.source))
    for name, fr in sorted(freshness.items()):
        if fr["state"] == "stale":
            age = "never" if fr["age_days"] is None else f"{fr['age_days']:.1f} days ago"
            alerts.append(Alert("stale", "warning", f"{name}: last new rows {age}; expected every "
                                f"{fr['expected_cadence_days']:g} day(s) (counted from load time; "
                                f"{_newest(fr)}).", name))
        if fr.get("data_old"):
            alerts.append(Alert("data_old", "warning", f"{name}: {_newest(fr)}, more than its max_data_age_days "
                                f"{fr['max_data_age_days']:g} (counted from the records' own dates); check that "
                                "the export or API dataset is still the current one.", name))
    for c in compactions:
        if c.status == "failed":
            alerts.append(Alert("compact_failed", "warning", c.message, c.source))
    prev_q = (previous or {}).get("quarantine") or {}
    for name, q in sorted(quarantine.items()):
        if q["quarantined"] < max(1, settings.quarantine_min_rows):
            continue
        before = (prev_q.get(name) or {}).get("share")
        if q["share"] > settings.quarantine_share:
            why = f"above the {settings.quarantine_share:.0%} threshold"
        elif before and q["share"] >= settings.quarantine_factor * before:
            why = f"{q['share'] / before:.1f}× the previous run's {before:.2%}"
        else:
            continue
        alerts.append(Alert("quarantine_jump", "warning", f"{name}: {q['quarantined']:,} of {q['read']:,} new rows "
                            f"quarantined ({q['share']:.1%}, {why}); see `civicgrid quarantine list --source {name}`.", name))
    prev_r = (previous or {}).get("match_rates") or {}
    for name, rate in sorted(rates.items()):
        before = prev_r.get(name)
        if before is not None and before - rate > settings.match_rate_drop:
            alerts.append(Alert("match_rate_drop", "warning", f"{name}: linked share fell from {before:.1%} to "
                                f"{rate:.1%}; check its address columns and the linkage review queue.", name))
    return alerts


def _newest(fr: dict) -> str:
    """'newest record dated 2024-01-05, 90.0 days old' (or that the rows carry no date)."""
    if fr.get("data_as_of") is None:
        return "its rows carry no record date"
    return f"newest record dated {fr['data_as_of'][:10]}, {fr['data_age_days']:.1f} days old"


def due(alerts: list[Alert], state_path: Path, repeat_hours: float, now: datetime) -> list[Alert]:
    """The alerts not already sent within ``repeat_hours`` (same kind + source)."""
    sent = _sent(state_path)
    return [a for a in alerts
            if not (a.key in sent and now - datetime.fromisoformat(sent[a.key]) < timedelta(hours=repeat_hours))]


def mark_sent(current: list[Alert], delivered: list[Alert], state_path: Path, now: datetime) -> None:
    """Remember when ``delivered`` went out; forget alerts no longer raised (they may fire again at once)."""
    sent = _sent(state_path)
    sent.update({a.key: now.isoformat() for a in delivered})
    keep = {a.key for a in current}
    state_path.write_text(json.dumps({k: v for k, v in sent.items() if k in keep}, indent=1))


def _sent(state_path: Path) -> dict[str, str]:
    try:
        data = json.loads(state_path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
