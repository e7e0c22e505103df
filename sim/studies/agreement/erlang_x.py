"""Erlang X against the simulation of the same centre: finite lines, abandonment and redials.

``sim.analytic.erlang.erlang_x_metrics`` (Koole's Erlang X: M/M/N/L+M, Poisson
fresh calls, exponential handle times and patience, N agents, L lines held
from arrival to the end of the conversation, a blocked or abandoned attempt
redialled with probability r after an exponential delay) is solved exactly
from its Markov chain when a redial delay is given. Each case of ``CASES`` is
that centre written as a humanline scenario (``case_scenario``): a constant
rate all day, one 24-hour shift of N agents, ``capacity.lines`` = L (none:
unlimited), ``redial`` with the same probability for a busy tone and an
abandonment and an exponential delay. It is run stationary: one 24-hour day
whose first ``WARMUP_H`` hours are left out, every measure counted over the
attempts (fresh calls and redials alike) that arrive in the rest of the day,
as Erlang X counts them per attempt (``counts``). The published value is the
formula's, exact, so the combined uncertainty is the simulation's alone.

Where the two cannot agree, and what the table does about it:

- Erlang X redials without end; humanline caps the attempts of one incident
  at ``redial.max_attempts`` (at most 50). With loss p per attempt and redial
  probability r, a share (r p)^49 of incidents reaches the cap: below 1e-40
  in every case here, so the cap is set to 50 and does not show.
- The loss per *fresh call* (``p_lost``) follows an incident through its
  redials; an incident that starts near the end of the day redials into a
  centre that takes no more fresh calls, an easier centre than the formula's.
  So it is counted over the incidents that start at least ``TAIL_H`` hours
  before the end (many redial delays).
- Erlang X's *fixed point* (``redial_delay_s=None`` in the formula) treats
  redials as fresh Poisson calls; a caller who just failed redials into the
  congestion that made it fail, so at short delays it understates blocking.
  The rows compare with the exact chain and say, in their note, how far the
  fixed point is from the simulation: that is where the classical formula's
  assumption does not hold.
- The formula knows no bot, menus, breaks, shift changes, callbacks or
  priorities; the scenarios here have none (humanline's defaults).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.analytic.erlang import ErlangX, erlang_x_metrics
from sim.model.attempt_log import ABANDONED, ANSWERED, BUSY_TONE
from sim.model.scenario import Scenario
from sim.studies.agreement.logs import COLUMN, busy_seconds

WARMUP_H = 2.0  # the day starts empty; the orbit of redials settles within minutes at these delays
DAY_S = 86400.0
TAIL_H = 2.0  # incidents starting in the last TAIL_H hours are left out of the loss per fresh call
TARGET_S = 20.0
MAX_ATTEMPTS = 50  # humanline's cap (scenario.Redial.max_attempts): see the module docstring
CITATION = ("sim.analytic.erlang.erlang_x_metrics: Erlang X (Koole), M/M/N/L+M with redials, "
            "the exact Markov chain on (callers on the lines, customers waiting to redial)")


@dataclass(frozen=True)
class Case:
    """One centre: fresh calls an hour, mean handle and patience, agents, lines (None: unlimited), redials."""

    case: str
    title: str
    calls_per_h: float
    aht_s: float
    patience_s: float
    agents: int
    lines: int | None
    redial_probability: float = 0.0
    redial_delay_s: float | None = None

    @property
    def settings(self) -> str:
        lines = "unlimited lines" if self.lines is None else f"{self.lines} lines"
        redial = (f"redial probability {self.redial_probability:g} after exp. mean {self.redial_delay_s:g} s "
                  "(busy tone and abandonment alike)" if self.redial_probability else "no redials")
        return (f"{self.calls_per_h:g} fresh calls/h (Poisson), handle exp. mean {self.aht_s:g} s, patience exp. "
                f"mean {self.patience_s:g} s, {self.agents} agents, {lines}, {redial}")

    def formula(self) -> ErlangX:
        return erlang_x_metrics(self.calls_per_h / 3600.0, self.aht_s, self.patience_s, self.agents, self.lines,
                                self.redial_probability, TARGET_S, redial_delay_s=self.redial_delay_s)


CASES: tuple[Case, ...] = (
    Case("X1", "fully loaded, loose lines, no redials", 240.0, 180.0, 300.0, 12, 24),
    Case("X2", "tight lines, no redials", 200.0, 180.0, 300.0, 14, 16),
    Case("X3", "tight lines, redials after 5 min", 200.0, 180.0, 300.0, 14, 16, 0.5, 300.0),
    Case("X4", "overloaded, tight lines, redials after 2 min", 240.0, 180.0, 300.0, 12, 18, 0.6, 120.0),
    Case("X5", "overloaded, unlimited lines, redials after 2 min", 240.0, 180.0, 300.0, 12, None, 0.6, 120.0),
)


def case_scenario(case: Case) -> Scenario:
    """The centre of ``case`` in humanline: one stationary day, the first WARMUP_H hours left out."""
    redial: dict = {"max_attempts": MAX_ATTEMPTS if case.redial_probability else 1}
    if case.redial_probability:
        redial.update(probability=case.redial_probability,
                      delay_s={"dist": "exponential", "mean": case.redial_delay_s})
    data = {
        "name": f"Erlang X {case.case}",
        "days": 1,
        "warmup_h": WARMUP_H,
        "contact_types": [{
            "id": "calls", "target_s": TARGET_S, "volume": {"per_day": case.calls_per_h * 24.0},
            "handle_time_s": {"dist": "exponential", "mean": case.aht_s},
            "patience_s": {"dist": "exponential", "mean": case.patience_s},
            "redial": redial,
        }],
        "agents": {"shifts": [{"id": "all", "start": "00:00", "length_h": 24, "headcount": case.agents}]},
        "replications": 1,
    }
    if case.lines is not None:
        data["capacity"] = {"lines": case.lines}
    return Scenario.model_validate(data)


def counts(attempts: np.ndarray, agents: int, from_s: float = WARMUP_H * 3600.0, until_s: float = DAY_S,
           tail_s: float = TAIL_H * 3600.0) -> dict[str, float]:
    """One day's counts over the attempts arriving in [from_s, until_s), as Erlang X counts them.

    An attempt *waits* when it finds every agent busy and a line free: it is
    answered after a positive wait or abandons. In target: answered with a
    wait <= TARGET_S (those answered at once included), over all attempts.
    """
    arrive = attempts[:, COLUMN["arrive_s"]]
    inside = (arrive >= from_s) & (arrive < until_s)
    a = attempts[inside]
    outcome = a[:, COLUMN["outcome"]]
    wait = a[:, COLUMN["leave_queue_s"]] - a[:, COLUMN["enqueue_s"]]
    answered, abandoned = outcome == ANSWERED, outcome == ABANDONED
    incident, first = attempts[:, COLUMN["incident"]], attempts[:, COLUMN["attempt"]] == 0
    starts = first & (arrive >= from_s) & (arrive < until_s - tail_s)
    got_through = np.isin(incident[starts], incident[attempts[:, COLUMN["outcome"]] == ANSWERED])
    return {
        "attempts": float(inside.sum()),
        "fresh": float((a[:, COLUMN["attempt"]] == 0).sum()),
        "busy_tone": float((outcome == BUSY_TONE).sum()),
        "waited": float(((answered & (wait > 0)) | abandoned).sum()),
        "abandoned": float(abandoned.sum()),
        "in_target": float((answered & (wait <= TARGET_S)).sum()),
        "busy_s": busy_seconds(attempts, until_s, from_s),
        "agent_s": agents * (until_s - from_s),
        "incidents": float(starts.sum()),
        "lost": float((~got_through).sum()),
    }


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    estimator: tuple[str, str, str]  # ("ratio", numerator, denominator) of the per-day counts
    definition: str


MEASURES: tuple[Measure, ...] = (
    Measure("p_block", "P(busy tone) per attempt", ("ratio", "busy_tone", "attempts"),
            "attempts that found every line taken (busy tone) / attempts; formula: ErlangX.p_block"),
    Measure("p_wait", "P(wait) per attempt", ("ratio", "waited", "attempts"),
            "attempts that found every agent busy and a line free (answered after a wait > 0, or abandoned) / "
            "attempts; formula: ErlangX.queue.p_wait"),
    Measure("p_abandon", "P(abandon) per attempt", ("ratio", "abandoned", "attempts"),
            "attempts that abandoned in the queue / attempts; formula: ErlangX.queue.p_abandon"),
    Measure("service_level", "answered within 20 s per attempt", ("ratio", "in_target", "attempts"),
            "attempts answered after a wait <= 20 s / attempts (blocked and abandoned in the denominator); "
            "formula: ErlangX.queue.answered_within_target"),
    Measure("occupancy", "agent occupancy", ("ratio", "busy_s", "agent_s"),
            "busy agent-time within the measured hours / (agents x those hours); formula: ErlangX.queue.occupancy"),
    Measure("attempts_per_call", "attempts per fresh call", ("ratio", "attempts", "fresh"),
            "attempts (fresh and redials) / fresh calls arriving in the measured hours; formula: total / fresh "
            "attempt rate"),
    Measure("p_lost", "P(lost) per fresh call", ("ratio", "lost", "incidents"),
            f"incidents starting in the measured hours, the last {TAIL_H:g} h left out, never answered over all "
            "their attempts / those incidents; formula: ErlangX.p_lost"),
)


def formula_value(x: ErlangX, key: str) -> float:
    """The formula's value of measure ``key``."""
    q = x.queue
    return {
        "p_block": x.p_block, "p_wait": q.p_wait, "p_abandon": q.p_abandon,
        "service_level": q.answered_within_target, "occupancy": q.occupancy,
        "attempts_per_call": x.total_rate_per_s / x.fresh_rate_per_s, "p_lost": x.p_lost,
    }[key]


def measures_of(case: Case) -> tuple[Measure, ...]:
    """The measures that say something for ``case``: no busy tone without lines, no redial rows without redials."""
    skip = set()
    if case.lines is None:
        skip.add("p_block")
    if not case.redial_probability:
        skip |= {"attempts_per_call", "p_lost"}  # one attempt per call; lost = blocked + abandoned
    return tuple(m for m in MEASURES if m.key not in skip)
