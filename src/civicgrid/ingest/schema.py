"""Warehouse tables written by the ingest stage (documented in docs/warehouse.md).

Every record table has the canonical fields of its kind (see :mod:`civicgrid.ingest.fields`)
plus these provenance columns:

  source, department, kind   which export it came from
  record_id                  id in the source system (or a content hash + occurrence when none)
  attributes                 JSON of the unmapped columns, as published
  dq_flags                   data-quality flags ("opened_at '2090-07-21' after the run date")
  content_hash               SHA-1 of the published values (change detection)
  file, line                 file name and the line the record starts on
  run_id                     the ingest run that loaded this version

Each record table has a ``<table>_history`` twin holding earlier versions of a record
(same record id, different content), with ``superseded_by_run``.
"""

from __future__ import annotations

import pyarrow as pa

from civicgrid.ingest.fields import FIELDS_BY_TABLE

_SQL_TYPES = {"text": "VARCHAR", "timestamp": "TIMESTAMPTZ", "date": "DATE", "float": "DOUBLE",
              "int": "BIGINT", "bool": "BOOLEAN"}
_ARROW_TYPES = {"text": pa.string(), "timestamp": pa.timestamp("us", tz="UTC"), "date": pa.date32(),
                "float": pa.float64(), "int": pa.int64(), "bool": pa.bool_()}

META_HEAD = [("source", "text"), ("department", "text"), ("kind", "text")]
META_TAIL = [("attributes", "text"), ("dq_flags", "text"), ("content_hash", "text"),
             ("file", "text"), ("line", "int"), ("run_id", "text")]


def table_columns(table: str) -> list[tuple[str, str]]:
    """``[(column, canonical type)]`` of a record table, in warehouse order."""
    names = {f.name for f in FIELDS_BY_TABLE[table]}
    # a table whose own fields include 'department' (rosters) keeps the employee's department there
    cols = [(c, t) for c, t in META_HEAD if c not in names]
    for f in FIELDS_BY_TABLE[table]:
        cols.append((f.name, f.type))
    cols += META_TAIL
    return cols


def arrow_schema(table: str) -> pa.Schema:
    """Arrow schema matching :func:`table_columns` (used to stage batches)."""
    return pa.schema([(c, _ARROW_TYPES[t]) for c, t in table_columns(table)] + [("_seq", pa.int64())])


DDL_META = """
CREATE TABLE IF NOT EXISTS builds (
  build_id VARCHAR PRIMARY KEY, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ,
  status VARCHAR, config_path VARCHAR, city VARCHAR, synthetic BOOLEAN, civicgrid_version VARCHAR,
  files_read BIGINT, rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT, rows_duplicate BIGINT,
  message VARCHAR);
CREATE TABLE IF NOT EXISTS sources (
  name VARCHAR PRIMARY KEY, department VARCHAR, kind VARCHAR, target_table VARCHAR,
  path VARCHAR, description VARCHAR, fingerprint VARCHAR, expected_cadence_days DOUBLE,
  max_data_age_days DOUBLE);
CREATE TABLE IF NOT EXISTS ingest_runs (
  run_id VARCHAR, build_id VARCHAR, source VARCHAR, file VARCHAR, sha256 VARCHAR,
  config_fingerprint VARCHAR, rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT,
  rows_duplicate BIGINT, rows_new BIGINT, rows_changed BIGINT,
  started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, status VARCHAR, message VARCHAR, invariant_ok BOOLEAN);
CREATE TABLE IF NOT EXISTS quarantine (
  run_id VARCHAR, source VARCHAR, file VARCHAR, line BIGINT, reason VARCHAR, raw_text VARCHAR);
"""


def ensure_schema(con) -> None:
    """Create every ingest table that does not exist yet (idempotent).

    Args:
        con: an open read-write DuckDB connection.
    """
    con.execute(DDL_META)
    # warehouses built before a column was added get it (NULL until the next build writes it)
    con.execute("ALTER TABLE sources ADD COLUMN IF NOT EXISTS max_data_age_days DOUBLE")
    for table in FIELDS_BY_TABLE:
        cols = ", ".join(f'"{c}" {_SQL_TYPES[t]}' for c, t in table_columns(table))
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({cols})")
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {table}_history ({cols}, superseded_by_run VARCHAR)"
        )
