"""Pull every connector source into files: only what changed since the last watermark.

:func:`pull_source` never raises for a failing API: it records the error in the source's
state (the source is then *stale*: the warehouse keeps serving its last good rows) and
returns a failed :class:`PullReport`, so one broken portal never blocks the other sources.

Watermark rule: a pull asks for rows whose watermark is **at or after** the last value
seen (rows sharing that exact value may still be arriving), and drops only the rows it
already wrote at that value (kept as content hashes in the state). So nothing at the
boundary is lost and nothing already pulled is written twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from civicgrid.config import CityConfig, Source
from civicgrid.sources.arcgis import ArcGisConnector
from civicgrid.sources.base import Connector, line_hash, wm_key
from civicgrid.sources.ckan import CkanConnector
from civicgrid.sources.fetch import Fetcher, PullError
from civicgrid.sources.open311 import Open311Connector
from civicgrid.sources.socrata import SocrataConnector
from civicgrid.sources.store import PartFile, load_state, new_file_name, save_state, source_dir

CONNECTORS: dict[str, type[Connector]] = {
    "ckan": CkanConnector, "socrata": SocrataConnector, "arcgis": ArcGisConnector, "open311": Open311Connector,
}
#: how an API token is sent, per connector type (header name), when not as a query parameter
_TOKEN_HEADER = {"ckan": "Authorization", "socrata": "X-App-Token"}


@dataclass
class PullReport:
    """What one pull of one source did."""

    source: str
    connector: str
    status: str  # ok | failed
    rows: int = 0  # rows written to the new file
    skipped_seen: int = 0  # rows at the old watermark that an earlier pull already wrote
    requests: int = 0
    retries: int = 0
    file: str | None = None
    watermark_before: str | None = None
    watermark_after: str | None = None
    started_at: str = ""
    finished_at: str = ""
    message: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def connector_sources(cfg: CityConfig) -> list[Source]:
    return [s for s in cfg.sources if s.connector is not None]


def pull_all(cfg: CityConfig, now: datetime | None = None, sleep: Callable[[float], None] = time.sleep,
             only: list[str] | None = None) -> list[PullReport]:
    """Pull every connector source (or those named in ``only``), one after the other."""
    return [pull_source(cfg, s, now=now, sleep=sleep) for s in connector_sources(cfg)
            if only is None or s.name in only]


def pull_source(cfg: CityConfig, source: Source, now: datetime | None = None,
                sleep: Callable[[float], None] = time.sleep) -> PullReport:
    """Pull one connector source into ``<data-dir>/_pulled/<name>/``; never raises for API failures."""
    s = source.connector
    assert s is not None, f"{source.name} has no connector"
    now = now or datetime.now(timezone.utc)
    folder = source_dir(cfg.data_dir, source.name)
    for stale_part in folder.glob(".*.part"):  # left by a pull that was killed
        stale_part.unlink(missing_ok=True)
    state = load_state(folder)
    rep = PullReport(source.name, s.type, "ok", started_at=_iso(datetime.now(timezone.utc)),
                     watermark_before=_text(state.watermark))
    state.last_attempt_at = rep.started_at
    headers, token = {}, None
    if s.token_env:
        token = os.environ.get(s.token_env)
        if not token:
            return _failed(folder, state, rep, f"environment variable {s.token_env} (token_env) is not set")
        if s.type in _TOKEN_HEADER:
            headers[_TOKEN_HEADER[s.type]] = token
    part = PartFile(folder, new_file_name(datetime.now(timezone.utc)))
    fetcher = Fetcher(s.timeout, s.retries, s.backoff, s.max_wait, headers, sleep)
    conn = CONNECTORS[s.type](s, fetcher, state.watermark, dict(state.memo), now,
                              token=None if s.type in _TOKEN_HEADER else token)
    wm_field = conn.watermark_field
    old_key = wm_key(state.watermark) if state.watermark is not None else None
    seen = set(state.boundary)
    new_wm, boundary, cur = state.watermark, set(state.boundary), old_key
    sha = hashlib.sha256()
    error = None
    try:
        for page in conn.pages():
            for rec in page:
                line = json.dumps(rec, ensure_ascii=False, default=str)
                h = line_hash(line)
                v = rec.get(wm_field) if wm_field else None
                key = wm_key(v) if v is not None else None
                if key is not None and key == old_key and h in seen:
                    rep.skipped_seen += 1
                    continue
                part.write(line)
                sha.update(line.encode())
                if key is None:
                    continue
                if cur is None or key > cur:
                    new_wm, boundary, cur = v, {h}, key
                elif key == cur:
                    boundary.add(h)
    except PullError as exc:
        error = str(exc)
    except Exception as exc:  # a connector bug or an answer nobody foresaw: still only this source fails
        error = f"{type(exc).__name__}: {exc}"
    finally:
        fetcher.close()
        rep.requests, rep.retries = fetcher.requests, fetcher.retried
    keep = part.rows > 0 and (error is None or (conn.ordered and wm_field is not None))
    digest = sha.hexdigest()
    if keep and error is None and wm_field is None and digest == state.last_sha256:
        keep = False  # a full copy identical to the last one: nothing new
        rep.message = "same rows as the last full pull; no file written"
    if keep:
        rep.file = part.commit().name
        rep.rows = part.rows
        state.last_file, state.last_rows_at = rep.file, _iso(now)
        if wm_field is None:
            state.last_sha256 = digest
        else:
            state.watermark, state.boundary = new_wm, sorted(boundary)
    else:
        part.discard()
    state.memo = conn.memo
    rep.watermark_after = _text(state.watermark)
    if error is not None:
        kept = f" ({rep.rows} row(s) pulled before the failure were kept)" if keep else ""
        return _failed(folder, state, rep, error + kept)
    state.pulls += 1
    state.failures, state.last_error = 0, None
    state.last_success_at = rep.finished_at = _iso(datetime.now(timezone.utc))
    if not rep.message:
        rep.message = f"{rep.rows} new row(s)" if rep.rows else "no new rows"
    save_state(folder, state)
    return rep


def _failed(folder: Path, state, rep: PullReport, message: str) -> PullReport:
    rep.status, rep.message = "failed", message
    rep.finished_at = _iso(datetime.now(timezone.utc))
    state.failures += 1
    state.last_error = message
    save_state(folder, state)
    return rep


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


def _text(v) -> str | None:
    return None if v is None else str(v)
