"""Staffing requirements per interval (sim/studies/staffing/).

Known answers first: on a stationary queue the per-interval (SIPP) requirement
is the Erlang formula's, exactly, and lagging a constant rate changes nothing.
Then the pieces a planner reads (rostered agents, pooled rates, per-type
targets, gaps) on hand-checkable rosters, and bad input. The iterative
staffing algorithm is checked against Erlang C on a stationary queue and, on
a time-varying day, by simulating its answer again on fresh seeds: the
emergency guarantee must hold overall and in every part of the day.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.analytic.erlang import (
    erlang_a_servers_needed,
    erlang_c,
    erlang_c_servers_needed,
)
from sim.present.studies import render_staffing
from sim.runs.stats import t_interval
from sim.studies.staffing import (
    METHODS,
    POOLED,
    StaffingError,
    arrival_rates_per_s,
    iterative_staffing,
    lagged_rates_per_s,
    requirements,
    rostered_per_interval,
    staffing_requirements,
)


def _type(id="calls", per_day=2400.0, aht_s=180.0, patience=None, profile=None, **extra) -> dict:
    volume = {"per_day": per_day}
    if profile is not None:
        volume["profile"] = profile
    return {
        "id": id,
        "volume": volume,
        "handle_time_s": {"dist": "exponential", "mean": aht_s},
        "patience_s": patience or {"dist": "deterministic", "value": 1e7},
        "redial": {"max_attempts": 1},
        **extra,
    }


ALL_DAY = {"id": "all", "start": "00:00", "length_h": 24, "headcount": 8}


def _scenario(types=None, shifts=None, interval_min=30, **extra) -> sim.Scenario:
    return sim.Scenario.model_validate(
        {
            "days": 1,
            "interval_min": interval_min,
            "contact_types": types or [_type()],
            "agents": {"shifts": shifts if shifts is not None else [ALL_DAY]},
            **extra,
        }
    )


# ----------------------------------------------------------- known answers


@pytest.mark.parametrize("per_day, aht_s, acw_s", [(4800, 180, 0), (2400, 240, 60), (300, 600, 0), (20000, 120, 30)])
def test_sipp_on_a_flat_day_is_erlang_c_servers_needed_in_every_interval(per_day, aht_s, acw_s):
    acw = {"dist": "deterministic", "value": acw_s}
    ct = _type(per_day=per_day, aht_s=aht_s, target_s=20, after_contact_work_s=acw)
    table = requirements(_scenario([ct]), methods=["erlang_c"], service_level=0.8)
    exact = erlang_c_servers_needed(per_day / 86400, aht_s + acw_s, 20, 0.8)
    assert len(table) == 48
    assert (table["agents_needed"] == exact.servers).all(), table["agents_needed"].unique()
    assert np.allclose(table["predicted_service_level"], exact.service_level, rtol=1e-9)
    assert np.allclose(table["load_erlangs"], per_day / 86400 * (aht_s + acw_s))


def test_sipp_erlang_a_on_a_flat_day_is_erlang_a_servers_needed():
    ct = _type(per_day=4800, patience={"dist": "exponential", "mean": 300}, target_s=20)
    table = requirements(_scenario([ct]), methods=["erlang_a"], service_level=0.8)
    exact = erlang_a_servers_needed(4800 / 86400, 180, 300, 20, 0.8)
    assert (table["agents_needed"] == exact.servers).all()
    assert np.allclose(table["predicted_service_level"], exact.answered_within_target, rtol=1e-9)


def test_lagged_equals_plain_when_the_rate_is_constant():
    sc = _scenario([_type(per_day=3000, aht_s=1500, patience={"dist": "exponential", "mean": 200})])
    table = requirements(sc, methods=["erlang_c", "erlang_c_lagged", "erlang_a", "erlang_a_lagged"])
    for formula in ("erlang_c", "erlang_a"):
        plain = table[table.method == formula].reset_index(drop=True)
        lagged = table[table.method == f"{formula}_lagged"].reset_index(drop=True)
        assert (plain["agents_needed"] == lagged["agents_needed"]).all()
        assert np.allclose(plain["calls_per_interval"], lagged["calls_per_interval"])


def test_lagged_rate_is_the_step_series_shifted_by_the_mean_service_time_and_interpolated():
    rates = np.array([0.0, 10.0, 0.0, 0.0])
    assert np.allclose(lagged_rates_per_s(rates, 100.0, 0.0), rates)
    assert np.allclose(lagged_rates_per_s(rates, 100.0, 100.0), [0, 0, 10, 0])
    # 1.5 intervals back: half of interval i-1, half of i-2 (the average of the shifted step function).
    assert np.allclose(lagged_rates_per_s(rates, 100.0, 150.0), [0, 0, 5, 5])
    # Periodic: the night before the first day is the last one.
    assert np.allclose(lagged_rates_per_s(np.array([1.0, 0.0, 0.0, 4.0]), 100.0, 100.0), [4, 1, 0, 0])
    assert lagged_rates_per_s(rates, 100.0, 250.0).sum() == pytest.approx(rates.sum())


def test_lagged_staffing_peaks_later_than_sipp_when_service_is_long():
    profile = [0.2] * 16 + [3.0] * 4 + [0.2] * 28  # a two-hour burst at 08:00 on 30-minute intervals
    sc = _scenario([_type(per_day=3000, aht_s=2700, profile=profile, target_s=20)])
    table = requirements(sc, methods=["erlang_c", "erlang_c_lagged"], service_level=0.8)
    plain = table[table.method == "erlang_c"]["agents_needed"].to_numpy()
    lagged = table[table.method == "erlang_c_lagged"]["agents_needed"].to_numpy()
    assert plain[16] > plain[15] and lagged[16] < plain[16]  # SIPP jumps at once; the lag ramps up
    assert lagged[20] > plain[20]  # work arrived in the burst is still being served after it
    assert np.argmax(lagged) > np.argmax(plain)


# --------------------------------------------------------- pooled and types


def test_pooled_sums_rates_and_weights_service_and_patience_by_rate():
    a = _type("a", per_day=2000, aht_s=120, patience={"dist": "exponential", "mean": 100})
    b = _type("b", per_day=1000, aht_s=420, patience={"dist": "exponential", "mean": 400})
    sc = _scenario([a, b])
    table = requirements(sc, methods=["erlang_a"], target_s=30, service_level=0.85)
    lam = 3000 / 86400
    service = (2000 * 120 + 1000 * 420) / 3000
    patience = (2000 * 100 + 1000 * 400) / 3000
    exact = erlang_a_servers_needed(lam, service, patience, 30, 0.85)
    assert set(table["contact_type"]) == {"pooled"}
    assert (table["agents_needed"] == exact.servers).all()
    assert np.allclose(table["load_erlangs"], lam * service)


def test_by_type_holds_emergencies_to_the_guarantee_and_others_to_their_own_target():
    routine = _type("routine", per_day=4000, target_s=30)
    fraud = _type("fraud", per_day=200, aht_s=600, emergency=True, priority=5)
    sc = _scenario([routine, fraud], guarantee_s=45, guarantee_share=0.95)
    table = requirements(sc, methods=["erlang_c"], by="type")
    targets = table.drop_duplicates("contact_type").set_index("contact_type")
    assert targets.loc["routine", "target_s"] == 30 and targets.loc["routine", "service_level_target"] == 0.8
    assert targets.loc["fraud", "target_s"] == 45 and targets.loc["fraud", "service_level_target"] == 0.95
    fraud_rows = table[table.contact_type == "fraud"]
    assert (fraud_rows["agents_needed"] == erlang_c_servers_needed(200 / 86400, 600, 45, 0.95).servers).all()

    # pooled: each type held to its own target against the pool's wait; the most demanding one binds
    pooled = requirements(sc, methods=["erlang_c"])
    lam = (4000 + 200) / 86400
    service = (4000 * 180 + 200 * 600) / 4200  # rate-weighted mean handle time (the _type default is 180 s)
    own = {"routine": erlang_c_servers_needed(lam, service, 30, 0.8).servers,
           "fraud": erlang_c_servers_needed(lam, service, 45, 0.95).servers}
    binding = max(own, key=own.get)
    assert (pooled["agents_needed"] == max(own.values())).all()
    assert set(pooled["binding_type"]) == {binding}
    row = pooled.iloc[0]
    assert (row["target_s"], row["service_level_target"]) == ((45, 0.95) if binding == "fraud" else (30, 0.8))


def test_pooled_routine_target_binds_when_it_is_the_stricter_one():
    routine = _type("routine", per_day=4000, target_s=5)  # 80% within 5 s asks more than 95% within 600 s
    fraud = _type("fraud", per_day=200, aht_s=600, emergency=True, priority=5)
    sc = _scenario([routine, fraud], guarantee_s=600, guarantee_share=0.95)
    pooled = requirements(sc, methods=["erlang_c"])
    assert set(pooled["binding_type"]) == {"routine"} and set(pooled["target_s"]) == {5}
    text = render_staffing(pooled, sc, method_words=METHODS, pooled=POOLED)
    assert "calls per" in text  # the count says what it counts


def test_an_interval_without_arrivals_needs_no_agents():
    profile = [0.0] * 12 + [1.0] * 12
    table = requirements(_scenario([_type(profile=profile)], interval_min=60), methods=["erlang_c", "erlang_a"])
    quiet = table[table.interval < 12]
    assert (quiet["agents_needed"] == 0).all() and (quiet["predicted_service_level"] == 1.0).all()
    assert (table[table.interval >= 12]["agents_needed"] > 0).all()


# -------------------------------------------------------------- the roster


def test_rostered_is_agents_on_duty_with_scheduled_breaks_out_and_gap_is_rostered_minus_needed():
    shifts = [
        {"id": "day", "start": "08:00", "length_h": 8, "headcount": 3, "breaks": [{"after_h": 4, "length_min": 30}]},
        {"id": "late", "start": "20:00", "length_h": 8, "headcount": 2},  # runs past midnight
    ]
    sc = _scenario(shifts=shifts, interval_min=60, agents={"shifts": shifts, "absence_probability": 0.5})
    rostered = rostered_per_interval(sc)
    expected = np.zeros(24)
    expected[8:16] = 3
    expected[12] = 1.5  # all three take their 30-minute break at 12:00
    expected[20:24] = 2
    expected[0:4] = 2  # the late shift that started the evening before
    assert np.allclose(rostered, expected)  # absence is a draw, not the plan: left out
    table = requirements(sc, methods=["erlang_c"])
    assert np.allclose(table["rostered"], expected)
    assert np.allclose(table["gap"], table["rostered"] - table["agents_needed"])


def test_rostered_follows_the_policy_and_per_type_counts_only_agents_who_may_serve_it():
    shifts = [
        {"id": "general", "start": "00:00", "length_h": 24, "headcount": 4, "skills": ["calls"]},
        {"id": "desk", "start": "00:00", "length_h": 24, "headcount": 2, "reserved_for": ["fraud"]},
    ]
    sc = _scenario(
        [_type("calls"), _type("fraud", per_day=50, emergency=True)],
        shifts=shifts,
        policies=[{"id": "now", "baseline": True}, {"id": "half", "staffing_scale": 0.5}],
    )
    by_type = requirements(sc, methods=["erlang_c"], by="type").drop_duplicates("contact_type")
    by_type = by_type.set_index("contact_type")
    assert by_type.loc["calls", "rostered"] == 4
    assert by_type.loc["fraud", "rostered"] == 2
    assert requirements(sc, "half", methods=["erlang_c"])["rostered"].iloc[0] == 3  # 2 + 1
    assert requirements(sc, "now", methods=["erlang_c"]).attrs["policy"] == "now"


# ---------------------------------------------------------------- bad input


def test_a_target_beyond_max_agents_is_a_staffing_error_naming_the_interval():
    with pytest.raises(StaffingError, match=r"^max_agents: .*interval 0.*not reachable with max_servers=3"):
        requirements(_scenario([_type(per_day=4800)]), methods=["erlang_c"], max_agents=3)


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"policy": "nope"}, "policy"),
        ({"methods": ["erlang_x"]}, "method"),
        ({"by": "team"}, "by"),
        ({"target_s": -1.0}, "target_s"),
        ({"service_level": 1.0}, "service_level"),
        ({"service_level": 0.0}, "service_level"),
    ],
)
def test_bad_arguments_raise_staffing_errors_naming_the_argument(kwargs, argument):
    sc = _scenario()
    policy = kwargs.pop("policy", None)
    with pytest.raises(StaffingError) as info:
        requirements(sc, policy, **kwargs)
    assert info.value.argument == argument
    assert str(info.value).startswith(argument)


def test_isa_needs_an_emergency_type_for_the_guarantee_criterion():
    with pytest.raises(StaffingError, match="no emergency contact type"):
        iterative_staffing(_scenario(), settings=sim.RunSettings(replications=1))


def test_isa_reports_a_guarantee_no_staffing_can_meet():
    # The bot is the only door all day: no agent can answer an emergency in time.
    ct = _type("fraud", per_day=100, emergency=True)
    sc = _scenario([ct], front_door={"bot_only_hours": ["00:00-23:59"]})
    with pytest.raises(StaffingError, match="not met by staffing alone"):
        iterative_staffing(sc, settings=sim.RunSettings(replications=2), calibrations=1, max_iterations=3)


def test_isa_reports_a_target_that_needs_more_than_max_agents():
    ct = _type("fraud", per_day=4800, emergency=True)
    with pytest.raises(StaffingError, match="at most 3 agents per interval"):
        iterative_staffing(_scenario([ct]), settings=sim.RunSettings(replications=2), max_agents=3)


# ----------------------------------------------------- iterative staffing


@pytest.mark.slow
def test_isa_with_the_delay_criterion_on_a_stationary_queue_finds_the_erlang_c_staffing():
    # A = 5 Erlangs, no abandonment: P(delay) is 0.32 with 7 agents and 0.17 with 8, so alpha = 0.25 means 8.
    assert erlang_c(7, 5.0) > 0.25 > erlang_c(8, 5.0)
    sc = _scenario([_type(per_day=2400)], interval_min=60)
    result = iterative_staffing(sc, settings=sim.RunSettings(replications=20, seed=11), criterion="delay", alpha=0.25)
    staffing = result.staffing
    assert np.all(np.abs(staffing - 8) <= 1), staffing
    assert np.mean(staffing == 8) >= 0.75, staffing
    assert len(result.iterations) >= 2 and result.table["method"].eq("isa").all()


@pytest.mark.slow
def test_isa_with_the_guarantee_on_a_stationary_queue_finds_the_erlang_c_staffing():
    # One emergency type, nobody abandons: 80% within 20 s needs 8 agents (SL 0.74 with 7, 0.88 with 8).
    ct = _type("fraud", per_day=2400, emergency=True, target_s=20)
    sc = _scenario([ct], interval_min=60, guarantee_s=20, guarantee_share=0.8)
    assert erlang_c_servers_needed(2400 / 86400, 180, 20, 0.8).servers == 8
    result = iterative_staffing(sc, settings=sim.RunSettings(replications=20, seed=12))
    assert np.all(np.abs(result.staffing - 8) <= 1), result.staffing
    assert np.mean(result.staffing == 8) >= 0.75, result.staffing
    assert result.target_met and result.share_mean >= 0.8


def test_the_isa_simulates_each_replication_as_sim_run_does():
    """One recipe for one replication of one policy (sim.runs.replication), the run's end included: the
    ISA's final runs of its table are the replications ``sim.run`` makes of it with the same seed."""
    ct = _type("fraud", per_day=2400, emergency=True, target_s=20)
    sc = _scenario([ct], interval_min=60, guarantee_s=20, guarantee_share=0.8)
    settings = sim.RunSettings(replications=4, seed=3)
    isa = iterative_staffing(sc, settings=settings, max_iterations=2, calibrations=0)
    again = sim.run(isa.scenario(), settings=settings).per_replication(quantiles=False)
    shares = again.loc[again.contact_type == "emergency", "share_within_guarantee"]
    assert shares.nunique() > 1  # the replications differ, so agreeing on mean and interval says something
    mean, low, high, _ = t_interval(shares)
    assert (isa.share_mean, isa.share_ci_low, isa.share_ci_high) == pytest.approx((mean, low, high), abs=1e-12)


def _time_varying_day(priority: int) -> sim.Scenario:
    profile = [round(1 + 0.8 * math.sin(2 * math.pi * (i - 12) / 48), 3) for i in range(48)]
    routine = _type("routine", per_day=2000, aht_s=300, profile=profile, patience={"dist": "exponential", "mean": 240})
    fraud = _type(
        "fraud", per_day=200, profile=profile, emergency=True, priority=priority,
        patience={"dist": "exponential", "mean": 300},
        redial={"probability": 0.8, "delay_s": {"dist": "exponential", "mean": 60}, "max_attempts": 4},
    )
    fraud["handle_time_s"] = {"dist": "lognormal", "mean": 600, "cv": 0.6}
    return _scenario([routine, fraud], guarantee_s=60, guarantee_share=0.9)


@pytest.mark.slow
@pytest.mark.parametrize("priority", [10, 0], ids=["emergencies-first", "fcfs-with-everyone"])
def test_isa_staffing_simulated_again_on_fresh_seeds_meets_the_guarantee_all_day(priority):
    sc = _time_varying_day(priority)
    result = iterative_staffing(sc, settings=sim.RunSettings(replications=20, seed=5))
    assert result.staffing.max() > 2 * result.staffing.min()  # it follows the day
    again = sim.run(result.scenario(), settings=sim.RunSettings(replications=30, seed=999))
    summary = again.summary()
    share = summary[(summary.metric == "share_within_guarantee") & (summary.contact_type == "emergency")].iloc[0]
    # Met on the mean, and not missed by more than the noise allows.
    assert share["mean"] >= 0.9, share
    incidents = again.incidents.assign(ok=lambda f: f.time_to_human_s <= 60, block=lambda f: f.arrival_s // 21600)
    by_block = incidents.groupby("block")["ok"].agg(["mean", "size"])
    # Time-stable: every six hours of the day meets it, within three standard errors.
    se = np.sqrt(0.9 * 0.1 / by_block["size"])
    assert (by_block["mean"] >= 0.9 - 3 * se).all(), by_block


def test_isa_table_sits_next_to_the_roster_and_renders():
    sc = _time_varying_day(10)
    table, isa = staffing_requirements(
        sc, methods=["erlang_a", "isa"], settings=sim.RunSettings(replications=4, seed=1),
        isa_options={"max_iterations": 3}
    )
    assert set(table["method"]) == {"erlang_a", "isa"}
    rows = table[table.method == "isa"]
    assert np.allclose(rows["gap"], rows["rostered"] - rows["agents_needed"])
    assert {"simulated_share", "emergency_incidents", "predicted_service_level"} <= set(rows.columns)
    assert isa.scenario().agents.tables[0].agents == [int(x) for x in isa.staffing]
    text = render_staffing(table, sc, isa, method_words=METHODS, pooled=POOLED)
    for piece in ("erlang_a", "isa", "rostered", "summary:", "emergency guarantee", "within 60 s"):
        assert piece in text, piece


def test_arrival_rates_come_from_the_expected_volume():
    sc = _scenario([_type(per_day=4800)])
    assert np.allclose(arrival_rates_per_s(sc, sc.contact_types[0]), 4800 / 86400)


def test_isa_in_parallel_processes_gives_the_sequential_answer():
    sc = _time_varying_day(10)
    one = iterative_staffing(sc, settings=sim.RunSettings(replications=4, seed=3), max_iterations=4)
    two = iterative_staffing(sc, settings=sim.RunSettings(replications=4, seed=3, workers=2), max_iterations=4)
    assert np.array_equal(one.staffing, two.staffing)
    assert one.share_mean == two.share_mean
    assert one.iterations.equals(two.iterations)
