"""Small builders for engine tests: scenarios and hand-made workloads.

Behaviour tests need exact control over who arrives when and how long each
contact takes, so they bypass the random arrival stream and give the engine a
``Workload`` built by hand.
"""

from __future__ import annotations

import numpy as np

from sim.model.engine import ATTEMPT_COLUMNS
from sim.model.metrics import summarise_run
from sim.model.roster import build_roster
from sim.model.scenario import Scenario
from sim.model.simulation import simulate
from sim.model.workload import TypeWorkload, Workload, named_stream


def contact_type(id="calls", **overrides) -> dict:
    base = {
        "id": id,
        "volume": {"per_day": 100},
        "handle_time_s": {"dist": "exponential", "mean": 180},
        "patience_s": {"dist": "exponential", "mean": 300},
    }
    base.update(overrides)
    return base


def shift(id="all", start="00:00", length_h=24, headcount=1, **overrides) -> dict:
    return {"id": id, "start": start, "length_h": length_h, "headcount": headcount, **overrides}


def scenario(types=None, shifts=None, **overrides) -> Scenario:
    data = {
        "days": 1,
        "contact_types": types or [contact_type()],
        "agents": {"shifts": shifts if shifts is not None else [shift()]},
    }
    data.update(overrides)
    return Scenario.model_validate(data)


def hand_workload(
    sc: Scenario,
    arrivals: dict[str, list[float]],
    amount_at_risk: float = 0.0,
    u_emergency_line=1.0,
    extra=None,
    **attempt_values,
) -> Workload:
    """A workload with given arrival instants per type id.

    ``attempt_values`` sets every attempt of every incident, e.g.
    ``handle_s=600, patience_s=1e9``; per type: ``handle_s={"calls": [600, 60]}``
    gives incident-by-incident values (same for each attempt). ``amount_at_risk``
    and ``u_emergency_line`` are per incident, given the same way. ``extra``
    fixes the numbers of features only some policies draw (callbacks), e.g.
    ``{"u_callback_accept": 0.0, "callback_dial_s": 20}``, the same for every type.
    """
    defaults = dict(
        patience_s=1e9, handle_s=60.0, acw_s=0.0, u_balk=1.0, u_redial=1.0, redial_delay_s=60.0,
        bot_time_s=30.0, u_bot_outcome=1.0, u_bot_recognise=1.0, u_find_human=0.0, return_delay_s=600.0,
    )
    defaults.update(attempt_values)
    types = []
    for ct in sc.contact_types:
        times = np.asarray(sorted(arrivals.get(ct.id, [])), dtype=float)
        n, m = times.size, ct.redial.max_attempts

        def column(value, per_incident=False):
            if isinstance(value, dict):
                value = value.get(ct.id, 0.0)
            arr = np.asarray(value, dtype=float)
            size = n if per_incident else n * m
            if arr.ndim == 0:
                return np.full(size, float(arr))
            return arr if per_incident else np.repeat(arr, m)

        types.append(
            TypeWorkload(
                arrival_s=times,
                amount_at_risk=column(amount_at_risk, per_incident=True),
                u_emergency_line=column(u_emergency_line, per_incident=True),
                max_attempts=m,
                extra_given={"u_callback_accept": 1.0, "u_callback_answer": 0.0, **(extra or {})},
                # Numbers a test does not fix come from streams of a fixed seed.
                extra_stream=lambda *names, _id=ct.id: named_stream(np.random.SeedSequence(0), _id, *names),
                **{k: column(v) for k, v in defaults.items()},
            )
        )
    return Workload(types=tuple(types), busyness=np.ones(sc.days))


def run_hand(sc: Scenario, arrivals, seed=0, **values):
    """Simulate a hand workload; returns (attempt log as dict of columns, run log, tables)."""
    workload = hand_workload(sc, arrivals, **values)
    roster = build_roster(sc, np.random.SeedSequence(seed))
    log = simulate(sc, workload, roster)
    columns = {name: log.attempts[:, n] for n, name in enumerate(ATTEMPT_COLUMNS)}
    return columns, log, summarise_run(sc, workload, roster, log, keep_incidents="all")
