"""The `integration:` section of city.yaml: optional, strict, defaults on; rules behave as documented."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from civicgrid.config import ConfigError, load_config
from civicgrid.integration.rules import classify
from civicgrid.settings.integration import IntegrationSettings

ROOT = Path(__file__).resolve().parents[2]


def _events(rows: list[dict]) -> pd.DataFrame:
    cols = ["source", "record_id", "department", "kind", "category", "subcategory", "type_code", "description",
            "status", "victim_flag"]
    return pd.DataFrame([{c: r.get(c) for c in cols} for r in rows])


def test_every_example_config_stays_valid_with_exclusions_on():
    for path in sorted((ROOT / "examples").glob("*/city.yaml")):
        cfg = load_config(path)
        assert cfg.integration.exclusions.enabled and cfg.integration.team_capacity == 25
        assert cfg.integration.windows == [30, 90, 365] and cfg.integration.meeting_cadence_days == 14


def test_unknown_key_is_an_error(tmp_path):
    p = tmp_path / "city.yaml"
    p.write_text(yaml.safe_dump({"city": {"name": "X"}, "sources": [], "integration": {"half_life": 10}}))
    with pytest.raises(ConfigError, match="half_life"):
        load_config(p)
    p.write_text(yaml.safe_dump({"city": {"name": "X"}, "sources": [],
                                 "integration": {"half_life_days": 90, "min_departments": 2,
                                                 "exclusions": {"disable": ["welfare_check"]}}}))
    s = load_config(p).integration
    assert s.half_life_days == 90 and "welfare_check" not in {r.name for r in s.exclusions.active()}


def test_rules_first_match_and_exclusions_first():
    s = IntegrationSettings()
    ev = _events([
        {"department": "police", "kind": "police_call", "category": "domestic", "type_code": "DOMDIST"},
        {"department": "police", "kind": "police_call", "category": "noise", "type_code": "NOISE", "victim_flag": False},
        {"department": "police", "kind": "police_call", "category": "property_crime", "type_code": "THEFT",
         "victim_flag": True},
        {"department": "fire", "kind": "fire_incident", "type_code": "321", "category": "ems_rescue"},
        {"department": "fire", "kind": "fire_incident", "type_code": "111", "category": "fire"},
        {"department": "fire", "kind": "fire_incident", "type_code": "113", "category": "fire"},
        {"department": "customer_service", "kind": "interaction", "category": "inquiry", "subcategory": "Water Bill"},
        {"department": "customer_service", "kind": "interaction", "category": "welfare check request"},
        {"department": "code_enforcement", "kind": "code_case", "category": "Condemned Property"},
        {"department": "finance", "kind": "tax_status", "category": "Residential"},
    ])
    out = classify(ev, s)
    assert out["excluded"].tolist()[:4] == ["domestic", None, "victim", "medical"]
    assert out["points"].tolist() == [0, 2, 0, 0, 4, 4, 0, 0, 5, 2]
    assert out["serious"].tolist()[4:6] == ["structure fire", "structure fire"]
    assert out.loc[8, "serious"] == "condemnation" and out.loc[8, "label"] == "condemnation"
    assert out.loc[7, "excluded"] == "welfare"  # welfare checks never count, whichever department logs them
