"""Open the warehouse file the safe way (offline, read-only for readers)."""

from __future__ import annotations

from pathlib import Path

import duckdb

#: never download DuckDB extensions at run time: city machines are often offline (GUIDE §4)
DUCKDB_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}

DEFAULT_DB = Path("civicgrid.duckdb")


class WarehouseError(RuntimeError):
    """The warehouse file is missing, locked by a writer, or not a civicgrid warehouse."""


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file with extension auto-install disabled.

    Raises:
        WarehouseError: the file does not exist (read-only) or cannot be opened.
    """
    p = Path(path)
    if read_only and not p.exists():
        raise WarehouseError(f"{p}: no warehouse here yet; run `civicgrid build CONFIG --db {p}` first.")
    if p.is_dir():
        raise WarehouseError(f"{p} is a folder; give the warehouse file, e.g. {p / 'civicgrid.duckdb'}.")
    try:
        return duckdb.connect(str(p), read_only=read_only, config=dict(DUCKDB_CONFIG))
    except duckdb.IOException as exc:
        if "not a valid DuckDB database file" in str(exc) or "invalid" in str(exc).lower():
            raise WarehouseError(f"{p} is not a civicgrid warehouse (a DuckDB file); check --db.") from exc
        raise WarehouseError(f"{p}: cannot open the warehouse ({exc}); is another build writing it?") from exc
    except duckdb.Error as exc:
        raise WarehouseError(f"{p} is not a civicgrid warehouse (a DuckDB file); check --db.") from exc


def open_readonly(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for reading (many readers may do this at once)."""
    return connect(path, read_only=True)
