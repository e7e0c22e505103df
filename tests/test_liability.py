"""Who pays: liability rules with a share, a cap per claim and conditions, set per policy."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import contact_type, run_hand, scenario, shift

import sim
from sim.model.liability import LIABILITY_PRESETS, LiabilityRule
from sim.model.validation import ScenarioError, build_scenario

FRAUD = contact_type(
    "fraud", emergency=True, volume={"per_day": 60}, patience_s={"dist": "exponential", "mean": 120},
    redial={"probability": 0.5, "delay_s": {"dist": "exponential", "mean": 60}, "max_attempts": 3},
    loss={"amount_at_risk": {"dist": "gamma", "mean": 3000, "cv": 2.0}, "curve": "instant_transfer"},
)
CAPPED = {"share": 0.88, "cap_per_claim": 2000}


def rules_scenario(**first) -> sim.Scenario:
    base = {"currency": "GBP"}
    return build_scenario({
        "days": 1,
        "contact_types": [contact_type("routine", volume={"per_day": 400}), FRAUD],
        "agents": {"shifts": [shift(headcount=2)]},
        "economics": base,
        "policies": [
            {"id": "capped", "baseline": True, "economics": {**base, "liability": CAPPED, **first}},
            {"id": "proposal", "economics": {**base, "liability": "proposal_2020"}},
            {"id": "uk", "economics": {**base, "liability": "uk_mandatory_2024"}},
            {"id": "share", "economics": {**base, "liability_share": 0.62}},
        ],
    })


@pytest.fixture(scope="module")
def results():
    return sim.run(rules_scenario(), settings=sim.RunSettings(replications=3, seed=11), keep_incidents="emergency")


def test_policies_that_differ_only_in_liability_meet_the_same_incidents_and_differ_only_in_the_platform_view(results):
    reps = results.replications.set_index(["policy", "replication", "contact_type"]).sort_index()
    incidents = results.incidents.set_index(["policy", "replication", "contact_type", "incident"]).sort_index()
    same = [c for c in reps.columns if c != "platform_liability"]
    liabilities = {}
    for policy in ("proposal", "uk", "share"):
        pd.testing.assert_frame_equal(reps.loc[policy, same], reps.loc["capped", same])
        pd.testing.assert_frame_equal(incidents.loc[policy].drop(columns="platform_paid"),
                                      incidents.loc["capped"].drop(columns="platform_paid"))
        liabilities[policy] = reps.loc[policy, "platform_liability"].sum()
    liabilities["capped"] = reps.loc["capped", "platform_liability"].sum()
    assert len({round(v, 6) for v in liabilities.values()}) == 4  # the rules really pay differently
    compare = results.compare("capped").set_index(["policy", "contact_type", "metric"])
    for policy in ("proposal", "uk", "share"):
        for metric in ("net_saving", "added_customer_loss", "wages_saved"):
            assert compare.loc[(policy, "all", metric), "difference"] == pytest.approx(0.0, abs=1e-9)
        assert compare.loc[(policy, "all", "net_saving_platform"), "difference"] != pytest.approx(0.0, abs=1e-6)


def test_each_rule_pays_what_it_says_on_every_incident(results):
    inc = results.incidents
    sc = results.scenario
    for policy, rule in [("capped", LiabilityRule(**CAPPED)), ("proposal", LIABILITY_PRESETS["proposal_2020"][0]),
                         ("uk", LIABILITY_PRESETS["uk_mandatory_2024"][0])]:
        mine = inc[inc.policy == policy]
        waited = np.where(mine.reached_human.astype(bool), mine.time_to_human_s, np.inf)
        expected = rule.pays(mine.loss, waited, 0.0, sc.guarantee_s)
        assert np.allclose(mine.platform_paid, expected)
    capped = inc[inc.policy == "capped"]
    assert capped.platform_paid.max() <= 2000 and (capped.loss * 0.88 > 2000).any()  # the cap binds here
    proposal = inc[inc.policy == "proposal"]
    in_time = proposal.reached_human.astype(bool) & (proposal.time_to_human_s <= sc.guarantee_s)
    assert (proposal.loc[in_time, "platform_paid"] == 0).all()
    assert np.allclose(proposal.loc[~in_time, "platform_paid"], proposal.loc[~in_time, "loss"])
    share = results.replications[results.replications.policy == "share"]
    assert (share.platform_liability == share.customer_loss * 0.62).all()  # version 0.1's formula, exactly


@settings(max_examples=200, deadline=None)
@given(
    share=st.floats(0.0, 1.0),
    cap=st.floats(0.01, 1e9),
    losses=st.lists(st.floats(0.0, 1e9), min_size=1, max_size=50),
    waits=st.lists(st.one_of(st.floats(0.0, 1e6), st.just(np.inf)), min_size=1, max_size=50),
    condition=st.sampled_from([None, "guarantee", 30.0]),
)
def test_with_a_cap_no_claim_pays_more_than_the_cap_nor_more_than_its_share(share, cap, losses, waits, condition):
    rule = LiabilityRule(share=share, cap_per_claim=cap, only_if_unanswered_within_s=condition)
    n = min(len(losses), len(waits))
    loss, wait = np.array(losses[:n]), np.array(waits[:n])
    paid = rule.pays(loss, wait, 0.0, guarantee_s=60.0)
    assert np.all(paid <= cap) and np.all(paid <= share * loss + 1e-9) and np.all(paid >= 0)
    limit = {None: -1.0, "guarantee": 60.0, 30.0: 30.0}[condition]
    assert np.all(paid[wait <= limit] == 0)


def test_a_claim_reported_outside_the_window_is_not_paid():
    rule = {"share": 1.0, "only_if_reported_within_h": 2}
    fraud = contact_type("fraud", emergency=True, loss={
        "amount_at_risk": {"dist": "deterministic", "value": 1000},
        "curve": {"points": [{"after_min": 60, "share_lost": 0.5}, {"after_min": 600, "share_lost": 0.9}]},
        "report_delay_s": {"dist": "deterministic", "value": 3 * 3600}})
    sc = scenario(types=[fraud], shifts=[shift(start="01:00", length_h=1)], economics={"liability": rule})
    _, _, tables = run_hand(sc, {"fraud": [0.0]}, amount_at_risk=1000.0)
    assert tables.incidents.iloc[0]["loss"] > 0 and tables.incidents.iloc[0]["platform_paid"] == 0
    late = {**rule, "only_if_reported_within_h": 4}
    sc = scenario(types=[fraud], shifts=[shift(start="01:00", length_h=1)], economics={"liability": late})
    _, _, tables = run_hand(sc, {"fraud": [0.0]}, amount_at_risk=1000.0)
    assert tables.incidents.iloc[0]["platform_paid"] == tables.incidents.iloc[0]["loss"]


@pytest.mark.parametrize(
    ("economics", "message"),
    [
        ({"currency": "USD", "liability": "uk_mandatory_2024"}, "caps claims at GBP 85,000.*counts in USD"),
        ({"liability": "uk_2025"}, "unknown liability preset 'uk_2025'"),
        ({"currency": "GBP", "liability": "uk_mandatory_2024", "liability_share": 0.5}, "not both"),
        ({"liability": {"share": 0.5, "cap_per_claim": -1}}, "cap_per_claim"),
    ],
)
def test_a_liability_rule_that_cannot_apply_is_refused_naming_the_field(economics, message):
    data = {"days": 1, "contact_types": [FRAUD], "agents": {"shifts": [shift()]},
            "policies": [{"id": "a", "economics": economics}]}
    with pytest.raises(ScenarioError, match=r"policies\[a\]\.economics\.liability") as caught:
        build_scenario(data)
    assert re.search(message, str(caught.value))


def test_the_seed_preset_answers_under_each_rule_with_the_same_customers():
    sc = sim.load_scenario("scenarios/emergency_line_question.yaml").model_copy(update={"days": 1})
    res = sim.run(sc, settings=sim.RunSettings(replications=2, seed=5))
    compare = res.compare().set_index(["policy", "contact_type", "metric"])
    line = {rule: compare.loc[(f"line_{rule}", "all", "added_customer_loss"), "difference"]
            for rule in ("none", "uk", "2020")}
    assert line["none"] == line["uk"] == line["2020"] < 0  # the line prevents losses, whoever pays
    same_customers = res.replications.set_index(["policy", "replication", "contact_type"])["customer_loss"]
    assert same_customers.loc["no_line_uk"].equals(same_customers.loc["no_line_none"])


def test_a_scenario_with_own_points_a_rule_and_a_report_delay_round_trips_through_yaml():
    fraud = contact_type("fraud", emergency=True, loss={
        "amount_at_risk": {"dist": "deterministic", "value": 1000},
        "curve": {"points": [{"after_min": 15, "share_lost": 0.28}, {"after_min": 60, "share_lost": 0.5}]},
        "report_delay_s": {"dist": "exponential", "mean": 1800}})
    wire = contact_type("wire", emergency=True, loss={"curve": "international_wire"})
    sc = scenario(types=[fraud, wire], economics={"liability": {"share": 0.9, "cap_per_claim": 500,
                                                                "only_if_unanswered_within_s": "guarantee",
                                                                "only_if_reported_within_h": 24}},
                  loss_curve_bands={"international_wire": 0.2})
    again = sim.parse_scenario(sim.scenario_to_yaml(sc), read_csv=lambda name: "", source="round trip")
    assert again == sc


def test_a_liability_rule_with_an_unknown_condition_gets_one_clear_message():
    data = {"days": 1, "contact_types": [FRAUD], "agents": {"shifts": [shift()]},
            "economics": {"liability": {"share": 1, "only_if_unanswered_within_s": "never"}}}
    with pytest.raises(ScenarioError) as caught:
        build_scenario(data)
    assert caught.value.problems == [
        "economics.liability.only_if_unanswered_within_s: must be a number of seconds or 'guarantee', got 'never'"]
