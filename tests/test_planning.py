"""Roster planning: integer-programming cover of the requirement, checked and repaired by simulation (sim.studies.planning)."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from support import contact_type, scenario

import sim
from sim.studies.planning import (
    Plan,
    PlanningError,
    Repair,
    Requirement,
    ShiftTemplate,
    build_columns,
    column_costs,
    cover_matrix,
    plan_roster,
    roster_block,
    solve_covering,
)

ROOT = Path(__file__).resolve().parent.parent


def _day(**overrides):
    return scenario(interval_min=60, shifts=[], **overrides)


def _solve(sc, plan, required):
    columns = build_columns(sc, plan)
    cover = cover_matrix(sc, plan, columns)
    costs = column_costs(sc, plan, columns)
    need = Requirement({"calls": np.asarray(required, dtype=float)}, {"calls": ["calls"]}, "given")
    return solve_covering(sc, plan, need, columns, cover, costs), columns, cover, costs


def test_a_small_covering_case_is_solved_to_its_brute_force_optimum():
    sc = _day()
    plan = Plan(templates=[
        ShiftTemplate(id="long", length_h=8, cost_per_hour=10, start_windows=["06:00-08:00"], start_every_min=60,
                      weekdays=["mon"]),
        ShiftTemplate(id="short", length_h=4, cost_per_hour=12, start_windows=["12:00-14:00"], start_every_min=60,
                      weekdays=["mon"]),
    ])  # 3 + 3 columns: 4^6 combinations to try by hand
    required = np.zeros(24)
    required[7:12], required[12:16], required[16:18] = 2, 3, 1
    solution, columns, cover, costs = _solve(sc, plan, required)
    best = np.inf
    for counts in itertools.product(range(4), repeat=len(costs)):
        counts = np.array(counts)
        if (cover @ counts >= required - 1e-9).all():
            best = min(best, costs @ counts)
    assert solution.cost_per_week == pytest.approx(best * 7)  # a one-day scenario, reported per week
    assert solution.status == "optimal"


@pytest.mark.parametrize("seed", range(5))
def test_the_cover_never_falls_below_the_requirement_after_shrinkage(seed):
    rng = np.random.default_rng(seed)
    sc = _day(agents={"shifts": [], "absence_probability": 0.1})
    plan = Plan(templates=[ShiftTemplate(id="eight", length_h=8, cost_per_hour=20,
                                         breaks=[{"after_h": 4, "length_min": 60}])])
    required = rng.integers(0, 6, 24)
    solution, *_ = _solve(sc, plan, required)
    assert (solution.cover["calls"] >= required - 1e-9).all()


def test_start_windows_headcount_limits_and_the_part_time_share_are_respected():
    sc = _day()
    plan = Plan(
        templates=[
            ShiftTemplate(id="day", length_h=8, cost_per_hour=30, start_windows=["07:00-09:00"], max_per_day=3),
            ShiftTemplate(id="part", length_h=4, cost_per_hour=10, part_time=True, start_windows=["10:00-14:00"]),
            ShiftTemplate(id="night", length_h=8, cost_per_hour=40, start_windows=["16:00-23:30"]),
        ],
        max_part_time_share=0.25,
    )
    required = np.full(24, 2.0)
    solution, columns, *_ = _solve(sc, plan, required)
    counts = solution.counts
    starts = {t: [s for s, tt, n in zip(columns.start_s, columns.template, counts) if tt == t and n > 0]
              for t in range(3)}
    assert all(7 * 3600 <= s <= 9 * 3600 for s in starts[0])
    assert all(10 * 3600 <= s <= 14 * 3600 for s in starts[1])
    monday = [n for n, t, wd in zip(counts, columns.template, columns.weekday) if t == 0 and wd == 0]
    assert sum(monday) <= 3
    part = sum(n for n, t in zip(counts, columns.template) if t == 1)
    assert part <= 0.25 * counts.sum() + 1e-9


def test_templates_that_cannot_cover_a_required_interval_are_refused_naming_the_intervals():
    sc = _day()
    plan = Plan(templates=[ShiftTemplate(id="day", length_h=8, cost_per_hour=30, start_windows=["08:00-09:00"])])
    required = np.zeros(24)
    required[2] = 1  # 02:00, and nobody works at night
    with pytest.raises(PlanningError, match=r"no template covers the required interval calls: interval 2 \(mon 02:00\)"):
        _solve(sc, plan, required)


def _fraud_line():
    fraud = contact_type("fraud", emergency=True, priority=10, volume={"per_day": 300},
                         handle_time_s={"dist": "exponential", "mean": 300},
                         patience_s={"dist": "exponential", "mean": 120},
                         redial={"probability": 0.8, "max_attempts": 4, "delay_s": {"dist": "exponential", "mean": 60}})
    return scenario(types=[fraud], shifts=[{"id": "today", "start": "00:00", "length_h": 24, "headcount": 3,
                                            "cost_per_hour": 25}], guarantee_s=60, guarantee_share=0.8,
                    interval_min=60)


@pytest.fixture(scope="module")
def planned():
    # Erlang A sees first attempts only; with 80% of those who give up redialling it under-staffs, so the
    # first roster fails the guarantee in simulation and the repair has work to do.
    plan = Plan(templates=[ShiftTemplate(id="eight", length_h=8, cost_per_hour=25)], requirement="erlang_a",
                repair=Repair(rounds=6, replications=10, seed=4))
    return plan_roster(_fraud_line(), plan)


def test_the_repaired_roster_meets_the_guarantee_on_fresh_seeds_with_confidence(planned):
    assert planned.holds
    check = sim.run(planned.scenario, settings=sim.RunSettings(replications=30, seed=777), policies=["planned"])
    row = check.summary().query("contact_type == 'emergency' and metric == 'share_within_guarantee'").iloc[0]
    assert row["ci_low"] >= planned.scenario.guarantee_share
    assert not planned.rounds["holds_with_confidence"].iloc[0]  # the first solve was not enough
    assert planned.rounds["holds_with_confidence"].iloc[-1]
    assert planned.rounds["cost_per_week"].is_monotonic_increasing  # repairs only add agents


def test_the_roster_output_loads_back_into_a_scenario_and_runs(planned, tmp_path):
    data = yaml.safe_load(yaml.safe_dump({"agents": planned.agents}))
    scenario_data = planned.scenario.model_dump(mode="json", exclude_none=True)
    scenario_data["agents"] = data["agents"]
    scenario_data["policies"] = []
    path = tmp_path / "planned.yaml"
    path.write_text(yaml.safe_dump(scenario_data, sort_keys=False))
    loaded = sim.load_scenario(path)
    assert sum(s.headcount for s in loaded.agents.shifts) == sum(s["headcount"] for s in planned.agents["shifts"])
    assert sim.run(loaded, settings=sim.RunSettings(replications=1, seed=1)).replications["answered"].sum() > 0


def test_roster_block_groups_weekdays_with_the_same_headcount():
    sc = scenario(days=7, interval_min=60, shifts=[])
    plan = Plan(templates=[ShiftTemplate(id="e", length_h=8, cost_per_hour=1, start_windows=["08:00-08:00"],
                                         start_every_min=60)])
    columns = build_columns(sc, plan)
    counts = np.array([2, 2, 2, 2, 2, 1, 1])  # mon..fri 2, sat and sun 1

    class Solved:
        pass

    solved = Solved()
    solved.counts, solved.columns = counts, columns
    shifts = roster_block(plan, solved)["shifts"]
    assert [(s["headcount"], s["weekdays"]) for s in shifts] == [
        (2, ["mon", "tue", "wed", "thu", "fri"]), (1, ["sat", "sun"])]


def test_the_roster_command_writes_a_roster_and_compares_it(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "sim", "roster", "scenarios/bank_hotline_day.yaml", "--rounds", "1",
         "--replications", "3", "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "planned" in done.stdout and "emergencies within" in done.stdout
    for name in ("roster.yaml", "cover.csv", "rounds.csv", "compare.csv", "provenance.json"):
        assert (tmp_path / name).exists()


def test_a_bad_plan_file_exits_2_naming_the_field(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump({"scenario": str(ROOT / "scenarios" / "bank_hotline_day.yaml"),
                                    "templates": [{"id": "x", "length_h": 30, "cost_per_hour": 1}]}))
    done = subprocess.run([sys.executable, "-m", "sim", "roster", "scenarios/bank_hotline_day.yaml", "--plan",
                           str(plan), "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    # one description of problems for every input file: the template by id, the line (sim.files.scenario_io)
    assert done.returncode == 2 and "templates[x].length_h (line 5)" in done.stderr and "Traceback" not in done.stderr


def test_budget_mode_stays_within_the_budget_and_puts_the_agents_where_the_emergencies_are():
    sc = _day()
    plan_free = Plan(templates=[ShiftTemplate(id="four", length_h=4, cost_per_hour=10, start_every_min=60)])
    required = np.full(24, 2.0)
    cheapest, *_ = _solve(sc, plan_free, required)
    budget = 0.5 * cheapest.cost_per_week
    plan = plan_free.model_copy(update={"budget_per_week": budget})
    columns = build_columns(sc, plan)
    cover, costs = cover_matrix(sc, plan, columns), column_costs(sc, plan, columns)
    need = Requirement({"calls": required}, {"calls": ["calls"]}, "given")
    weight = np.where(np.arange(24) >= 12, 10.0, 1.0)  # the afternoon's emergencies weigh ten times more
    solution = solve_covering(sc, plan, need, columns, cover, costs, weight)
    assert solution.cost_per_week <= budget + 1e-6
    short = required - solution.cover["calls"]
    assert short[12:].sum() < short[:12].sum()  # the scarce agents go to the afternoon
    generous = solve_covering(sc, plan.model_copy(update={"budget_per_week": 2 * cheapest.cost_per_week}), need,
                              columns, cover, costs, weight)
    assert generous.shortfall.sum() == pytest.approx(0, abs=1e-6)


def test_roster_out_is_written_whole_and_never_into_a_folder_of_other_things(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    command = [sys.executable, "-m", "sim", "roster", "scenarios/bank_hotline_day.yaml", "--rounds", "0",
               "--replications", "2"]
    refused = subprocess.run([*command, "--out", str(foreign)], cwd=ROOT, capture_output=True, text=True,
                             timeout=120)
    assert refused.returncode == 2 and "--out" in refused.stderr and "Traceback" not in refused.stderr
    assert (foreign / "notes.txt").read_text() == "keep me" and len(list(foreign.iterdir())) == 1
    out = tmp_path / "roster"
    for _ in range(2):  # a second run replaces the first folder as a whole
        done = subprocess.run([*command, "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["compare.csv", "cover.csv", "data_dictionary.csv",
                                                      "provenance.json", "roster.yaml", "rounds.csv"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left behind
    assert "roster.yaml" in json.loads((out / "provenance.json").read_text())["files"]


# ------------------------------------------------------------------ issue 25: what a planner reads


def _roster_cli(tmp_path, *extra):
    out = tmp_path / "roster"
    done = subprocess.run(
        [sys.executable, "-m", "sim", "roster", "scenarios/bank_hotline_day.yaml", "--rounds", "0",
         "--replications", "3", "--out", str(out), *extra], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout, out


@pytest.fixture(scope="module")
def roster_cli(tmp_path_factory):
    return _roster_cli(tmp_path_factory.mktemp("roster_cli"))


def test_the_roster_file_pasted_into_a_scenario_keeps_its_absence_and_its_clock_times(roster_cli):
    _, out = roster_cli
    text = (out / "roster.yaml").read_text()
    source = sim.load_scenario(ROOT / "scenarios" / "bank_hotline_day.yaml")
    block = yaml.safe_load(text)  # a YAML 1.1 reader, as other tools are: '00:30' must not become 30
    assert block["agents"]["absence_probability"] == source.agents.absence_probability > 0
    starts = [s["start"] for s in block["agents"]["shifts"]]
    assert starts and all(isinstance(s, str) and len(s) == 5 for s in starts), starts
    assert "start: 00" not in text and "start: 0" not in text  # quoted, as the scenario format asks
    # pasted as its header says: the agents block alone runs with the absence the plan assumed
    data = source.model_dump(mode="json", exclude_none=True)
    data["agents"] = block["agents"]
    data["policies"] = []
    assert sim.Scenario.model_validate(data).agents.absence_probability == source.agents.absence_probability


def test_the_roster_command_states_its_size_in_agent_hours_a_week_and_peak_agents(roster_cli):
    stdout, out = roster_cli
    rounds = __import__("pandas").read_csv(out / "rounds.csv")
    last = rounds.iloc[-1]
    assert f"{last['agent_hours_per_week']:,.0f} agent-hours on duty a week" in stdout
    assert f"at most {last['peak_agents_on_duty']:.1f} agents on duty at once" in stdout
    assert "shift entries" not in stdout


def test_a_rosters_size_does_not_depend_on_how_its_shifts_are_written():
    from sim.studies.roster_table import wages_by_policy

    week = dict(days=7, interval_min=60)
    whole = {"id": "all_week", "start": "08:00", "length_h": 8, "headcount": 7, "cost_per_hour": 20}
    split = [{"id": f"d{i}", "start": "08:00", "length_h": 8, "headcount": 7, "cost_per_hour": 20,
              "weekdays": [day]} for i, day in enumerate(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])]
    sc = scenario(shifts=[whole], policies=[{"id": "today", "baseline": True},
                                            {"id": "split", "agents": {"shifts": split}}], **week)
    table = wages_by_policy(sc).set_index("policy")
    assert table.loc["today", "agent_hours_per_week"] == pytest.approx(7 * 8 * 7)
    assert table.loc["split", "agent_hours_per_week"] == pytest.approx(table.loc["today", "agent_hours_per_week"])
    assert table.loc["split", "peak_agents_on_duty"] == table.loc["today", "peak_agents_on_duty"] == 7


def test_the_roster_says_which_requirement_it_answers(roster_cli):
    stdout, out = roster_cli
    assert "requirement: erlang_a_lagged per interval for every contact type's own service-level target, " \
           "routine ones included (general 80% within" in stdout
    assert "--requirement-for emergency" in stdout
    assert "every contact type" in json.loads((out / "provenance.json").read_text())["requirement"]


def test_an_emergency_only_requirement_staffs_no_routine_target_and_costs_less():
    sc = sim.load_scenario(ROOT / "scenarios" / "bank_hotline_day.yaml")
    from sim.studies.planning import default_plan, requirement

    every = requirement(sc, default_plan(sc), sc.baseline_policy.id)
    emergency = requirement(sc, default_plan(sc).model_copy(update={"requirement_for": "emergency"}),
                            sc.baseline_policy.id)
    assert sum(g.sum() for g in emergency.groups.values()) < sum(g.sum() for g in every.groups.values())
    words = emergency.describe(sc)
    assert "for the emergency guarantee only" in words and "emergencies served first" in words
    assert "general" not in words and "no target of the other types" in words


def test_the_roster_against_the_baseline_uses_the_scenarios_seed_and_says_so(roster_cli):
    stdout, out = roster_cli
    sc = sim.load_scenario(ROOT / "scenarios" / "bank_hotline_day.yaml")
    assert f"3 replications, seed {sc.seed}, the scenario's seed" in stdout
    # the baseline's figure is the one `compare --replications 3` gives
    import pandas as pd

    compare = pd.read_csv(out / "compare.csv")
    mine = compare.query("policy == 'today' and contact_type == 'emergency' and metric == "
                         "'share_within_guarantee'")["value"].iloc[0]
    again = sim.run(sc, settings=sim.RunSettings(replications=3)).summary().query(
        "policy == 'today' and contact_type == 'emergency' and metric == 'share_within_guarantee'")["mean"].iloc[0]
    assert mine == pytest.approx(again, abs=1e-12)


def test_isa_on_several_skills_says_why_and_what_to_do():
    sc = sim.load_scenario(ROOT / "scenarios" / "bank_hotline_day.yaml")
    from sim.studies.planning import default_plan, requirement

    skills = {c.required_skill for c in sc.contact_types}
    assert len(skills) > 1
    with pytest.raises(PlanningError) as caught:
        requirement(sc, default_plan(sc).model_copy(update={"requirement": "isa"}), sc.baseline_policy.id)
    text = str(caught.value)
    assert "one pool of agents" in text and "--method erlang_a_lagged" in text and "--requirement-for emergency" in text


def test_the_guarantee_command_sets_the_cheapest_guarantee_roster_against_every_policy(tmp_path):
    import pandas as pd

    out = tmp_path / "guarantee"
    done = subprocess.run(
        [sys.executable, "-m", "sim", "guarantee", "scenarios/bank_hotline_day.yaml", "--rounds", "2",
         "--replications", "3", "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "for the emergency guarantee only" in done.stdout
    assert "customer losses prevented" in done.stdout and "net for society" in done.stdout
    table = pd.read_csv(out / "guarantee.csv").pivot(index="policy", columns="measure", values="mean")
    sc = sim.load_scenario(ROOT / "scenarios" / "bank_hotline_day.yaml")
    assert set(table.index) == {p.id for p in sc.effective_policies}
    # net for society = harm prevented - extra cost, replication by replication, so on the mean
    net = table["losses_prevented"] + table["churn_prevented"] - table["extra_wages"] - table["extra_bot_cost"]
    assert np.allclose(net, table["net_for_society"], atol=1e-6)
    policies = pd.read_csv(out / "guarantee_policies.csv")
    assert policies["agent_hours_per_week"].gt(0).all() and policies["planned"].sum() == 1


def test_the_guarantee_command_refuses_a_scenario_without_emergencies(tmp_path):
    done = subprocess.run([sys.executable, "-m", "sim", "guarantee", "scenarios/classroom_mmc.yaml"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "no emergency contact type" in done.stderr and "Traceback" not in done.stderr


def test_the_emergency_first_formula_matches_a_simulated_two_class_priority_queue():
    # M/M/6 with two classes, one service time, nobody abandons: emergencies (priority 10) wait with the pool's
    # Erlang C P(wait), then exponentially at 6/E[S] - lambda_e (Kella & Yechiali 1985)
    from sim.studies.planning import emergency_first_within

    never = {"dist": "exponential", "mean": 1e8}
    service = {"dist": "exponential", "mean": 180}
    routine = contact_type("routine", priority=1, volume={"per_day": 2100}, handle_time_s=service, patience_s=never)
    fraud = contact_type("fraud", emergency=True, priority=10, volume={"per_day": 300}, handle_time_s=service,
                         patience_s=never)
    sc = scenario(types=[routine, fraud], shifts=[{"id": "all", "start": "00:00", "length_h": 24, "headcount": 6}],
                  guarantee_s=60, guarantee_share=0.9, interval_min=60, warmup_h=2)
    results = sim.run(sc, settings=sim.RunSettings(replications=30, seed=11))
    row = results.summary().query("contact_type == 'emergency' and metric == 'share_within_guarantee'").iloc[0]
    predicted = emergency_first_within(6, 2400 / 86400, 300 / 86400, 180.0, 60.0)
    assert 0.85 < predicted < 0.95  # a case where the guarantee is at stake
    half = (row["ci_high"] - row["ci_low"]) / 2
    assert abs(row["mean"] - predicted) <= half + 0.005, (row["mean"], predicted, half)
