"""Fixtures for the real-data ingest tests: each example city is built once per session.

The warehouses are built from ``examples/<city>/city.yaml`` over the real exports in
``../shared/data/<city>`` (beside the repository; CI has the same copy). Without that folder
the tests skip with the reason. Expected values are computed independently from the CSV files
with Python's ``csv`` module, never with civicgrid.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from civicgrid.config import CityConfig, Source, load_config
from civicgrid.ingest.pipeline import FileReport
from civicgrid.warehouse import BuildReport, build_warehouse, open_readonly

REPO = Path(__file__).resolve().parents[2]
DATA_ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "data"
EXAMPLES = REPO / "examples"


@functools.lru_cache(maxsize=None)
def read_csv(path: Path, encoding: str = "utf-8-sig") -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Read a CSV independently of civicgrid: ``(header, [(start line, {column: value})])``.

    The start line is the physical line (1-based) where the record begins, the same
    numbering as the warehouse's ``line`` column. Blank lines are not records.
    """
    with open(path, newline="", encoding=encoding) as fh:
        reader = csv.reader(fh)
        header = next(reader)
        records = []
        start = reader.line_num + 1
        for row in reader:
            if row:
                assert len(row) == len(header), f"{path.name}:{start}: ragged row"
                records.append((start, dict(zip(header, row))))
            start = reader.line_num + 1
    return header, records


@dataclass
class BuiltCity:
    """One city's warehouse, built once for the test session."""

    name: str
    cfg: CityConfig
    data_dir: Path
    db: Path
    report: BuildReport
    run_at: datetime
    con: object

    def source(self, name: str) -> Source:
        return next(s for s in self.cfg.sources if s.name == name)

    def file_report(self, name: str) -> FileReport:
        reps = [f for f in self.report.files if f.source == name]
        assert len(reps) == 1, f"{name}: expected one file, got {reps}"
        return reps[0]

    def raw(self, name: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
        """Header and records of the (single) file of source ``name``, read with ``csv``."""
        files = self.cfg.files_for(self.source(name))
        assert len(files) == 1
        return read_csv(files[0])

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def scalar(self, sql: str, params: list | None = None):
        return self.con.execute(sql, params or []).fetchone()[0]

    def by_line(self, table: str, source: str, columns: str) -> dict[int, tuple]:
        """``{line: (columns...)}`` of the current rows of one source."""
        return {r[0]: r[1:] for r in self.rows(f"SELECT line, {columns} FROM {table} WHERE source = ?", [source])}

    # helpers shared by the test modules (test modules cannot import this conftest)
    read_csv = staticmethod(lambda path, encoding="utf-8-sig": read_csv(path, encoding))
    attrs = staticmethod(lambda value: attributes(value))
    digest = staticmethod(lambda con, table: table_digest(con, table))

    def rebuild_on_copy(self, tmp_path_factory) -> tuple[BuildReport, Path]:
        """Copy the warehouse and run the same build over the same files on the copy."""
        return rebuild_on_copy(self, tmp_path_factory)


def table_digest(con, table: str) -> str:
    """SHA-256 over every row of ``table`` in (source, record_id) order."""
    h = hashlib.sha256()
    cur = con.execute(f"SELECT * FROM {table} ORDER BY source, record_id")
    while True:
        chunk = cur.fetchmany(10_000)
        if not chunk:
            break
        for row in chunk:
            h.update(repr(row).encode())
            h.update(b"\n")
    return h.hexdigest()


def attributes(value: str | None) -> dict:
    return json.loads(value) if value else {}


def _build(city: str, tmp_path_factory) -> BuiltCity:
    data_dir = DATA_ROOT / city
    if not data_dir.is_dir():
        pytest.skip(f"real data for {city} not found at {data_dir} "
                    "(the shared data folder sits beside the repository; see ../shared/data/README.md)")
    cfg = load_config(EXAMPLES / city / "city.yaml", data_dir)
    db = tmp_path_factory.mktemp(f"wh_{city}") / "warehouse.duckdb"
    run_at = datetime.now(timezone.utc)
    report = build_warehouse(cfg, db, now=run_at)
    return BuiltCity(city, cfg, data_dir, db, report, run_at, open_readonly(db))


def rebuild_on_copy(built: BuiltCity, tmp_path_factory) -> tuple[BuildReport, Path]:
    """Copy the built warehouse and run the same build over the same files on the copy."""
    copy = tmp_path_factory.mktemp(f"rebuild_{built.name}") / "warehouse.duckdb"
    shutil.copy2(built.db, copy)
    cfg = load_config(EXAMPLES / built.name / "city.yaml", built.data_dir)
    report = build_warehouse(cfg, copy, now=built.run_at)
    return report, copy


@pytest.fixture(scope="session")
def pittsburgh(tmp_path_factory):
    built = _build("pittsburgh", tmp_path_factory)
    yield built
    built.con.close()


@pytest.fixture(scope="session")
def los_angeles(tmp_path_factory):
    built = _build("los_angeles", tmp_path_factory)
    yield built
    built.con.close()


@pytest.fixture(scope="session")
def sacramento(tmp_path_factory):
    built = _build("sacramento", tmp_path_factory)
    yield built
    built.con.close()
