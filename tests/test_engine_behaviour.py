"""Behaviour of the model on small hand-made workloads, where the right answer is known exactly."""

from __future__ import annotations

import numpy as np
import pytest
from support import contact_type, run_hand, scenario, shift

from sim.model.engine import ABANDONED, ANSWERED, BALKED

HOUR = 3600.0
DAY = 86400.0


def outcomes_by_incident(cols, type_index=0):
    mine = cols["type"] == type_index
    return {
        (int(i), int(j)): int(o)
        for i, j, o in zip(cols["incident"][mine], cols["attempt"][mine], cols["outcome"][mine])
    }


def test_higher_priority_contact_is_served_first_even_if_it_arrived_later():
    sc = scenario(
        types=[contact_type("routine", priority=0), contact_type("fraud", priority=5)],
        shifts=[shift(headcount=1)],
    )
    # 0 s: a routine call occupies the only agent for 600 s; 10 s: routine waits;
    # 20 s: fraud waits. At 600 s the fraud call must go first.
    cols, _, _ = run_hand(sc, {"routine": [0.0, 10.0], "fraud": [20.0]}, handle_s=600.0)
    answered = cols["outcome"] == ANSWERED
    order = np.argsort(cols["leave_queue_s"][answered], kind="stable")
    served = [(int(k), float(t)) for k, t in zip(cols["type"][answered][order], cols["leave_queue_s"][answered][order])]
    assert served == [(0, 0.0), (1, 600.0), (0, 1200.0)]


def test_same_priority_is_first_come_first_served_across_types():
    sc = scenario(types=[contact_type("a"), contact_type("b")], shifts=[shift(headcount=1)])
    cols, _, _ = run_hand(sc, {"a": [0.0, 30.0], "b": [10.0]}, handle_s=100.0)
    answered = cols["outcome"] == ANSWERED
    starts = sorted(zip(cols["leave_queue_s"][answered], cols["type"][answered], cols["arrive_s"][answered]))
    assert [arrive for _, _, arrive in starts] == [0.0, 10.0, 30.0]


def test_agents_serve_only_types_whose_skill_they_have():
    sc = scenario(
        types=[contact_type("english", skill="en"), contact_type("french", skill="fr", patience_s={"dist": "deterministic", "value": 300})],
        shifts=[shift(headcount=2, skills=["en"])],
    )
    cols, _, tables = run_hand(sc, {"english": [10.0], "french": [20.0]}, patience_s=300.0)
    by_type = tables.by_type.set_index("contact_type")
    assert by_type.loc["english", "answered"] == 1
    assert by_type.loc["french", "answered"] == 0
    assert by_type.loc["french", "abandoned"] == 1


def test_reserved_agents_stay_idle_rather_than_serve_other_types():
    sc = scenario(
        types=[contact_type("routine"), contact_type("fraud", emergency=True, priority=9)],
        shifts=[shift("fraud_desk", headcount=1, reserved_for=["fraud"])],
    )
    cols, _, tables = run_hand(sc, {"routine": [5.0], "fraud": [100.0]}, patience_s=50.0)
    by_type = tables.by_type.set_index("contact_type")
    assert by_type.loc["routine", "answered"] == 0  # the reserved agent was idle and still did not take it
    assert by_type.loc["fraud", "answered"] == 1
    assert by_type.loc["fraud", "delayed"] == 0


def test_a_specialist_is_used_before_a_generalist():
    sc = scenario(
        types=[contact_type("a", skill="a"), contact_type("b", skill="b")],
        shifts=[shift("generalist", headcount=1), shift("a_only", headcount=1, skills=["a"])],
    )
    # The a-call must go to the specialist so that the b-call finds the generalist free.
    _, _, tables = run_hand(sc, {"a": [0.0], "b": [1.0]}, handle_s=1000.0, patience_s=10.0)
    by_type = tables.by_type.set_index("contact_type")
    assert by_type.loc["b", "answered"] == 1 and by_type.loc["b", "delayed"] == 0


def test_agent_finishes_the_contact_in_hand_after_shift_end_and_overtime_is_paid():
    sc = scenario(shifts=[shift(start="00:00", length_h=1, headcount=1, cost_per_hour=36.0)])
    # Answered at 59 min, 10 min of handling: the agent leaves at 1:09.
    _, log, tables = run_hand(sc, {"calls": [59 * 60.0]}, handle_s=600.0)
    assert log.agent_leave_s[0] == pytest.approx(69 * 60.0)
    agents = tables.agents.set_index("group").loc["all"]
    assert agents["overtime_hours"] == pytest.approx(9 / 60)
    assert agents["paid_hours"] == pytest.approx(69 / 60)
    assert agents["agent_cost"] == pytest.approx(36.0 * 69 / 60)
    assert tables.by_type["agent_cost"].sum() == pytest.approx(36.0 * 69 / 60)


def test_a_night_with_no_agents_leaves_customers_waiting_until_they_hang_up():
    sc = scenario(shifts=[shift(start="08:00", length_h=8, headcount=2)])
    night = [1 * HOUR, 2 * HOUR, 3 * HOUR]
    cols, _, tables = run_hand(sc, {"calls": night}, patience_s=600.0)
    assert set(outcomes_by_incident(cols).values()) == {ABANDONED}
    assert np.allclose(cols["leave_queue_s"] - cols["enqueue_s"], 600.0)
    on_duty = tables.intervals.groupby("interval_start_s")["agents_on_duty"].first()
    assert on_duty.loc[0.0] == 0 and on_duty.loc[9 * HOUR] == pytest.approx(2.0)


def test_a_caller_waiting_at_shift_start_is_answered_when_the_first_agent_arrives():
    sc = scenario(shifts=[shift(start="08:00", length_h=8, headcount=1)])
    cols, _, _ = run_hand(sc, {"calls": [7.5 * HOUR]})
    assert cols["outcome"][0] == ANSWERED
    assert cols["leave_queue_s"][0] == pytest.approx(8 * HOUR)


def test_redial_arrives_at_the_real_abandonment_instant_plus_its_delay():
    ct = contact_type(redial={"probability": 1.0, "max_attempts": 3})
    sc = scenario(types=[ct], shifts=[shift(start="12:00", length_h=1, headcount=1)])
    cols, _, tables = run_hand(sc, {"calls": [100.0]}, patience_s=50.0, redial_delay_s=30.0, u_redial=0.0)
    attempts = sorted(zip(cols["attempt"], cols["arrive_s"], cols["outcome"]))
    assert [(int(j), a, int(o)) for j, a, o in attempts] == [
        (0, 100.0, ABANDONED),
        (1, 180.0, ABANDONED),
        (2, 260.0, ABANDONED),
    ]
    row = tables.by_type.iloc[0]
    assert row["incidents"] == 1 and row["attempts"] == 3 and row["reached_human"] == 0


def test_time_to_human_spans_all_attempts_of_an_incident():
    ct = contact_type(redial={"probability": 1.0, "max_attempts": 2})
    sc = scenario(types=[ct], shifts=[shift(start="00:10", length_h=1, headcount=1)])
    # 0 s: no agent until 600 s, patience 100 s -> abandons at 100, redials at 550,
    # answered at 600: time to human 600 s.
    _, _, tables = run_hand(sc, {"calls": [0.0]}, patience_s=100.0, redial_delay_s=450.0, u_redial=0.0)
    incident = tables.incidents.iloc[0]
    assert incident["attempts"] == 2
    assert incident["time_to_human_s"] == pytest.approx(600.0)


def test_balking_callers_leave_at_once_only_when_no_agent_is_free():
    ct = contact_type(balk_probability=1.0)
    sc = scenario(types=[ct], shifts=[shift(headcount=1)])
    cols, _, tables = run_hand(sc, {"calls": [0.0, 10.0]}, handle_s=100.0, u_balk=0.0)
    assert [int(o) for o in cols["outcome"]] == [ANSWERED, BALKED]
    row = tables.by_type.iloc[0]
    assert row["balked"] == 1 and row["abandoned"] == 1 and row["delayed"] == 1


def test_after_the_horizon_the_roster_runs_on_as_scheduled_until_every_incident_has_its_outcome():
    sc = scenario(shifts=[shift(start="20:00", length_h=4, headcount=1, cost_per_hour=60.0)])
    late = [DAY - 10.0, DAY - 5.0]
    cols, log, tables = run_hand(sc, {"calls": late}, handle_s=600.0)
    assert (cols["outcome"] == ANSWERED).all()
    # The agent finishes the call in hand past the shift's end and leaves; the
    # second caller is answered when the next day's shift starts, as scheduled.
    assert sorted(cols["leave_queue_s"]) == [DAY - 10.0, DAY + 20 * HOUR]
    first_day = int(np.argmin(log.agent_start_s))
    assert log.agent_leave_s[first_day] == pytest.approx(DAY - 10.0 + 600.0)
    # Paid: the window's 4 scheduled hours plus the 590 s of overtime of the
    # shift that ended on the horizon; nothing of the next day's shift.
    agents = tables.agents.set_index("group").loc["all"]
    assert agents["paid_hours"] == pytest.approx(4 + 590 / 3600)
    assert agents["overtime_hours"] == pytest.approx(590 / 3600)
    assert agents["agent_cost"] == pytest.approx(60.0 * (4 + 590 / 3600))


def test_nobody_stays_on_duty_past_the_horizon_once_every_incident_has_its_outcome():
    sc = scenario(shifts=[shift(start="00:00", length_h=24, headcount=3)])
    _, log, tables = run_hand(sc, {"calls": [DAY - 100.0]}, handle_s=60.0)
    assert np.nanmax(log.agent_leave_s) == DAY
    assert tables.agents["overtime_hours"].sum() == 0
    assert tables.agents["paid_hours"].sum() == pytest.approx(3 * 24)


def test_breaks_take_the_agent_off_the_floor_after_the_contact_in_hand():
    brk = {"after_h": 1.0, "length_min": 30}
    sc = scenario(shifts=[shift(start="00:00", length_h=4, headcount=1, breaks=[brk])])
    # Busy from 3500 s to 4100 s; the break starts then, until 5900 s.
    cols, log, _ = run_hand(sc, {"calls": [3500.0, 4000.0]}, handle_s=600.0)
    assert cols["leave_queue_s"][1] == pytest.approx(4100.0 + 1800.0)
    assert log.breaks[0].tolist() == [0.0, 4100.0, 5900.0]


def test_warm_up_leaves_early_incidents_out_of_the_statistics():
    sc = scenario(warmup_h=1.0)
    _, _, tables = run_hand(sc, {"calls": [600.0, 1800.0, 2 * HOUR]})
    assert tables.by_type.iloc[0]["incidents"] == 1
    assert tables.intervals["interval_start_s"].min() == HOUR


def test_staffing_table_puts_the_stated_number_of_agents_on_duty():
    per_day = [0] * 16 + [3] * 16 + [1] * 16
    sc = scenario(shifts=[], agents={"tables": [{"id": "pool", "agents": per_day}]})
    _, _, tables = run_hand(sc, {"calls": []})
    on_duty = tables.intervals.groupby("interval")["agents_on_duty"].first().to_numpy()
    assert np.allclose(on_duty, per_day)


def test_absent_agents_do_not_work_and_are_not_paid():
    sc = scenario(
        shifts=[shift(headcount=200, cost_per_hour=10.0)],
        agents={"shifts": [shift(headcount=200, cost_per_hour=10.0)], "absence_probability": 0.3},
    )
    _, _, tables = run_hand(sc, {"calls": []})
    group = tables.agents.iloc[0]
    assert group["scheduled"] == 200
    assert 100 < group["presences"] < 180  # 140 expected; 6 standard deviations either side
    assert group["agent_cost"] == pytest.approx(group["presences"] * 24 * 10.0)
