"""A policy replaces whole sections of the base scenario, in one place (Scenario.sections_for)."""

from __future__ import annotations

import pytest

from sim.model.policy import REPLACEABLE_SECTIONS, Policy
from sim.model.scenario import Scenario
from support import contact_type, scenario, shift


def test_every_policy_field_that_names_a_scenario_section_is_a_replaceable_section():
    # A new override (say Policy.capacity beside Scenario.capacity) must be listed, or for_policy,
    # the checks and the warnings would all ignore it.
    shared = set(Policy.model_fields) & set(Scenario.model_fields) - {"description"}
    assert shared == set(REPLACEABLE_SECTIONS)


def test_for_policy_takes_each_replaced_section_and_keeps_the_base_for_the_others():
    base = scenario(
        types=[contact_type("calls"), contact_type("chats")],
        shifts=[shift("day", headcount=4)],
        front_door={"menu_s": 10},
        economics={"currency": "EUR"},
    )
    replacements = {
        "agents": {"shifts": [shift("night", headcount=2)]},
        "front_door": {"menu_s": 30, "bot_enabled": True},
        "economics": {"currency": "GBP"},
        "routing": {"overflow": [{"contact_type": "calls", "stages": [{"after_s": 60, "groups": ["day"]}]}]},
        "chat": {"types": ["chats"], "max_per_agent": 2, "handle_time_factors": [1.0, 1.5]},
    }
    for name, section in replacements.items():
        data = base.model_dump(mode="json")
        data["policies"] = [{"id": "p", name: section}]
        sc = Scenario.model_validate(data)
        run = sc.for_policy("p")
        assert run.policies == []
        for other in REPLACEABLE_SECTIONS:
            expected = getattr(sc.policy("p"), other) if other == name else getattr(sc, other)
            assert getattr(run, other) == expected, (name, other)


def test_staffing_scale_applies_to_the_policys_own_roster_not_the_base():
    sc = scenario(shifts=[shift("day", headcount=4)])
    data = sc.model_dump(mode="json")
    data["policies"] = [{"id": "p", "staffing_scale": 0.5, "agents": {"shifts": [shift("night", headcount=10)]}}]
    run = Scenario.model_validate(data).for_policy("p")
    assert [(s.id, s.headcount) for s in run.agents.shifts] == [("night", 5)]


def test_a_policys_own_section_is_checked_under_its_path_and_a_borrowed_one_is_not():
    data = scenario(shifts=[shift("day")]).model_dump(mode="json")
    data["routing"] = {"overflow": [{"contact_type": "calls", "stages": [{"after_s": 60, "groups": ["day"]}]}]}
    # The policy's roster lacks the base routing's group "day": named under the policy's path.
    data["policies"] = [{"id": "p", "agents": {"shifts": [shift("night")]}}]
    with pytest.raises(Exception) as caught:
        Scenario.model_validate(data)
    assert "policies[p].routing.overflow[calls].stages[0].groups" in str(caught.value)
    # A policy that writes only its economics borrows the base's valid routing: nothing to say.
    data["policies"] = [{"id": "p", "economics": {"currency": "GBP"}}]
    assert Scenario.model_validate(data).for_policy("p").routing == Scenario.model_validate(data).routing


def test_warnings_name_the_policys_own_front_door():
    data = scenario().model_dump(mode="json")
    data["policies"] = [{"id": "p", "front_door": {"emergency_line": {"share_of_emergency_callers": 0.5}}}]
    found = Scenario.model_validate(data).warnings
    assert any(line.startswith("policies[p].front_door.emergency_line") for line in found)
    assert not any(line.startswith("front_door.") for line in found)


