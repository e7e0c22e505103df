"""Adding, removing and isolating policies of a scenario (sim.model.policy_edits): pure, validated, by id."""

from __future__ import annotations

import pytest
from support import scenario, shift

from sim.model.policy import Policy
from sim.model.policy_edits import policy_alone, with_policies, without_policies
from sim.model.validation import ScenarioError


def two_policies():
    sc = scenario(shifts=[shift("day", headcount=4)])
    data = sc.model_dump(mode="json")
    data["policies"] = [{"id": "today", "baseline": True}, {"id": "cut", "staffing_scale": 0.5}]
    return type(sc).model_validate(data)


def test_with_policies_appends_new_ones_and_replaces_one_of_the_same_id_keeping_the_others():
    sc = two_policies()
    edited = with_policies(sc, [{"id": "cut", "staffing_scale": 0.25}, Policy(id="hand", label="By hand")])
    assert [p.id for p in edited.policies] == ["today", "cut", "hand"]
    assert edited.policy("cut").staffing_scale == 0.25
    assert edited.policy("hand").label == "By hand"
    assert sc.policy("cut").staffing_scale == 0.5  # the scenario passed in is not changed


def test_with_policies_on_a_scenario_without_policies_keeps_its_implicit_baseline():
    sc = scenario()
    edited = with_policies(sc, [{"id": "cut", "staffing_scale": 0.5}])
    assert [p.id for p in edited.policies] == ["base", "cut"]
    assert edited.baseline_policy.id == "base"


def test_with_nothing_to_add_is_the_same_scenario():
    sc = two_policies()
    assert with_policies(sc, []) is sc


def test_a_policy_that_does_not_fit_is_refused_naming_its_field():
    sc = two_policies()
    with pytest.raises(ScenarioError) as caught:
        with_policies(sc, [{"id": "bad", "staffing_scale": -1}])
    assert any(p.startswith("policies[bad].staffing_scale") for p in caught.value.problems)


def test_without_policies_drops_those_ids_and_ignores_unknown_ones():
    sc = two_policies()
    assert [p.id for p in without_policies(sc, ["cut", "nowhere"]).policies] == ["today"]
    assert without_policies(sc, ["nowhere"]) is sc


def test_policy_alone_is_the_scenario_with_that_policy_as_its_baseline():
    sc = two_policies()
    alone = policy_alone(sc, "cut")
    assert [(p.id, p.baseline, p.staffing_scale) for p in alone.policies] == [("cut", True, 0.5)]
    assert alone.for_policy("cut") == sc.for_policy("cut")
    with pytest.raises(KeyError, match="unknown policy 'x'"):
        policy_alone(sc, "x")
