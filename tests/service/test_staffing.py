"""Erlang C staffing (GUIDE.md §5): reference case, large traffic, edge cases, validation."""

import math
import time

import pandas as pd
import pytest

from civicgrid.service.staffing import (
    StaffingResult,
    average_speed_of_answer,
    erlang_c,
    required_agents,
    service_level,
    staffing_plan,
    traffic_intensity,
)


def log_space_erlang_c(a: float, n: int) -> float:
    """Independent check: the GUIDE.md §5 formula evaluated with lgamma and log-sum-exp."""
    log_terms = [k * math.log(a) - math.lgamma(k + 1) for k in range(n)]
    log_top = n * math.log(a) - math.lgamma(n + 1) + math.log(n / (n - a))
    peak = max(max(log_terms), log_top)
    total = sum(math.exp(t - peak) for t in log_terms) + math.exp(log_top - peak)
    return math.exp(log_top - peak) / total


# --- GUIDE.md §5 reference case: 100 calls / 30 min, AHT 180 s, 80 % in 20 s ---------------

def test_reference_case_matches_guide_digits():
    r = required_agents(100, 1800, 180, 0.80, 20)
    assert isinstance(r, StaffingResult)
    assert r.traffic_erlangs == pytest.approx(10.0)
    assert r.agents == 14
    assert round(r.service_level, 6) == 0.888350
    assert round(r.probability_wait, 7) == 0.1741319
    assert round(r.asa_seconds, 3) == 7.836
    assert round(r.occupancy, 7) == 0.7142857
    assert r.scheduled_staff == 14  # no shrinkage
    assert r.calls == 100 and r.aht_seconds == 180 and r.target_answer_seconds == 20


def test_reference_case_with_shrinkage_schedules_20():
    # 14 / 0.7 is 20.000000000000004 in floating point: must not round up to 21.
    assert required_agents(100, 1800, 180, 0.80, 20, shrinkage=0.30).scheduled_staff == 20


def test_thirteen_agents_miss_the_target():
    sl = service_level(10.0, 13, 180, 20)
    assert round(sl, 4) == 0.7956
    assert sl < 0.80


def test_component_functions_agree_with_reference():
    assert traffic_intensity(100, 1800, 180) == pytest.approx(10.0)
    assert round(erlang_c(10.0, 14), 7) == 0.1741319
    assert round(service_level(10.0, 14, 180, 20), 6) == 0.888350
    assert round(average_speed_of_answer(10.0, 14, 180), 3) == 7.836


@pytest.mark.parametrize("a,n", [(10.0, 14), (0.5, 1), (47.3, 55), (900.0, 950), (1800.0, 2000)])
def test_erlang_c_equals_log_space_formula(a, n):
    assert erlang_c(a, n) == pytest.approx(log_space_erlang_c(a, n), rel=1e-9)


def test_erlang_c_two_thousand_agents_no_overflow():
    pw = erlang_c(1990.0, 2000)
    assert 0 < pw < 1 and math.isfinite(pw)


# --- large traffic and monotonicity ------------------------------------------------------------

def test_large_case_runs_fast_and_meets_target():
    t0 = time.perf_counter()
    r = required_agents(10_000, 1800, 180, 0.80, 20)  # A = 1,000 Erlangs
    assert time.perf_counter() - t0 < 1.0
    assert r.agents > r.traffic_erlangs == pytest.approx(1000.0)
    assert r.service_level >= 0.80
    assert service_level(r.traffic_erlangs, r.agents - 1, 180, 20) < 0.80  # minimal N
    assert 0.95 < r.occupancy < 1


def test_agents_monotone_in_calls():
    agents = [required_agents(c, 1800, 180, 0.8, 20).agents for c in range(0, 10_001, 250)]
    assert agents == sorted(agents)
    assert agents[0] == 0 and agents[-1] > 1000


def test_service_level_rises_and_asa_falls_with_agents():
    sls = [service_level(1000.0, n, 180, 20) for n in range(1001, 1060)]
    asas = [average_speed_of_answer(1000.0, n, 180) for n in range(1001, 1060)]
    assert all(b > a for a, b in zip(sls, sls[1:]))
    assert all(b < a for a, b in zip(asas, asas[1:]))


def test_stricter_targets_never_need_fewer_agents():
    base = required_agents(500, 1800, 240, 0.8, 20).agents
    assert required_agents(500, 1800, 240, 0.9, 20).agents >= base
    assert required_agents(500, 1800, 240, 0.8, 10).agents >= base


# --- edge cases ----------------------------------------------------------------------------------

def test_zero_calls_need_zero_agents():
    r = required_agents(0, 1800, 180, 0.8, 20, shrinkage=0.3)
    assert (r.agents, r.scheduled_staff) == (0, 0)
    assert r.service_level == 1.0 and r.probability_wait == 0.0 and r.asa_seconds == 0.0
    assert r.occupancy == 0.0


@pytest.mark.parametrize("a,n", [(10.0, 10), (10.0, 5), (3.5, 0), (1.0, 1)])
def test_traffic_at_or_above_agents_always_waits(a, n):
    assert erlang_c(a, n) == 1.0
    assert service_level(a, n, 180, 20) == 0.0
    assert average_speed_of_answer(a, n, 180) == math.inf


def test_no_traffic_never_waits():
    assert erlang_c(0.0, 3) == 0.0
    assert service_level(0.0, 0, 180, 20) == 1.0


def test_max_occupancy_cap_adds_agents():
    r = required_agents(100, 1800, 180, 0.8, 20, max_occupancy=0.70)
    assert r.agents == 15  # 10 / 0.7 = 14.29 → 15
    assert r.occupancy <= 0.70
    assert required_agents(100, 1800, 180, 0.8, 20, max_occupancy=0.9).agents == 14


# --- validation ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(calls=-1), "calls must be ≥ 0"),
        (dict(aht_seconds=0), "aht_seconds must be > 0"),
        (dict(aht_seconds=-5), "aht_seconds must be > 0"),
        (dict(interval_seconds=0), "interval_seconds must be > 0"),
        (dict(target_service_level=0), "target_service_level must be between 0 and 1"),
        (dict(target_service_level=1), "target_service_level must be between 0 and 1"),
        (dict(target_service_level=80), "target_service_level must be between 0 and 1"),
        (dict(shrinkage=1.0), r"shrinkage must be in \[0, 1\)"),
        (dict(shrinkage=-0.1), r"shrinkage must be in \[0, 1\)"),
        (dict(target_answer_seconds=-1), "target_answer_seconds must be ≥ 0"),
        (dict(max_occupancy=0), r"max_occupancy must be in \(0, 1\]"),
        (dict(calls=float("nan")), "calls must be a finite number"),
    ],
)
def test_invalid_inputs_raise_clear_errors(kwargs, message):
    args = dict(calls=100, interval_seconds=1800, aht_seconds=180,
                target_service_level=0.8, target_answer_seconds=20)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        required_agents(**args)


@pytest.mark.parametrize("agents", [-1, 2.5])
def test_agents_must_be_whole(agents):
    with pytest.raises(ValueError, match="agents must be a whole number"):
        erlang_c(5.0, agents)


# --- staffing_plan -------------------------------------------------------------------------------

def test_staffing_plan_adds_columns_per_interval():
    fc = pd.DataFrame({
        "interval_start": pd.date_range("2025-03-03 08:00", periods=4, freq="30min", tz="UTC"),
        "calls": [0, 100, 100.0, 10_000],
        "note": list("abcd"),
    }, index=[10, 11, 12, 13])
    plan = staffing_plan(fc, 1800, 180, 0.8, 20, shrinkage=0.3)
    assert list(plan.columns[:3]) == ["interval_start", "calls", "note"]
    assert list(plan.index) == [10, 11, 12, 13]
    assert plan["agents"].tolist()[:3] == [0, 14, 14]
    assert plan["scheduled_staff"].tolist()[:3] == [0, 20, 20]
    assert plan.loc[11, "service_level"] == pytest.approx(0.888350, abs=5e-7)
    assert plan.loc[11, "asa_seconds"] == pytest.approx(7.836, abs=5e-4)
    assert plan["agents"].dtype == "int64" and plan["scheduled_staff"].dtype == "int64"
    assert "agents" not in fc.columns  # input left untouched


def test_staffing_plan_empty_and_bad_input():
    empty = staffing_plan(pd.DataFrame({"interval_start": [], "calls": []}), 1800, 180)
    assert empty.empty and "scheduled_staff" in empty.columns
    with pytest.raises(ValueError, match="missing column"):
        staffing_plan(pd.DataFrame({"calls": [1]}), 1800, 180)
    with pytest.raises(ValueError, match="missing or non-numeric"):
        staffing_plan(pd.DataFrame({"interval_start": [1, 2], "calls": [1, None]}), 1800, 180)
