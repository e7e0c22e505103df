"""The workload of one replication: every incident and all its random attributes.

Common random numbers are the point of this module. Policies are compared
within a replication, so every policy must meet the *same* customers: the same
arrival instants, patience, handle times, bot outcomes and amounts at risk.
If those numbers were drawn one after another as the simulation asked for
them, a policy that changes the order of events would change which customer
gets which number, and the comparison would drown in noise.

So everything is drawn up front, before any policy runs, each purpose from its
own ``SeedSequence`` child stream, and indexed by (incident, attempt number).
Attempt ``j`` of incident ``i`` always sees the same patience and handle time,
whichever policy it runs under and whenever that attempt happens.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrivals import daily_busyness, draw_arrival_times, expected_per_interval
from .scenario import ContactType, Scenario

# One child stream per purpose and per contact type. Appending new purposes at
# the end keeps old ones' streams (and so old results) unchanged.
_ATTEMPT_PURPOSES = (
    "patience",
    "handle",
    "acw",
    "balk",
    "redial",
    "redial_delay",
    "bot_time",
    "bot_outcome",
    "bot_recognise",
    "find_human",
    "return_delay",
)
_INCIDENT_PURPOSES = ("arrival", "amount_at_risk", "emergency_line")


@dataclass(frozen=True)
class TypeWorkload:
    """Incidents of one contact type. Attempt arrays are flat: index i * max_attempts + j."""

    arrival_s: np.ndarray
    amount_at_risk: np.ndarray
    u_emergency_line: np.ndarray
    max_attempts: int
    patience_s: np.ndarray
    handle_s: np.ndarray
    acw_s: np.ndarray
    u_balk: np.ndarray
    u_redial: np.ndarray
    redial_delay_s: np.ndarray
    bot_time_s: np.ndarray
    u_bot_outcome: np.ndarray
    u_bot_recognise: np.ndarray
    u_find_human: np.ndarray
    return_delay_s: np.ndarray

    @property
    def incidents(self) -> int:
        return self.arrival_s.size


@dataclass(frozen=True)
class Workload:
    types: tuple[TypeWorkload, ...]
    busyness: np.ndarray


def draw_workload(scenario: Scenario, seed: np.random.SeedSequence) -> Workload:
    """All incidents of one replication, independent of any policy."""
    busy_seed, *type_seeds = seed.spawn(1 + len(scenario.contact_types))
    busyness = daily_busyness(scenario, np.random.default_rng(busy_seed))
    types = tuple(
        _draw_type(scenario, ct, ts, busyness) for ct, ts in zip(scenario.contact_types, type_seeds)
    )
    return Workload(types=types, busyness=busyness)


def _draw_type(
    scenario: Scenario, ct: ContactType, seed: np.random.SeedSequence, busyness: np.ndarray
) -> TypeWorkload:
    streams = dict(
        zip(
            _INCIDENT_PURPOSES + _ATTEMPT_PURPOSES,
            (np.random.default_rng(s) for s in seed.spawn(len(_INCIDENT_PURPOSES) + len(_ATTEMPT_PURPOSES))),
        )
    )
    arrival_s = draw_arrival_times(
        expected_per_interval(scenario, ct), busyness, scenario.interval_s, streams["arrival"]
    )
    n = arrival_s.size
    m = ct.redial.max_attempts
    size = n * m
    amount = (
        ct.loss.amount_at_risk.sample(streams["amount_at_risk"], n)
        if ct.emergency and ct.loss.amount_at_risk is not None
        else np.zeros(n)
    )
    return TypeWorkload(
        arrival_s=arrival_s,
        amount_at_risk=amount,
        u_emergency_line=streams["emergency_line"].random(n),
        max_attempts=m,
        patience_s=ct.patience_s.sample(streams["patience"], size),
        handle_s=ct.handle_time_s.sample(streams["handle"], size),
        acw_s=ct.after_contact_work_s.sample(streams["acw"], size),
        u_balk=streams["balk"].random(size),
        u_redial=streams["redial"].random(size),
        redial_delay_s=ct.redial.delay_s.sample(streams["redial_delay"], size),
        bot_time_s=ct.bot.time_s.sample(streams["bot_time"], size),
        u_bot_outcome=streams["bot_outcome"].random(size),
        u_bot_recognise=streams["bot_recognise"].random(size),
        u_find_human=streams["find_human"].random(size),
        return_delay_s=ct.bot.return_delay_s.sample(streams["return_delay"], size),
    )
