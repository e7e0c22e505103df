"""The workload's random numbers: keyed by name, so nothing added elsewhere changes them."""

from __future__ import annotations

import numpy as np
from support import contact_type, scenario

from sim.model.workload import ATTEMPT_PURPOSES, draw_workload, named_stream

SEED = np.random.SeedSequence(2024)


def _arrays(tw) -> dict[str, np.ndarray]:
    return {"arrival_s": tw.arrival_s, **{name: getattr(tw, name) for name in ATTEMPT_PURPOSES}}


def test_adding_a_contact_type_leaves_every_number_of_the_others_unchanged():
    calls = contact_type("calls", redial={"probability": 0.5, "max_attempts": 3})
    alone = draw_workload(scenario(types=[calls]), SEED)
    with_fraud = draw_workload(scenario(types=[contact_type("fraud", emergency=True), calls]), SEED)
    for name, values in _arrays(alone.types[0]).items():
        np.testing.assert_array_equal(values, getattr(with_fraud.types[1], name), err_msg=name)


def test_a_purpose_draws_the_same_numbers_whether_or_not_others_were_drawn_first():
    sc = scenario(types=[contact_type(redial={"probability": 0.5, "max_attempts": 3})])
    eager = draw_workload(sc, SEED).types[0]
    everything_first = {name: getattr(eager, name).copy() for name in reversed(ATTEMPT_PURPOSES)}
    lazy = draw_workload(sc, SEED).types[0]
    np.testing.assert_array_equal(lazy.patience_s, everything_first["patience_s"])
    np.testing.assert_array_equal(lazy.return_delay_s, everything_first["return_delay_s"])


def test_a_new_purpose_name_gets_a_stream_of_its_own():
    existing = named_stream(SEED, "calls", "patience").random(5)
    assert not np.array_equal(named_stream(SEED, "calls", "callback_accept").random(5), existing)
    np.testing.assert_array_equal(named_stream(SEED, "calls", "patience").random(5), existing)


def test_numbers_a_scenario_cannot_use_are_never_drawn():
    from sim.model.roster import build_roster
    from sim.model.simulation import simulate

    sc = scenario(types=[contact_type()])  # no bot in front, no balking, no redials
    workload = draw_workload(sc, SEED)
    simulate(sc, workload, build_roster(sc, SEED))
    undrawn = {name for name, value in workload.types[0]._attempt.items() if callable(value)}
    assert {"bot_time_s", "u_bot_outcome", "u_balk", "u_redial", "redial_delay_s", "return_delay_s"} <= undrawn
    assert "patience_s" not in undrawn and "handle_s" not in undrawn
