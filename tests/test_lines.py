"""Finite lines, queue places, opening hours, the closing rule and the maximum wait (sim.model.routing.limits).

Hand-made workloads pin each rule's semantics; a property test checks over
random small scenarios that no more lines are held, and no more callers wait,
than exist; M/M/c/K and Erlang B check the busy-tone share against the closed
forms; unlimited capacity changes nothing, table for table.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.analytic.erlang import erlang_b
from sim.model.attempt_log import (
    ABANDONED,
    ANSWERED,
    BUSY_TONE,
    CLOSED,
    DISCONNECTED,
    LEFT_MESSAGE,
    QUEUE_FULL,
)
from sim.model.engine import ATTEMPT_COLUMNS
from sim.model.metrics import LIMIT_OUTCOMES
from sim.model.roster import build_roster
from sim.model.routing import routing_for
from sim.model.scenario import Scenario, in_daily_spans
from sim.model.simulation import simulate
from sim.model.workload import draw_workload
from support import contact_type, run_hand, scenario, shift

ROOT = Path(__file__).resolve().parents[1]
HOUR = 3600.0


def _outcomes(cols) -> list[int]:
    return cols["outcome"].astype(int).tolist()


# ------------------------------------------------------------------ the rules, by hand
def test_a_caller_finding_every_line_taken_hears_a_busy_tone_and_never_joins_the_queue():
    sc = scenario(capacity={"lines": 2})
    # One agent: the first caller talks (holds a line), the second waits (holds a line), the third is busy.
    cols, _, tables = run_hand(sc, {"calls": [0.0, 1.0, 2.0]}, handle_s=100.0)
    assert _outcomes(cols) == [ANSWERED, BUSY_TONE, ANSWERED]  # logged as they end: the busy tone at once
    busy = cols["outcome"] == BUSY_TONE
    assert cols["arrive_s"][busy].tolist() == [2.0] and np.isnan(cols["enqueue_s"][busy]).all()
    row = tables.by_type.iloc[0]
    assert (row["busy_tone"], row["offered"], row["attempts"]) == (1, 2, 3)


def test_a_line_is_held_through_the_talk_but_not_the_after_contact_work():
    sc = scenario(capacity={"lines": 1})
    # Talk 0-100, after-contact work 100-400: a caller at 150 gets the line (and waits for the agent).
    cols, _, _ = run_hand(sc, {"calls": [0.0, 50.0, 150.0]}, handle_s=100.0, acw_s=300.0)
    by_arrival = dict(zip(cols["arrive_s"].tolist(), cols["outcome"].astype(int).tolist()))
    assert by_arrival == {0.0: ANSWERED, 50.0: BUSY_TONE, 150.0: ANSWERED}


def test_lines_per_type_reserve_lines_the_other_types_cannot_take():
    types = [contact_type("fraud", emergency=True), contact_type("routine")]
    sc = scenario(types=types, shifts=[shift(headcount=0)], capacity={"lines": 1, "lines_per_type": {"fraud": 1}})
    cols, _, _ = run_hand(sc, {"fraud": [0.0, 1.0], "routine": [0.5, 2.0]}, patience_s=10.0)
    got = {(int(k), float(t)): int(o) for k, t, o in zip(cols["type"], cols["arrive_s"], cols["outcome"])}
    assert got == {(0, 0.0): ABANDONED, (0, 1.0): BUSY_TONE, (1, 0.5): ABANDONED, (1, 2.0): BUSY_TONE}


def test_a_full_queue_turns_callers_away_but_a_free_agent_still_answers():
    sc = scenario(shifts=[shift(headcount=1)], capacity={"queue_places": 1})
    cols, _, tables = run_hand(sc, {"calls": [0.0, 1.0, 2.0, 150.0]}, handle_s=100.0)
    by_arrival = dict(zip(cols["arrive_s"].tolist(), cols["outcome"].astype(int).tolist()))
    # 0 answered at once; 1 waits (the one place); 2 finds it taken; 150: the first waiter was taken at 100.
    assert by_arrival == {0.0: ANSWERED, 1.0: ANSWERED, 2.0: QUEUE_FULL, 150.0: ANSWERED}
    assert np.isnan(cols["enqueue_s"][cols["outcome"] == QUEUE_FULL]).all()  # never joined the queue
    assert tables.by_type.iloc[0]["queue_full"] == 1 and tables.by_type.iloc[0]["offered"] == 3


def test_an_abandoning_caller_gives_back_its_line_at_the_instant_it_hangs_up():
    # Nobody to answer: the first caller hangs up at 30; a caller at 31 gets the line, one at 29 does not.
    sc = scenario(shifts=[shift(headcount=0)], capacity={"lines": 1})
    cols, _, _ = run_hand(sc, {"calls": [0.0, 29.0, 31.0]}, patience_s=30.0)
    by_arrival = dict(zip(cols["arrive_s"].tolist(), cols["outcome"].astype(int).tolist()))
    assert by_arrival == {0.0: ABANDONED, 29.0: BUSY_TONE, 31.0: ABANDONED}


def test_busy_callers_redial_with_the_busy_probability_after_the_busy_delay():
    ct = contact_type(redial={"probability": 0.0, "busy_probability": 1.0, "max_attempts": 3,
                              "busy_delay_s": {"dist": "deterministic", "value": 40}})
    sc = scenario(types=[ct], capacity={"lines": 1})
    cols, _, tables = run_hand(sc, {"calls": [0.0, 10.0]}, handle_s=100.0, u_redial=0.5)
    second = cols["incident"] == 1
    assert cols["arrive_s"][second].tolist() == [10.0, 50.0, 90.0]  # two busy tones 40 s apart, then no more tries
    assert cols["outcome"][second].astype(int).tolist() == [BUSY_TONE, BUSY_TONE, BUSY_TONE]
    assert tables.by_type.iloc[0]["busy_tone"] == 3


def test_time_to_human_runs_across_busy_tones():
    ct = contact_type(emergency=True, redial={"probability": 0.0, "busy_probability": 1.0,
                                              "busy_delay_s": {"dist": "deterministic", "value": 60}})
    sc = scenario(types=[ct], capacity={"lines": 1})
    _, _, tables = run_hand(sc, {"calls": [0.0, 10.0]}, handle_s=100.0, u_redial=0.5)
    # The second incident: busy at 10 and 70, through at 130 (the line came free at 100): 120 s to a human.
    tth = tables.incidents.sort_values("incident")["time_to_human_s"].tolist()
    assert tth == [0.0, 120.0]


def test_callers_arriving_while_the_line_is_closed_get_closed_and_redial_by_the_busy_rule():
    ct = contact_type(hours=["08:00-16:00"], redial={"probability": 0.0, "busy_probability": 1.0, "max_attempts": 2,
                                                      "busy_delay_s": {"dist": "deterministic", "value": 3600}})
    sc = scenario(types=[ct])
    cols, _, tables = run_hand(sc, {"calls": [7.5 * HOUR, 9 * HOUR]}, u_redial=0.5)
    first = cols["incident"] == 0
    assert cols["outcome"][first].astype(int).tolist() == [CLOSED, ANSWERED]  # 07:30 closed, 08:30 through
    assert tables.by_type.iloc[0]["closed"] == 1


def test_at_closing_disconnect_empties_the_queue_and_serve_keeps_it():
    def run(rule):
        ct = contact_type(hours=["08:00-16:00"], at_closing=rule)
        sc = scenario(types=[ct])
        # One agent all day, busy from 15:59 for an hour: the caller at 15:59:30 waits across 16:00.
        return run_hand(sc, {"calls": [15.98 * HOUR, 15.99 * HOUR]}, handle_s=HOUR)

    cols, _, tables = run("disconnect")
    waiting = cols["incident"] == 1
    assert cols["outcome"][waiting].tolist() == [DISCONNECTED]
    assert cols["leave_queue_s"][waiting].tolist() == [16 * HOUR]
    assert tables.by_type.iloc[0]["disconnected"] == 1 and tables.by_type.iloc[0]["offered"] == 2

    cols, _, tables = run("serve")
    waiting = cols["incident"] == 1
    assert cols["outcome"][waiting].tolist() == [ANSWERED]
    assert cols["leave_queue_s"][waiting].tolist() == [pytest.approx(15.98 * HOUR + HOUR)]
    assert tables.by_type.iloc[0]["disconnected"] == 0


def test_a_closing_rule_ends_with_the_run_though_another_type_waits_with_nobody_to_answer():
    # The closing events recur daily while attempts are open; type b's caller is only swept at the end.
    sc = scenario(types=[contact_type("a", hours=["08:00-16:00"], at_closing="disconnect", skill="a"),
                         contact_type("b", skill="b")], shifts=[shift(headcount=1, skills=["a"])])
    cols, _, _ = run_hand(sc, {"a": [9 * HOUR], "b": [10 * HOUR]}, patience_s=1e6)
    assert sorted(_outcomes(cols)) == [ANSWERED, ABANDONED]


def test_a_caller_waiting_max_wait_leaves_a_message_which_ends_the_incident():
    ct = contact_type(max_wait_s=120, redial={"probability": 1.0, "max_attempts": 3})
    sc = scenario(types=[ct], shifts=[shift(headcount=0)])
    cols, _, tables = run_hand(sc, {"calls": [0.0]}, patience_s=600.0, u_redial=0.0)
    assert _outcomes(cols) == [LEFT_MESSAGE]  # no redial after a message
    assert cols["leave_queue_s"].tolist() == [120.0]
    row = tables.by_type.iloc[0]
    assert (row["left_message"], row["offered"], row["abandoned"]) == (1, 1, 0)


def test_an_impatient_caller_abandons_before_max_wait_as_today():
    ct = contact_type(max_wait_s=120)
    sc = scenario(types=[ct], shifts=[shift(headcount=0)])
    cols, _, _ = run_hand(sc, {"calls": [0.0]}, patience_s=60.0)
    assert _outcomes(cols) == [ABANDONED] and cols["leave_queue_s"].tolist() == [60.0]


def test_a_caller_taking_a_callback_gives_back_its_line():
    sc = scenario(
        types=[contact_type(callback={"accept_probability": 1.0})], shifts=[shift(headcount=1)],
        capacity={"lines": 2},
        front_door={"callback": {"enabled": True, "threshold_s": 1}},
    )
    # 0 talks till 1000; 1 takes a callback (line freed); so 2 and 3 both find a line (3 is the second holder).
    cols, _, _ = run_hand(sc, {"calls": [0.0, 1.0, 2.0, 3.0]}, handle_s=1000.0,
                          extra={"u_callback_accept": 0.0, "callback_dial_s": 10.0})
    assert BUSY_TONE not in _outcomes(cols)


# ------------------------------------------------------------------ unlimited = absent
PRESETS = ["classroom_mmc.yaml", "bank_hotline_day.yaml", "emergency_line_question.yaml", "payment_platform.yaml"]


def _with(path: Path, capacity: dict) -> Scenario:
    data = sim.load_scenario(path).model_dump(mode="json")
    data["capacity"] = capacity
    data["replications"] = 2
    return Scenario.model_validate(data)


def _tables(sc: Scenario):
    results = sim.run(sc, settings=sim.RunSettings(replications=2, seed=11), keep_incidents="all")
    return [getattr(results, name) for name in ("replications", "intervals", "agents", "incidents")]


@pytest.mark.parametrize("preset", PRESETS)
def test_unlimited_lines_and_places_give_exactly_the_tables_of_no_capacity_section(preset):
    path = ROOT / "scenarios" / preset
    plain = _tables(_with(path, {}))
    for capacity in ({"lines": None, "queue_places": None},
                     {"lines": 10_000_000, "queue_places": 10_000_000}):
        sc = _with(path, capacity)
        rules = {routing_for(sc.for_policy(p.id)).__name__ for p in sc.effective_policies}
        assert all(r.startswith("Limited") for r in rules) == (capacity["lines"] is not None), rules
        limited = _tables(sc)
        for a, b in zip(plain, limited):
            pd.testing.assert_frame_equal(a, b, check_exact=True)


# ------------------------------------------------------------------ never more than exist
def _held_intervals(cols, callbacks):
    """Per attempt, [start, end) of the line it held (empty when turned away), from the run's logs.

    Talk is the whole service here (no after-contact work); a caller who took a callback held its line
    until it took it (the callback log's offered_s), and its waiting place as long.
    """
    outcome = cols["outcome"].astype(int)
    start = cols["arrive_s"].copy()
    end = np.where(outcome == ANSWERED, cols["leave_queue_s"] + cols["service_s"], cols["leave_queue_s"])
    turned_away = np.isin(outcome, (BUSY_TONE, QUEUE_FULL, CLOSED))
    end = np.where(turned_away, start, end)
    left_queue = cols["leave_queue_s"].copy()
    key = {(int(k), int(i), int(j)): n for n, (k, i, j) in
           enumerate(zip(cols["type"], cols["incident"], cols["attempt"]))}
    for k, i, j, offered_s, accepted in callbacks[:, :5]:
        if accepted:
            n = key[int(k), int(i), int(j)]
            end[n] = left_queue[n] = offered_s
    return start, end, left_queue


def _level_at(starts, ends, t):
    return int(((starts <= t) & (t < ends)).sum())


def _max_level(starts, ends) -> int:
    # Ends before starts at the same instant: a line freed at t is free for a caller at t.
    events = sorted([(e, -1) for e in ends] + [(s, 1) for s in starts])
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


@st.composite
def limited_scenarios(draw):
    n_types = draw(st.integers(1, 2))
    types = []
    for k in range(n_types):
        types.append(contact_type(
            f"t{k}",
            volume={"per_day": draw(st.floats(100, 1500))},
            handle_time_s=draw(st.sampled_from([{"dist": "exponential", "mean": 180},
                                                {"dist": "gamma", "mean": 400, "cv": 0.5},
                                                {"dist": "lognormal", "mean": 90, "cv": 1.2}])),
            patience_s={"dist": "exponential", "mean": draw(st.floats(30, 900))},
            balk_probability=draw(st.sampled_from([0.0, 0.3])),
            redial={"probability": draw(st.sampled_from([0.0, 0.6])), "max_attempts": draw(st.integers(1, 4)),
                    "busy_probability": draw(st.sampled_from([None, 0.0, 0.9])),
                    "delay_s": {"dist": "exponential", "mean": draw(st.floats(10, 600))}},
            hours=draw(st.sampled_from([[], ["06:00-20:00"], ["00:00-12:00", "13:00-23:00"]])),
            at_closing=draw(st.sampled_from(["serve", "disconnect"])),
            max_wait_s=draw(st.sampled_from([None, 60.0, 400.0])),
        ))
    per_type = {t["id"]: draw(st.integers(0, 4)) for t in types if draw(st.booleans())}
    capacity = {"lines": draw(st.sampled_from([None, 1, 3, 8])), "lines_per_type": per_type,
                "queue_places": draw(st.sampled_from([None, 0, 2, 5]))}
    shifts = [shift(f"s{n}", start=f"{draw(st.integers(0, 23)):02d}:00", length_h=draw(st.sampled_from([8, 12, 24])),
                    headcount=draw(st.integers(0, 4))) for n in range(draw(st.integers(1, 3)))]
    door = {}
    if draw(st.booleans()):  # callbacks: a caller who takes one gives back its line and place
        door = {"callback": {"enabled": True, "threshold_s": draw(st.sampled_from([1.0, 60.0])),
                             "offer_in_queue": draw(st.booleans())}}
        for t in types:
            t["callback"] = {"accept_probability": 0.5}
    return (scenario(types=types, shifts=shifts, capacity=capacity, front_door=door),
            draw(st.integers(0, 2**31)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(case=limited_scenarios())
def test_no_instant_has_more_lines_held_or_callers_waiting_than_exist(case):
    sc, seed = case
    ss = np.random.SeedSequence(seed)
    workload = draw_workload(sc, ss)
    roster = build_roster(sc, ss)
    log = simulate(sc, workload, roster)
    cols = {name: log.attempts[:, n] for n, name in enumerate(ATTEMPT_COLUMNS)}
    k_of = cols["type"].astype(int)
    outcome = cols["outcome"].astype(int)
    start, end, left_queue = _held_intervals(cols, log.callbacks)
    cap = sc.capacity
    pools = {tid: [k for k, c in enumerate(sc.contact_types) if c.id == tid] for tid in cap.lines_per_type}
    if cap.lines is not None:
        pools["shared"] = [k for k, c in enumerate(sc.contact_types) if c.id not in cap.lines_per_type]
    for name, members in pools.items():
        limit = cap.lines if name == "shared" else cap.lines_per_type[name]
        mine = np.isin(k_of, members)
        s, e = start[mine], end[mine]
        assert _max_level(s, e) <= limit, name
        # A busy tone only when the pool really was full at that instant.
        for t in cols["arrive_s"][mine & (outcome == BUSY_TONE)]:
            assert _level_at(s, e, t) == limit, (name, t)
    offered = ~np.isnan(cols["enqueue_s"])
    waited = offered & (left_queue > cols["enqueue_s"])
    if cap.queue_places is not None:
        assert _max_level(cols["enqueue_s"][waited], left_queue[waited]) <= cap.queue_places
        for t in cols["arrive_s"][outcome == QUEUE_FULL]:
            assert _level_at(cols["enqueue_s"][waited], left_queue[waited], t) == cap.queue_places
    for k, ct in enumerate(sc.contact_types):
        mine = k_of == k
        if ct.max_wait_s is not None:
            wait = left_queue - cols["enqueue_s"]  # on the live line: a callback's wait for its call is not bounded
            assert (wait[mine & (outcome == ANSWERED)] <= ct.max_wait_s + 1e-6).all()
            assert np.allclose(wait[mine & (outcome == LEFT_MESSAGE)], ct.max_wait_s)
        if ct.hours:
            spans = ct.open_spans
            for t in cols["arrive_s"][mine & (outcome == CLOSED)]:
                assert not in_daily_spans(t % 86400, spans)
            for t in cols["arrive_s"][mine & ~np.isin(outcome, (CLOSED,))]:
                assert in_daily_spans(t % 86400, spans)
            if ct.at_closing == "disconnect":
                # No caller of this type is answered after a closing instant it waited across live.
                answered = mine & (outcome == ANSWERED)
                for a, b in zip(cols["enqueue_s"][answered], left_queue[answered]):
                    closing = [d * 86400.0 + e for d in range(int(a // 86400), int(b // 86400) + 1)
                               for _, e in spans if not in_daily_spans(e % 86400, spans)]
                    assert not any(a < c < b for c in closing), (a, b)


# ------------------------------------------------------------------ closed forms
def mmck_blocking(servers: int, capacity: int, load_erlangs: float) -> float:
    """P(an arrival finds all ``capacity`` places of an M/M/c/K system taken) (PASTA)."""
    terms = [load_erlangs**n / math.factorial(n) if n <= servers
             else load_erlangs**n / (math.factorial(servers) * servers ** (n - servers))
             for n in range(capacity + 1)]
    return terms[-1] / sum(terms)


def _blocking_share(capacity: dict, servers: int, load: float, outcome: str, days: int = 2, reps: int = 12):
    aht = 180.0
    ct = contact_type(volume={"per_day": load / aht * 86400.0}, handle_time_s={"dist": "exponential", "mean": aht},
                      patience_s={"dist": "deterministic", "value": 2592000})
    sc = scenario(types=[ct], shifts=[shift(headcount=servers)], capacity=capacity, days=days, warmup_h=2.0)
    table = sim.run(sc, settings=sim.RunSettings(replications=reps, seed=5)).replications
    shares = table[outcome] / table["attempts"]
    return shares.mean(), shares.std(ddof=1) / math.sqrt(len(shares))


@pytest.mark.parametrize(("servers", "lines", "load"), [(5, 8, 4.5), (3, 3, 2.5), (10, 14, 9.0)])
def test_the_busy_tone_share_of_m_m_c_k_matches_the_closed_form(servers, lines, load):
    mean, se = _blocking_share({"lines": lines}, servers, load, "busy_tone")
    expected = erlang_b(servers, load) if lines == servers else mmck_blocking(servers, lines, load)
    assert abs(mean - expected) <= 4 * se, (mean, se, expected)


def test_the_queue_full_share_of_m_m_c_k_matches_the_closed_form():
    servers, places, load = 5, 3, 4.5
    mean, se = _blocking_share({"queue_places": places}, servers, load, "queue_full")
    expected = mmck_blocking(servers, servers + places, load)
    assert abs(mean - expected) <= 4 * se, (mean, se, expected)


def test_erlang_b_no_waiting_place_matches_erlang_b():
    servers, load = 4, 3.0
    mean, se = _blocking_share({"queue_places": 0}, servers, load, "queue_full")
    assert abs(mean - erlang_b(servers, load)) <= 4 * se, (mean, se, erlang_b(servers, load))


def test_every_limit_outcome_is_a_column_of_the_type_and_interval_tables():
    sc = scenario(capacity={"lines": 1})
    results = sim.run(sc, settings=sim.RunSettings(replications=1, seed=1))
    for name in LIMIT_OUTCOMES:
        assert name in results.replications and name in results.intervals
        assert results.intervals[name].sum() == results.replications[name].sum()


# ------------------------------------------------------------------ the scenario fields
def test_a_policy_capacity_replaces_the_scenario_section():
    sc = scenario(capacity={"lines": 5}, policies=[{"id": "base", "baseline": True},
                                                   {"id": "more", "capacity": {"lines": 40, "queue_places": 3}}])
    assert sc.for_policy("base").capacity.lines == 5
    assert sc.for_policy("more").capacity.lines == 40 and sc.for_policy("more").capacity.queue_places == 3


@pytest.mark.parametrize(
    ("edit", "field", "words"),
    [
        ({"capacity": {"lines_per_type": {"fruad": 2}}}, "capacity.lines_per_type[fruad]", "not a contact type id"),
        ({"capacity": {"lines_per_type": {"chat": 2}}, "chat": {"types": ["chat"]}},
         "capacity.lines_per_type[chat]", "chat type"),
        ({"capacity": {"lines": -1}}, "capacity.lines", "greater than or equal to 0"),
        ({"policies": [{"id": "p", "capacity": {"lines_per_type": {"x": 1}}}]},
         "policies[p].capacity.lines_per_type[x]", "not a contact type id"),
        ({"contact_types[0].hours": ["8:00-8:00"]}, "contact_types[calls].hours", "empty"),
        ({"contact_types[0].at_closing": "hang_up"}, "contact_types[calls].at_closing", "disconnect"),
        ({"contact_types[0].max_wait_s": 0}, "contact_types[calls].max_wait_s", "greater than 0"),
        ({"contact_types[0].redial": {"busy_probability": 1.5}}, "contact_types[calls].redial.busy_probability",
         "1.5"),
    ],
)
def test_bad_capacity_and_hours_settings_are_refused_naming_the_field_by_id(edit, field, words):
    data = {"days": 1, "contact_types": [contact_type("calls"), contact_type("chat")],
            "agents": {"shifts": [shift()]}}
    for key, value in edit.items():
        if key.startswith("contact_types[0]."):
            data["contact_types"][0][key.split(".", 1)[1]] = value
        else:
            data[key] = value
    with pytest.raises(sim.ScenarioError) as info:
        sim.build_scenario(data)
    text = "\n".join(info.value.problems)
    assert field in text and words in text, text


def test_disconnect_at_closing_without_hours_is_flagged_naming_the_type():
    sc = scenario(types=[contact_type("general", at_closing="disconnect")])
    assert any(w.startswith("contact_types[general].at_closing:") for w in sc.warnings), sc.warnings
    assert not scenario(types=[contact_type("general", at_closing="disconnect", hours=["08:00-16:00"])]).warnings
