"""The bot front door, emergency losses and the money of each policy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import contact_type, run_hand, scenario, shift

import sim
from sim.model.economics import drained_fraction, overlap_with_daily_span
from sim.model.engine import ANSWERED, BLOCKED, BOT_FALSE_RESOLVED, BOT_RESOLVED
from sim.model.roster import build_roster
from sim.model.scenario import in_daily_spans, parse_daily_span
from sim.model.simulation import simulate
from sim.model.workload import draw_workload

HOUR = 3600.0
BOT_FIRST = {"bot_enabled": True, "menu_s": 0}


def test_bot_resolved_contacts_never_reach_the_human_queue():
    ct = contact_type(bot={"resolve_probability": 0.5, "time_s": {"dist": "deterministic", "value": 90}})
    sc = scenario(types=[ct], front_door=BOT_FIRST)
    cols, _, tables = run_hand(sc, {"calls": [0.0, 10.0]}, u_bot_outcome={"calls": [0.1, 0.9]}, bot_time_s=90.0)
    outcome = {int(i): int(o) for i, o in zip(cols["incident"], cols["outcome"])}
    assert outcome == {0: BOT_RESOLVED, 1: ANSWERED}
    row = tables.by_type.iloc[0]
    assert row["bot_sessions"] == 2 and row["bot_resolved"] == 1 and row["offered"] == 1
    assert cols["enqueue_s"][cols["incident"] == 1][0] == pytest.approx(100.0)


def test_a_false_resolution_brings_the_customer_back_after_the_return_delay():
    ct = contact_type(
        bot={"resolve_probability": 0.2, "false_resolution_probability": 0.3},
        redial={"probability": 0.0, "max_attempts": 2},
    )
    sc = scenario(types=[ct], front_door=BOT_FIRST)
    cols, _, tables = run_hand(
        sc, {"calls": [0.0]}, u_bot_outcome=0.35, bot_time_s=60.0, return_delay_s=1000.0
    )
    attempts = sorted(zip(cols["attempt"], cols["arrive_s"], cols["outcome"]))
    assert [(int(j), a, int(o)) for j, a, o in attempts] == [
        (0, 0.0, BOT_FALSE_RESOLVED),
        (1, 1060.0, BOT_FALSE_RESOLVED),  # the second attempt meets the same (pre-drawn) bot again
    ]
    row = tables.by_type.iloc[0]
    assert row["incidents"] == 1 and row["attempts"] == 2 and row["bot_false_resolved"] == 2


def test_hidden_human_option_blocks_customers_who_do_not_find_it_and_they_may_redial():
    ct = contact_type(redial={"probability": 1.0, "max_attempts": 2})
    sc = scenario(types=[ct], front_door={"bot_enabled": True, "human_option_found_probability": 0.5})
    cols, _, _ = run_hand(
        sc, {"calls": [0.0]}, u_find_human={"calls": [0.8]}, u_redial=0.0, redial_delay_s=100.0, bot_time_s=30.0
    )
    assert [int(o) for o in cols["outcome"]] == [BLOCKED, BLOCKED]
    assert cols["arrive_s"][1] == pytest.approx(130.0)


def test_human_option_is_offered_only_from_the_stated_attempt():
    ct = contact_type(redial={"probability": 1.0, "max_attempts": 3})
    sc = scenario(types=[ct], front_door={"bot_enabled": True, "attempts_before_human": 2, "menu_s": 20})
    cols, _, _ = run_hand(sc, {"calls": [0.0]}, u_redial=0.0, redial_delay_s=100.0, bot_time_s=30.0)
    order = np.argsort(cols["attempt"])
    assert [int(o) for o in cols["outcome"][order]] == [BLOCKED, ANSWERED]
    # First try: 30 s of bot and 20 s of menus without a human option, then a redial 100 s later.
    assert cols["enqueue_s"][order][1] == pytest.approx(150.0 + 30.0 + 20.0)


def test_a_recognised_emergency_skips_the_menus_and_the_direct_line_skips_the_bot():
    fraud = contact_type("fraud", emergency=True, bot={"recognise_emergency_probability": 0.5})
    door = {"bot_enabled": True, "menu_s": 300, "emergency_line": {"enabled": True, "share_of_emergency_callers": 0.5}}
    sc = scenario(types=[fraud], shifts=[shift(headcount=3)], front_door=door)
    # Incident 0 knows the direct line; 1 and 2 go through the bot, which recognises them.
    cols, _, _ = run_hand(
        sc, {"fraud": [0.0, 10.0, 20.0]}, u_emergency_line=[0.1, 0.9, 0.9], bot_time_s=40.0, u_bot_recognise=0.3
    )
    enqueue = dict(zip(cols["incident"].astype(int), cols["enqueue_s"]))
    bot = dict(zip(cols["incident"].astype(int), cols["bot"]))
    assert enqueue == {0: 0.0, 1: 50.0, 2: 60.0}
    assert bot == {0: 0, 1: 1, 2: 1}


def _span_start(t: float, start_of_day_s: float) -> float:
    """Start of the occurrence of a span beginning at ``start_of_day_s`` that contains ``t``."""
    day = np.floor(t / 86400.0)
    start = day * 86400.0 + start_of_day_s
    return start if t >= start else start - 86400.0


def test_bot_only_hours_let_no_new_contact_reach_a_human():
    ct = contact_type(volume={"per_day": 3000}, bot={"time_s": {"dist": "exponential", "mean": 60}},
                      redial={"probability": 0.5, "max_attempts": 3})
    door = {"bot_enabled": False, "bot_only_hours": ["20:00-08:00"], "menu_s": 30}
    sc = scenario(types=[ct], shifts=[shift(headcount=10)], front_door=door, days=2)
    spans = [parse_daily_span("20:00-08:00")]
    for seed in range(3):
        ws, rs = np.random.SeedSequence(seed).spawn(2)
        log = simulate(sc, draw_workload(sc, ws), build_roster(sc, rs))
        enqueue = log.column("enqueue_s")
        offered = ~np.isnan(enqueue)
        assert offered.sum() > 1000
        assert not any(in_daily_spans(t % 86400, spans) for t in enqueue[offered])
        # Humans still answer inside the span, but only contacts already waiting when it began.
        answered = log.column("outcome") == ANSWERED
        for answer, joined in zip(log.column("leave_queue_s")[answered], enqueue[answered]):
            if in_daily_spans(answer % 86400, spans):
                assert joined < _span_start(answer, 20 * HOUR)
        in_bot = log.column("bot") == 1
        assert in_bot.any()
        assert all(in_daily_spans(t % 86400, spans) for t in log.column("arrive_s")[in_bot])


@given(
    t1=st.floats(0, 1e6, allow_nan=False),
    dt=st.floats(0, 1e6, allow_nan=False),
    half_life=st.floats(1, 1e5, allow_nan=False),
)
def test_losses_never_decrease_when_the_time_to_human_grows(t1, dt, half_life):
    before, after = drained_fraction(t1, half_life), drained_fraction(t1 + dt, half_life)
    assert 0.0 <= before <= after <= 1.0


def test_half_of_the_amount_is_gone_after_one_half_life():
    assert drained_fraction(3600.0, 3600.0) == pytest.approx(0.5)
    assert drained_fraction(0.0, 3600.0) == 0.0


def test_an_unanswered_emergency_loses_what_the_curve_reaches_at_the_end_of_its_loss_window():
    fraud = contact_type("fraud", emergency=True, loss={"amount_at_risk": {"dist": "deterministic", "value": 1000},
                                                        "half_life_min": 600, "window_h": 20})
    sc = scenario(types=[fraud], shifts=[shift(headcount=0)])
    _, _, tables = run_hand(sc, {"fraud": [86400.0 - 3600.0]}, patience_s=60.0, amount_at_risk=1000.0)
    incident = tables.incidents.iloc[0]
    assert not incident["reached_human"]
    assert incident["loss"] == pytest.approx(1000.0 * (1 - 0.5 ** (20 * 60 / 600)))


def test_unreached_incidents_that_began_on_different_days_lose_the_same_share():
    fraud = contact_type("fraud", emergency=True, loss={"half_life_min": 60, "window_h": 48,
                                                        "amount_at_risk": {"dist": "deterministic", "value": 1}})
    sc = scenario(types=[fraud], shifts=[shift(headcount=0)], days=7)
    monday, sunday_night = 3600.0, 7 * 86400.0 - 60.0
    _, _, tables = run_hand(sc, {"fraud": [monday, sunday_night]}, patience_s=30.0, amount_at_risk=500.0)
    losses = tables.incidents.set_index("arrival_s")["loss"]
    assert losses[monday] == losses[sunday_night] == pytest.approx(500.0 * (1 - 0.5 ** 48))


def test_a_victim_reached_after_the_loss_window_loses_no_more_than_one_never_reached():
    fraud = contact_type("fraud", emergency=True, loss={"half_life_min": 60, "window_h": 2,
                                                        "amount_at_risk": {"dist": "deterministic", "value": 1}})
    sc = scenario(types=[fraud], shifts=[shift(start="05:00", length_h=1, headcount=1)])
    # Both wait from 00:00; the first is answered at 05:00, three hours after its window closed.
    _, _, tables = run_hand(sc, {"fraud": [0.0, 1.0]}, patience_s={"fraud": [1e9, 60.0]}, handle_s=60.0,
                            amount_at_risk=100.0)
    inc = tables.incidents.set_index("arrival_s")
    assert bool(inc.loc[0.0, "reached_human"]) and not bool(inc.loc[1.0, "reached_human"])
    assert inc.loc[0.0, "loss"] == pytest.approx(inc.loc[1.0, "loss"]) == pytest.approx(75.0)


def test_money_columns_reconcile_with_the_per_incident_data_and_the_agent_table():
    sc = sim.load_scenario("scenarios/payment_platform.yaml").model_copy(update={"days": 2})
    res = sim.run(sc, settings=sim.RunSettings(replications=2, seed=3), keep_incidents="emergency")
    reps = res.replications.set_index(["policy", "replication", "contact_type"])
    loss = res.incidents.groupby(["policy", "replication", "contact_type"])["loss"].sum()
    assert np.allclose(reps.loc[loss.index, "customer_loss"], loss)
    never = res.incidents[~res.incidents.reached_human.astype(bool)]
    never_loss = never.groupby(["policy", "replication", "contact_type"])["loss"].sum()
    assert np.allclose(reps.loc[never_loss.index, "unreached_loss"], never_loss)
    occupancy = res.per_replication().query("contact_type == 'all'").set_index(["policy", "replication"])["occupancy"]
    hours = res.agents.groupby(["policy", "replication"])[["busy_hours", "paid_hours"]].sum()
    assert np.allclose(occupancy.loc[hours.index], hours["busy_hours"] / hours["paid_hours"])
    for policy in res.policies:
        econ = sc.for_policy(policy).economics
        mine = res.replications[res.replications.policy == policy]
        assert np.allclose(mine["platform_liability"], econ.liability_share * mine["customer_loss"])
        agent_cost = res.agents[res.agents.policy == policy].groupby("replication")["agent_cost"].sum()
        assert np.allclose(mine.groupby("replication")["agent_cost"].sum(), agent_cost)
        door = sc.for_policy(policy).front_door
        expected_bot = mine.groupby("replication")["bot_sessions"].sum() * econ.bot_cost_per_session
        if door.bot_enabled or door.bot_only_hours:
            expected_bot += econ.bot_fixed_cost_per_day * sc.days
        assert np.allclose(mine.groupby("replication")["bot_cost"].sum(), expected_bot)


def test_night_premium_is_paid_on_the_hours_inside_the_night_span():
    econ = {"night_premium": 0.5, "night_hours": "22:00-06:00"}
    sc = scenario(shifts=[shift(start="20:00", length_h=8, headcount=1, cost_per_hour=10.0)], economics=econ)
    _, _, tables = run_hand(sc, {"calls": []})
    # The shift of the day before runs 00:00-04:00 (4 night hours); today's 20:00-24:00 has 2.
    assert tables.agents.iloc[0]["agent_cost"] == pytest.approx(10.0 * 8 + 0.5 * 10.0 * 6)


def test_overlap_with_a_span_that_wraps_midnight():
    got = overlap_with_daily_span(np.array([20 * HOUR]), np.array([30 * HOUR]), parse_daily_span("22:00-06:00"))
    assert got[0] == pytest.approx(8 * HOUR)


@pytest.mark.parametrize(
    "path, value, needle",
    [
        (("economics", "liability_share"), 1.5, "economics.liability_share"),
        (("guarantee_s",), 0, "guarantee_s"),
        (("guarantee_s",), -60, "guarantee_s"),
        (("front_door", "bot_only_hours"), ["22:00 to 08:00"], "front_door.bot_only_hours"),
        (("front_door", "human_option_found_probability"), -0.1, "front_door.human_option_found_probability"),
        (("front_door", "emergency_line", "share_of_emergency_callers"), 2, "share_of_emergency_callers"),
    ],
    ids=["liability-above-1", "zero-guarantee", "negative-guarantee", "bot-hours-unparsable",
         "negative-probability", "line-share-above-1"],
)
def test_bad_policy_and_economics_inputs_are_rejected_naming_the_field(path, value, needle):
    data = sim.load_scenario("scenarios/classroom_mmcm.yaml").model_dump(mode="json")
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(sim.ScenarioError) as err:
        sim.build_scenario(data)
    assert needle in str(err.value)


def test_compare_rejects_a_baseline_that_is_not_a_policy():
    res = sim.run(sim.load_scenario("scenarios/classroom_mmcm.yaml"), settings=sim.RunSettings(replications=2))
    with pytest.raises(KeyError, match="nope"):
        res.compare(baseline="nope")


def test_cutting_agents_raises_emergency_waits_and_saves_wages_in_the_flagship_preset():
    sc = sim.load_scenario("scenarios/payment_platform.yaml").model_copy(update={"days": 2})
    res = sim.run(sc, settings=sim.RunSettings(replications=3, seed=8), policies=["today", "bot_cut40"])
    cmp = res.compare().set_index(["policy", "contact_type", "metric"])
    assert cmp.loc[("bot_cut40", "all", "wages_saved"), "ci_low"] > 0
    assert cmp.loc[("bot_cut40", "emergency", "mean_time_to_human_s"), "ci_low"] > 0
    assert not math.isnan(cmp.loc[("bot_cut40", "all", "net_saving"), "difference"])
