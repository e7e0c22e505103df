"""sim.model.knobs: the app's knobs as pure, validated edits of a Scenario."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.model import knobs
from sim.model.arrivals import expected_per_interval
from sim.model.scenario import BotBehaviour, Economics, FrontDoor, Loss, Policy, Scenario

ROOT = Path(__file__).resolve().parent.parent
PAYMENT = sim.load_scenario(ROOT / "scenarios" / "payment_platform.yaml")
MMC = sim.load_scenario(ROOT / "scenarios" / "classroom_mmc.yaml")


def volume_weighted(scenario, types, attr):
    volume = knobs.expected_incidents(scenario)
    return sum(attr(c) * volume[c.id] for c in types) / sum(volume[c.id] for c in types)


# ---------------------------------------------------------------- field_spec


def test_field_spec_reads_bounds_default_and_description_from_the_model():
    spec = knobs.field_spec(Policy, "staffing_scale")
    assert (spec.min, spec.max, spec.default) == (0, 10.0, 1.0)
    assert spec.description and "headcount" in spec.description
    lo, hi, default, desc, *_ = knobs.field_spec(Economics, "liability_share")
    assert (lo, hi, default) == (0.0, 1.0, 0.0) and "losses" in desc
    assert knobs.field_spec(BotBehaviour, "resolve_probability")[:3] == (0.0, 1.0, 0.0)
    assert knobs.field_spec(FrontDoor, "human_option_found_probability")[:3] == (0.0, 1.0, 1.0)


def test_field_spec_strict_bounds():
    reps = knobs.field_spec(Scenario, "replications")  # PositiveInt, le=10000: gt 0 becomes min 1
    assert (reps.min, reps.max, reps.default, reps.min_exclusive) == (1, 10_000, 10, False)
    half = knobs.field_spec(Loss, "half_life_min")  # PositiveFloat: strictly above 0, at most 30 days
    assert (half.min, half.max, half.min_exclusive, half.default) == (0, 30 * 1440, True, 60.0)
    assert knobs.field_spec(Scenario, "seed")[:2] == (0, 2**53 - 1)
    with pytest.raises(KeyError, match="no field"):
        knobs.field_spec(Scenario, "nope")


def test_field_spec_follows_the_model_not_a_copy():
    """If the model's bound changes, the widget's does: nothing is repeated in the app."""
    le = next(m.le for m in FrontDoor.model_fields["attempts_before_human"].metadata if hasattr(m, "le"))
    assert knobs.field_spec(FrontDoor, "attempts_before_human")[:2] == (1, le)


# ------------------------------------------------------------- policy knobs


def test_agents_kept_edits_the_first_non_baseline_policy_by_default():
    assert knobs.adjustable_policy(PAYMENT) == "bot_cut40"
    assert knobs.agents_kept(PAYMENT) == 0.6
    out = knobs.with_agents_kept(PAYMENT, 0.25)
    assert out.policy("bot_cut40").staffing_scale == 0.25
    for p in PAYMENT.effective_policies:
        if p.id != "bot_cut40":
            assert out.policy(p.id) == p
    assert PAYMENT.policy("bot_cut40").staffing_scale == 0.6  # the input is untouched
    assert knobs.with_agents_kept(PAYMENT, 0.5, "emergency_line").policy("emergency_line").staffing_scale == 0.5


def test_agents_kept_on_a_scenario_without_policies_makes_the_base_policy_explicit(minimal_scenario):
    sc = sim.build_scenario(minimal_scenario)
    out = knobs.with_agents_kept(sc, 0.5)
    assert [p.id for p in out.policies] == ["base"] and out.policies[0].baseline
    assert out.for_policy("base").agents.shifts[0].headcount == 1  # 2 agents x 0.5


def test_policy_knobs_are_checked_by_the_model():
    with pytest.raises(sim.ScenarioError, match=r"policies\[bot_cut40\]\.staffing_scale"):
        knobs.with_agents_kept(PAYMENT, -0.1)
    with pytest.raises(sim.ScenarioError, match="attempts_before_human"):
        knobs.with_friction(PAYMENT, attempts_before_human=0)
    with pytest.raises(KeyError, match="unknown policy"):
        knobs.with_agents_kept(PAYMENT, 0.5, "no_such_policy")


def test_friction_edits_the_policy_front_door_and_leaves_the_rest():
    out = knobs.with_friction(PAYMENT, "bot_cut40", human_option_found_probability=0.2, attempts_before_human=3)
    door = out.policy("bot_cut40").front_door
    assert (door.human_option_found_probability, door.attempts_before_human) == (0.2, 3)
    before = PAYMENT.policy("bot_cut40").front_door
    assert (door.menu_s, door.bot_enabled) == (before.menu_s, before.bot_enabled)
    # a policy without a front door of its own starts from the scenario's
    base = knobs.with_friction(MMC, "n12", human_option_found_probability=0.5)
    assert base.policy("n12").front_door == MMC.front_door.model_copy(update={"human_option_found_probability": 0.5})
    assert knobs.with_friction(PAYMENT, "bot_cut40") == PAYMENT  # nothing asked, nothing changed


# ----------------------------------------------------------- scenario knobs


def test_expected_incidents_over_the_week():
    volume = knobs.expected_incidents(PAYMENT)
    assert volume["routine"] == pytest.approx(1800 * (1.15 + 1.05 + 1 + 1 + 1.05 + 0.8 + 0.7))
    assert volume["fraud"] == pytest.approx(30 * 7)  # no weekday factors: flat over the week
    for ct in PAYMENT.contact_types:
        assert volume[ct.id] == pytest.approx(expected_per_interval(PAYMENT, ct).sum())


@settings(max_examples=15, deadline=None)
@given(share=st.floats(*knobs.EMERGENCY_SHARE_BOUNDS))
def test_emergency_share_is_what_was_asked_and_the_rest_is_unchanged(share):
    out = knobs.with_emergency_share(PAYMENT, share)
    assert knobs.emergency_share(out) == pytest.approx(share, rel=1e-9)
    before, after = knobs.expected_incidents(PAYMENT), knobs.expected_incidents(out)
    assert after["routine"] == before["routine"] and after["refund"] == before["refund"]
    assert after["fraud"] / after["takeover"] == pytest.approx(before["fraud"] / before["takeover"])


def test_emergency_share_scales_tables_too(minimal_scenario):
    minimal_scenario["contact_types"].append({
        "id": "fraud", "emergency": True, "volume": {"table": [1.0] * 24},
        "handle_time_s": {"dist": "exponential", "mean": 300}, "patience_s": {"dist": "exponential", "mean": 300},
    })
    sc = sim.build_scenario(minimal_scenario)
    out = knobs.with_emergency_share(sc, 0.5)
    assert sum(out.contact_types[1].volume.table) == pytest.approx(200)


def test_emergency_share_refuses_what_it_cannot_do():
    with pytest.raises(ValueError, match="between"):
        knobs.with_emergency_share(PAYMENT, 1.0)
    with pytest.raises(ValueError, match="emergency and other"):
        knobs.with_emergency_share(MMC, 0.1)


def test_bot_resolve_rate_is_volume_weighted_and_keeps_the_types_apart():
    others = [c for c in PAYMENT.contact_types if not c.emergency]
    assert knobs.bot_resolve_rate(PAYMENT) == pytest.approx(
        volume_weighted(PAYMENT, others, lambda c: c.bot.resolve_probability))
    out = knobs.with_bot_resolve(PAYMENT, 0.3)
    assert knobs.bot_resolve_rate(out) == pytest.approx(0.3)
    new = {c.id: c.bot.resolve_probability for c in out.contact_types}
    assert new["routine"] / new["refund"] == pytest.approx(0.45 / 0.2)
    assert new["fraud"] == new["takeover"] == 0.0  # emergencies are not resolved by a bot


def test_bot_resolve_is_capped_so_outcomes_fit():
    out = knobs.with_bot_resolve(PAYMENT, 1.0)
    for ct in out.contact_types:
        assert ct.bot.resolve_probability + ct.bot.false_resolution_probability <= 1.0 + 1e-12
    with pytest.raises(sim.ScenarioError):
        knobs.with_bot_resolve(PAYMENT, -0.5)


def test_bot_resolve_from_zero_sets_every_type(minimal_scenario):
    sc = sim.build_scenario(minimal_scenario)
    assert knobs.bot_resolve_rate(sc) == 0.0
    assert knobs.with_bot_resolve(sc, 0.4).contact_types[0].bot.resolve_probability == 0.4


def _on_half_lives(scenario, minutes):
    """The scenario with its emergency types on the half-life form (``minutes`` per type id)."""
    data = scenario.model_dump(mode="python")
    for ct in data["contact_types"]:
        if ct["id"] in minutes:
            ct["loss"].update(curve=None, half_life_min=minutes[ct["id"]])
    data["loss_curve_bands"] = {}
    return sim.build_scenario(data)


HALF_LIVES = _on_half_lives(PAYMENT, {"fraud": 60, "takeover": 120})


def test_half_life_is_volume_weighted_and_proportional():
    em = [c for c in HALF_LIVES.contact_types if c.emergency]
    assert knobs.half_life(HALF_LIVES) == pytest.approx(volume_weighted(HALF_LIVES, em, lambda c: c.loss.half_life_min))
    out = knobs.with_half_life(HALF_LIVES, 30)
    assert knobs.half_life(out) == pytest.approx(30)
    f, t = (out.contact_types[i].loss.half_life_min for i in (2, 3))
    assert t / f == pytest.approx(120 / 60)
    assert knobs.half_life(MMC) is None
    with pytest.raises(sim.ScenarioError, match="half_life_min"):
        knobs.with_half_life(HALF_LIVES, 0.0)


def test_types_on_a_named_curve_have_no_half_life_but_a_band_position():
    assert knobs.half_life(PAYMENT) is None  # fraud and takeover both drain along instant_transfer
    assert knobs.loss_curve_band(PAYMENT, "instant_transfer") == 0.5
    out = knobs.with_loss_curve_band(PAYMENT, "instant_transfer", 0.9)
    assert out.loss_curve_bands == {"instant_transfer": 0.9}
    with pytest.raises(sim.ScenarioError, match="loss_curve_bands"):
        knobs.with_loss_curve_band(PAYMENT, "instant_transfer", 1.2)
    with pytest.raises(ValueError, match="international_wire"):
        knobs.with_loss_curve_band(PAYMENT, "international_wire", 0.5)


def test_liability_keeps_a_rules_cap_and_conditions():
    data = PAYMENT.model_dump(mode="python")
    data["economics"].update(currency="GBP", liability_share=0.0, liability="uk_mandatory_2024")
    out = knobs.with_liability(sim.build_scenario(data), 0.5)
    rule = out.economics.liability_rule
    assert (rule.share, rule.cap_per_claim) == (0.5, 85_000) and knobs.liability(out) == 0.5


def test_liability_sets_the_scenario_and_every_policy_override(minimal_scenario):
    minimal_scenario["policies"] = [
        {"id": "a", "baseline": True},
        {"id": "b", "economics": {"currency": "EUR", "liability_share": 0.1}},
    ]
    sc = sim.build_scenario(minimal_scenario)
    out = knobs.with_liability(sc, 0.8)
    assert out.economics.liability_share == 0.8
    assert out.policy("b").economics.liability_share == 0.8 and out.policy("b").economics.currency == "EUR"
    assert knobs.liability(out) == 0.8
    with pytest.raises(sim.ScenarioError, match="liability_share"):
        knobs.with_liability(sc, 1.5)


def test_run_settings_are_validated():
    out = knobs.with_run_settings(MMC, replications=2, seed=7)
    assert (out.replications, out.seed) == (2, 7)
    with pytest.raises(sim.ScenarioError, match="replications"):
        knobs.with_run_settings(MMC, replications=0)


@settings(max_examples=8, deadline=None)
@given(
    kept=st.floats(0, 1), found=st.floats(0, 1), attempts=st.integers(1, 5), bot=st.floats(0, 1),
    share=st.floats(0.005, 0.5), half=st.floats(1, 600), liability=st.floats(0, 1), band=st.floats(0, 1),
)
def test_any_knob_setting_gives_a_scenario_that_round_trips_through_yaml(kept, found, attempts, bot, share, half,
                                                                         liability, band):
    for start in (PAYMENT, HALF_LIVES):
        sc = knobs.with_agents_kept(start, kept)
        sc = knobs.with_friction(sc, human_option_found_probability=found, attempts_before_human=attempts)
        sc = knobs.with_bot_resolve(sc, bot)
        sc = knobs.with_emergency_share(sc, share)
        if start is HALF_LIVES:
            sc = knobs.with_half_life(sc, half)
        else:
            sc = knobs.with_loss_curve_band(sc, "instant_transfer", band)
        sc = knobs.with_liability(sc, liability)
        again = sim.parse_scenario(sim.scenario_to_yaml(sc), read_csv=lambda name: "", source="round trip")
        assert again == sc
        assert math.isclose(knobs.emergency_share(again), share, rel_tol=1e-9)


def test_a_knob_changes_the_simulated_result():
    """Fewer agents kept on the cut policy: more abandonment, on the same customers."""
    sc = knobs.with_run_settings(sim.load_scenario(ROOT / "scenarios" / "classroom_mmcm.yaml"), replications=1)
    before = sim.run(sc, policies=["n11"]).per_replication()
    after = sim.run(knobs.with_agents_kept(sc, 0.5, "n11"), policies=["n11"]).per_replication()
    pick = lambda t: float(t.loc[t.contact_type == "all", "abandonment"].iloc[0])  # noqa: E731
    assert pick(after) > pick(before) + 0.05
    assert np.array_equal(before["incidents"], after["incidents"])  # same customers


def test_changes_list_exactly_the_edited_parameters_with_before_and_after():
    sc = sim.load_scenario(ROOT / "scenarios" / "payment_platform.yaml")
    assert knobs.changes(sc, sc) == []
    edited = knobs.with_liability(knobs.with_agents_kept(sc, 0.8, "bot_cut40"), 0.5)
    assert knobs.changes(sc, edited) == [
        {"parameter": "economics.liability_share", "before": 0.62, "after": 0.5},
        {"parameter": "policies[1].staffing_scale", "before": 0.6, "after": 0.8},
    ]


def test_a_scenario_without_policies_is_not_changed_by_making_its_baseline_explicit(minimal_scenario):
    sc = sim.build_scenario(minimal_scenario)
    assert not sc.policies
    assert knobs.changes(sc, knobs.with_agents_kept(sc, 1.0)) == []
    assert knobs.changes(sc, knobs.with_agents_kept(sc, 0.5)) == [
        {"parameter": "policies[0].staffing_scale", "before": 1.0, "after": 0.5}]


def test_share_kept_means_the_roster_before_any_scale_in_agents():
    sc = sim.load_scenario(ROOT / "scenarios" / "payment_platform.yaml")
    assert knobs.roster_headcount(sc, "bot_cut40", 1.0) == 46  # share 1.0: the roster as written
    assert knobs.roster_headcount(sc, "bot_cut40") == knobs.roster_headcount(sc, "bot_cut40", 0.6)
    mmc = sim.load_scenario(ROOT / "scenarios" / "classroom_mmc.yaml")
    assert knobs.roster_headcount(mmc, "n12", 1.0) == 12  # its own roster, not the scenario's 14
