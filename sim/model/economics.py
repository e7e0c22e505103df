"""Money: what a policy pays for people and bots, and what customers lose.

The loss model for emergencies is a drain curve. An amount is at risk when the
incident starts (a fraud in progress, a hijacked account); it leaves at a
steady relative rate until a human who can freeze the account answers. With a
half-life h the lost fraction after t seconds is ``1 - exp(-t ln 2 / h)``: the
RUSI/Lloyds figure that about half of mule-account funds move on within an
hour fits h near 60 minutes. Draining stops at the first human answer, or at
the end of the incident's loss window (``loss.window_h``, by default the
48 hours of an emergency stop-payment freeze), whichever comes first: an
incident that never reaches a human loses what the curve reaches at the end
of its window, the same wherever in the week it began and however long the
run. (Version 0.1 drained it until the run ended: a victim who gave up late
on the last day lost less than one who gave up on Monday.)

The curve is non-decreasing in t, so a policy that makes people wait longer
never shows smaller losses for the same incident: the comparison cannot
reward slowness by accident.

Agent cost is paid time (overtime at shift end included) at the group's
hourly cost, plus a night premium on the hours inside the night span.
"""

from __future__ import annotations

import math

import numpy as np

_DAY_S = 86400.0


def drained_fraction(elapsed_s: np.ndarray | float, half_life_s: float) -> np.ndarray:
    """Share of the amount at risk gone after ``elapsed_s`` seconds."""
    elapsed = np.maximum(np.asarray(elapsed_s, dtype=float), 0.0)
    return -np.expm1(-elapsed * (math.log(2.0) / half_life_s))


def overlap_with_daily_span(start_s: np.ndarray, end_s: np.ndarray, span: tuple[int, int]) -> np.ndarray:
    """Seconds of each [start, end) that fall inside a daily clock span (which may wrap midnight).

    Closed form, one step per presence whatever its length: with ``F(t)`` the
    span seconds in [0, t) — whole days times the span's length plus the part
    of the last day — the overlap is ``F(end) - F(start)``. (A loop over days
    ran for ever when one heavy-tailed handle time kept an agent on for 1e13
    days.) Times are shifted to the start's midnight first so that ordinary
    presences keep full float precision.
    """
    start_s = np.asarray(start_s, dtype=float)
    end_s = np.maximum(np.asarray(end_s, dtype=float), start_s)
    lo, hi = span
    windows = [(lo, hi)] if lo < hi else [(0, hi), (lo, _DAY_S)]
    midnight = np.floor(start_s / _DAY_S) * _DAY_S
    return _span_seconds_before(end_s - midnight, windows) - _span_seconds_before(start_s - midnight, windows)


def _span_seconds_before(t: np.ndarray, windows: list[tuple[int, int]]) -> np.ndarray:
    """Seconds of [0, t) inside the daily windows, for t >= 0."""
    days = np.floor(t / _DAY_S)
    clock = t - days * _DAY_S
    total = np.zeros_like(t)
    for a, b in windows:
        total += days * (b - a) + np.clip(clock - a, 0.0, b - a)
    return total
