"""Scenarios that differ only in money share one simulation (sim.runs.runner.simulation_key).

An experiment's points that move a loss's half-life, a cost or the liability
share meet the same customers and agents as its base point, so they are
summarised from one simulated log. That is only right if the simulation
never reads those fields: checked here field by field, on a scenario with
every feature the fields could touch (emergencies with losses, a bot,
churn), and by comparing shared results with results run alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim.model.engine import ATTEMPT_COLUMNS
from sim.model.roster import build_roster
from sim.model.simulation import simulate
from sim.model.workload import draw_workload
from sim.runs.runner import (
    AFTER_THE_RUN_LOSS_FIELDS,
    replication_streams,
    run_replications,
    run_replications_shared,
    simulation_key,
)
from sim.studies.uncertainty.execute import _after_the_run, _tasks

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def payment_day() -> sim.Scenario:
    data = sim.load_scenario(ROOT / "scenarios" / "payment_platform.yaml").model_dump(mode="json")
    data.update(days=1)
    return sim.Scenario.model_validate(data)


def _changed(scenario: sim.Scenario, edit) -> sim.Scenario:
    data = scenario.model_dump(mode="json")
    edit(data)
    return sim.Scenario.model_validate(data)


def _money_edits(scenario: sim.Scenario):
    """(what, edit): every field ``simulation_key`` leaves out, each moved to another valid value."""
    economics = scenario.economics.model_dump(mode="json")
    for name, value in economics.items():
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, (int, float)):
            new = 0.5 if name.endswith("share") and value != 0.5 else value * 1.7 + 1.0
        elif name == "currency":
            new = "EUR" if value != "EUR" else "GBP"
        elif name == "night_hours":
            new = "20:00-04:00"
        else:
            continue
        yield f"economics.{name}", lambda d, n=name, v=new: d["economics"].__setitem__(n, v)
    for i, ct in enumerate(scenario.contact_types):
        for name in AFTER_THE_RUN_LOSS_FIELDS:
            value = getattr(ct.loss, name)
            if name == "half_life_min" and ct.loss.curve is not None:
                continue  # a type on a named curve has no half-life of its own: its band is moved below
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                yield (f"contact_types[{ct.id}].loss.{name}",
                       lambda d, i=i, n=name, v=value: d["contact_types"][i]["loss"].__setitem__(n, v * 1.7 + 1.0))
        if ct.emergency and ct.loss.report_delay_s is None:
            yield (f"contact_types[{ct.id}].loss.report_delay_s",
                   lambda d, i=i: d["contact_types"][i]["loss"].__setitem__(
                       "report_delay_s", {"dist": "exponential", "mean": 3600.0}))
    for curve in scenario.loss_curve_bands:
        yield f"loss_curve_bands.{curve}", lambda d, c=curve: d["loss_curve_bands"].__setitem__(c, 0.9)


def _log(scenario: sim.Scenario, policy: str) -> np.ndarray:
    workload_seed, absence_seed = replication_streams(scenario.seed, 1)[0]
    resolved = scenario.for_policy(policy)
    workload = draw_workload(scenario, workload_seed)
    return simulate(resolved, workload, build_roster(resolved, absence_seed)).attempts


def test_no_field_left_out_of_the_simulation_key_changes_what_is_simulated(payment_day):
    """The claim sharing rests on: the engine, the workload and the roster read none of these fields."""
    policies = [p.id for p in payment_day.effective_policies]
    base = {pid: _log(payment_day, pid) for pid in policies}
    edits = list(_money_edits(payment_day))
    assert len(edits) >= 8
    for what, edit in edits:
        moved = _changed(payment_day, edit)
        assert simulation_key(moved) == simulation_key(payment_day), what
        for pid in policies:
            assert np.array_equal(_log(moved, pid), base[pid], equal_nan=True), f"{what} changed {pid}'s log"
    assert ATTEMPT_COLUMNS  # the log compared is the whole attempt table


def test_what_the_simulation_reads_changes_the_key(payment_day):
    emergency = next(i for i, ct in enumerate(payment_day.contact_types) if ct.emergency)
    more_risk = _changed(payment_day, lambda d: d["contact_types"][emergency]["loss"].__setitem__(
        "amount_at_risk", {"dist": "deterministic", "value": 12_345.0}))
    fewer = _changed(payment_day, lambda d: d["policies"][1].__setitem__("staffing_scale", 0.3))
    assert len({simulation_key(s) for s in (payment_day, more_risk, fewer)}) == 3


def test_shared_runs_give_exactly_the_results_of_running_each_alone(payment_day):
    policies = [p.id for p in payment_day.effective_policies][:3]
    liable = _changed(payment_day, lambda d: d["economics"].__setitem__("liability_share", 0.9))
    slow_drain = _changed(payment_day, lambda d: [ct["loss"].__setitem__("half_life_min", 300.0)
                                                   for ct in d["contact_types"] if ct["loss"].get("curve") is None])
    severe_curve = _changed(payment_day, lambda d: [d["loss_curve_bands"].__setitem__(c, 0.95)
                                                     for c in d["loss_curve_bands"]])
    fewer = _changed(payment_day, lambda d: d["policies"][1].__setitem__("staffing_scale", 0.3))
    scenarios = [payment_day, liable, slow_drain, severe_curve, fewer]
    shared = run_replications_shared(scenarios, policies, range(1, 3), payment_day.seed)
    for scenario, together in zip(scenarios, shared):
        alone = run_replications(scenario, policies, range(1, 3), payment_day.seed)
        assert together.replications.equals(alone.replications)
        assert together.intervals.equals(alone.intervals)
        assert together.incidents.equals(alone.incidents)
    assert not shared[1].compare().equals(shared[0].compare())  # the money moved, as it should


def test_an_experiments_money_factors_are_recognised_and_kept_together_in_tasks():
    assert _after_the_run("economics.liability_share")
    assert _after_the_run("policies[cut].economics.bot_cost_per_session")
    assert _after_the_run("contact_types[fraud].loss.half_life_min")
    assert _after_the_run("loss_curve_bands.instant_transfer")
    assert _after_the_run("contact_types[fraud].loss.curve")
    assert not _after_the_run("contact_types[fraud].loss.amount_at_risk.mean")
    assert not _after_the_run("contact_types[routine].bot.resolve_probability")
    import pandas as pd

    # points 0-2 move only money (same simulated part), 3-4 the bot: one task per simulation and replication
    simulated = pd.Series([(), (), (), (0.2,), (0.6,)])
    keys = [(p, r) for p in range(5) for r in range(2)]
    tasks = _tasks(keys, workers=2, simulated=simulated)
    assert sorted(k for t in tasks for k in t) == sorted(keys)
    assert [(0, 0), (1, 0), (2, 0)] in tasks and [(3, 1)] in tasks


def test_an_experiment_of_money_factors_only_runs_every_point_on_one_simulation_per_replication(
        payment_day, tmp_path, monkeypatch):
    from sim.studies.uncertainty import run_experiment
    from sim.studies.uncertainty.defaults import default_experiment_all
    import sim.runs.replication as replication  # where every run simulates

    spec = default_experiment_all(payment_day, replications=2)
    money = [f for f in spec.spec.factors if _after_the_run(f.path)]
    assert money, "the report's default experiment has money factors"
    spec.spec = spec.spec.model_copy(update={"factors": money})
    simulated = []
    real = replication.simulate
    monkeypatch.setattr(replication, "simulate", lambda *a: simulated.append(1) or real(*a))
    runs = run_experiment(spec, tmp_path / "exp", settings=sim.RunSettings(workers=1))
    points = runs["point"].nunique()
    assert points == 1 + 2 * len(money) and runs["replication"].nunique() == 2
    assert len(simulated) == 2 * len(spec.policies)  # one simulation per replication and policy, not per point
