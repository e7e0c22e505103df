"""What every staffing method starts from: the interval grid, arrival rates, service times, the roster.

Rostered agents: the policy's roster without absence, as the average number
of agents on duty in each interval with scheduled breaks taken out; per type,
only agents who may serve that type (so shared agents appear under every type
they serve, and per-type gaps do not add up: read totals from the pooled view).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.errors import ArgumentError
from sim.model.arrivals import expected_per_interval
from sim.model.metrics import integrate_level
from sim.model.roster import build_roster
from sim.model.scenario import WEEKDAYS, ContactType, Scenario
from sim.studies.choices import ANALYTIC_METHODS, METHODS

DEFAULT_SERVICE_LEVEL = 0.8  # the industry's "80/20" when a type states only its target seconds
POOLED = "pooled"


class StaffingError(ArgumentError):
    """A requirement that cannot be computed or met."""


def arrival_rates_per_s(scenario: Scenario, contact_type: ContactType) -> np.ndarray:
    """Mean first-attempt arrival rate of a type in each interval of the horizon (per second)."""
    return expected_per_interval(scenario, contact_type) / scenario.interval_s


def mean_service_s(contact_type: ContactType) -> float:
    """Mean time an agent is busy with one contact: handle time plus after-contact work."""
    return contact_type.handle_time_s.expectation() + contact_type.after_contact_work_s.expectation()


def lagged_rates_per_s(rates_per_s: np.ndarray, interval_s: float, lag_s: float) -> np.ndarray:
    """lambda(t - lag_s) averaged over each interval, for a periodic step-function rate series."""
    rates = np.asarray(rates_per_s, dtype=float)
    if lag_s < 0:
        raise StaffingError(f"must be >= 0, got {lag_s!r}", "lag_s")
    steps = lag_s / interval_s
    whole = int(math.floor(steps))
    frac = steps - whole
    return (1.0 - frac) * np.roll(rates, whole) + frac * np.roll(rates, whole + 1)


def interval_frame(scenario: Scenario) -> pd.DataFrame:
    """One row per interval of the horizon: index, start, day, weekday and clock time."""
    n = scenario.n_intervals
    start = scenario.interval_edges_s()[:-1]
    day = (start // 86400).astype(int)
    seconds = (start % 86400).astype(int)
    return pd.DataFrame(
        {
            "interval": np.arange(n),
            "interval_start_s": start,
            "day": day,
            "weekday": [WEEKDAYS[scenario.weekday_of_day(d)] for d in day],
            "time": [f"{s // 3600:02d}:{s % 3600 // 60:02d}" for s in seconds],
        }
    )


def resolve_policy(scenario: Scenario, policy: str | None) -> tuple[Scenario, str]:
    pid = policy or scenario.baseline_policy.id
    try:
        return scenario.for_policy(pid), pid
    except KeyError as exc:
        raise StaffingError(str(exc.args[0]), "policy") from None


def rostered_per_interval(resolved: Scenario, contact_type: ContactType | None = None) -> np.ndarray:
    """Average agents on duty per interval under the roster of an already resolved scenario.

    No absence (it is a draw, not a plan); scheduled breaks taken out. With
    ``contact_type``, only agents whose group may serve it.
    """
    plan = resolved.model_copy(
        update={"agents": resolved.agents.model_copy(update={"absence_probability": 0.0})}
    )
    roster = build_roster(plan, np.random.SeedSequence(0))
    edges = resolved.interval_edges_s()
    shifts = [
        s
        for s in roster.shifts
        if contact_type is None or roster.groups[s.group].can_serve(contact_type.id, contact_type.required_skill)
    ]
    starts = np.array([s.start_s for s in shifts], dtype=float)
    ends = np.array([s.end_s for s in shifts], dtype=float)
    breaks = np.array([b for s in shifts for b in s.breaks], dtype=float).reshape(-1, 2)
    on_break = integrate_level(breaks[:, 0], breaks[:, 0] + breaks[:, 1], edges)
    return (integrate_level(starts, ends, edges) - on_break) / resolved.interval_s
