"""Callbacks (virtual hold), overflow after a delay and chat concurrency (issue 13; sim/model/extended.py).

Exact equivalences where the features must vanish (an unreachable threshold
or delay, one chat at factor 1, zero-delay overflow against pooled groups),
hand-made cases for each rule, hypothesis properties for the invariants, and
Erlang C for zero-delay overflow with a statistical tolerance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import contact_type, hand_workload, run_hand, scenario, shift

import sim
from sim.analytic.erlang import erlang_c_metrics
from sim.model.distributions import MAX_DURATION_S
from sim.model.engine import ABANDONED, ANSWERED, BALKED, CALLBACK_COLUMNS, CALLBACK_UNANSWERED
from sim.model.roster import build_roster
from sim.model.simulation import simulate
from sim.model.workload import draw_workload
from sim.runs.guard import invariant_violations

Z = 4.0  # standard errors: a false alarm about once in 16,000 runs


def _validate(data: dict) -> sim.Scenario:
    return sim.Scenario.model_validate(data)


def _busy_day(agents=3, per_day=1500, handle=240, patience=300, **type_overrides) -> dict:
    """A one-day line loaded enough that callers wait (about 1.4 Erlangs per agent at peak)."""
    return {
        "days": 1,
        "interval_min": 60,
        "contact_types": [
            contact_type(
                "calls",
                volume={"per_day": per_day, "profile": [0.3] * 8 + [1.6] * 10 + [0.6] * 6},
                handle_time_s={"dist": "exponential", "mean": handle},
                patience_s={"dist": "exponential", "mean": patience},
                redial={"probability": 0.4, "max_attempts": 3},
                **type_overrides,
            )
        ],
        "agents": {"shifts": [shift(headcount=agents)]},
    }


def _with(data: dict, **updates) -> dict:
    out = {**data}
    for key, value in updates.items():
        out[key] = value
    return out


def _run_tables(sc: sim.Scenario, seed: int = 3):
    res = sim.run(sc, settings=sim.RunSettings(replications=2, seed=seed), keep_incidents="all")
    return res


def _same(a, b, ignore=()) -> None:
    for name in ("replications", "intervals", "agents", "incidents"):
        left, right = getattr(a, name), getattr(b, name)
        cols = [c for c in left.columns if c not in ignore]
        pd.testing.assert_frame_equal(left[cols], right[cols], check_exact=True, obj=name)


# ------------------------------------------------------------------ callbacks


def test_callbacks_with_an_unreachable_threshold_change_nothing():
    data = _busy_day()
    data["contact_types"][0]["callback"] = {"accept_probability": 1.0, "answer_probability": 0.5}
    plain = _run_tables(_validate(data))
    for queue in ("keep_place", "when_idle"):
        for predictor in ("queue_length", "head_of_line"):
            offer = {"enabled": True, "threshold_s": MAX_DURATION_S, "queue": queue, "predictor": predictor}
            with_offer = _run_tables(_validate(_with(data, front_door={"callback": offer})))
            assert with_offer.replications["callback_offered"].sum() == 0
            _same(plain, with_offer)



def _nights_unstaffed(**overrides) -> dict:
    """Two days of the busy line with agents 08:00-20:00 only: callers arrive while nobody is on duty."""
    data = _busy_day(**overrides)
    data["days"] = 2
    data["agents"] = {"shifts": [shift(start="08:00", length_h=12, headcount=3)]}
    data["contact_types"][0]["callback"] = {"accept_probability": 1.0, "answer_probability": 0.5}
    return data


@pytest.mark.parametrize("queue", ["keep_place", "when_idle"])
@pytest.mark.parametrize("predictor", ["queue_length", "head_of_line"])
def test_an_unreachable_threshold_changes_nothing_row_for_row_even_with_hours_nobody_is_on_duty(predictor, queue):
    data = _nights_unstaffed()
    offer = {"enabled": True, "threshold_s": MAX_DURATION_S, "queue": queue, "predictor": predictor,
             "offer_in_queue": True}
    plain_sc, offer_sc = _validate(data), _validate(_with(data, front_door={"callback": offer}))
    plain, with_offer = _run_tables(plain_sc), _run_tables(offer_sc)
    assert with_offer.replications["callback_offered"].sum() == 0
    assert plain.replications["abandoned"].sum() > 0  # callers did wait out the night
    _same(plain, with_offer)
    # The attempt logs themselves, row for row: the same outcomes logged in the same order.
    for seed in (1, 2):
        np.testing.assert_array_equal(_log_and_callbacks(plain_sc, seed)[2].attempts,
                                      _log_and_callbacks(offer_sc, seed)[2].attempts)


def test_policies_differing_only_in_callbacks_and_chats_meet_the_same_incidents():
    """Common random numbers: the features draw from their own streams, so every policy meets the same callers."""
    data = _busy_day()
    data["contact_types"][0]["callback"] = {"accept_probability": 0.7, "answer_probability": 0.8}
    data["policies"] = [
        {"id": "plain", "baseline": True},
        {"id": "callbacks", "front_door": {"callback": {"enabled": True, "threshold_s": 60}}},
        {"id": "chat", "chat": {"types": ["calls"], "max_per_agent": 2, "handle_time_factors": [1.0, 1.7]}},
    ]
    res = _run_tables(_validate(data))
    assert res.replications.query("policy == 'callbacks'")["callback_offered"].sum() > 0  # the feature is used
    keys = ["replication", "contact_type", "incident", "arrival_s"]
    incidents = {p: res.incidents[res.incidents.policy == p][keys].reset_index(drop=True)
                 for p in ("plain", "callbacks", "chat")}
    assert len(incidents["plain"]) > 0
    pd.testing.assert_frame_equal(incidents["plain"], incidents["callbacks"], check_exact=True)
    pd.testing.assert_frame_equal(incidents["plain"], incidents["chat"], check_exact=True)


def _log_and_callbacks(sc: sim.Scenario, seed: int):
    ss = np.random.SeedSequence(seed)
    workload = draw_workload(sc, ss)
    roster = build_roster(sc, np.random.SeedSequence(seed + 1))
    log = simulate(sc, workload, roster)
    columns = {name: log.attempts[:, n] for n, name in enumerate(sim.model.engine.ATTEMPT_COLUMNS)}
    callbacks = pd.DataFrame(log.callbacks, columns=CALLBACK_COLUMNS)
    return columns, callbacks, log


def _keys(columns) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([columns["type"], columns["incident"], columns["attempt"]])


callback_settings = st.fixed_dictionaries(
    {
        "threshold_s": st.sampled_from([1.0, 30.0, 120.0, 600.0]),
        "predictor": st.sampled_from(["queue_length", "head_of_line"]),
        "queue": st.sampled_from(["keep_place", "when_idle"]),
        "offer_in_queue": st.booleans(),
        "max_calls": st.integers(1, 4),
        "dial_time_s": st.sampled_from([{"dist": "deterministic", "value": 15}, {"dist": "exponential", "mean": 30}]),
        "retry_delay_s": st.sampled_from([{"dist": "deterministic", "value": 60}, {"dist": "exponential", "mean": 600}]),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(offer=callback_settings, accept=st.floats(0, 1), answer=st.floats(0, 1), balk=st.floats(0, 0.5),
       agents=st.integers(1, 4), seed=st.integers(0, 10_000))
def test_callbacks_nobody_abandons_waiting_for_a_call_back_and_every_attempt_has_one_outcome(
    offer, accept, answer, balk, agents, seed
):
    data = _busy_day(agents=agents, per_day=400 * agents, balk_probability=balk)
    data["contact_types"][0]["callback"] = {"accept_probability": accept, "answer_probability": answer}
    sc = _validate(_with(data, front_door={"callback": {"enabled": True, **offer}}))
    columns, callbacks, _ = _log_and_callbacks(sc, seed)
    outcome = pd.Series(columns["outcome"], index=_keys(columns))
    assert outcome.index.is_unique  # one outcome per attempt
    took = callbacks[callbacks.accepted > 0]
    their = outcome.loc[pd.MultiIndex.from_frame(took[["type", "incident", "attempt"]])]
    assert not their.isin([ABANDONED, BALKED]).any()  # patience does not run while waiting for a call back
    connected = took.connected > 0
    assert (their.to_numpy()[connected.to_numpy()] == ANSWERED).all()
    assert (their.to_numpy()[~connected.to_numpy()] == CALLBACK_UNANSWERED).all()
    assert (took.calls >= 1).all() and (took.calls <= offer["max_calls"]).all()
    assert (callbacks.loc[~(callbacks.accepted > 0), "calls"] == 0).all()
    # Only unanswered callbacks end callback_unanswered.
    assert (outcome == CALLBACK_UNANSWERED).sum() == (~connected).sum()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(offer=callback_settings, answer=st.floats(0, 1), agents=st.integers(1, 4), seed=st.integers(0, 10_000))
def test_callbacks_when_everyone_accepts_nobody_waits_live_beyond_the_threshold(offer, answer, agents, seed):
    data = _busy_day(agents=agents, per_day=400 * agents)
    data["contact_types"][0]["callback"] = {"accept_probability": 1.0, "answer_probability": answer}
    offer = {**offer, "offer_in_queue": True}
    sc = _validate(_with(data, front_door={"callback": {"enabled": True, **offer}}))
    columns, callbacks, _ = _log_and_callbacks(sc, seed)
    took = pd.MultiIndex.from_frame(callbacks.loc[callbacks.accepted > 0, ["type", "incident", "attempt"]])
    live = ~_keys(columns).isin(took) & ~np.isnan(columns["enqueue_s"])
    waits = (columns["leave_queue_s"] - columns["enqueue_s"])[live]
    assert (waits <= offer["threshold_s"] + 1e-9).all(), waits.max()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(offer=callback_settings, accept=st.floats(0, 1), answer=st.floats(0, 1), seed=st.integers(0, 1000))
def test_callbacks_conserve_outcomes_through_sim_run(offer, accept, answer, seed):
    data = _busy_day(agents=2, per_day=800)
    data["warmup_h"] = 2.0
    data["contact_types"][0]["callback"] = {"accept_probability": accept, "answer_probability": answer}
    sc = _validate(_with(data, front_door={"callback": {"enabled": True, **offer}}))
    res = sim.run(sc, settings=sim.RunSettings(replications=2, seed=seed))
    assert invariant_violations(res) == []
    t = res.replications
    assert (t.offered == t.answered + t.abandoned + t.callback_unanswered).all()
    assert (t.callback_accepted == t.callback_answered + t.callback_unanswered).all()
    assert (t.callback_calls >= t.callback_accepted).all()
    assert (res.agents.occupancy <= 1 + 1e-12).all()


def _one_agent(types=None, offer=None, **overrides):
    return scenario(
        types=types or [contact_type("calls", callback={"accept_probability": 1.0, "answer_probability": 1.0})],
        shifts=[shift(headcount=1)],
        front_door={"callback": {"enabled": True, **(offer or {})}},
        **overrides,
    )


def test_queue_length_predictor_offers_when_callers_ahead_times_mean_service_over_agents_exceeds_the_threshold():
    # One agent, mean service 100 s: arriving while 1 caller waits predicts (1 + 1) x 100 / 1 = 200 s.
    types = [contact_type("calls", handle_time_s={"dist": "deterministic", "value": 100},
                          callback={"accept_probability": 0.0})]
    sc = _one_agent(types, {"threshold_s": 150, "offer_in_queue": False})
    columns, log, _ = run_hand(sc, {"calls": [0, 1, 2, 3]}, handle_s=100)
    offered = pd.DataFrame(log.callbacks, columns=CALLBACK_COLUMNS)
    # 0 is served; 1 waits behind nobody (100 s, not offered); 2 sees 1 ahead (200 s); 3 sees 2 ahead (300 s).
    assert offered.incident.tolist() == [2, 3]
    assert offered.offered_s.tolist() == [2.0, 3.0]
    assert (offered.accepted == 0).all()



@pytest.mark.parametrize("headcount, threshold_s, offered_to", [(1, 3750, [1]), (1, 3650, [0, 1]), (2, 3660, [1])])
def test_queue_length_predictor_with_nobody_on_duty_predicts_the_wait_for_the_next_shift_plus_the_work_ahead(
    headcount, threshold_s, offered_to
):
    # Agents from 08:00, service 100 s; callers at 07:00:00 and 07:00:01. One agent: the first
    # predicts 3,600 + 100 = 3,700 s, the second (one ahead) 3,599 + 200 = 3,799 s. Two agents
    # starting together share the work: 3,600 + 50 = 3,650 s and 3,599 + 100 = 3,699 s.
    types = [contact_type("calls", handle_time_s={"dist": "deterministic", "value": 100},
                          callback={"accept_probability": 0.0})]
    sc = scenario(types=types, shifts=[shift(start="08:00", length_h=8, headcount=headcount)],
                  front_door={"callback": {"enabled": True, "threshold_s": threshold_s, "offer_in_queue": False}})
    _, log, _ = run_hand(sc, {"calls": [25200, 25201]}, handle_s=100)
    offered = pd.DataFrame(log.callbacks, columns=CALLBACK_COLUMNS)
    assert offered.incident.tolist() == offered_to


def test_queue_length_predictor_with_nobody_ever_on_duty_again_predicts_the_longest_wait_the_model_has():
    from sim.model.extended import ExtendedCentre

    types = [contact_type("calls", callback={"accept_probability": 1.0})]
    sc = scenario(types=types, shifts=[shift(start="08:00", length_h=8)],
                  front_door={"callback": {"enabled": True}})
    workload = hand_workload(sc, {"calls": [0.0]})
    centre = ExtendedCentre(sc, workload, build_roster(sc, np.random.SeedSequence(0)))
    last_start = max(s.start_s for s in centre.roster.shifts)
    assert centre._predicted_wait_s(0, last_start + 1.0) == MAX_DURATION_S  # not above: the largest threshold


def _centre_checking_its_counts(sc, workload, roster):
    """An ExtendedCentre whose kept count of callers ahead is checked against a scan of the queues at every
    prediction; ``checks`` counts them."""
    from sim.model.extended import ExtendedCentre

    class Checked(ExtendedCentre):
        checks = 0

        def _callers_ahead(self, k, now):
            kept = super()._callers_ahead(k, now)
            scanned = 0
            for j in self.ahead_types[k]:
                scanned += sum(1 for a in self.queues[j] if a.waiting and a.abandon_s > now)
                if self.cb_keep_place:
                    scanned += sum(1 for entry in self.cb_queues[j] if self._valid(entry))
            assert kept == scanned, (now, k, kept, scanned)
            self.checks += 1
            return kept

    return Checked(sc, workload, roster)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(offer=callback_settings, accept=st.floats(0, 1), answer=st.floats(0, 1), overflow_s=st.sampled_from([0, 45]),
       seed=st.integers(0, 10_000))
def test_queue_length_predictor_counts_kept_as_the_queue_changes_equal_a_scan_of_the_queues(
    offer, accept, answer, overflow_s, seed
):
    behaviour = {"accept_probability": accept, "answer_probability": answer}
    data = {
        "days": 1, "interval_min": 60,
        "contact_types": [
            contact_type("urgent", skill="u", priority=2, volume={"per_day": 500}, callback=behaviour,
                         patience_s={"dist": "exponential", "mean": 200}, redial={"probability": 0.3}),
            contact_type("routine", skill="r", volume={"per_day": 700}, callback=behaviour,
                         patience_s={"dist": "lognormal", "mean": 400, "cv": 1.5}),
        ],
        # "spare" serves urgent calls from 06:00 to 16:00, routine ones only by overflow.
        "agents": {"shifts": [shift("all", headcount=2, skills=["u", "r"]),
                              shift("spare", start="06:00", length_h=10, skills=["u"])]},
        "front_door": {"callback": {"enabled": True, **offer, "predictor": "queue_length"}},
        "routing": {"overflow": [{"contact_type": "routine",
                                  "stages": [{"after_s": overflow_s, "groups": ["spare"]}]}]},
    }
    sc = _validate(data)
    workload = draw_workload(sc, np.random.SeedSequence(seed))
    centre = _centre_checking_its_counts(sc, workload, build_roster(sc, np.random.SeedSequence(seed + 1)))
    centre.run()
    assert centre.checks > 0


def test_head_of_line_predictor_offers_when_the_oldest_waiting_caller_has_waited_longer_than_the_threshold():
    types = [contact_type("calls", callback={"accept_probability": 0.0})]
    sc = _one_agent(types, {"threshold_s": 50, "predictor": "head_of_line", "offer_in_queue": False})
    _, log, _ = run_hand(sc, {"calls": [0, 10, 40, 70, 100]}, handle_s=1000)
    offered = pd.DataFrame(log.callbacks, columns=CALLBACK_COLUMNS)
    # Head of line is incident 1 from t=10: at 40 it has waited 30 s, at 70 60 s, at 100 90 s.
    assert offered.incident.tolist() == [3, 4]


def test_a_callback_is_dialled_retried_after_no_answer_and_its_wait_runs_to_the_answered_call():
    types = [contact_type("fraud", emergency=True, callback={"accept_probability": 1.0, "answer_probability": 0.5})]
    offer = {"threshold_s": 10, "dial_time_s": {"dist": "deterministic", "value": 20},
             "retry_delay_s": {"dist": "deterministic", "value": 600}, "max_calls": 3}
    sc = _one_agent(types, offer)
    # Call 0 unanswered (u >= 0.5), call 1 answered.
    columns, log, tables = run_hand(sc, {"fraud": [0, 1]}, handle_s=100,
                                    extra={"u_callback_accept": 0.0, "u_callback_answer": {0: 0.9, 1: 0.1}})
    second = columns["incident"] == 1
    # Agent busy 0-100; dials 100-120 (no answer); retry due at 720, dialled 720-740, answered at 740.
    assert columns["outcome"][second].tolist() == [ANSWERED]
    assert columns["leave_queue_s"][second].tolist() == [740.0]
    assert columns["enqueue_s"][second].tolist() == [1.0]
    row = tables.by_type.iloc[0]
    assert (row.callback_offered, row.callback_accepted, row.callback_answered, row.callback_calls) == (1, 1, 1, 2)
    assert row.callback_dial_s == 40.0
    incidents = tables.incidents.set_index("incident")
    assert incidents.loc[1, "time_to_human_s"] == 739.0  # an emergency's time to a human runs to the call back
    assert tables.agents.busy_hours.sum() * 3600 == pytest.approx(200 + 40)


def test_a_callback_never_answered_ends_unanswered_and_may_redial():
    types = [contact_type("calls", callback={"accept_probability": 1.0, "answer_probability": 0.0},
                          redial={"probability": 1.0, "max_attempts": 2})]
    offer = {"threshold_s": 10, "max_calls": 2, "dial_time_s": {"dist": "deterministic", "value": 20},
             "retry_delay_s": {"dist": "deterministic", "value": 60}}
    sc = _one_agent(types, offer)
    columns, _, tables = run_hand(sc, {"calls": [0, 1]}, handle_s=100, u_redial=0.0, redial_delay_s=30,
                                  extra={"u_callback_accept": 0.0})
    second = columns["incident"] == 1
    # Dials 100-120 and 180-200, both unanswered; the redial comes 30 s later, at 230, and is served at once.
    assert columns["outcome"][second].tolist() == [CALLBACK_UNANSWERED, ANSWERED]
    assert columns["leave_queue_s"][second].tolist() == [200.0, 230.0]
    row = tables.by_type.iloc[0]
    assert (row.callback_unanswered, row.callback_calls, row.offered) == (1, 2, 3)
    assert row.offered == row.answered + row.abandoned + row.callback_unanswered


def test_when_idle_callbacks_wait_behind_live_callers_and_keep_place_by_the_time_they_joined():
    types = [contact_type("calls", callback={"accept_probability": 1.0})]
    arrivals = {"calls": [0, 1, 2]}
    # Incident 1 takes a callback (predicted 100 s > 50 s); incident 2 arrives when the queue-length
    # rule predicts (1 + 1) x 180 s: also offered, so make it decline by a per-attempt uniform.
    extra = {"u_callback_accept": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.9, 0.9, 0.9], "u_callback_answer": 0.0,
             "callback_dial_s": 5.0}
    for queue, first in (("keep_place", 1), ("when_idle", 2)):
        sc = _one_agent([contact_type("calls", callback={"accept_probability": 0.5})],
                        {"threshold_s": 50, "queue": queue, "offer_in_queue": False})
        columns, log, _ = run_hand(sc, arrivals, handle_s=100, extra=extra)
        order = np.argsort(columns["leave_queue_s"])
        served = columns["incident"][order][columns["outcome"][order] == ANSWERED].astype(int).tolist()
        assert served[:2] == [0, first], queue


# ------------------------------------------------------------------- overflow


def _two_groups(overflow_after_s=None, pooled=False, agents=(2, 2), per_day=2200, handle=120, patience=None):
    data = {
        "days": 1,
        "interval_min": 60,
        "contact_types": [
            contact_type("calls", skill="a", volume={"per_day": per_day},
                         handle_time_s={"dist": "exponential", "mean": handle},
                         patience_s=patience or {"dist": "deterministic", "value": 1e9},
                         redial={"max_attempts": 1}),
        ],
        "agents": {"shifts": [shift("own", headcount=agents[0], skills=["a"]),
                              shift("spare", headcount=agents[1], skills=["a"] if pooled else ["b"])]},
    }
    if overflow_after_s is not None:
        data["routing"] = {"overflow": [{"contact_type": "calls",
                                         "stages": [{"after_s": overflow_after_s, "groups": ["spare"]}]}]}
    return _validate(data)


def test_overflow_with_an_unreachable_delay_changes_nothing():
    plain = _run_tables(_two_groups(patience={"dist": "exponential", "mean": 300}))
    late = _run_tables(_two_groups(MAX_DURATION_S, patience={"dist": "exponential", "mean": 300}))
    _same(plain, late)


def test_overflow_with_zero_delay_gives_the_waits_of_pooled_groups_exactly():
    for patience in (None, {"dist": "exponential", "mean": 200}):
        pooled = _run_tables(_two_groups(pooled=True, patience=patience))
        overflow = _run_tables(_two_groups(0.0, patience=patience))
        _same(pooled, overflow, ignore=("agent_cost",))


def test_an_overflowed_contact_is_taken_by_an_idle_agent_of_the_stage_exactly_when_its_delay_ends():
    sc = scenario(
        types=[contact_type("calls", skill="a", redial={"max_attempts": 1})],
        shifts=[shift("own", headcount=1, skills=["a"]), shift("spare", headcount=1, skills=["b"])],
        routing={"overflow": [{"contact_type": "calls", "stages": [{"after_s": 45, "groups": ["spare"]}]}]},
    )
    columns, _, tables = run_hand(sc, {"calls": [0, 10, 20]}, handle_s=100)
    # 0 goes to own (0-100); 10 overflows at 55 to spare (55-155); 20 overflows at 65 but spare is busy: own at 100.
    assert columns["leave_queue_s"].tolist() == [0.0, 55.0, 100.0]
    spare = tables.agents.set_index("group").loc["spare"]
    assert spare.busy_hours * 3600 == pytest.approx(100)


def test_overflow_work_is_picked_by_priority_after_the_groups_own_higher_priority_work():
    sc = scenario(
        types=[contact_type("own_vip", skill="b", priority=5, redial={"max_attempts": 1}),
               contact_type("calls", skill="a", priority=1, redial={"max_attempts": 1})],
        shifts=[shift("own", headcount=1, skills=["a"]), shift("spare", headcount=1, skills=["b"])],
        routing={"overflow": [{"contact_type": "calls", "stages": [{"after_s": 0, "groups": ["spare"]}]}]},
    )
    # Spare busy with a VIP 0-100; a VIP and an overflowed call both wait; at 100 spare takes the VIP.
    columns, _, _ = run_hand(sc, {"own_vip": [0, 30], "calls": [1, 2, 20]}, handle_s=100)
    vip = (columns["type"] == 0) & (columns["incident"] == 1)
    assert columns["leave_queue_s"][vip].tolist() == [100.0]


@pytest.mark.slow
def test_zero_delay_overflow_matches_erlang_c_for_the_pooled_agents():
    servers, aht_s, load = 6, 120.0, 4.8
    per_day = load / aht_s * 86400
    sc = _two_groups(0.0, agents=(2, 4), per_day=per_day, handle=aht_s).model_copy(update={"warmup_h": 1.0})
    res = sim.run(sc, settings=sim.RunSettings(replications=20, seed=7, workers=2))
    t = res.per_replication()
    t = t[t.contact_type == "calls"]
    exact = erlang_c_metrics(per_day / 86400, aht_s, servers, target_s=20.0)
    for metric, value in (("p_delay", exact.p_wait), ("asa_s", exact.asa_s), ("service_level", exact.service_level)):
        x = t[metric].to_numpy(dtype=float)
        se = x.std(ddof=1) / np.sqrt(x.size)
        assert abs(x.mean() - value) <= Z * se + 0.01 * value, (metric, x.mean(), se, value)


def test_overflow_names_known_groups_and_types():
    with pytest.raises(Exception, match=r"routing.overflow\[calls\].stages\[0\].groups"):
        scenario(routing={"overflow": [{"contact_type": "calls", "stages": [{"after_s": 5, "groups": ["nope"]}]}]})
    with pytest.raises(Exception, match="after_s must increase"):
        scenario(routing={"overflow": [{"contact_type": "calls", "stages": [
            {"after_s": 5, "groups": ["all"]}, {"after_s": 5, "groups": ["all"]}]}]})


# ---------------------------------------------------------------------- chats


def test_a_chat_type_with_one_chat_per_agent_at_factor_one_equals_a_call_type_exactly():
    data = _busy_day(agents=3)
    plain = _run_tables(_validate(data))
    chat = _run_tables(_validate(_with(data, chat={"types": ["calls"], "max_per_agent": 1,
                                                  "handle_time_factors": [1.0]})))
    # Exactly, to the last digit: a chat held alone logs the delay its end was scheduled at, its work.
    _same(plain, chat)


def test_chats_held_together_are_stretched_by_the_factor_for_their_number_all_along():
    sc = scenario(
        types=[contact_type("chat", redial={"max_attempts": 1})],
        shifts=[shift(headcount=1)],
        chat={"types": ["chat"], "max_per_agent": 2, "handle_time_factors": [1.0, 2.0]},
    )
    columns, _, tables = run_hand(sc, {"chat": [0, 50, 60]}, handle_s=100)
    # 0 alone until 50 (50 done), then two at half rate: it ends at 150; the second has done 50 by
    # then. The third waits for a free slot and joins the second at 150, both at half rate: the second
    # ends at 250, and the third, 50 done by then, alone at 300.
    assert columns["leave_queue_s"].tolist() == [0.0, 50.0, 150.0]
    np.testing.assert_allclose(columns["service_s"], [150.0, 200.0, 150.0])
    assert tables.agents.busy_hours.iloc[0] * 3600 == pytest.approx(300.0)  # busy once, not per chat


def test_a_new_chat_goes_to_the_least_loaded_agent_and_a_chatting_agent_takes_no_call():
    sc = scenario(
        types=[contact_type("chat", redial={"max_attempts": 1}), contact_type("call", redial={"max_attempts": 1})],
        shifts=[shift(headcount=2)],
        chat={"types": ["chat"], "max_per_agent": 3, "handle_time_factors": [1.0, 1.5, 2.0]},
    )
    columns, _, _ = run_hand(sc, {"chat": [0, 1, 2], "call": [3]}, handle_s=100)
    chats = columns["type"] == 0
    agents = columns["agent"][chats].astype(int).tolist()
    assert agents[0] != agents[1] and agents[2] in agents[:2]
    call = columns["type"] == 1
    # Both agents hold chats: the call waits for one of them to hold none.
    assert columns["leave_queue_s"][call][0] > 3.0


chat_settings = st.integers(1, 5).flatmap(
    lambda k: st.lists(st.floats(1.0, 4.0), min_size=k, max_size=k).map(
        lambda f: {"max_per_agent": k, "handle_time_factors": sorted(f)}
    )
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chat=chat_settings, agents=st.integers(1, 4), seed=st.integers(0, 10_000), breaks=st.booleans())
def test_chats_never_exceed_the_limit_and_occupancy_never_exceeds_one(chat, agents, seed, breaks):
    data = _busy_day(agents=agents, per_day=500 * agents)
    data["contact_types"].append(contact_type("voice", volume={"per_day": 100 * agents}))
    brk = [{"after_h": 4, "length_min": 30}] if breaks else []
    data["agents"] = {"shifts": [shift("early", start="06:00", length_h=9, headcount=agents, breaks=brk),
                                 shift("late", start="14:00", length_h=10, headcount=agents, breaks=brk)]}
    sc = _validate(_with(data, chat={"types": ["calls"], **chat}))
    res = sim.run(sc, settings=sim.RunSettings(replications=1, seed=seed))
    assert invariant_violations(res) == []
    assert (res.agents.occupancy.dropna() <= 1 + 1e-12).all()
    workload = draw_workload(sc, np.random.SeedSequence(seed))
    log = simulate(sc, workload, build_roster(sc, np.random.SeedSequence(seed + 1)))
    a = {name: log.attempts[:, n] for n, name in enumerate(sim.model.engine.ATTEMPT_COLUMNS)}
    served = a["agent"] >= 0
    for agent in np.unique(a["agent"][served]):
        mine = served & (a["agent"] == agent)
        start, end = a["leave_queue_s"][mine], a["leave_queue_s"][mine] + a["service_s"][mine]
        is_chat = a["type"][mine] == 0
        events = sorted([(s, 1, c) for s, c in zip(start, is_chat)] + [(e, -1, c) for e, c in zip(end, is_chat)],
                        key=lambda x: (x[0], x[1]))
        chats = calls = 0
        for _, step, c in events:
            if c:
                chats += step
            else:
                calls += step
            assert chats <= chat["max_per_agent"] and calls <= 1 and not (chats and calls)
        # Each chat lasts at least its work alone and at most its work at the largest factor.
    service = a["service_s"][served & (a["type"] == 0)]
    assert (service >= 0).all()


def test_chat_settings_are_checked():
    with pytest.raises(Exception, match="handle_time_factors"):
        scenario(chat={"types": ["calls"], "max_per_agent": 3, "handle_time_factors": [1.0, 1.7]})
    with pytest.raises(Exception, match="chat.types"):
        scenario(chat={"types": ["nope"]})


def _python_calls_per_attempt(sc: sim.Scenario) -> float:
    """Python function calls the run makes per attempt: the work done, counted, not timed."""
    import sys

    workload = draw_workload(sc, np.random.SeedSequence(1))
    roster = build_roster(sc, np.random.SeedSequence(2))
    calls = 0

    def count(_frame, event, _arg):
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(count)
    try:
        log = simulate(sc, workload, roster)
    finally:
        sys.setprofile(None)
    return calls / len(log.attempts)


def test_queue_length_predictor_work_per_attempt_does_not_grow_with_the_queue():
    """Issue 24: the predictor scanned the live queue and callback heap on every arrival (quadratic)."""

    def overloaded(per_day: int) -> sim.Scenario:
        data = _busy_day(agents=5, per_day=per_day)
        data["contact_types"][0]["volume"] = {"per_day": per_day}  # flat: the queue is long all day
        data["contact_types"][0]["callback"] = {"accept_probability": 0.6, "answer_probability": 0.85}
        return _validate(_with(data, front_door={"callback": {"enabled": True, "threshold_s": 120}}))

    # 2,000 and 8,000 calls a day on 5 agents (about 5.6 and 22 Erlangs): the queue is four times as long.
    small, large = _python_calls_per_attempt(overloaded(2000)), _python_calls_per_attempt(overloaded(8000))
    assert large < 1.5 * small, (small, large)
