"""Run settings (sim.runs.settings): one object, the model's own bounds, one shape of progress."""

from __future__ import annotations

import copy

import pytest
from conftest import MINIMAL_SCENARIO
from hypothesis import given, settings as hypothesis_settings
from hypothesis import strategies as st

import sim
from sim.errors import ArgumentError
from sim.model.scenario import MAX_SEED
from sim.runs.settings import ProgressEvent, RunSettings


def _scenario_accepts(field: str, value: int) -> bool:
    try:
        sim.build_scenario({**copy.deepcopy(MINIMAL_SCENARIO), field: value})
    except sim.ScenarioError:
        return False
    return True


def _settings_accept(field: str, value: int) -> bool:
    try:
        RunSettings(**{field: value})
    except ArgumentError as exc:
        assert exc.argument == field
        return False
    return True


@hypothesis_settings(max_examples=60, deadline=None)
@given(field=st.sampled_from(["replications", "seed"]),
       value=st.one_of(st.integers(-5, 20_000), st.integers(MAX_SEED - 3, MAX_SEED + 3)))
def test_run_settings_accept_exactly_what_the_scenario_accepts(field, value):
    assert _settings_accept(field, value) == _scenario_accepts(field, value)


@pytest.mark.parametrize("changes, argument", [
    ({"replications": 0}, "replications"),
    ({"replications": True}, "replications"),
    ({"seed": -1}, "seed"),
    ({"seed": 2.5}, "seed"),
    ({"workers": -1}, "workers"),
    ({"precision": 0.0}, "precision"),
    ({"precision": 1.0}, "precision"),
    ({"max_replications": 1}, "max_replications"),
    ({"max_replications": 20_000}, "max_replications"),  # the scenario's replications bound
    ({"confidence": 1.0}, "confidence"),
])
def test_a_setting_out_of_bounds_is_refused_naming_it(changes, argument):
    with pytest.raises(ArgumentError) as info:
        RunSettings(**changes)
    assert info.value.argument == argument


def test_unset_replications_and_seed_are_the_scenarios():
    scenario = sim.build_scenario({**copy.deepcopy(MINIMAL_SCENARIO), "replications": 3, "seed": 9})
    assert (RunSettings().for_scenario(scenario).replications, RunSettings().for_scenario(scenario).seed) == (3, 9)
    given_ = RunSettings(replications=2).for_scenario(scenario)
    assert (given_.replications, given_.seed) == (2, 9)
    results = sim.run(scenario)
    assert (results.n_replications, results.seed) == (3, 9)


def test_a_study_whose_counts_come_from_its_file_refuses_them_in_the_settings(tmp_path):
    with pytest.raises(ArgumentError, match="experiment file") as info:
        RunSettings(seed=3).counts_from("the experiment file")
    assert info.value.argument == "seed"
    assert RunSettings(workers=2).counts_from("the experiment file").workers == 2


def test_progress_of_a_run_is_one_event_per_step_ending_at_its_total():
    scenario = sim.build_scenario(copy.deepcopy(MINIMAL_SCENARIO))
    events: list[ProgressEvent] = []
    sim.run(scenario, settings=RunSettings(replications=3, progress=events.append))
    policies = len(scenario.effective_policies)
    assert all(isinstance(e, ProgressEvent) and e.stage is None for e in events)
    assert [e.done for e in events] == [r * policies for r in range(4)]
    assert events[-1].total == 3 * policies and events[-1].fraction == 1.0


def test_an_outer_stage_names_the_inner_studys_events_and_places_their_counts():
    seen: list[ProgressEvent] = []
    outer = RunSettings(progress=seen.append).in_stage("the frontier")
    inner = outer.in_stage("batch 1: grid", base=4, total=10)
    inner.tell(2, 3)
    outer.in_stage(None, base=1, total=5).tell(1, 1, "kept")
    assert seen == [ProgressEvent(6, 10, "the frontier"), ProgressEvent(2, 5, "the frontier")]
    RunSettings().in_stage("nobody listens").tell(1, 2)  # no callback: nothing to call


def test_settings_compare_by_value_but_not_by_callback():
    assert RunSettings(replications=2, progress=print) == RunSettings(replications=2)
