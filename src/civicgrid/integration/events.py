"""Read linked events from the warehouse, classify them, and place them at parcels and blocks.

A :class:`Prepared` holds everything the integration stage computes from: the classified
events, the parcel spine, the as-of date and which department reported last when. Locations:

- **parcel**: events linked to the parcel (attribution ``address``), plus events that their
  department publishes only as a hundred block (police, fire: ``match_type = 'block'``) on the
  parcel's block, at ``block_weight`` (attribution ``block``).
- **block**: every event with a block key (weight 1).

Intersections and unlinked records belong to no location.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from civicgrid.integration.rules import classify
from civicgrid.settings.integration import IntegrationSettings, as_settings

LEVELS = ("parcel", "block")
EPOCH = pd.Timestamp("1970-01-01", tz="UTC")
_EVENT_SQL = """
SELECT e.source, e.record_id, e.department, e.kind, e.category, e.subcategory, e.type_code,
       e.description, e.status, e.victim_flag, e.opened_at, e.closed_at, e.address, e.neighborhood,
       e.council_district, e.owner, e.amount, e.count, {link}
FROM events e {join}
"""


def _tables(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def load_events(con, where: str | None = None, params: list | None = None) -> pd.DataFrame:
    """Events joined with their links (parcel, block, match type); ``where`` filters (SQL on e./l.)."""
    names = _tables(con)
    if "events" not in names:
        raise ValueError("the warehouse has no events table; run `civicgrid build` first")
    if "event_links" in names:
        sql = _EVENT_SQL.format(link="l.parcel_id AS parcel_id, l.block_key, l.match_type",
                                join="LEFT JOIN event_links l USING (source, record_id)")
    else:  # not linked yet: nothing can be placed
        sql = _EVENT_SQL.format(link="NULL::VARCHAR AS parcel_id, NULL::VARCHAR AS block_key, "
                                     "NULL::VARCHAR AS match_type", join="")
    if where:
        sql += f" WHERE {where}"
    sql += " ORDER BY e.source, e.record_id"  # a stable order: the same warehouse gives the same frame
    ev = con.execute(sql, params or []).df()
    for c in ("opened_at", "closed_at"):
        ev[c] = pd.to_datetime(ev[c], utc=True)
    return ev


def load_spine(con) -> pd.DataFrame:
    """``parcel_spine`` (parcel id, main address, block, centroid, neighbourhood); empty if absent."""
    cols = ["parcel_id", "address_key", "block_key", "lat", "lon", "neighborhood"]
    if "parcel_spine" not in _tables(con):
        return pd.DataFrame(columns=cols)
    return con.execute(f"SELECT {', '.join(cols)} FROM parcel_spine").df()


def data_as_of(ev: pd.DataFrame, s: IntegrationSettings) -> tuple[pd.Timestamp, dict[str, str]]:
    """The as-of instant and each department's last dated event.

    ``as_of_rule: all_departments`` (default) takes the earliest of the departments' last dates
    among departments whose records can add points: the date through which every such department
    has reported. ``latest`` takes the last event of any department. ``as_of`` in the settings wins.
    """
    dated = ev[ev["opened_at"].notna()]
    last = dated.groupby("department")["opened_at"].max()
    coverage = {d: t.isoformat() for d, t in last.sort_values().items()}
    if s.as_of is not None:
        return pd.Timestamp(s.as_of, tz="UTC") + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1), coverage
    if dated.empty:
        return pd.Timestamp.now(tz="UTC").normalize(), coverage  # no dates at all: nothing is windowed
    if s.as_of_rule == "latest":
        return last.max(), coverage
    scoring = dated.loc[dated["points"] > 0, "department"].unique() if "points" in dated else last.index
    sub = last[last.index.isin(scoring)]
    return (sub.min() if len(sub) else last.max()), coverage


@dataclass
class Prepared:
    """Classified events, the spine and the as-of date: the input of every integration computation."""

    ev: pd.DataFrame
    spine: pd.DataFrame
    settings: IntegrationSettings
    as_of: pd.Timestamp
    coverage: dict[str, str]
    _rows: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def rows(self, level: str) -> pd.DataFrame:
        """Event-at-location rows for ``level``: ``key``, ``ev_idx``, ``weight``, ``attribution``, ``t``."""
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
        if level not in self._rows:
            self._rows[level] = _location_rows(self.ev, self.spine, level, self.settings.block_weight)
        return self._rows[level]

    def with_as_of(self, as_of) -> "Prepared":
        """The same events scored at another instant (rows are shared)."""
        return Prepared(self.ev, self.spine, self.settings, _instant(as_of), self.coverage, self._rows)


def days(ts) -> np.ndarray:
    """Instants as float days since 1970-01-01 UTC (NaN for missing): the unit windows and decay use."""
    if isinstance(ts, pd.Series):
        return ((ts - EPOCH).dt.total_seconds() / 86400.0).to_numpy(dtype=float)
    return (pd.Timestamp(ts) - EPOCH).total_seconds() / 86400.0


def _instant(as_of) -> pd.Timestamp:
    t = pd.Timestamp(as_of)
    if t.tzinfo is None:
        t = t.tz_localize("UTC")
        if t == t.normalize():  # a date: the end of that day
            t = t + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    return t.tz_convert("UTC")


def _location_rows(ev: pd.DataFrame, spine: pd.DataFrame, level: str, block_weight: float) -> pd.DataFrame:
    t = days(ev["opened_at"])
    base = pd.DataFrame({"ev_idx": np.arange(len(ev)), "t": t})
    if level == "parcel":
        own = ev["parcel_id"].notna().to_numpy()
        a = base[own].assign(key=ev.loc[own, "parcel_id"].to_numpy(), weight=1.0, attribution="address")
        blk = (ev["match_type"] == "block").to_numpy() & ev["parcel_id"].isna().to_numpy() & ev["block_key"].notna().to_numpy()
        parts = [a]
        if block_weight > 0 and blk.any() and not spine.empty:
            b = base[blk].assign(block_key=ev.loc[blk, "block_key"].to_numpy())
            pb = spine[["parcel_id", "block_key"]].dropna()
            b = b.merge(pb, on="block_key").rename(columns={"parcel_id": "key"}).drop(columns="block_key")
            parts.append(b.assign(weight=float(block_weight), attribution="block"))
        rows = pd.concat(parts, ignore_index=True)
    else:
        has = ev["block_key"].notna().to_numpy()
        rows = base[has].assign(key=ev.loc[has, "block_key"].to_numpy(), weight=1.0,
                                attribution=np.where(ev.loc[has, "parcel_id"].notna(), "address", "block"))
    rows["key"] = rows["key"].astype(str)
    return rows.reset_index(drop=True)


def prepare(con, settings: IntegrationSettings | None = None, as_of=None) -> Prepared:
    """Load and classify the warehouse's events; ``as_of`` (date or instant) overrides the data's."""
    s = as_settings(settings)
    ev = classify(load_events(con), s)
    spine = load_spine(con)
    t, coverage = data_as_of(ev, s)
    if as_of is not None:
        t = _instant(as_of)
    return Prepared(ev, spine, s, t, coverage)
