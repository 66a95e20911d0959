"""Where pulled rows and each connector's watermark live on disk.

``<data-dir>/_pulled/<source>/``
  ``20261130T094148.123456Z.jsonl``  one file per pull that brought rows (names sort by time)
  ``_state.json``                    watermark, the rows already seen at it, last success/error

Files are written to a hidden ``.part`` name and renamed when complete; the state is
written after the file (both atomically), so a pull killed at any point either left
nothing, or a complete file whose rows the next pull may fetch again (then counted as
duplicates by the ingest, never lost).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from civicgrid.sources.settings import PULLED_DIR

STATE_FILE = "_state.json"


@dataclass
class PullState:
    """What a connector remembers between pulls."""

    watermark: Any = None
    boundary: list[str] = field(default_factory=list)  # hashes of rows pulled AT the watermark value
    memo: dict = field(default_factory=dict)
    last_attempt_at: str | None = None
    last_success_at: str | None = None
    last_rows_at: str | None = None  # last pull that brought rows
    last_error: str | None = None
    failures: int = 0  # consecutive failed pulls (0 = fresh)
    pulls: int = 0
    last_file: str | None = None
    last_sha256: str | None = None  # of the last full (watermark-less) pull: an identical one is not kept

    @property
    def stale(self) -> bool:
        """The last pull failed: the warehouse serves rows from the last good pull."""
        return self.failures > 0


def source_dir(data_dir: Path, source_name: str) -> Path:
    return Path(data_dir) / PULLED_DIR / source_name


def load_state(folder: Path) -> PullState:
    p = folder / STATE_FILE
    if not p.exists():
        return PullState()
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        # a damaged state file: start again from the beginning; rows pulled again are duplicates
        return PullState(last_error=f"{p} was unreadable and was reset")
    known = {k: raw[k] for k in PullState.__dataclass_fields__ if k in raw}
    return PullState(**known)


def save_state(folder: Path, state: PullState) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _atomic_write(folder / STATE_FILE, json.dumps(asdict(state), indent=1, default=str))


def new_file_name(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S.%fZ") + ".jsonl"


class PartFile:
    """A pulled file being written: ``.NAME.part`` until :meth:`commit` renames it to ``NAME``."""

    def __init__(self, folder: Path, name: str):
        folder.mkdir(parents=True, exist_ok=True)
        self.final = folder / name
        self.part = folder / f".{name}.part"
        self.fh: IO[str] = open(self.part, "w", encoding="utf-8", newline="\n")
        self.rows = 0

    def write(self, line: str) -> None:
        self.fh.write(line)
        self.fh.write("\n")
        self.rows += 1

    def commit(self) -> Path:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.replace(self.part, self.final)
        return self.final

    def discard(self) -> None:
        if not self.fh.closed:
            self.fh.close()
        try:
            self.part.unlink()
        except FileNotFoundError:
            pass


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
