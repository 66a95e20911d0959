"""Load one source's files into the warehouse, losslessly and idempotently.

For each file: hash it; if this exact file was already loaded with the same source
settings, record an ``unchanged`` run and skip it. Otherwise stream its records,
map each one (:class:`~civicgrid.ingest.mapping.RowMapper`), stage good rows in
batches and quarantine the rest, then merge the staged rows into the record table.

A packed archive of pulled files (:mod:`civicgrid.sources.archive`) counts as the files
it holds, each read under its own name, in name order among the loose files, so packing
pulled files never changes what is loaded.

Duplicate rule (stated in docs/warehouse.md):
* a row whose record id *and* content equal a row already loaded (earlier in the
  file or in an earlier run) is a **duplicate**: counted, not stored again;
* a row with a known record id but different content is a **new version**: the
  latest version wins (by ``updated_at`` when mapped, else the later line / later
  run) and earlier versions move to ``<table>_history``;
* sources without record-id columns get ``<content hash>#<n>`` ids (n counts identical
  rows in the file), so a re-run finds them again and nothing is merged by accident.

Invariant, checked for every file and stored in ``ingest_runs.invariant_ok``:
rows read = loaded + quarantined + duplicate.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import tempfile

import pyarrow as pa
import pyarrow.parquet as pq

from civicgrid.config import CityConfig, Source
from civicgrid.ingest.fields import TABLE_BY_KIND
from civicgrid.ingest.mapping import RowMapper
from civicgrid.ingest.readers import FileError, detect_format, open_records
from civicgrid.ingest.schema import arrow_schema, table_columns
from civicgrid.sources.archive import ArchiveError, Member, extract_member, file_sha256, is_archive, read_members

__all__ = ["FileReport", "file_sha256", "ingest_source"]

BATCH_ROWS = 10_000  # bounded memory: a batch of mapped rows is a few tens of MB at most


@dataclass
class FileReport:
    """Outcome of reading one file of one source (one ``ingest_runs`` row)."""

    source: str
    file: str
    status: str  # ok | unchanged | empty | failed
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    rows_new: int = 0
    rows_changed: int = 0
    message: str = ""
    sha256: str = ""
    run_id: str = ""

    @property
    def invariant_ok(self) -> bool:
        """rows read = loaded + quarantined + duplicate."""
        return self.rows_read == self.rows_loaded + self.rows_quarantined + self.rows_duplicate

    def as_dict(self) -> dict:
        d = asdict(self)
        d["invariant_ok"] = self.invariant_ok
        return d


def ingest_source(con, cfg: CityConfig, source: Source, build_id: str, run_at: datetime,
                  on_progress: Callable[[int], None] | None = None) -> list[FileReport]:
    """Load every file of ``source`` into its table; return one report per file.

    Never raises for bad data: a file that cannot be read gets status ``failed`` with
    a one-sentence message, and the other files and sources go on.

    Args:
        con: read-write DuckDB connection with the schema in place.
        cfg: city configuration (time zone, data folder).
        source: the source to load.
        build_id: id of the current build (stored on each run).
        run_at: the build's clock, UTC.
        on_progress: called with the number of records read since the last call.
    """
    table = TABLE_BY_KIND[source.kind]
    con.execute(
        "INSERT OR REPLACE INTO sources (name, department, kind, target_table, path, description, fingerprint, "
        "expected_cadence_days, max_data_age_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [source.name, source.department, source.kind, table, source.path, source.description,
         source.fingerprint(), source.expected_cadence_days, source.max_data_age_days],
    )
    files = cfg.files_for(source)
    reports = []
    if not files:
        rep = FileReport(source.name, source.path, "failed", message=f"no files match {source.path!r} under {cfg.data_dir}; check the path and --data-dir.")
        _record_run(con, rep, build_id, source, run_at, run_at)
        return [rep]
    for name, path, member in _inputs(files):
        started = datetime.now(timezone.utc)
        try:
            if member is None:
                rep = _ingest_file(con, cfg, source, table, path, run_at, on_progress)
            else:
                rep = _ingest_member(con, cfg, source, table, path, member, run_at, on_progress)
        except (FileError, ArchiveError) as exc:
            rep = FileReport(source.name, name, "failed", message=str(exc))
        _record_run(con, rep, build_id, source, started, datetime.now(timezone.utc))
        reports.append(rep)
    return reports


def _inputs(files: list[Path]) -> list[tuple[str, Path, Member | None]]:
    """``(name, path, member)`` per file to read: a packed archive (:mod:`civicgrid.sources.archive`)
    stands for its members, and everything is read in name order — the order the files had
    before they were packed — so versions and duplicates come out the same."""
    if not any(is_archive(p) for p in files):
        return [(p.name, p, None) for p in files]
    out: list[tuple[str, Path, Member | None]] = []
    for p in files:
        if not is_archive(p):
            out.append((p.name, p, None))
            continue
        try:
            out += [(m.name, p, m) for m in read_members(p)]
        except ArchiveError:
            out.append((p.name, p, None))  # read as a file, it fails with the archive's message
    return sorted(out, key=lambda t: t[0])


def _ingest_member(con, cfg: CityConfig, source: Source, table: str, archive: Path, member: Member,
                   run_at: datetime, on_progress) -> FileReport:
    """Read one member of a packed archive exactly as the file it was (same name, lines, hash);
    a member already loaded with these settings is ``unchanged`` without being unpacked."""
    fp = source.fingerprint()
    if _already_loaded(con, source.name, member.sha256, fp):
        return _unchanged(source, member.name, member.sha256, fp)
    with tempfile.TemporaryDirectory(prefix="civicgrid-member-") as tmpdir:
        path = extract_member(archive, member, Path(tmpdir))
        return _ingest_file(con, cfg, source, table, path, run_at, on_progress)


def _already_loaded(con, source_name: str, sha: str, fp: str) -> bool:
    return con.execute(
        "SELECT count(*) FROM ingest_runs WHERE source=? AND sha256=? AND config_fingerprint=? AND status IN ('ok','empty')",
        [source_name, sha, fp],
    ).fetchone()[0] > 0


def _unchanged(source: Source, name: str, sha: str, fp: str) -> FileReport:
    run_id = hashlib.sha256(f"{source.name}|{name}|{sha}|{fp}".encode()).hexdigest()[:16]
    return FileReport(source.name, name, "unchanged", sha256=sha, run_id=run_id,
                      message="same file and settings as an earlier run; nothing to read")


def _record_run(con, rep: FileReport, build_id: str, source: Source, started, finished) -> None:
    con.execute(
        "INSERT INTO ingest_runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [rep.run_id or f"{build_id}:{source.name}:{rep.file}", build_id, rep.source, rep.file, rep.sha256,
         source.fingerprint(), rep.rows_read, rep.rows_loaded, rep.rows_quarantined, rep.rows_duplicate,
         rep.rows_new, rep.rows_changed, started, finished, rep.status, rep.message, rep.invariant_ok],
    )


def _ingest_file(con, cfg: CityConfig, source: Source, table: str, path: Path, run_at: datetime,
                 on_progress) -> FileReport:
    if not path.exists():
        raise FileError(f"{path}: file not found; check the source's path and --data-dir.")
    if is_archive(path):  # only here when its members could not be listed
        read_members(path)  # raises the archive's own message
        raise FileError(f"{path.name}: the archive could not be listed a moment ago; run the build again.")
    sha = file_sha256(path)
    fp = source.fingerprint()
    if _already_loaded(con, source.name, sha, fp):
        return _unchanged(source, path.name, sha, fp)
    run_id = hashlib.sha256(f"{source.name}|{path.name}|{sha}|{fp}".encode()).hexdigest()[:16]
    rep = FileReport(source.name, path.name, "ok", sha256=sha, run_id=run_id)
    fmt, gz = detect_format(path, source.format, source.compression)
    header, records = open_records(path, fmt, gz, source.encoding, source.delimiter, source.sheet, source.json_records)
    mapper = RowMapper(cfg, source, run_at)
    if not header:
        rep.status = "empty"
        rep.message = "file is empty (no header row)"
        return rep
    missing = mapper.missing_columns(header)
    if missing:
        raise FileError(
            f"{path.name}: mapped column(s) {', '.join(map(repr, missing))} not in the file's header; "
            f"fix the source's 'columns'/'record_id' mapping or the export. Nothing was loaded from this file."
        )
    # stage only the columns this source fills; DuckDB fills the rest with NULL
    full = arrow_schema(table)
    filled = mapper.output_fields() | {"record_id", "attributes", "dq_flags", "content_hash", "file", "line",
                                       "run_id", "source", "kind", "department", "_seq"}
    schema = pa.schema([f for f in full if f.name in filled])
    colnames = schema.names
    # Mapped rows are staged in a Parquet file on disk (compressed, out of memory), then merged
    # by SQL; a 200 MB export never sits in memory as Python objects or as a DuckDB table.
    with tempfile.TemporaryDirectory(prefix="civicgrid-stage-") as tmpdir:
        stage_file = Path(tmpdir) / "stage.parquet"
        writer = pq.ParquetWriter(stage_file, schema, compression="zstd")
        try:
            _read_into_stage(con, records, mapper, rep, writer, schema, colnames, source, path, run_id, on_progress)
        finally:
            writer.close()
        select = ", ".join(f'"{f.name}"' if f.name in filled else f'CAST(NULL AS {_duck_type(f.type)}) AS "{f.name}"'
                           for f in full)
        con.execute(f"CREATE OR REPLACE TEMP VIEW stage AS SELECT {select} FROM read_parquet('{stage_file.as_posix()}')")
        try:
            _merge(con, table, source, rep)
        finally:
            con.execute("DROP VIEW IF EXISTS stage")
    if rep.rows_read == 0:
        rep.status = "empty"
        rep.message = "file has a header but no records"
    elif rep.rows_quarantined:
        rep.message = f"{rep.rows_quarantined} row(s) quarantined; see `civicgrid quarantine list`"
    return rep


def _read_into_stage(con, records, mapper: RowMapper, rep: FileReport, writer, schema: pa.Schema,
                     colnames: list[str], source: Source, path: Path, run_id: str, on_progress) -> None:
    """Map every record: good rows go to the Parquet stage in batches, bad ones to the quarantine."""
    batch: list[dict] = []
    quarantine: list[tuple] = []
    occurrences: Counter[str] = Counter()
    pending = 0
    base = {"source": source.name, "kind": source.kind, "file": path.name, "run_id": run_id}
    if "department" not in mapper.fields:
        base["department"] = source.department
    for rec in records:
        rep.rows_read += 1
        pending += 1
        if on_progress and pending >= 5000:
            on_progress(pending)
            pending = 0
        row, reason = mapper.map(rec)
        if row is None:
            quarantine.append((run_id, source.name, path.name, rec.line, reason, rec.raw))
            rep.rows_quarantined += 1
            if len(quarantine) >= BATCH_ROWS:
                con.executemany("INSERT INTO quarantine VALUES (?,?,?,?,?,?)", quarantine)
                quarantine = []
            continue
        if "record_id" not in row or row["record_id"] is None:
            occurrences[row["content_hash"]] += 1
            row["record_id"] = f"{row['content_hash'][:16]}#{occurrences[row['content_hash']]}"
        row.update(base)
        row["line"] = rec.line
        row["_seq"] = rep.rows_read
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            _flush(writer, batch, schema, colnames)
            batch = []
    if on_progress and pending:
        on_progress(pending)
    if batch:
        _flush(writer, batch, schema, colnames)
    if quarantine:
        con.executemany("INSERT INTO quarantine VALUES (?,?,?,?,?,?)", quarantine)


def _duck_type(t: pa.DataType) -> str:
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ"
    return {pa.string(): "VARCHAR", pa.float64(): "DOUBLE", pa.int64(): "BIGINT", pa.bool_(): "BOOLEAN",
            pa.date32(): "DATE"}[t]


def _flush(writer, batch: list[dict], schema: pa.Schema, colnames: list[str]) -> None:
    # column lists + from_pydict: ~15x faster than from_pylist with tz-aware datetimes
    writer.write_table(pa.Table.from_pydict({c: [r.get(c) for r in batch] for c in colnames}, schema=schema))


def _merge(con, table: str, source: Source, rep: FileReport) -> None:
    # Work on a narrow key table (seq, id, hash[, updated_at]) so that the window functions
    # stay small on a large file; the wide staged rows are read once at the end.
    upd = ", updated_at" if table == "events" else ""
    con.execute(f"CREATE OR REPLACE TEMP TABLE k AS SELECT _seq, record_id, content_hash{upd} FROM stage")
    staged = con.execute("SELECT count(*) FROM k").fetchone()[0]
    # 1. exact repeats within the file: keep the first
    con.execute("""CREATE OR REPLACE TEMP TABLE k1 AS
        SELECT * FROM k QUALIFY row_number() OVER (PARTITION BY record_id, content_hash ORDER BY _seq) = 1""")
    # 2. exact repeats of what is already current
    con.execute(f"""DELETE FROM k1 WHERE EXISTS (
        SELECT 1 FROM {table} t WHERE t.source = ? AND t.record_id = k1.record_id AND t.content_hash = k1.content_hash)""",
                [source.name])
    kept = con.execute("SELECT count(*) FROM k1").fetchone()[0]
    rep.rows_duplicate = staged - kept
    rep.rows_loaded = kept
    order = "updated_at DESC NULLS LAST, _seq DESC" if upd else "_seq DESC"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE k2 AS
        SELECT _seq, record_id, row_number() OVER (PARTITION BY record_id ORDER BY {order}) AS vrank FROM k1""")
    cols = ", ".join(f'"{c}"' for c, _ in table_columns(table))
    # 3. older versions inside this file go straight to history
    con.execute(f"""INSERT INTO {table}_history SELECT {cols}, ? FROM stage
        WHERE _seq IN (SELECT _seq FROM k2 WHERE vrank > 1)""", [rep.run_id])
    # 4. current versions replaced by this file move to history
    con.execute("CREATE OR REPLACE TEMP TABLE winners AS SELECT _seq, record_id FROM k2 WHERE vrank = 1")
    rep.rows_changed = con.execute(
        f"SELECT count(*) FROM {table} t WHERE t.source = ? AND t.record_id IN (SELECT record_id FROM winners)",
        [source.name]).fetchone()[0]
    if rep.rows_changed:
        con.execute(f"""INSERT INTO {table}_history SELECT {cols}, ? FROM {table} t
            WHERE t.source = ? AND t.record_id IN (SELECT record_id FROM winners)""", [rep.run_id, source.name])
        con.execute(f"DELETE FROM {table} WHERE source = ? AND record_id IN (SELECT record_id FROM winners)",
                    [source.name])
    con.execute(f"INSERT INTO {table} SELECT {cols} FROM stage WHERE _seq IN (SELECT _seq FROM winners) ORDER BY _seq")
    rep.rows_new = con.execute("SELECT count(*) FROM winners").fetchone()[0] - rep.rows_changed
    for t in ("k", "k1", "k2", "winners"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
