"""Rosters by hand: a policy's shifts as table rows, validated by the Scenario model, put against the requirement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import contact_type, scenario

import sim
from sim.files.scenario_io import build_scenario
from sim.model.scenario import WEEKDAYS, Agents, Shift
from sim.studies import roster_table as rt


def _fraud_week():
    fraud = contact_type("fraud", emergency=True, priority=10, volume={"per_day": 200},
                         handle_time_s={"dist": "exponential", "mean": 300},
                         patience_s={"dist": "exponential", "mean": 120})
    return scenario(
        types=[fraud], days=7, interval_min=60, guarantee_s=60, guarantee_share=0.8,
        agents={"absence_probability": 0.1, "shifts": [
            {"id": "night", "start": "22:00", "length_h": 8, "headcount": 3, "cost_per_hour": 30},
            {"id": "day", "start": "06:00", "length_h": 8, "headcount": 4, "cost_per_hour": 25,
             "breaks": [{"after_h": 4, "length_min": 30}]},
            {"id": "late", "start": "14:00", "length_h": 8, "headcount": 4, "cost_per_hour": 25,
             "weekdays": ["mon", "tue", "wed", "thu", "fri"]}]},
        policies=[{"id": "today", "baseline": True},
                  {"id": "cut", "staffing_scale": 0.5, "label": "Half the agents"}])


def test_the_rows_of_a_roster_build_back_the_same_roster():
    sc = _fraud_week()
    rows = rt.shifts_rows(rt.roster_of(sc, "today"))
    edited = rt.with_roster(sc, "today", rows)
    assert edited.policy("today_by_hand").agents.shifts == sc.agents.shifts
    assert edited.policy("today_by_hand").agents.absence_probability == sc.agents.absence_probability


def test_a_scaled_policy_is_edited_as_it_runs_and_its_edit_runs_at_scale_one():
    sc = _fraud_week()
    rows = rt.shifts_rows(rt.roster_of(sc, "cut"))
    assert rows["headcount"].tolist() == [2, 2, 2]  # half of 3, 4, 4, rounded half up
    policy = rt.with_roster(sc, "cut", rows).policy("cut_by_hand")
    assert policy.staffing_scale == 1.0 and [s.headcount for s in policy.agents.shifts] == [2, 2, 2]


def test_bad_rows_are_refused_naming_the_row_the_shift_and_the_field_and_every_problem_is_listed():
    sc = _fraud_week()
    rows = rt.shifts_rows(rt.roster_of(sc, "today"))
    rows.loc[0, "weekdays"] = "mon-fry"
    rows.loc[1, "breaks"] = "after lunch"
    rows.loc[2, "headcount"] = None
    with pytest.raises(rt.RosterTableError) as caught:
        rt.with_roster(sc, "today", rows)
    problems = caught.value.problems
    assert len(problems) == 3
    assert problems[0].startswith("row 1 (night), weekdays:") and "mon-fry" in problems[0]
    assert problems[1].startswith("row 2 (day), breaks:")
    assert problems[2].startswith("row 3 (late), headcount:")


def test_the_scenario_models_own_checks_name_the_row_and_field():
    sc = _fraud_week()
    rows = rt.shifts_rows(rt.roster_of(sc, "today"))
    rows.loc[1, "start"] = "25:00"
    rows.loc[2, "breaks"] = "7h 90min"
    rows.loc[0, "reserved_for"] = "frod"
    with pytest.raises(rt.RosterTableError) as caught:
        rt.with_roster(sc, "today", rows)
    text = "\n".join(caught.value.problems)
    assert "row 2 (day), start:" in text and "25:00" in text
    assert "row 3 (late), breaks[0]: ends after the shift" in text
    rows.loc[1, "start"], rows.loc[2, "breaks"] = "06:00", ""
    with pytest.raises(rt.RosterTableError, match=r"row 1 \(night\), reserved_for: names unknown contact types: frod"):
        rt.with_roster(sc, "today", rows)
    rows.loc[0, "reserved_for"], rows.loc[2, "id"] = "", "day"
    with pytest.raises(rt.RosterTableError, match="ids must be unique, repeated: day"):
        rt.with_roster(sc, "today", rows)


def test_the_downloaded_yaml_loads_back_and_runs_the_edited_roster(tmp_path):
    sc = _fraud_week()
    rows = rt.shifts_rows(rt.roster_of(sc, "today"))
    rows = pd.concat([rows, pd.DataFrame([{"id": "extra", "start": "09:30", "length_h": 4, "weekdays": "sat-sun",
                                           "headcount": 2, "skills": "", "reserved_for": "fraud",
                                           "cost_per_hour": 40, "breaks": ""}])], ignore_index=True)
    rows = rows[rows["id"] != "late"]  # a shift removed
    edited = rt.with_roster(sc, "today", rows)
    path = tmp_path / "edited.yaml"
    path.write_text(rt.scenario_yaml_with(edited, "today_by_hand"), encoding="utf-8")
    loaded = sim.load_scenario(path)
    shifts = {s.id: s for s in loaded.policy("today_by_hand").agents.shifts}
    assert set(shifts) == {"night", "day", "extra"}
    assert shifts["extra"].weekdays == ["sat", "sun"] and shifts["extra"].start == "09:30"
    assert shifts["extra"].reserved_for == ["fraud"] and shifts["extra"].headcount == 2
    results = sim.run(loaded, settings=sim.RunSettings(replications=2, seed=3), policies=["today", "today_by_hand"])
    answered = results.replications.groupby("policy")["answered"].sum()
    assert answered["today_by_hand"] > 0
    # a shift removed and one added: not the paid hours of the roster it was edited from
    assert results.agents.groupby("policy")["paid_hours"].sum()["today_by_hand"] != pytest.approx(
        results.agents.groupby("policy")["paid_hours"].sum()["today"])


@given(st.sets(st.sampled_from(WEEKDAYS), min_size=1))
def test_weekdays_written_as_text_read_back_as_the_same_days(days):
    text = rt.weekdays_text(sorted(days, key=WEEKDAYS.index))
    assert rt.parse_weekdays(text) == sorted(days, key=WEEKDAYS.index)


def test_a_weekday_range_may_wrap_round_the_week():
    assert rt.parse_weekdays("sat-mon") == ["mon", "sat", "sun"]
    assert rt.parse_weekdays("") == list(WEEKDAYS)


def test_the_cover_the_planner_counts_is_what_the_simulation_puts_on_duty():
    # No absence, so on duty is exact; the simulation adds only finish-the-call overtime at shift ends.
    data = _fraud_week().model_dump(mode="json", exclude_none=True)
    data["agents"]["absence_probability"] = 0.0
    data["policies"] = []
    sc = build_scenario(data)
    cover = rt.roster_cover(sc, sc.agents)
    simulated = sim.run(sc, settings=sim.RunSettings(replications=1, seed=5))
    simulated = simulated.intervals.groupby("interval")["agents_on_duty"].first()
    simulated = simulated.sort_index().to_numpy()
    assert (simulated >= cover - 1e-9).all()
    assert np.abs(simulated - cover).mean() < 0.1  # overtime is minutes, not hours
    assert cover[0] == pytest.approx(3)  # Sunday's night shift covers Monday 00:00 once, not twice


def test_the_cover_table_shows_the_shortfall_against_the_requirement():
    sc = _fraud_week()
    required = rt.requirement_per_interval(sc, "today", "erlang_c")
    table = rt.cover_table(sc, rt.roster_of(sc, "cut"), required)
    assert len(table) == 7 * 24 and (table["short"] >= 0).all()
    short = table["required"] - table["on_duty_after_absence"]
    assert np.allclose(table["short"], short.clip(lower=0))
    assert table["short"].sum() > 0  # half the agents cannot meet Erlang C everywhere


def test_scheduled_wages_count_every_shift_day_in_the_horizon_and_the_night_premium():
    sc = scenario(days=7, interval_min=60, shifts=[], economics={"night_premium": 0.5, "night_hours": "22:00-06:00"})
    agents = Agents(shifts=[Shift(id="n", start="22:00", length_h=8, headcount=2, cost_per_hour=10,
                                  weekdays=["mon", "tue"])])
    assert rt.scheduled_wages(sc, agents) == pytest.approx(2 * 2 * 10 * (8 + 0.5 * 8))
    one_day = scenario(days=1, interval_min=60, shifts=[])  # a Monday: only Monday's shift is in it
    assert rt.scheduled_wages(one_day, agents) == pytest.approx(2 * 10 * 8)
