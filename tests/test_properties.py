"""Invariants that must hold for any scenario: conservation, causality, Little's law, reproducibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.model.engine import (
    ABANDONED,
    ANSWERED,
    BALKED,
    BLOCKED,
    BOT_FALSE_RESOLVED,
    BOT_RESOLVED,
)
from sim.model.metrics import summarise_run
from sim.model.roster import build_roster
from sim.model.scenario import Scenario
from sim.model.simulation import simulate
from sim.model.workload import draw_workload

DIST = st.sampled_from(
    [
        {"dist": "exponential", "mean": 120},
        {"dist": "lognormal", "mean": 200, "cv": 1.2},
        {"dist": "gamma", "mean": 60, "cv": 0.5},
        {"dist": "weibull", "shape": 0.7, "scale": 150},
        {"dist": "deterministic", "value": 90},
        {"dist": "empirical", "values": [10, 50, 400]},
    ]
)


@st.composite
def scenarios(draw) -> Scenario:
    n_types = draw(st.integers(1, 3))
    types = []
    for k in range(n_types):
        types.append(
            {
                "id": f"t{k}",
                "emergency": (emergency := draw(st.booleans())),
                "priority": draw(st.integers(0, 3)),
                "skill": draw(st.sampled_from(["a", "b"])),
                "volume": {"per_day": draw(st.floats(20, 400))},
                "handle_time_s": draw(DIST),
                "after_contact_work_s": draw(DIST),
                "patience_s": draw(DIST),
                "balk_probability": draw(st.sampled_from([0.0, 0.3])),
                "redial": {
                    "probability": draw(st.sampled_from([0.0, 0.5, 1.0])),
                    "delay_s": draw(DIST),
                    "max_attempts": draw(st.integers(1, 4)),
                },
                "bot": {
                    "resolve_probability": draw(st.sampled_from([0.0, 0.4])),
                    "false_resolution_probability": draw(st.sampled_from([0.0, 0.2])),
                    "recognise_emergency_probability": draw(st.sampled_from([0.0, 0.7])),
                    "time_s": draw(DIST),
                },
                "loss": {"amount_at_risk": {"dist": "gamma", "mean": 2000, "cv": 1.0}} if emergency else {},
            }
        )
    shifts = [
        {
            "id": f"s{n}",
            "start": f"{draw(st.integers(0, 23)):02d}:00",
            "length_h": draw(st.sampled_from([4, 8, 12])),
            "headcount": draw(st.integers(0, 4)),
            "skills": draw(st.sampled_from([None, ["a"], ["b"]])),
            "breaks": draw(st.sampled_from([[], [{"after_h": 2, "length_min": 15}]])),
        }
        for n in range(draw(st.integers(0, 3)))
    ]
    door = {
        "bot_enabled": draw(st.booleans()),
        "bot_only_hours": draw(st.sampled_from([[], ["22:00-06:00"]])),
        "menu_s": draw(st.sampled_from([0, 45])),
        "human_option_found_probability": draw(st.sampled_from([1.0, 0.6])),
        "attempts_before_human": draw(st.integers(1, 2)),
    }
    return Scenario.model_validate(
        {
            "days": draw(st.integers(1, 2)),
            "interval_min": draw(st.sampled_from([15, 30, 60])),
            "busyness_cv": draw(st.sampled_from([0.0, 0.2])),
            "contact_types": types,
            "agents": {"shifts": shifts, "absence_probability": draw(st.sampled_from([0.0, 0.2]))},
            "front_door": door,
        }
    )


def _run_one(sc: Scenario, seed: int):
    ws, rs = np.random.SeedSequence(seed).spawn(2)
    workload = draw_workload(sc, ws)
    roster = build_roster(sc, rs)
    log = simulate(sc, workload, roster)
    return workload, roster, log


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_every_attempt_ends_in_exactly_one_outcome_and_times_are_causal(sc, seed):
    workload, roster, log = _run_one(sc, seed)
    col = log.column
    outcome = col("outcome")
    # Every incident's attempts are numbered 0..n-1 with no gaps or repeats.
    for k, tw in enumerate(workload.types):
        mine = col("type") == k
        pairs = set(zip(col("incident")[mine].astype(int), col("attempt")[mine].astype(int)))
        assert len(pairs) == mine.sum()
        first = {i for i, j in pairs if j == 0}
        assert first == set(range(tw.incidents))
        assert all((i, j - 1) in pairs for i, j in pairs if j > 0)
        assert max((j for _, j in pairs), default=0) < tw.max_attempts
    assert set(np.unique(outcome)) <= {ANSWERED, ABANDONED, BALKED, BOT_RESOLVED, BOT_FALSE_RESOLVED, BLOCKED}
    offered = ~np.isnan(col("enqueue_s"))
    assert np.all(np.isin(outcome[offered], [ANSWERED, ABANDONED, BALKED]))
    assert np.all(np.isin(outcome[~offered], [BOT_RESOLVED, BOT_FALSE_RESOLVED, BLOCKED]))
    wait = col("leave_queue_s") - col("enqueue_s")
    assert np.all(wait[offered] >= 0)
    assert np.all(col("enqueue_s")[offered] >= col("arrive_s")[offered])
    assert np.all(col("arrive_s") >= 0)
    # Agents leave no earlier than they came and never before their shift ends
    # unless the run ended with nothing left to do.
    worked = ~np.isnan(log.agent_leave_s)
    assert np.all(log.agent_leave_s[worked] >= log.agent_start_s[worked])

    tables = summarise_run(sc, workload, roster, log)
    t = tables.by_type
    assert (t["attempts"] == t["answered"] + t["abandoned"] + t["bot_resolved"] + t["bot_false_resolved"]
            + t["blocked"]).all()
    assert (t["offered"] == t["answered"] + t["abandoned"]).all()
    assert (t["balked"] <= t["abandoned"]).all()
    assert (t["reached_human"] <= t["incidents"]).all()
    assert (t["within_guarantee"] <= t["reached_human"]).all()
    assert (t["delayed"] <= t["offered"]).all()
    assert np.isclose(t["agent_cost"].sum(), tables.agents["agent_cost"].sum())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_littles_law_queue_area_equals_total_waiting_time(sc, seed):
    """Integral of the queue length over time equals the sum of waits (L = lambda W, pathwise)."""
    workload, roster, log = _run_one(sc, seed)
    tables = summarise_run(sc, workload, roster, log)
    wait = log.column("leave_queue_s") - log.column("enqueue_s")
    # Only waiting that happened inside the horizon shows up in the interval series.
    inside = np.clip(np.minimum(log.column("leave_queue_s"), sc.horizon_s) - log.column("enqueue_s"), 0, None)
    area = (tables.intervals.groupby("interval")["queue_length_mean"].sum() * sc.interval_s).sum()
    assert area == pytest.approx(np.nansum(inside), rel=1e-9, abs=1e-6)
    assert np.nansum(inside) <= np.nansum(wait) + 1e-9


def _classroom() -> Scenario:
    return sim.load_scenario("scenarios/classroom_mmcm.yaml")


def test_same_seed_gives_identical_results_and_another_seed_does_not():
    sc = _classroom()
    first = sim.run(sc, settings=sim.RunSettings(replications=2, seed=11))
    again = sim.run(sc, settings=sim.RunSettings(replications=2, seed=11))
    other = sim.run(sc, settings=sim.RunSettings(replications=2, seed=12))
    pd.testing.assert_frame_equal(first.replications, again.replications)
    pd.testing.assert_frame_equal(first.intervals, again.intervals)
    assert not first.replications.equals(other.replications)


def test_parallel_replications_equal_sequential_ones():
    sc = _classroom()
    sequential = sim.run(sc, settings=sim.RunSettings(replications=3, seed=5, workers=1))
    parallel = sim.run(sc, settings=sim.RunSettings(replications=3, seed=5, workers=2))
    pd.testing.assert_frame_equal(sequential.replications, parallel.replications)
    pd.testing.assert_frame_equal(sequential.incidents, parallel.incidents)


def test_every_policy_of_a_replication_meets_the_same_incidents():
    sc = _classroom()
    res = sim.run(sc, settings=sim.RunSettings(replications=3, seed=9))
    incidents = res.replications.pivot_table(index="replication", columns="policy", values="incidents")
    assert (incidents.nunique(axis=1) == 1).all()


def test_a_policy_identical_to_the_baseline_differs_by_exactly_zero():
    sc = _classroom()
    twin = sc.policies[0].model_copy(update={"id": "twin", "baseline": False})
    sc = sc.model_copy(update={"policies": [*sc.policies, twin]})
    cmp = sim.run(sc, settings=sim.RunSettings(replications=3, seed=3)).compare()
    twin_rows = cmp[cmp.policy == "twin"].dropna(subset=["difference"])
    assert len(twin_rows) > 10
    assert (twin_rows["difference"] == 0).all()
    assert (twin_rows["ci_low"].fillna(0) == 0).all() and (twin_rows["ci_high"].fillna(0) == 0).all()
