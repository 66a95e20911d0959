"""Compute every integration table at once, and the build hook that writes them.

``integration_hook(con, cfg, report)`` has the build's ``after_ingest`` signature; it must run
after linkage (it reads ``event_links`` and ``parcel_spine``)::

    def hook(con, cfg, report):
        link_hook(app_db)(con, cfg, report)
        integration_hook(con, cfg, report)

It writes ``property_scores``, ``property_score_components``, ``location_activity``,
``early_warnings``, ``score_exclusions`` and ``area_rollups`` (docs/integration.md), then the profile
lookup tables ``profile_records``, ``parcel_keys`` and ``owner_index`` (:mod:`civicgrid.integration.lookups`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd

from civicgrid.integration.areas import area_rollups
from civicgrid.integration.early_warning import early_warnings
from civicgrid.integration.events import LEVELS, Prepared, prepare
from civicgrid.integration.lookups import write_lookups
from civicgrid.integration.rules import exclusion_summary
from civicgrid.integration.scores import ScoreTables, compute_scores
from civicgrid.integration.tables import write_table
from civicgrid.settings.integration import IntegrationSettings, as_settings


@dataclass
class IntegrationResult:
    """Everything the stage computes (DataFrames) plus timings; ``as_dict`` is the JSON summary."""

    prep: Prepared
    scores: dict[str, ScoreTables]
    warnings: pd.DataFrame
    exclusions: pd.DataFrame
    areas: pd.DataFrame
    area_summary: dict
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        sc = {lv: {"scored": int(len(t.scores)), "over_threshold": int(t.scores["over_threshold"].sum()),
                   "overlap": int(t.scores["overlap"].sum())} for lv, t in self.scores.items()}
        ex = self.exclusions.groupby("reason")["n_events"].sum().to_dict() if not self.exclusions.empty else {}
        return {"as_of": self.prep.as_of.isoformat(), "coverage": self.prep.coverage, "levels": sc,
                "early_warnings": self.warnings.groupby(["level", "flag"]).size().rename("n").reset_index()
                .to_dict("records") if not self.warnings.empty else [],
                "excluded_records": {k: int(v) for k, v in ex.items()},
                "exclusions_enabled": self.prep.settings.exclusions.enabled,
                "seconds": self.seconds}


def compute_all(con, settings: IntegrationSettings | None = None, as_of=None,
                prep: Prepared | None = None) -> IntegrationResult:
    """Scores and components for parcels and blocks, early warnings, exclusions and area roll-ups."""
    clock: dict[str, float] = {}
    t0 = time.perf_counter()
    prep = prep or prepare(con, settings, as_of)
    clock["prepare"] = time.perf_counter() - t0
    scores, warns = {}, []
    for lv in LEVELS:
        t = time.perf_counter()
        scores[lv] = compute_scores(prep, lv)
        clock[f"scores_{lv}"] = time.perf_counter() - t
        t = time.perf_counter()
        warns.append(early_warnings(prep, lv))
        clock[f"early_warning_{lv}"] = time.perf_counter() - t
    warnings = pd.concat([w for w in warns if not w.empty], ignore_index=True) if any(
        not w.empty for w in warns) else warns[0]
    t = time.perf_counter()
    places = pd.concat([st.scores[["level", "location_key", "neighborhood", "council_district"]]
                        for st in scores.values()], ignore_index=True)
    areas, summary = area_rollups(con, prep, scores["parcel"].scores, warnings, places)
    clock["areas"] = time.perf_counter() - t
    clock["total"] = time.perf_counter() - t0
    return IntegrationResult(prep, scores, warnings, exclusion_summary(prep.ev), areas, summary,
                             {k: round(v, 3) for k, v in clock.items()})


def write_all(con, res: IntegrationResult) -> None:
    """Replace the integration tables in the (writable) warehouse ``con``."""
    write_table(con, "property_scores", pd.concat([t.scores for t in res.scores.values()], ignore_index=True))
    write_table(con, "property_score_components",
                pd.concat([t.components for t in res.scores.values()], ignore_index=True))
    write_table(con, "location_activity", pd.concat([t.activity for t in res.scores.values()], ignore_index=True))
    write_table(con, "early_warnings", res.warnings)
    write_table(con, "score_exclusions", res.exclusions)
    write_table(con, "area_rollups", res.areas)
    write_lookups(con)


def integration_hook(con, cfg, report=None) -> IntegrationResult:
    """``after_ingest`` hook: compute with ``cfg.integration`` and write the tables (after linkage)."""
    res = compute_all(con, as_settings(getattr(cfg, "integration", None)))
    write_all(con, res)
    if report is not None:
        report.integration = res.as_dict()
    return res
