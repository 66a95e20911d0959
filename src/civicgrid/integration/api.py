"""The Python API the web pages and the CLI call: JSON-ready dicts, never DataFrames.

Every function takes ``db``: a warehouse path or an open DuckDB connection. Without ``as_of`` the
tables written by the build (``property_scores`` …) are read; with ``as_of`` (a date) everything
is computed from the events at that date (a few seconds). Settings: ``cfg`` (a CityConfig) or
``settings`` (IntegrationSettings); default: the config of the warehouse's last build if it can
still be read, else the defaults.
"""

from __future__ import annotations

import functools

import json
import math
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from civicgrid.settings.integration import IntegrationSettings, as_settings
from civicgrid.warehouse.db import connect


@contextmanager
def warehouse(db):
    """A read-only connection for a path (closed afterwards), or the connection given."""
    if isinstance(db, (str, Path)):
        con = connect(db, read_only=True)
        try:
            yield con
        finally:
            con.close()
    else:
        yield db


def tables(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def resolve_settings(con, cfg=None, settings: IntegrationSettings | None = None) -> IntegrationSettings:
    """``settings``, else ``cfg.integration``, else the last build's config, else the defaults."""
    if settings is not None:
        return as_settings(settings)
    if cfg is not None:
        return as_settings(cfg.integration)
    try:
        row = con.execute("SELECT config_path FROM builds ORDER BY finished_at DESC LIMIT 1").fetchone()
        if row and row[0] and Path(row[0]).exists():
            return _settings_from_file(row[0], Path(row[0]).stat().st_mtime_ns)
    except Exception:  # an unreadable or moved config: the defaults are still a valid answer
        pass
    return IntegrationSettings()


@functools.lru_cache(maxsize=16)
def _settings_from_file(path: str, mtime_ns: int) -> IntegrationSettings:
    """The integration section of a city.yaml, cached until the file changes (pages call this often)."""
    from civicgrid.config import load_config

    return as_settings(load_config(path).integration)


def jsonable(v):
    """Timestamps to ISO text, NaN/NA to None, numpy scalars to Python."""
    if v is None:
        return None
    if isinstance(v, (pd.Timestamp, datetime, date)):
        return None if pd.isna(v) else v.isoformat()
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def records(df: pd.DataFrame) -> list[dict]:
    return [{k: jsonable(v) for k, v in r.items()} for r in df.to_dict("records")]


def _stored(con, as_of, cfg, settings) -> bool:
    return as_of is None and cfg is None and settings is None and "property_scores" in tables(con)


def _computed(con, cfg, settings, as_of):
    from civicgrid.integration.compute import compute_all

    return compute_all(con, resolve_settings(con, cfg, settings), as_of)


def ranked_list(db, level: str = "parcel", limit: int | None = 25, *, over_threshold_only: bool = False,
                as_of=None, cfg=None, settings: IntegrationSettings | None = None) -> dict:
    """The ranked list: ``{"as_of", "level", "threshold", "coverage", "rows": [...]}``, highest first.

    Each row: rank, location_key, address, score, points_address, points_block, n_departments,
    overlap, over_threshold, lead_department, top_components, neighborhood, council_district,
    open_cases, first/last event.
    """
    with warehouse(db) as con:
        s = resolve_settings(con, cfg, settings)
        if _stored(con, as_of, cfg, settings):
            where = "level = ? AND score > 0" + (" AND over_threshold" if over_threshold_only else "")
            lim = f" LIMIT {int(limit)}" if limit else ""
            df = con.execute(f"SELECT * FROM property_scores WHERE {where} ORDER BY score DESC, n_departments DESC, "
                             f"location_key{lim}", [level]).df()
            as_of_v = df["as_of"].iloc[0] if len(df) else _stored_as_of(con)
            coverage = _coverage(con)
        else:
            res = _computed(con, cfg, settings, as_of)
            sc = res.scores[level].scores
            sc = sc[(sc["score"] > 0) & (sc["over_threshold"] if over_threshold_only else True)]
            df = sc.head(limit) if limit else sc
            as_of_v, coverage = res.prep.as_of, res.prep.coverage
    return {"level": level, "as_of": jsonable(as_of_v), "threshold": s.score_threshold,
            "min_departments": s.min_departments, "coverage": coverage,
            "stale_departments": _stale(coverage, as_of_v, s), "rows": records(df)}


def _stored_as_of(con):
    r = con.execute("SELECT max(as_of) FROM property_scores").fetchone()
    return r[0] if r else None


def _coverage(con) -> dict[str, str]:
    rows = con.execute("SELECT department, max(opened_at) FROM events WHERE opened_at IS NOT NULL "
                       "GROUP BY 1 ORDER BY 2").fetchall()
    return {d: jsonable(pd.Timestamp(t)) for d, t in rows}


def _stale(coverage: dict, as_of, s: IntegrationSettings) -> list[str]:
    """Departments whose last record is older than the overlap window at ``as_of``: say so on screen."""
    if as_of is None:
        return []
    t = pd.Timestamp(as_of)
    return [d for d, last in coverage.items()
            if last and (t - pd.Timestamp(last)).days > s.overlap_window_days]


def score_detail(db, location_key: str, level: str = "parcel", *, as_of=None, cfg=None,
                 settings: IntegrationSettings | None = None) -> dict:
    """One location's score with every component and how to contest it (``score_contests``)."""
    with warehouse(db) as con:
        if _stored(con, as_of, cfg, settings):
            sc = con.execute("SELECT * FROM property_scores WHERE level = ? AND location_key = ?",
                             [level, location_key]).df()
            comp = con.execute("SELECT * FROM property_score_components WHERE level = ? AND location_key = ? "
                               "ORDER BY points DESC", [level, location_key]).df()
        else:
            res = _computed(con, cfg, settings, as_of)
            t = res.scores[level]
            sc = t.scores[t.scores["location_key"] == location_key]
            comp = t.components[t.components["location_key"] == location_key].sort_values("points", ascending=False)
    row = records(sc)[0] if len(sc) else {"level": level, "location_key": location_key, "score": 0.0, "rank": None}
    row["components"] = records(comp)
    row["contest"] = ("Disagree with a component? Record it with civicgrid.integration.contest_score(app_db, "
                      f"level={level!r}, location_key={location_key!r}, reason=...) or `civicgrid integration "
                      "contest`; the team sees open contests on the profile and in the packet.")
    return row


def early_warning_list(db, level: str = "parcel", *, as_of=None, cfg=None,
                       settings: IntegrationSettings | None = None) -> dict:
    """Early-warning flags with their one-sentence reasons, highest scores first."""
    with warehouse(db) as con:
        if _stored(con, as_of, cfg, settings) and "early_warnings" in tables(con):
            df = con.execute("SELECT * FROM early_warnings WHERE level = ? ORDER BY score DESC, flag",
                             [level]).df()
            as_of_v = _stored_as_of(con)
        else:
            from civicgrid.integration.early_warning import early_warnings
            from civicgrid.integration.events import prepare

            prep = prepare(con, resolve_settings(con, cfg, settings), as_of)
            df, as_of_v = early_warnings(prep, level), prep.as_of
    return {"level": level, "as_of": jsonable(as_of_v), "rows": records(df)}


def area_report(db, *, as_of=None, cfg=None, settings: IntegrationSettings | None = None) -> dict:
    """Neighbourhood and council-district roll-ups with rates per 1,000 and demographics."""
    with warehouse(db) as con:
        if _stored(con, as_of, cfg, settings) and "area_rollups" in tables(con):
            df = con.execute("SELECT * FROM area_rollups ORDER BY area_type, area").df()
            from civicgrid.integration.areas import _disparity

            summary = {"as_of": jsonable(_stored_as_of(con)),
                       "disparity": _disparity(df, resolve_settings(con).areas.min_population)}
        else:
            res = _computed(con, cfg, settings, as_of)
            df, summary = res.areas, res.area_summary
    rows = records(df)
    for r in rows:
        r["demographics"] = json.loads(r["demographics"]) if r.get("demographics") else None
    return {**summary, "rows": rows}


def run_backtest(db, level: str = "block", *, start=None, end=None, horizon_days: int | None = None,
                 k: int | None = None, cfg=None, settings: IntegrationSettings | None = None) -> dict:
    """:func:`civicgrid.integration.backtest.backtest` on a warehouse."""
    from civicgrid.integration.backtest import backtest
    from civicgrid.integration.events import prepare

    with warehouse(db) as con:
        prep = prepare(con, resolve_settings(con, cfg, settings))
        return backtest(prep, level, start=start, end=end, horizon_days=horizon_days, k=k)
