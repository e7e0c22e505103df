"""Erlang X against the simulation of the same centre (sim.studies.agreement.erlang_x).

The formula is solved exactly from its Markov chain; the simulation runs the
centre with lines, exponential patience and redials after an exponential
delay, stationary. Rows must agree within the t limit of 4 standard errors;
and the comparison must have the power to tell the classical fixed point
(redials taken as fresh Poisson calls) apart where its assumption fails.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest

from sim.model.attempt_log import ABANDONED, ANSWERED, ATTEMPT_COLUMNS, BUSY_TONE
from sim.studies import agreement
from sim.studies.agreement import erlang_x
from sim.studies.agreement.estimates import Published, ratio_estimate, z_limit, z_score
from sim.studies.agreement.logs import per_replication


@pytest.fixture(scope="module")
def rows():
    return agreement.erlang_x_rows(30, seed=7)


def test_every_erlang_x_row_agrees_with_the_simulation_of_the_same_centre(rows):
    assert {r["case"] for r in rows} == {f"{c.case} (Erlang X)" for c in erlang_x.CASES}
    for row in rows:
        assert row["replications"] == 30
        assert row["verdict"] == "agrees", (row["case"], row["measure"], row["published"], row["humanline"], row["z"])


def test_busy_tones_are_compared_only_where_there_are_lines_and_redials_only_where_callers_redial(rows):
    by_case = {}
    for r in rows:
        by_case.setdefault(r["case"].split()[0], set()).add(r["measure"])
    for case in erlang_x.CASES:
        measures = by_case[case.case]
        assert ("p_block" in measures) == (case.lines is not None)
        assert ("p_lost" in measures) == (case.redial_probability > 0)
    tight = next(r for r in rows if r["case"].startswith("X2") and r["measure"] == "p_block")
    assert tight["published"] > 0.01 and tight["humanline"] > 0.01  # the lines really bind


def test_the_comparison_tells_the_fixed_point_apart_where_redials_come_back_fast():
    # X4: overloaded, tight lines, redials after 2 min: the fixed point understates blocking
    case = next(c for c in erlang_x.CASES if c.case == "X4")
    days = pd.DataFrame(per_replication(erlang_x.case_scenario(case), partial(erlang_x.counts, agents=case.agents),
                                        60, seed=3))
    ours = ratio_estimate(days["busy_tone"], days["attempts"])
    exact = case.formula()
    fixed = Published(exact.fixed_point.p_block)
    assert abs(z_score(ours, Published(exact.p_block))) <= z_limit(ours, Published(exact.p_block))
    assert z_score(ours, fixed) > z_limit(ours, fixed)


def _log(rows):
    cols = {name: n for n, name in enumerate(ATTEMPT_COLUMNS)}
    out = np.full((len(rows), len(ATTEMPT_COLUMNS)), np.nan)
    for i, (incident, attempt, arrive, enqueue, leave, outcome, service) in enumerate(rows):
        out[i, [cols["incident"], cols["attempt"], cols["arrive_s"], cols["enqueue_s"], cols["leave_queue_s"],
                cols["outcome"], cols["service_s"]]] = (incident, attempt, arrive, enqueue, leave, outcome, service)
    return out


def test_counts_take_the_attempts_of_the_measured_hours_and_follow_incidents_through_their_redials():
    log = _log([
        (0, 0, 50.0, 50.0, 50.0, ANSWERED, 100.0),  # before the warm-up ends: left out (its service partly in)
        (1, 0, 200.0, np.nan, np.nan, BUSY_TONE, 0.0),  # blocked, redials and gets through: not lost
        (1, 1, 300.0, 300.0, 310.0, ANSWERED, 50.0),  # waited 10 s: in target
        (2, 0, 400.0, 400.0, 460.0, ABANDONED, 0.0),  # abandoned, never back: lost
        (3, 0, 900.0, 900.0, 900.0, ANSWERED, 500.0),  # in the tail: counted per attempt, not per incident
    ])
    c = erlang_x.counts(log, agents=2, from_s=100.0, until_s=1000.0, tail_s=200.0)
    assert (c["attempts"], c["fresh"], c["busy_tone"], c["abandoned"]) == (4, 3, 1, 1)
    assert c["waited"] == 2 and c["in_target"] == 2
    assert (c["incidents"], c["lost"]) == (2, 1)
    assert c["busy_s"] == pytest.approx(50.0 + 50.0 + 100.0)  # clipped to [100, 1000)
    assert c["agent_s"] == 2 * 900.0


def test_humanlines_cap_on_attempts_cannot_show_in_any_case():
    # the module docstring's claim: a share (r p)^(cap - 1) of incidents would redial past the cap
    for case in erlang_x.CASES:
        x = case.formula()
        per_attempt_loss = x.p_block + x.queue.p_abandon
        assert (case.redial_probability * per_attempt_loss) ** (erlang_x.MAX_ATTEMPTS - 1) < 1e-40, case.case
        assert erlang_x.case_scenario(case).contact_types[0].redial.max_attempts == (
            erlang_x.MAX_ATTEMPTS if case.redial_probability else 1)
