"""The classroom study (sim.studies.classroom): the replayed day, the Erlang curves, the knee, runs, exercises.

The replay is checked against the model's own tables of the same replication
(no second model), the curves against sim.analytic.erlang at every point, and
the frames for the invariants that must hold at every instant.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest
from conftest import MINIMAL_SCENARIO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.analytic.erlang import erlang_a_metrics, erlang_c_metrics
from sim.studies import classroom as C

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = sorted((ROOT / "scenarios" / "exercises").glob("*.exercise.yaml"))


def _preset(name: str) -> sim.Scenario:
    return sim.load_scenario(ROOT / "scenarios" / name)


# ------------------------------------------------------------------- replay

@pytest.mark.parametrize("name", ["classroom_mmcm.yaml", "bank_hotline_day.yaml"])
def test_replay_queue_and_agents_on_duty_equal_the_models_interval_table(name):
    scenario = _preset(name)
    assert scenario.warmup_s == 0  # the model's queue counts only window incidents: with no warm-up, all of them
    replay = C.replay(scenario)
    mine = replay.interval_means().set_index("interval_start_s")
    for type_id in replay.type_ids:
        model = replay.intervals[replay.intervals["contact_type"] == type_id].set_index("interval_start_s")
        np.testing.assert_allclose(mine.loc[model.index, f"queue_{type_id}"], model["queue_length_mean"], atol=1e-9)
        np.testing.assert_allclose(mine.loc[model.index, "agents_on_duty"], model["agents_on_duty"], atol=1e-9)


def test_replay_is_replication_r_of_sim_run_and_ends_on_its_figures():
    scenario = _preset("classroom_mmcm.yaml")
    results = sim.run(scenario, settings=sim.RunSettings(replications=2, seed=7), policies=["n11"])
    row = results.replications[results.replications["replication"] == 1].iloc[0]
    replay = C.replay(scenario, "n11", replication=1, seed=7)
    frames, last = replay.frames, replay.frames.iloc[-1]
    assert replay.totals["answered"] == row["answered"] and replay.totals["offered"] == row["offered"]
    # the running figures at the last frame (the last outcome) are the run's own
    assert last["service_level"] == pytest.approx(row["answered_within_target"] / row["offered"], abs=1e-12)
    assert last["abandonment"] == pytest.approx(row["abandoned"] / row["offered"], abs=1e-12)
    assert last["time_to_human_mean_s"] == pytest.approx(row["time_to_human_sum_s"] / row["reached_human"])
    # thinning loses no event: the counts between frames add up to the run's
    assert frames["answered"].sum() == row["answered"] and frames["abandoned"].sum() == row["abandoned"]
    assert frames["arrivals"].sum() == row["incidents"]
    assert frames["time_s"].iloc[-1] >= replay.horizon_s


def test_a_busy_week_is_thinned_to_a_bounded_number_of_frames_with_redials_shown():
    replay = C.replay(_preset("payment_platform.yaml"), max_frames=200)
    frames = replay.frames
    assert len(frames) <= 200 and replay.step_s >= 3600
    assert frames["redials"].sum() > 0  # redials and returns of the week, counted as they happen
    assert np.all(np.diff(frames["time_s"]) > 0)
    assert replay.tth_scope == "emergency"


@pytest.mark.parametrize("span_s, max_frames", [(86400, 200), (86400 * 7 + 1234, 200), (86400 * 366, 50), (60, 3)])
def test_frame_step_keeps_the_frame_count_within_the_bound(span_s, max_frames):
    step = C.frame_step_s(span_s, max_frames)
    assert math.ceil(span_s / step) + 1 <= max_frames


@st.composite
def _small_scenarios(draw):
    data = copy.deepcopy(MINIMAL_SCENARIO)
    ct = data["contact_types"][0]
    ct["volume"]["per_day"] = draw(st.integers(20, 600))
    ct["patience_s"]["mean"] = draw(st.sampled_from([30, 300, 3000]))
    ct["redial"] = {"probability": draw(st.sampled_from([0.0, 0.5])), "max_attempts": 3,
                    "delay_s": {"dist": "exponential", "mean": 600}}
    shift = data["agents"]["shifts"][0]
    shift["headcount"] = draw(st.integers(0, 4))
    shift["start"] = draw(st.sampled_from(["00:00", "08:00", "20:00"]))
    if draw(st.booleans()):
        shift["breaks"] = [{"after_h": 2, "length_min": 30}, {"after_h": 5.5, "length_min": 15}]
    data["days"] = draw(st.integers(1, 2))
    data["seed"] = draw(st.integers(0, 1000))
    return sim.build_scenario(data), draw(st.integers(3, 60))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_small_scenarios())
def test_every_frame_has_no_negative_queue_busy_and_idle_make_up_those_on_duty_and_breaks_the_rest(case):
    scenario, max_frames = case
    replay = C.replay(scenario, max_frames=max_frames)
    frames = replay.frames
    assert len(frames) <= max_frames
    assert (replay.queues.to_numpy() >= 0).all()
    assert (frames[["busy", "idle", "on_break", "on_duty", "present"]].to_numpy() >= 0).all()
    assert (frames["busy"] + frames["idle"] == frames["on_duty"]).all()
    assert (frames["on_duty"] + frames["on_break"] == frames["present"]).all()
    assert (frames[["arrivals", "redials", "answered", "abandoned"]].to_numpy() >= 0).all()
    shares = frames[["service_level", "abandonment"]].to_numpy()
    assert ((shares[~np.isnan(shares)] >= 0) & (shares[~np.isnan(shares)] <= 1)).all()
    assert np.all(np.diff(frames["offered_done"]) >= 0) and np.all(np.diff(frames["reached"]) >= 0)


# --------------------------------------------------------------- the curves

@pytest.mark.parametrize("patience", [None, 300.0])
def test_the_erlang_curve_equals_sim_analytic_erlang_at_every_point(patience):
    servers = C.sweep_servers(10, 13, below=4, above=2)
    sweep = C.erlang_sweep(200, 180, servers, patience, 20, settings=sim.RunSettings(replications=2, seed=3))
    lam = 200 / 3600
    assert sorted(sweep.table["servers"].unique()) == servers
    for row in sweep.table.itertuples():
        if patience is None:
            if lam * 180 >= row.servers:
                assert math.isnan(row.formula)  # no steady state: no line
                continue
            c = erlang_c_metrics(lam, 180, row.servers, 20)
            expected = {"p_delay": c.p_wait, "service_level": c.service_level, "abandonment": 0.0}[row.metric]
        else:
            a = erlang_a_metrics(lam, 180, patience, row.servers, 20)
            expected = {"p_delay": a.p_wait, "service_level": a.answered_within_target,
                        "abandonment": a.p_abandon}[row.metric]
        assert row.formula == expected
        assert row.n == 2 and row.ci_low <= row.simulated <= row.ci_high


def test_the_knee_is_the_agent_whose_removal_costs_most_service_level_by_the_formula():
    sweep = C.erlang_sweep(200, 180, range(9, 18), None, 20, settings=sim.RunSettings(replications=3, seed=1))
    sl = {n: (erlang_c_metrics(200 / 3600, 180, n, 20).service_level if n > 10 else 0.0) for n in range(9, 18)}
    drops = {n: sl[n] - sl[n - 1] for n in range(10, 18)}
    best = max(drops, key=drops.get)
    assert sweep.knee.servers == best == 11  # 11 -> 10 agents at a load of 10 Erlangs: into overload
    assert sweep.knee.formula_drop == pytest.approx(drops[best])
    assert sweep.knee.n == 3 and sweep.knee.ci_low <= sweep.knee.simulated_drop <= sweep.knee.ci_high
    assert sweep.knee.simulated_drop > 0  # the same callers, one agent fewer: worse on average


def test_the_replications_demo_stops_on_the_precision_target_and_narrows():
    demo = C.replications_demo(200, 180, 14, 300, 20,
                               settings=sim.RunSettings(precision=0.02, max_replications=40, seed=5))
    table = demo.table
    assert demo.reached["met"] and demo.reached["replications"] == len(demo.per_replication) == table["n"].max()
    assert table["relative_half_width"].iloc[-1] <= 0.02
    # the figure the precision target watched (the guarantee share) is the service level shown
    (figure,) = demo.reached["figures"]
    assert figure["mean"] == pytest.approx(table["mean"].iloc[-1], abs=1e-12)
    assert table["half_width"].iloc[-1] < table["half_width"].iloc[0]


# ---------------------------------------------------------------- exercises

def test_there_are_bundled_exercises_of_both_kinds():
    kinds = {C.load_exercise(p)[0].kind for p in EXERCISES}
    assert len(EXERCISES) >= 3 and kinds == {"value", "fewest_agents"}


@pytest.mark.parametrize("path", EXERCISES, ids=[p.name.split(".")[0] for p in EXERCISES])
def test_every_exercise_loads_runs_and_judges_by_its_interval(path):
    exercise, scenario = C.load_exercise(path)
    assert sim.run(scenario, settings=sim.RunSettings(replications=1)).replications["offered"].sum() > 0
    if exercise.kind == "value":
        first = C.check_answer(exercise, scenario, 0.5)
        lo, hi = first.accepted_range
        mean = float(first.table["mean"].iloc[0])
        assert C.check_answer(exercise, scenario, mean).accepted
        assert C.check_answer(exercise, scenario, hi + 0.005).accepted is False
        assert C.check_answer(exercise, scenario, lo - 0.005).accepted is False
        assert hi - mean == pytest.approx(max(exercise.tolerance, (first.table["ci_high"] - first.table["ci_low"]).iloc[0] / 2))
    else:
        check = C.check_answer(exercise, scenario, exercise.agents[0])
        lo, hi = check.accepted_range
        assert exercise.agents[0] < lo <= hi < exercise.agents[1]
        rows = check.table.set_index("agents")
        # the accepted counts are those the simulation cannot rule out
        assert rows.loc[lo - 1, "ci_low"] < exercise.target <= rows.loc[hi, "ci_high"]
        assert C.check_answer(exercise, scenario, lo).accepted and not check.accepted


def test_a_broken_exercise_file_names_the_field(tmp_path):
    (tmp_path / "s.yaml").write_text((ROOT / "scenarios" / "exercises" / "one_agent_fewer.yaml").read_text())
    bad = tmp_path / "bad.exercise.yaml"
    bad.write_text("title: x\nscenario: s.yaml\ntask: t\nkind: guess\nmetric: service_level\n")
    with pytest.raises(C.ExerciseError) as err:
        C.load_exercise(bad)
    assert any(p.startswith("kind") for p in err.value.problems)
    bad.write_text("title: x\nscenario: s.yaml\ntask: t\nkind: fewest_agents\nmetric: service_level\n")
    with pytest.raises(C.ExerciseError) as err:
        C.load_exercise(bad)
    assert "target" in " ".join(err.value.problems)
    bad.write_text("title: x\nscenario: nowhere.yaml\ntask: t\nkind: value\nmetric: service_level\n")
    with pytest.raises(C.ExerciseError) as err:
        C.load_exercise(bad)
    assert err.value.problems[0].startswith("scenario")


def test_the_replays_agents_on_duty_leave_out_those_on_break_as_the_interval_table_does():
    # bank_hotline_day has breaks: an agent on break is not on duty in the replay either (issue 25, item 15)
    scenario = sim.load_scenario(ROOT / "scenarios" / "bank_hotline_day.yaml")
    replay = C.replay(scenario)
    frames = replay.frames
    assert (frames["on_break"] > 0).any()
    at = frames["time_s"].to_numpy()
    expected = replay.levels["present"].at(at) - replay.levels["break"].at(at)
    np.testing.assert_allclose(frames["on_duty"], expected, atol=1e-9)
    # and the level the frames sample is the one whose interval means are the model's agents_on_duty
    means = replay.interval_means().set_index("interval_start_s")["agents_on_duty"]
    model = replay.intervals.groupby("interval_start_s")["agents_on_duty"].first()
    np.testing.assert_allclose(means.loc[model.index], model, atol=1e-9)
