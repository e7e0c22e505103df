"""Arrival streams: when incidents happen.

Arrivals are a piecewise-constant Poisson process per contact type: the
expected count in each interval comes from the type's daily volume, intraday
profile and weekday factor (or from an explicit table). Real call counts are
over-dispersed relative to Poisson (Jongbloed & Koole 2001; Avramidis et al.
2004); the usual remedy, used here, is a gamma "busyness" factor per day with
mean 1 that multiplies every type's rate on that day, so that a busy Monday is
busy for everyone.

Given the count in an interval, the arrival instants are independent uniforms
within it, which is exactly a Poisson process with that constant rate.
Only first attempts come from here; redials and returns are made by the model.
"""

from __future__ import annotations

import numpy as np

from sim.model.scenario import ContactType, Scenario


def expected_per_interval(scenario: Scenario, contact_type: ContactType) -> np.ndarray:
    """Expected incidents in each interval of the horizon (before busyness)."""
    per_day = scenario.intervals_per_day
    n = per_day * scenario.days
    volume = contact_type.volume
    if volume.table is not None:
        table = np.asarray(volume.table, dtype=float)
        return np.tile(table, scenario.days) if table.size == per_day else table.copy()
    profile = np.ones(per_day) if volume.profile is None else np.asarray(volume.profile, dtype=float)
    shape = profile / profile.sum()
    weekday = np.array([volume.weekday_factors[scenario.weekday_of_day(d)] for d in range(scenario.days)])
    expected = volume.per_day * np.outer(weekday, shape).ravel()
    assert expected.size == n
    return expected


def daily_busyness(scenario: Scenario, rng: np.random.Generator) -> np.ndarray:
    """One multiplicative factor per day: gamma with mean 1 and the scenario's cv."""
    cv = scenario.busyness_cv
    if cv == 0:
        return np.ones(scenario.days)
    shape = 1.0 / cv**2
    return rng.gamma(shape, 1.0 / shape, scenario.days)


def draw_arrival_times(
    expected: np.ndarray, busyness: np.ndarray, interval_s: float, rng: np.random.Generator
) -> np.ndarray:
    """Sorted arrival instants (s) for one type over the horizon."""
    per_day = expected.size // busyness.size
    rates = expected * np.repeat(busyness, per_day)
    counts = rng.poisson(rates)
    starts = np.repeat(np.arange(expected.size) * interval_s, counts)
    times = starts + rng.uniform(0.0, interval_s, starts.size)
    times.sort()
    return times
