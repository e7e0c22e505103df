"""Valid-looking scenarios that used to hang, overflow or exhaust memory (issue 8, defects 1, 3 and 4).

Each reproducer of the issue is here: the values that overflowed are now
refused by the Scenario model with the field named; the ones at the edge of
the bounds run to finite figures; a run too large for the machine is refused
before it starts, with the estimate in the message.
"""

from __future__ import annotations

import copy
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli import main
from sim.model.economics import overlap_with_daily_span
from sim.model.scenario import parse_daily_span
from sim.runs.guard import NonFiniteResult, check_finite, run_checked
from sim.runs.size_guard import MAX_ATTEMPTS_PER_RUN, RunTooLarge, check_run_size, estimate_run_size

ROOT = Path(__file__).resolve().parents[1]
DAY = 86400.0


def _scenario(data: dict) -> sim.Scenario:
    return sim.build_scenario(data)


def _problems(data: dict) -> list[str]:
    with pytest.raises(sim.ScenarioError) as excinfo:
        sim.build_scenario(data)
    return excinfo.value.problems


def _set(data: dict, path: list, value) -> dict:
    out = copy.deepcopy(data)
    node = out
    for key in path[:-1]:
        node = node.setdefault(key, {}) if isinstance(key, str) else node[key]
    node[path[-1]] = value
    return out


# ------------------------------------------------------------ defect 1: the hang


def _brute_overlap(start: float, end: float, span: tuple[int, int]) -> float:
    lo, hi = span
    windows = [(lo, hi)] if lo < hi else [(0, hi), (lo, 86400)]
    total = 0.0
    for day in range(math.floor(start / DAY) - 1, math.floor(end / DAY) + 2):
        for a, b in windows:
            total += max(0.0, min(end, day * DAY + b) - max(start, day * DAY + a))
    return total


@pytest.mark.parametrize("span_text", ["22:00-06:00", "01:00-02:00", "00:00-23:59", "12:00-11:59"])
def test_night_overlap_equals_a_day_by_day_count(span_text):
    span = parse_daily_span(span_text)
    rng = np.random.default_rng(7)
    start = rng.uniform(-DAY, 10 * DAY, 500)
    end = start + rng.exponential(2 * DAY, 500)
    got = overlap_with_daily_span(start, end, span)
    expected = [_brute_overlap(s, e, span) for s, e in zip(start, end)]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)


def test_night_overlap_of_a_presence_of_1e13_days_is_computed_exactly_without_a_day_loop():
    """The reproducer kept an agent on for ~1e13 days; the old loop ran once per day and never ended."""
    got = overlap_with_daily_span(np.array([0.0]), np.array([1e13 * DAY]), parse_daily_span("22:00-06:00"))
    assert got[0] == pytest.approx(1e13 * 8 * 3600, rel=1e-12)


def test_the_hang_reproducer_is_refused_naming_the_handle_time(minimal_scenario):
    """Weibull shape 0.05, scale 180 s: a mean of 4e20 s. 5,000 calls a day, 20 agents, night premium."""
    data = _set(minimal_scenario, ["contact_types", 0, "handle_time_s"], {"dist": "weibull", "shape": 0.05, "scale": 180})
    data = _set(data, ["contact_types", 0, "volume", "per_day"], 5000)
    data = _set(data, ["agents", "shifts", 0, "headcount"], 20)
    data = _set(data, ["economics", "night_premium"], 0.25)
    problems = _problems(data)
    assert any(p.startswith("contact_types[calls].handle_time_s.shape") for p in problems), problems


def test_heaviest_allowed_handle_time_with_a_night_premium_runs_to_finite_figures(minimal_scenario):
    """Weibull shape 0.1 (the bound) with a 30-day mean: agents stay for centuries, the run still ends.

    Run in a child process with a generous timeout, so that a regression shows as a failure, not a hung suite.
    """
    data = _set(minimal_scenario, ["contact_types", 0, "handle_time_s"], {"dist": "weibull", "shape": 0.1, "scale": 0.7})
    data = _set(data, ["economics", "night_premium"], 0.25)
    code = (
        "import sys, sim\n"
        "from sim.runs.guard import run_checked\n"
        f"sc = sim.build_scenario({data!r})\n"
        "results, _ = run_checked(sc, settings=sim.RunSettings(replications=2))\n"
        "print(float(results.replications['agent_cost'].sum()))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert math.isfinite(float(done.stdout.strip()))


# --------------------------------------------------- defect 3: values that overflowed


OVERFLOWS = [
    ("lognormal-cv-1e200", ["contact_types", 0, "handle_time_s"], {"dist": "lognormal", "mean": 180, "cv": 1e200},
     "contact_types[calls].handle_time_s.cv"),
    ("gamma-cv-1e200", ["contact_types", 0, "handle_time_s"], {"dist": "gamma", "mean": 180, "cv": 1e200},
     "contact_types[calls].handle_time_s.cv"),
    ("gamma-cv-1e-200", ["contact_types", 0, "handle_time_s"], {"dist": "gamma", "mean": 180, "cv": 1e-200},
     "contact_types[calls].handle_time_s.cv"),
    ("busyness-cv-1e-300", ["busyness_cv"], 1e-300, "busyness_cv"),
    ("busyness-cv-1e-160", ["busyness_cv"], 1e-160, "busyness_cv"),
    ("per-day-1e12", ["contact_types", 0, "volume", "per_day"], 1e12, "contact_types[calls].volume.per_day"),
    ("per-day-1e19", ["contact_types", 0, "volume", "per_day"], 1e19, "contact_types[calls].volume.per_day"),
    ("per-day-1e308", ["contact_types", 0, "volume", "per_day"], 1e308, "contact_types[calls].volume.per_day"),
    ("headcount-2-63", ["agents", "shifts", 0, "headcount"], 2**63, "agents.shifts[day].headcount"),
    ("handle-mean-1e308", ["contact_types", 0, "handle_time_s"], {"dist": "exponential", "mean": 1e308},
     "contact_types[calls].handle_time_s"),
    ("patience-mean-1e308", ["contact_types", 0, "patience_s"], {"dist": "exponential", "mean": 1e308},
     "contact_types[calls].patience_s"),
    ("redial-delay-1e308", ["contact_types", 0, "redial", "delay_s"], {"dist": "deterministic", "value": 1e308},
     "contact_types[calls].redial.delay_s"),
    ("cost-per-hour-1e308", ["agents", "shifts", 0, "cost_per_hour"], 1e308, "agents.shifts[day].cost_per_hour"),
    ("menu-s-1e308", ["front_door", "menu_s"], 1e308, "front_door.menu_s"),
    ("weibull-shape-1e-6", ["contact_types", 0, "patience_s"], {"dist": "weibull", "shape": 1e-6, "scale": 60},
     "contact_types[calls].patience_s.shape"),
    ("amount-at-risk-1e308", ["contact_types", 0, "loss", "amount_at_risk"], {"dist": "deterministic", "value": 1e308},
     "contact_types[calls].loss.amount_at_risk"),
    ("churn-cost-1e308", ["contact_types", 0, "loss", "churn_cost_per_abandoned"], 1e308,
     "contact_types[calls].loss.churn_cost_per_abandoned"),
    ("bot-fixed-cost-1e308", ["economics", "bot_fixed_cost_per_day"], 1e308, "economics.bot_fixed_cost_per_day"),
    ("seed-5000-digits", ["seed"], 10**4000, "seed"),
]


@pytest.mark.parametrize("path,value,field", [pytest.param(p, v, f, id=i) for i, p, v, f in OVERFLOWS])
def test_values_that_overflowed_are_refused_naming_the_field(minimal_scenario, path, value, field):
    data = _set(minimal_scenario, path, value)
    if field.startswith("contact_types[calls].loss.amount_at_risk"):
        data["contact_types"][0]["emergency"] = True
    problems = _problems(data)
    assert len(problems) == 1 and problems[0].startswith(field), problems


EDGES = [
    ("lognormal-cv-20", ["contact_types", 0, "handle_time_s"], {"dist": "lognormal", "mean": 180, "cv": 20}),
    ("gamma-cv-1e-3", ["contact_types", 0, "handle_time_s"], {"dist": "gamma", "mean": 180, "cv": 1e-3}),
    ("gamma-cv-20", ["contact_types", 0, "patience_s"], {"dist": "gamma", "mean": 300, "cv": 20}),
    ("busyness-cv-1e-3", ["busyness_cv"], 1e-3),
    ("patience-never-hangs-up", ["contact_types", 0, "patience_s"], {"dist": "deterministic", "value": 1e9}),
    ("cost-per-hour-1e7", ["agents", "shifts", 0, "cost_per_hour"], 1e7),
    ("menu-an-hour", ["front_door", "menu_s"], 3600),
    ("weibull-shape-0.1", ["contact_types", 0, "patience_s"], {"dist": "weibull", "shape": 0.1, "scale": 0.5}),
]


@pytest.mark.parametrize("path,value", [pytest.param(p, v, id=i) for i, p, v in EDGES])
def test_values_at_the_bounds_run_to_finite_consistent_tables(minimal_scenario, path, value):
    data = _set(minimal_scenario, path, value)
    data["front_door"] = {**data.get("front_door", {}), "bot_enabled": True}
    results, _ = run_checked(_scenario(data), settings=sim.RunSettings(replications=2))  # check_finite ran inside
    rows = results.replications
    assert (rows["offered"] == rows["answered"] + rows["abandoned"]).all()
    assert np.isfinite(results.summary()["mean"].dropna().replace([np.inf], np.nan).dropna()).all()


def test_a_table_with_inf_is_refused_naming_the_table_column_and_policy(minimal_scenario):
    results = sim.run(_scenario(minimal_scenario), settings=sim.RunSettings(replications=1))
    results.replications.loc[0, "agent_cost"] = np.inf
    with pytest.raises(NonFiniteResult) as excinfo:
        check_finite(results)
    assert (excinfo.value.table, excinfo.value.column, excinfo.value.policies) == ("replications", "agent_cost", ["base"])


def test_a_nan_where_a_figure_is_always_defined_is_refused(minimal_scenario):
    results = sim.run(_scenario(minimal_scenario), settings=sim.RunSettings(replications=1))
    results.agents.loc[0, "paid_hours"] = np.nan
    with pytest.raises(NonFiniteResult, match=r"agents\.paid_hours"):
        check_finite(results)


def test_a_negative_figure_is_refused(minimal_scenario):
    results = sim.run(_scenario(minimal_scenario), settings=sim.RunSettings(replications=1))
    results.replications.loc[0, "customer_loss"] = -1.0
    with pytest.raises(NonFiniteResult, match="negative"):
        check_finite(results)


# ------------------------------------------------------------ defect 4: size guard


def test_three_days_of_1e7_calls_a_day_are_refused_before_they_start_with_the_estimate(minimal_scenario):
    # 1e7 attempts fit (benchmarks/bench_memory.py: ~360 B an attempt); three times that does not.
    data = _set(minimal_scenario, ["contact_types", 0, "volume", "per_day"], 1e7)
    data["days"] = 3
    with pytest.raises(RunTooLarge) as excinfo:
        check_run_size(_scenario(data))
    message = str(excinfo.value)  # as a Python caller reads it: the keyword sim.run takes
    assert "about 30,000,000 incidents" in message and "GiB of memory" in message and "allow_large=True" in message
    assert "--allow-large" in excinfo.value.message("--allow-large")


def test_ten_million_attempts_in_one_replication_are_within_the_limits(minimal_scenario):
    data = _set(minimal_scenario, ["contact_types", 0, "volume", "per_day"], 1e7)
    size = check_run_size(_scenario(data))
    assert size.attempts == pytest.approx(1e7) and size.memory_bytes < 4 * 2**30


def test_a_week_of_2e6_calls_a_day_is_refused_for_its_attempts(minimal_scenario):
    data = _set(minimal_scenario, ["contact_types", 0, "volume", "per_day"], 2e6)
    data["days"] = 7
    with pytest.raises(RunTooLarge, match="attempts per policy run") as excinfo:
        check_run_size(_scenario(data), allow_large=False)
    assert excinfo.value.size.attempts > MAX_ATTEMPTS_PER_RUN


def test_ten_thousand_agents_for_a_year_is_refused_for_its_agent_shifts(minimal_scenario):
    data = _set(minimal_scenario, ["agents", "shifts", 0, "headcount"], 10_000)
    data["days"] = 365
    with pytest.raises(RunTooLarge, match="agent-shifts per policy run"):
        check_run_size(_scenario(data))


def test_allow_large_lets_an_oversized_run_past_the_check(minimal_scenario):
    data = _set(minimal_scenario, ["contact_types", 0, "volume", "per_day"], 1e7)
    data["days"] = 3
    size = check_run_size(_scenario(data), allow_large=True)
    assert size.over_limits()


def test_the_attempt_estimate_is_an_upper_bound_of_what_a_run_makes(minimal_scenario):
    data = _set(minimal_scenario, ["contact_types", 0, "redial"], {"probability": 0.8, "max_attempts": 4})
    data["contact_types"][0]["patience_s"] = {"dist": "exponential", "mean": 30}
    scenario = _scenario(data)
    results = sim.run(scenario, settings=sim.RunSettings(replications=3, seed=1))
    size = estimate_run_size(scenario, replications=3)
    assert size.incidents == pytest.approx(200)
    assert results.replications["attempts"].max() <= size.attempts * 1.2  # 20%: Poisson noise on 200 incidents
    presences = results.agents.groupby(["policy", "replication"])["presences"].sum()
    assert presences.max() <= size.agent_shifts <= 2 * (1 + 1 + 1)  # day before, the day, one day of run-on


def test_the_agent_shift_estimate_includes_the_run_on_after_the_horizon(minimal_scenario):
    """The roster runs on until the last incident has its outcome: with returns days later, for days."""
    data = _set(minimal_scenario, ["front_door"], {"bot_enabled": True})
    data["contact_types"][0]["bot"] = {"false_resolution_probability": 0.5,
                                       "return_delay_s": {"dist": "exponential", "mean": 3 * DAY}}
    # 2 agents: the day before, the day, and the run-on, up to its cap of 28 days (sim.model.engine.MAX_RUN_ON_S).
    assert estimate_run_size(_scenario(data)).agent_shifts == 2 * (1 + 1 + 28)


def test_bot_only_hours_are_a_bot_in_front_for_the_size_estimate(minimal_scenario):
    """A bot that is the only door at night sends falsely "resolved" customers back as a bot all day does.

    The guard asks the front door (``FrontDoor.bot_can_be_in_front``) rather than ``bot_enabled`` alone,
    so such a scenario's attempts and run-on are not under-estimated.
    """
    data = _set(minimal_scenario, ["front_door"], {"bot_enabled": False, "bot_only_hours": ["16:00-08:00"]})
    data["contact_types"][0]["redial"] = {"probability": 0.0, "max_attempts": 4}
    data["contact_types"][0]["bot"] = {"false_resolution_probability": 0.9,
                                       "return_delay_s": {"dist": "exponential", "mean": 600}}
    scenario = _scenario(data)
    results = sim.run(scenario, settings=sim.RunSettings(replications=3, seed=1))
    size = estimate_run_size(scenario, replications=3)
    # Two thirds of the day behind the bot alone, nine in ten of those back again: far more than one attempt each.
    assert results.replications["attempts"].max() > 1.5 * size.incidents
    assert results.replications["attempts"].max() <= size.attempts * 1.2  # 20%: Poisson noise on 200 incidents
    always = estimate_run_size(_scenario(_set(data, ["front_door"], {"bot_enabled": True})), replications=3)
    assert (size.attempts, size.agent_shifts) == (always.attempts, always.agent_shifts)


def test_cli_refuses_an_oversized_run_with_exit_2_and_the_estimate(minimal_scenario, tmp_path, write_scenario, capsys):
    data = _set(minimal_scenario, ["contact_types", 0, "volume", "per_day"], 1e7)
    data["days"] = 3
    path = write_scenario(tmp_path, data)
    assert main(["run", str(path), "--replications", "1"]) == 2
    err = capsys.readouterr().err
    assert "too large" in err and "attempts" in err and "Traceback" not in err


# ------------------------------------------- found by the fuzz harness (the lead's engine)


def test_a_zero_length_bot_session_after_a_redial_runs():
    """Found by benchmarks/fuzz_scenarios.py (3 of 10,000 scenarios, seed 3); seed 8 reproduces it here."""
    data = {
        "days": 2, "interval_min": 15,
        "contact_types": [{
            "id": "fraud", "emergency": True, "volume": {"per_day": 3000},
            "handle_time_s": {"dist": "exponential", "mean": 180},
            "patience_s": {"dist": "exponential", "mean": 300},
            "redial": {"probability": 1.0, "delay_s": {"dist": "exponential", "mean": 30}, "max_attempts": 5},
            "bot": {"time_s": {"dist": "deterministic", "value": 0}, "recognise_emergency_probability": 1},
        }],
        "agents": {"shifts": [{"id": "a", "start": "00:00", "length_h": 24, "headcount": 2}]},
        "front_door": {"bot_enabled": True},
    }
    results, _ = run_checked(_scenario(data), settings=sim.RunSettings(replications=1, seed=8))
    rows = results.replications
    assert (rows["offered"] == rows["answered"] + rows["abandoned"]).all()


# ------------------------------- issue 24 items 7, 11, 12: every table counted, one guard for every entry


def _year_of_intervals(minimal: dict) -> dict:
    """The issue's 10 KB file: a year of 15-minute intervals, 100 contact types, 10 policies, next to no calls."""
    data = copy.deepcopy(minimal)
    data.update(days=366, interval_min=15, replications=1)
    data["contact_types"] = [{**data["contact_types"][0], "id": f"t{k}", "volume": {"per_day": 1}}
                             for k in range(100)]
    data["policies"] = [{"id": f"p{k}", "baseline": k == 0} for k in range(10)]
    return data


def test_the_interval_tables_of_every_policy_run_are_counted(minimal_scenario):
    scenario = _scenario(_year_of_intervals(minimal_scenario))
    size = estimate_run_size(scenario)
    assert size.attempts < 40_000  # no attempt to speak of: only the interval tables are large
    assert size.interval_rows == 366 * 96 * 100 * 10
    assert size.memory_bytes > 4 * 2**30  # ~35 million rows: the MemoryError the issue saw at 2.8 GB
    with pytest.raises(RunTooLarge, match="interval rows"):
        check_run_size(scenario)


def test_interval_rows_grow_with_replications_and_policies(minimal_scenario):
    scenario = _scenario(minimal_scenario)
    one = estimate_run_size(scenario, replications=1)
    assert estimate_run_size(scenario, replications=4).interval_rows == 4 * one.interval_rows == 4 * 24
    assert estimate_run_size(scenario, replications=4).memory_bytes > one.memory_bytes


def test_a_year_of_intervals_exits_2_before_the_run_not_1_after_a_memory_error(
    minimal_scenario, tmp_path, write_scenario, capsys
):
    path = write_scenario(tmp_path, _year_of_intervals(minimal_scenario))
    assert path.stat().st_size < 20_000
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "interval rows" in err and "--allow-large" in err and "unexpected failure" not in err


def test_sim_run_itself_refuses_an_oversized_run_naming_its_own_keyword(minimal_scenario):
    data = _set(minimal_scenario, ["contact_types", 0, "volume", "per_day"], 1e7)
    data["days"] = 3
    with pytest.raises(RunTooLarge) as excinfo:
        sim.run(_scenario(data), settings=sim.RunSettings(replications=1))  # refused before anything is drawn
    assert "allow_large=True" in str(excinfo.value) and "--allow-large" not in str(excinfo.value)


def test_the_keyword_the_refusal_names_is_accepted_by_every_python_entry_it_names():
    import inspect

    from sim.runs.size_guard import PYTHON_ALLOW

    for name in ("run", "experiment"):
        assert f"sim.{name}" in PYTHON_ALLOW
        assert "allow_large" in inspect.signature(getattr(sim, name)).parameters


def test_sim_run_with_allow_large_passes_the_guard(minimal_scenario, monkeypatch):
    import sim.runs.runner as runner

    data = _set(minimal_scenario, ["contact_types", 0, "volume", "per_day"], 1e7)
    data["days"] = 3

    class Drawn(Exception):
        pass

    def draw(*args, **kwargs):  # the run got past the guard: stop before drawing 30 million incidents
        raise Drawn

    monkeypatch.setattr(runner, "draw_workload", draw)
    with pytest.raises(Drawn):
        sim.run(_scenario(data), settings=sim.RunSettings(replications=1), allow_large=True)


def test_an_experiment_whose_points_are_too_large_is_refused_before_any_run(minimal_scenario, tmp_path,
                                                                             write_scenario, capsys):
    path = write_scenario(tmp_path, _set(minimal_scenario, ["contact_types", 0, "volume", "per_day"], 1e6))
    experiment = tmp_path / "experiment.yaml"
    experiment.write_text(f"scenario: {path.name}\ndesign: {{kind: one_at_a_time}}\nreplications: 2\n"
                          "factors:\n  - path: days\n    low: 1\n    high: 30\n    integer: true\n")
    out = tmp_path / "out"
    assert main(["experiment", str(experiment), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "too large" in err and "--allow-large" in err and not out.exists()


def test_a_study_whose_own_runs_are_refused_exits_2_naming_no_option_it_lacks(minimal_scenario, tmp_path,
                                                                              write_scenario, capsys, monkeypatch):
    import sim.studies.breakeven

    data = _set(minimal_scenario, ["contact_types", 0, "volume", "per_day"], 1e7)
    data["days"] = 3
    refusal = RunTooLarge(estimate_run_size(_scenario(data)))

    def refused(*args, **kwargs):  # what sim.run raises inside the break-even sweep, before it draws
        raise refusal

    monkeypatch.setattr(sim.studies.breakeven, "breakeven", refused)  # the CLI imports it when the command runs
    assert main(["breakeven", str(write_scenario(tmp_path, minimal_scenario))]) == 2
    err = capsys.readouterr().err
    assert "too large" in err and "unexpected failure" not in err
    assert "allow_large" not in err and "--allow-large" not in err  # breakeven has neither


def test_the_iterative_staffing_algorithm_puts_its_runs_to_the_size_guard(minimal_scenario, tmp_path, write_scenario,
                                                                          capsys):
    from sim.studies.staffing import iterative_staffing

    data = _set(minimal_scenario, ["contact_types", 0, "volume", "per_day"], 1e7)
    data["days"] = 3
    with pytest.raises(RunTooLarge):  # before a single replication is drawn
        iterative_staffing(_scenario(data), settings=sim.RunSettings(replications=1), criterion="delay")
    assert main(["staff", str(write_scenario(tmp_path, data)), "--method", "isa", "--criterion", "delay"]) == 2
    err = capsys.readouterr().err
    assert "too large" in err and "unexpected failure" not in err
