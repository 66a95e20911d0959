"""Contact-centre staffing with the Erlang C queueing model.

Definitions follow GUIDE.md §5 (contact centre), which agrees with pyworkforce and R's ``ErlangC``:

- traffic intensity A (Erlangs) = calls × AHT ÷ interval length;
- probability that a call waits, with N agents (Erlang C formula, A. K. Erlang 1917)::

      Pw = (A^N/N! · N/(N−A)) ÷ (Σ_{k=0}^{N−1} A^k/k! + A^N/N! · N/(N−A));

- service level SL(t) = 1 − Pw · e^(−(N−A)·t/AHT) (share of calls answered within t seconds);
- average speed of answer ASA = Pw · AHT ÷ (N − A) (seconds);
- occupancy = A ÷ N;
- scheduled staff = ⌈N ÷ (1 − shrinkage)⌉.

Pw is computed from the Erlang B recursion B(0) = 1, B(k) = A·B(k−1) ÷ (k + A·B(k−1)) and
C = N·B ÷ (N − A·(1 − B)), which never forms A^N or N!, so N in the thousands does not overflow.
The model assumes Poisson arrivals, exponential handle times and no abandonment; it therefore
over-staffs slightly when callers hang up.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd

__all__ = [
    "StaffingResult",
    "average_speed_of_answer",
    "erlang_c",
    "required_agents",
    "service_level",
    "staffing_plan",
    "traffic_intensity",
]

# Result columns that staffing_plan adds to the forecast frame, in order.
PLAN_COLUMNS = [
    "traffic_erlangs", "agents", "scheduled_staff", "service_level",
    "probability_wait", "asa_seconds", "occupancy",
]


@dataclass(frozen=True)
class StaffingResult:
    """Erlang C staffing for one interval (times in seconds, calls per interval)."""

    agents: int  # agents on the phones (N)
    scheduled_staff: int  # ⌈N / (1 − shrinkage)⌉
    service_level: float  # share answered within target_answer_seconds, 0..1
    probability_wait: float  # Erlang C Pw, 0..1
    asa_seconds: float  # average speed of answer, seconds
    occupancy: float  # A / N, 0..1 (0 when no calls)
    traffic_erlangs: float  # A
    calls: float
    interval_seconds: float
    aht_seconds: float
    target_service_level: float
    target_answer_seconds: float
    shrinkage: float
    max_occupancy: float | None

    def as_dict(self) -> dict:
        """The result as a plain dict (for JSON or a DataFrame row)."""
        return asdict(self)


def _check_finite(name: str, value: float) -> None:
    if value is None or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}.")


def _check_agents(agents: int) -> int:
    if isinstance(agents, bool) or int(agents) != agents or agents < 0:
        raise ValueError(f"agents must be a whole number ≥ 0, got {agents!r}.")
    return int(agents)


def _check_traffic(traffic_erlangs: float) -> None:
    _check_finite("traffic_erlangs", traffic_erlangs)
    if traffic_erlangs < 0:
        raise ValueError(f"traffic_erlangs must be ≥ 0, got {traffic_erlangs!r}.")


def traffic_intensity(calls: float, interval_seconds: float, aht_seconds: float) -> float:
    """Offered traffic A in Erlangs = calls × AHT ÷ interval (GUIDE.md §5).

    ``calls`` is the number of calls offered in the interval, ``interval_seconds`` the interval
    length in seconds (1800 for half-hours) and ``aht_seconds`` the average handle time in seconds.
    """
    _check_finite("calls", calls)
    _check_finite("interval_seconds", interval_seconds)
    _check_finite("aht_seconds", aht_seconds)
    if calls < 0:
        raise ValueError(f"calls must be ≥ 0, got {calls!r}.")
    if interval_seconds <= 0:
        raise ValueError(f"interval_seconds must be > 0, got {interval_seconds!r}.")
    if aht_seconds <= 0:
        raise ValueError(f"aht_seconds must be > 0, got {aht_seconds!r}.")
    return calls * aht_seconds / interval_seconds


def _erlang_b(traffic: float, agents: int) -> float:
    """Erlang B blocking probability by the stable recursion (no factorials)."""
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return b


def _c_from_b(traffic: float, agents: int, b: float) -> float:
    return agents * b / (agents - traffic * (1.0 - b))


def erlang_c(traffic_erlangs: float, agents: int) -> float:
    """Probability that a call waits (Erlang C Pw), 0..1 (GUIDE.md §5; Erlang 1917).

    ``traffic_erlangs`` is A = calls × AHT ÷ interval; ``agents`` is N. Returns 1.0 when A ≥ N
    (the queue grows without bound) and 0.0 when there is no traffic. Works for N up to many
    thousands: computed from the Erlang B recursion, never from A^N or N!.
    """
    _check_traffic(traffic_erlangs)
    n = _check_agents(agents)
    if traffic_erlangs == 0:
        return 0.0
    if traffic_erlangs >= n:
        return 1.0
    return _c_from_b(traffic_erlangs, n, _erlang_b(traffic_erlangs, n))


def _sl(pw: float, traffic: float, agents: int, aht: float, t: float) -> float:
    return 1.0 - pw * math.exp(-(agents - traffic) * t / aht)


def service_level(
    traffic_erlangs: float, agents: int, aht_seconds: float, target_answer_seconds: float
) -> float:
    """Share of calls answered within ``target_answer_seconds``: SL(t) = 1 − Pw·e^(−(N−A)·t/AHT).

    Source: GUIDE.md §5 (Erlang C). Times in seconds. Returns 0.0 when A ≥ N (unstable queue)
    and 1.0 when there is no traffic.
    """
    _check_traffic(traffic_erlangs)
    n = _check_agents(agents)
    _check_finite("aht_seconds", aht_seconds)
    _check_finite("target_answer_seconds", target_answer_seconds)
    if aht_seconds <= 0:
        raise ValueError(f"aht_seconds must be > 0, got {aht_seconds!r}.")
    if target_answer_seconds < 0:
        raise ValueError(f"target_answer_seconds must be ≥ 0, got {target_answer_seconds!r}.")
    if traffic_erlangs == 0:
        return 1.0
    if traffic_erlangs >= n:
        return 0.0
    pw = erlang_c(traffic_erlangs, n)
    return _sl(pw, traffic_erlangs, n, aht_seconds, target_answer_seconds)


def average_speed_of_answer(traffic_erlangs: float, agents: int, aht_seconds: float) -> float:
    """Average speed of answer in seconds: ASA = Pw·AHT ÷ (N − A) (GUIDE.md §5, Erlang C).

    Averaged over all offered calls (those answered at once count as 0 s). Returns ``inf`` when
    A ≥ N and 0.0 when there is no traffic.
    """
    _check_traffic(traffic_erlangs)
    n = _check_agents(agents)
    _check_finite("aht_seconds", aht_seconds)
    if aht_seconds <= 0:
        raise ValueError(f"aht_seconds must be > 0, got {aht_seconds!r}.")
    if traffic_erlangs == 0:
        return 0.0
    if traffic_erlangs >= n:
        return math.inf
    return erlang_c(traffic_erlangs, n) * aht_seconds / (n - traffic_erlangs)


def _scheduled(agents: int, shrinkage: float) -> int:
    # round() first so that 14 / 0.7 = 20.000000000000004 is not ceiled to 21.
    return int(math.ceil(round(agents / (1.0 - shrinkage), 9)))


def required_agents(
    calls: float,
    interval_seconds: float,
    aht_seconds: float,
    target_service_level: float,
    target_answer_seconds: float,
    shrinkage: float = 0.0,
    max_occupancy: float | None = None,
) -> StaffingResult:
    """Fewest agents N that answer ``target_service_level`` of calls within ``target_answer_seconds``.

    Units: ``calls`` offered per interval; ``interval_seconds``, ``aht_seconds`` and
    ``target_answer_seconds`` in seconds; ``target_service_level`` a share in (0, 1) (0.8 = 80 %);
    ``shrinkage`` the share of paid time not on the phones, in [0, 1); ``max_occupancy``, if given,
    an upper bound on A/N in (0, 1]. Source: Erlang C as defined in GUIDE.md §5; reference case:
    100 calls / 1800 s, AHT 180 s, 80 % in 20 s → 14 agents (SL 0.888350), 20 scheduled at 30 %.

    Zero calls give 0 agents. Raises ValueError for invalid inputs.
    """
    traffic = traffic_intensity(calls, interval_seconds, aht_seconds)
    _check_finite("target_service_level", target_service_level)
    _check_finite("target_answer_seconds", target_answer_seconds)
    _check_finite("shrinkage", shrinkage)
    if not 0 < target_service_level < 1:
        raise ValueError(
            f"target_service_level must be between 0 and 1 (exclusive), got {target_service_level!r}."
        )
    if target_answer_seconds < 0:
        raise ValueError(f"target_answer_seconds must be ≥ 0, got {target_answer_seconds!r}.")
    if not 0 <= shrinkage < 1:
        raise ValueError(f"shrinkage must be in [0, 1), got {shrinkage!r}.")
    if max_occupancy is not None:
        _check_finite("max_occupancy", max_occupancy)
        if not 0 < max_occupancy <= 1:
            raise ValueError(f"max_occupancy must be in (0, 1], got {max_occupancy!r}.")
    inputs = dict(
        calls=float(calls), interval_seconds=float(interval_seconds), aht_seconds=float(aht_seconds),
        target_service_level=float(target_service_level),
        target_answer_seconds=float(target_answer_seconds), shrinkage=float(shrinkage),
        max_occupancy=None if max_occupancy is None else float(max_occupancy),
    )
    if traffic == 0:
        return StaffingResult(0, 0, 1.0, 0.0, 0.0, 0.0, 0.0, **inputs)

    # Smallest stable staffing: N > A (and A/N ≤ max_occupancy), then step N up one at a time,
    # carrying the Erlang B recursion forward so the search costs O(N) overall.
    n = math.floor(traffic) + 1
    if max_occupancy is not None:
        n = max(n, math.ceil(round(traffic / max_occupancy, 9)))
    b = _erlang_b(traffic, n)
    while True:
        pw = _c_from_b(traffic, n, b)
        sl = _sl(pw, traffic, n, aht_seconds, target_answer_seconds)
        if sl >= target_service_level:
            break
        n += 1
        b = traffic * b / (n + traffic * b)
    return StaffingResult(
        agents=n,
        scheduled_staff=_scheduled(n, shrinkage),
        service_level=sl,
        probability_wait=pw,
        asa_seconds=pw * aht_seconds / (n - traffic),
        occupancy=traffic / n,
        traffic_erlangs=traffic,
        **inputs,
    )


def staffing_plan(
    forecast: pd.DataFrame,
    interval_seconds: float,
    aht_seconds: float,
    target_service_level: float = 0.8,
    target_answer_seconds: float = 20.0,
    shrinkage: float = 0.0,
    max_occupancy: float | None = None,
    calls_col: str = "calls",
) -> pd.DataFrame:
    """Erlang C staffing for every row of a call forecast (GUIDE.md §5).

    ``forecast`` has one row per interval with columns ``interval_start`` and ``calls`` (calls
    offered in that interval; fractional forecasts are fine). Other arguments as in
    :func:`required_agents`. Returns a copy of ``forecast`` with added columns:
    ``traffic_erlangs``, ``agents``, ``scheduled_staff`` (int), ``service_level``,
    ``probability_wait``, ``occupancy`` (shares 0..1) and ``asa_seconds`` (seconds).
    """
    missing = {"interval_start", calls_col} - set(forecast.columns)
    if missing:
        raise ValueError(f"forecast is missing column(s) {sorted(missing)}.")
    calls = pd.to_numeric(forecast[calls_col], errors="coerce")
    if calls.isna().any():
        raise ValueError(f"forecast column {calls_col!r} has missing or non-numeric values.")
    cache: dict[float, StaffingResult] = {}
    rows = []
    for c in calls.to_numpy(dtype=float):
        if c not in cache:
            cache[c] = required_agents(
                c, interval_seconds, aht_seconds, target_service_level,
                target_answer_seconds, shrinkage, max_occupancy,
            )
        r = cache[c]
        rows.append([getattr(r, col) for col in PLAN_COLUMNS])
    dtypes = {c: ("int64" if c in ("agents", "scheduled_staff") else "float64") for c in PLAN_COLUMNS}
    added = pd.DataFrame(rows, columns=PLAN_COLUMNS, index=forecast.index).astype(dtypes)
    out = forecast.copy()
    for col in PLAN_COLUMNS:
        out[col] = added[col]
    return out
