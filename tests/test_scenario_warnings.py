"""Silent mistakes get a warning naming the field by id (issue 16, item 5); the presets get none.

Warnings come from one place, ``Scenario.warnings``; ``validate`` and
``run`` print them on stderr, and ``run_checked`` returns them for the app.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.runs.guard import run_checked

ROOT = Path(__file__).resolve().parents[1]
PRESETS = sorted((ROOT / "scenarios").glob("*.yaml"))

TWO_TYPES = {
    "days": 1,
    "interval_min": 60,
    "contact_types": [
        {"id": "fraud", "emergency": True, "volume": {"per_day": 20},
         "handle_time_s": {"dist": "exponential", "mean": 300}, "patience_s": {"dist": "exponential", "mean": 600}},
        {"id": "general", "volume": {"per_day": 100},
         "handle_time_s": {"dist": "exponential", "mean": 180}, "patience_s": {"dist": "exponential", "mean": 300}},
    ],
    "agents": {"shifts": [{"id": "all", "start": "00:00", "length_h": 24, "headcount": 3}]},
}


def _warnings(**changes) -> list[str]:
    data = copy.deepcopy(TWO_TYPES)
    data.update(copy.deepcopy(changes))
    return sim.build_scenario(data).warnings


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.stem)
def test_bundled_presets_give_no_warning(preset):
    assert sim.load_scenario(preset).warnings == []


def test_the_plain_scenario_gives_no_warning():
    assert _warnings() == []


def test_emergency_line_settings_without_enabled_are_flagged():
    (warning,) = _warnings(front_door={"emergency_line": {"share_of_emergency_callers": 0.6}})
    assert warning.startswith("front_door.emergency_line:") and "enabled: true" in warning


def test_emergency_line_settings_of_a_policy_name_the_policy_by_id():
    policies = [{"id": "today", "baseline": True},
                {"id": "line", "front_door": {"emergency_line": {"share_of_emergency_callers": 0.5}}}]
    (warning,) = _warnings(policies=policies)
    assert warning.startswith("policies[line].front_door.emergency_line:")


def test_a_skill_no_contact_type_needs_is_flagged_naming_the_shift():
    shifts = [{"id": "all", "start": "00:00", "length_h": 24, "headcount": 3, "skills": ["fraud", "general", "fruad"]}]
    (warning,) = _warnings(agents={"shifts": shifts})
    assert warning.startswith("agents.shifts[all].skills: 'fruad' is no contact type's skill")


def test_a_contact_type_no_agent_can_serve_is_flagged_naming_it():
    shifts = [{"id": "all", "start": "00:00", "length_h": 24, "headcount": 3, "skills": ["general"]}]
    (warning,) = _warnings(agents={"shifts": shifts})
    assert warning.startswith("agents: no agent can serve contact_types[fraud]")


def test_a_policy_roster_that_serves_no_one_for_a_type_is_flagged_naming_the_policy():
    table = {"id": "pool", "agents": [2] * 24, "reserved_for": ["fraud"]}
    policies = [{"id": "today", "baseline": True}, {"id": "fraud_only", "agents": {"tables": [table]}}]
    (warning,) = _warnings(policies=policies)
    assert warning.startswith("policies[fraud_only].agents: no agent can serve contact_types[general]")


def test_a_roster_with_nobody_in_it_is_a_choice_not_a_mistake():
    policies = [{"id": "today", "baseline": True}, {"id": "bots_only", "agents": {"shifts": []}}]
    assert _warnings(policies=policies) == []


def test_several_policies_and_none_marked_baseline_is_flagged():
    (warning,) = _warnings(policies=[{"id": "today"}, {"id": "cut", "staffing_scale": 0.5}])
    assert warning.startswith("policies: none is marked baseline: true") and "'today'" in warning


def test_validate_and_run_print_the_warnings_on_stderr(tmp_path, write_scenario, capsys):
    data = copy.deepcopy(TWO_TYPES)
    data["policies"] = [{"id": "today"}, {"id": "cut", "staffing_scale": 0.5}]
    path = write_scenario(tmp_path, data)
    assert main(["validate", str(path)]) == 0
    assert "warning: policies: none is marked baseline" in capsys.readouterr().err
    assert main(["run", str(path), "--replications", "1"]) == 0
    assert "warning: policies: none is marked baseline" in capsys.readouterr().err


def test_run_checked_returns_the_warnings_for_the_app():
    data = copy.deepcopy(TWO_TYPES)
    data["policies"] = [{"id": "today"}, {"id": "cut", "staffing_scale": 0.5}]
    _, warnings = run_checked(sim.build_scenario(data), settings=sim.RunSettings(replications=1))
    assert warnings == sim.build_scenario(data).warnings != []


def test_errors_name_contact_types_and_policies_by_id():
    data = copy.deepcopy(TWO_TYPES)
    data["contact_types"][1]["volume"]["profile"] = [1] * 23
    with pytest.raises(sim.ScenarioError) as excinfo:
        sim.build_scenario(data)
    assert excinfo.value.problems[0].startswith("contact_types[general].volume.profile: has 23 values")
    data = copy.deepcopy(TWO_TYPES)
    data["policies"] = [{"id": "today", "baseline": True}, {"id": "cut", "staffing_scale": -1}]
    with pytest.raises(sim.ScenarioError) as excinfo:
        sim.build_scenario(data)
    assert excinfo.value.problems[0].startswith("policies[cut].staffing_scale:")
