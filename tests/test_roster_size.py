"""A roster's size in one unit, whatever it is written as: agent-hours on duty a week and peak agents on duty."""

from __future__ import annotations

import pytest
from support import scenario, shift

from sim.studies.roster_table import roster_sizes


def _size(sc):
    return roster_sizes(sc).set_index("policy").iloc[0]


def test_shift_entries_and_weekdays_count_as_the_hours_they_schedule():
    # 3 agents 08:00-16:00 on weekdays and 2 agents 12:00-20:00 every day, over a week
    sc = scenario(days=7, shifts=[shift("day", "08:00", 8, 3, weekdays=["mon", "tue", "wed", "thu", "fri"]),
                                  shift("late", "12:00", 8, 2)])
    size = _size(sc)
    assert size["agent_hours_per_week"] == pytest.approx(3 * 8 * 5 + 2 * 8 * 7)
    assert size["peak_agents_on_duty"] == 5  # 12:00-16:00 on a weekday: both shifts


def test_the_same_people_split_into_more_entries_are_the_same_size():
    one = scenario(days=7, shifts=[shift("a", "08:00", 8, 4)])
    split = scenario(days=7, shifts=[shift(f"a{i}", "08:00", 8, 1) for i in range(4)])
    assert _size(one).to_dict() == _size(split).to_dict()


def test_a_shorter_horizon_is_scaled_to_a_week_and_breaks_are_not_on_duty():
    sc = scenario(days=1, shifts=[shift("day", "00:00", 8, 2, breaks=[{"after_h": 4, "length_min": 30}])])
    size = _size(sc)
    assert size["agent_hours_per_week"] == pytest.approx(2 * 7.5 * 7)
    assert size["peak_agents_on_duty"] == 2


def test_every_policy_gets_a_size():
    sc = scenario(days=7, shifts=[shift("a", "08:00", 8, 4)],
                  policies=[{"id": "today", "baseline": True}, {"id": "cut", "staffing_scale": 0.5}])
    sizes = roster_sizes(sc).set_index("policy")
    assert sizes.loc["cut", "agent_hours_per_week"] == pytest.approx(sizes.loc["today", "agent_hours_per_week"] / 2)
