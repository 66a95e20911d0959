"""Read the HR tables of the warehouse into pandas frames (the only module that runs SQL reads).

Tables read: ``roster_records`` (kind employee_roster), ``job_postings`` (job_posting),
``job_applicants`` (job_applicant) and ``reference_rows`` (reference, for the benchmark).
A table that is missing or empty gives an empty frame with the expected columns, so every
later step can say "not available" instead of failing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

ROSTER_COLUMNS = [
    "source", "employee_id", "person_token", "snapshot_year", "snapshot_date", "job_title", "job_code",
    "position_id", "department", "department_id", "hire_date", "separation_date", "annual_salary",
    "fte", "paygroup", "sex", "race", "age_band", "eeo4_category", "home_zip", "status",
]
POSTING_COLUMNS = ["source", "record_id", "job_title", "job_code", "department", "eeo4_category",
                   "opened_at", "closed_at", "filled_at", "positions", "status"]
APPLICANT_COLUMNS = ["source", "record_id", "posting_id", "person_token", "applied_at", "stage", "hired",
                     "offer_accepted_at", "sex", "race", "home_zip"]
_DATES = ("snapshot_date", "hire_date", "separation_date", "opened_at", "closed_at", "filled_at",
          "applied_at", "offer_accepted_at")


def _tables(con) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}


def _read(con, table: str, columns: list[str]) -> pd.DataFrame:
    if table not in _tables(con):
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    have = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}
    sel = ", ".join(f'"{c}"' if c in have else f'NULL AS "{c}"' for c in columns)
    df = con.execute(f"SELECT {sel} FROM {table}").fetchdf()
    for c in _DATES:
        if c in df.columns:
            df[c] = pd.to_datetime(df[c], errors="coerce")
            if getattr(df[c].dt, "tz", None) is not None:
                df[c] = df[c].dt.tz_localize(None)
    return df


def load_roster(con) -> pd.DataFrame:
    """Every roster row: canonical fields only (no attributes, no file provenance)."""
    df = _read(con, "roster_records", ROSTER_COLUMNS)
    if len(df):
        df["snapshot_year"] = pd.to_numeric(df["snapshot_year"], errors="coerce").astype("Int64")
        miss = df["snapshot_year"].isna() & df["snapshot_date"].notna()
        df.loc[miss, "snapshot_year"] = df.loc[miss, "snapshot_date"].dt.year
    return df


def load_postings(con) -> pd.DataFrame:
    """Job postings / requisitions (``job_postings``)."""
    return _read(con, "job_postings", POSTING_COLUMNS)


def load_applicants(con) -> pd.DataFrame:
    """Job applications (``job_applicants``)."""
    return _read(con, "job_applicants", APPLICANT_COLUMNS)


def load_reference(con, source: str | None) -> pd.DataFrame:
    """Rows of one ``reference`` source with their ``attributes`` JSON expanded into columns."""
    if "reference_rows" not in _tables(con):
        return pd.DataFrame()
    sql = "SELECT source, record_id, name, population, attributes FROM reference_rows"
    params: list = []
    if source:
        sql += " WHERE source = ?"
        params.append(source)
    df = con.execute(sql, params).fetchdf()
    if not len(df):
        return df
    attrs = pd.DataFrame([json.loads(a) if a else {} for a in df["attributes"]], index=df.index)
    attrs = attrs[[c for c in attrs.columns if c not in df.columns]]
    return pd.concat([df.drop(columns=["attributes"]), attrs], axis=1)


def latest_build(con) -> dict | None:
    """The latest build's id, city, config path and finish time (None without a builds table)."""
    if "builds" not in _tables(con):
        return None
    r = con.execute("SELECT build_id, city, config_path, finished_at, synthetic FROM builds "
                    "ORDER BY started_at DESC LIMIT 1").fetchone()
    if r is None:
        return None
    return {"build_id": r[0], "city": r[1], "config_path": r[2],
            "finished_at": r[3].isoformat() if r[3] is not None else None, "synthetic": bool(r[4])}


def read_benchmark_file(path: str | Path) -> pd.DataFrame:
    """Read an ACS C23002-shaped CSV directly (when it is not loaded as a reference source)."""
    return pd.read_csv(path, dtype=str).assign(population=lambda d: pd.to_numeric(d["population"]))
