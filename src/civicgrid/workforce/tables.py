"""Write the workforce results into the warehouse as documented tables.

``workforce_turnover``, ``workforce_retention`` and ``workforce_representation`` are replaced as a
whole on every run (they are derived). Their columns are documented in
:mod:`civicgrid.workforce.turnover`, :mod:`civicgrid.workforce.retention` and
:mod:`civicgrid.workforce.representation`. Only suppressed values are written: the tables are as
safe to share as the JSON report.
"""

from __future__ import annotations

import pandas as pd

TURNOVER_COLUMNS = {
    "level": "VARCHAR", "group_name": "VARCHAR", "year": "INTEGER", "period_start": "DATE", "period_end": "DATE",
    "headcount_start": "DOUBLE", "headcount_end": "DOUBLE", "avg_headcount": "DOUBLE", "hires": "DOUBLE",
    "separations": "DOUBLE", "transfers_in": "DOUBLE", "transfers_out": "DOUBLE", "turnover": "DOUBLE",
    "new_hires_by_hire_date": "DOUBLE", "first_year_separations": "DOUBLE", "first_year_turnover": "DOUBLE",
    "suppressed": "BOOLEAN", "first_year_suppressed": "BOOLEAN",
}
RETENTION_COLUMNS = {
    "group_by": "VARCHAR", "group_name": "VARCHAR", "t_years": "DOUBLE", "survival": "DOUBLE",
    "ci_lower": "DOUBLE", "ci_upper": "DOUBLE", "at_risk": "DOUBLE", "people": "DOUBLE", "separations": "DOUBLE",
    "median_tenure_years": "DOUBLE", "suppressed": "BOOLEAN",
}
REPRESENTATION_COLUMNS = {
    "snapshot_year": "INTEGER", "eeo4_category": "VARCHAR", "race_group": "VARCHAR", "sex": "VARCHAR",
    "people": "DOUBLE", "category_total": "DOUBLE", "workforce_share": "DOUBLE", "benchmark_share": "DOUBLE",
    "representation_index": "DOUBLE", "benchmark": "VARCHAR", "suppressed": "BOOLEAN",
}
TABLES = {"workforce_turnover": TURNOVER_COLUMNS, "workforce_retention": RETENTION_COLUMNS,
          "workforce_representation": REPRESENTATION_COLUMNS}

__all__ = ["TABLES", "write_tables"]


def _typed(df: pd.DataFrame, spec: dict[str, str]) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    for c, t in spec.items():
        v = df[c] if c in df else pd.Series(None, index=df.index, dtype=object)
        if t == "DOUBLE" or t == "INTEGER":
            out[c] = pd.to_numeric(v, errors="coerce").astype("float64" if t == "DOUBLE" else "Int64")
        elif t == "DATE":
            out[c] = pd.to_datetime(v, errors="coerce").dt.date
        elif t == "BOOLEAN":
            out[c] = v.fillna(False).astype(bool)
        else:
            out[c] = v.astype(object).where(v.notna(), None)
    return out


def write_tables(con, frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Replace each ``workforce_*`` table with its frame; returns rows written per table.

    Args:
        con: a read-write DuckDB connection to the warehouse (a build's new file, or the file itself
            when no reader has it open).
        frames: ``{table name: suppressed frame}`` for the names in :data:`TABLES`.
    """
    written = {}
    for name, spec in TABLES.items():
        df = frames.get(name)
        if df is None:
            continue
        typed = _typed(df, spec)
        cols = ", ".join(f'"{c}" {t}' for c, t in spec.items())
        con.execute(f"CREATE OR REPLACE TABLE {name} ({cols})")
        if len(typed):
            con.register("_wf_frame", typed)
            con.execute(f"INSERT INTO {name} SELECT * FROM _wf_frame")
            con.unregister("_wf_frame")
        written[name] = int(len(typed))
    return written
