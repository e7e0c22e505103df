"""Running a scenario: replications x policies, on common random numbers, as ``RunSettings`` say.

Each replication is made by the one recipe of ``sim.runs.replication``: child
r of the seed for replication r, however many run (a precision target's later
batches, or an experiment's runs one replication at a time, extend a study
without changing its first runs), one workload for every policy, so policy
differences are paired. A replication's numbers depend
only on the seed and its index, never on the order of execution, so running
replications in parallel processes gives exactly the sequential results.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd

from sim.errors import ArgumentError
from sim.model.metrics import summarise_run
from sim.model.scenario import Scenario
from sim.model.workload import draw_workload
from sim.runs.precision import assess, replications_still_needed
from sim.runs.replication import replication_streams, simulate_policy
from sim.runs.results import Results
from sim.runs.settings import RunSettings
from sim.runs.size_guard import check_run_size
from sim.runs.stats import ROUGH_BELOW
from sim.runs.workers import capped_workers, process_pool


def run(
    scenario: Scenario,
    policies: Sequence[str] | None = None,
    *,
    settings: RunSettings | None = None,
    keep_incidents: str = "emergency",
    allow_large: bool = False,
) -> Results:
    """Simulate ``policies`` (default: all of the scenario's) as ``settings`` say (``sim.runs.settings``).

    ``settings.replications`` and ``settings.seed`` default to the scenario's.
    A run whose size is over the documented limits (``sim.runs.size_guard``)
    is refused with ``RunTooLarge`` before anything is drawn, unless
    ``allow_large``; with a ``precision`` target the size is that of
    ``max_replications``, the most it may run.

    ``settings.workers`` > 1 runs replications in parallel processes (0: one
    per core); the results are identical to a sequential run. Progress is
    counted in policy runs (policies x replications).

    ``settings.precision`` (e.g. 0.05) asks for a relative ``confidence``
    half-width on every policy's net effect and emergency guarantee share
    (sim.runs.precision): ``replications`` is then the first batch, and more
    are added, on the same seeding rule, until the target is met or
    ``max_replications`` ran. What was reached is in ``results.meta["precision"]``.
    """
    # A policy named twice runs once: a repeat would be compared with itself.
    policy_ids = list(dict.fromkeys(policies)) if policies else [p.id for p in scenario.effective_policies]
    for pid in policy_ids:
        scenario.policy(pid)  # raises KeyError naming the known policies
    settings = (settings or RunSettings()).for_scenario(scenario)
    n_reps, seed, precision = settings.replications, settings.seed, settings.precision
    max_replications = settings.max_replications
    if keep_incidents not in ("emergency", "all", "none"):
        raise ArgumentError("must be 'emergency', 'all' or 'none'", "keep_incidents", value=keep_incidents)
    if precision is not None:
        # A half-width estimated from fewer replications is itself too rough to stop on.
        n_reps = min(max(n_reps, ROUGH_BELOW), max_replications)
    resolved = {pid: scenario.for_policy(pid) for pid in policy_ids}
    workers = capped_workers(settings.workers)[0]  # 0: one per core; never more than the cores (sim.runs.workers)
    check_run_size(scenario, policy_ids, max_replications if precision is not None else n_reps, workers,
                   allow_large=allow_large)

    def report(done: int, planned: int) -> None:
        settings.tell(done * len(policy_ids), planned * len(policy_ids))

    report(0, n_reps)
    parts = _replicate_range(scenario, resolved, seed, range(n_reps), keep_incidents, workers, report, n_reps)
    results = _results(scenario, policy_ids, seed, parts)
    if precision is None:
        return results
    reached = assess(results, precision, settings.confidence, max_replications)
    while not reached.met and reached.replications < max_replications:
        first = reached.replications
        planned = first + replications_still_needed(reached, minimum_batch=max(2, workers))
        parts += _replicate_range(scenario, resolved, seed, range(first, planned), keep_incidents, workers,
                                  lambda done, _: report(first + done, planned), planned - first)
        results = _results(scenario, policy_ids, seed, parts)
        reached = assess(results, precision, settings.confidence, max_replications)
    results.meta["precision"] = reached.as_record()
    results.precision = reached
    return results


def _replicate_range(scenario, resolved, seed, reps: range, keep_incidents, workers, report, planned):
    """The tables of replications ``reps``, in order, sequentially or in ``workers`` processes."""
    # Replication r runs on child r of the seed whatever else runs: batches keep common random numbers.
    streams = replication_streams(seed, reps.stop)
    tasks = [(scenario, resolved, r, streams[r], keep_incidents) for r in reps]
    parts: list[dict[str, pd.DataFrame]] = []
    if workers <= 1 or len(tasks) == 1:
        for task in tasks:
            parts.append(_replicate(*task))
            report(len(parts), planned)
    else:
        with process_pool(min(workers, len(tasks))) as pool:
            for part in pool.map(_replicate_packed, tasks):
                parts.append(part)
                report(len(parts), planned)
    return parts


def run_replications(
    scenario: Scenario, policies: Sequence[str], replications: range, seed: int, keep_incidents: str = "none"
) -> Results:
    """Replications ``replications`` (e.g. ``range(3, 4)``: the fourth alone) of ``policies``, in this process.

    The building block of experiments (sim.studies.uncertainty): a run of replication
    r here is exactly replication r of ``run`` with the same seed.
    """
    return run_replications_shared([scenario], policies, replications, seed, keep_incidents)[0]


# Fields the simulation never reads: money, computed from its log afterwards (sim.model.metrics). Scenarios
# that differ in nothing else have one simulation (``simulation_key``); tests/test_shared_simulation.py checks
# that changing any of them leaves the simulated log as it was. A loss's amount at risk is not among them:
# the workload draws it.
AFTER_THE_RUN_SECTIONS = ("economics",)  # of the scenario and of each policy
AFTER_THE_RUN_LOSS_FIELDS = ("half_life_min", "curve", "window_h", "report_delay_s", "churn_cost_per_abandoned",
                             "churn_cost_per_false_resolution")
AFTER_THE_RUN_FIELDS = ("loss_curve_bands",)  # of the scenario: each named loss curve's position in its band


def simulation_key(scenario: Scenario) -> str:
    """The scenario without the fields computed after the run: equal keys, identical simulations."""
    data = scenario.model_dump(mode="json")
    for holder in [data, *data.get("policies", [])]:
        for section in AFTER_THE_RUN_SECTIONS:
            holder.pop(section, None)
    for name in AFTER_THE_RUN_FIELDS:
        data.pop(name, None)
    for contact_type in data.get("contact_types", []):
        for name in AFTER_THE_RUN_LOSS_FIELDS:
            (contact_type.get("loss") or {}).pop(name, None)
    return json.dumps(data, sort_keys=True, default=str)


def run_replications_shared(
    scenarios: Sequence[Scenario], policies: Sequence[str], replications: range, seed: int,
    keep_incidents: str = "none",
) -> list[Results]:
    """``run_replications`` of each scenario, simulating once for every group of them with one ``simulation_key``.

    An experiment's points that move only money (a loss's half-life, a cost, the liability share) meet the
    same customers and agents as its base point; they are summarised from the same simulated log, which
    gives exactly the results of running each alone.
    """
    groups: dict[str, list[int]] = {}
    for i, scenario in enumerate(scenarios):
        groups.setdefault(simulation_key(scenario), []).append(i)
    out: list[Results | None] = [None] * len(scenarios)
    streams = replication_streams(seed, replications.stop)
    for members in groups.values():
        group = [scenarios[i] for i in members]
        resolved = [{pid: sc.for_policy(pid) for pid in policies} for sc in group]
        parts = [_replicate_shared(group, resolved, r, streams[r], keep_incidents) for r in replications]
        for j, i in enumerate(members):
            out[i] = _results(scenarios[i], list(policies), seed, [part[j] for part in parts])
    return out


def _results(scenario, policy_ids, seed, parts) -> Results:
    tables = {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in parts[0]}
    return Results(
        scenario=scenario,
        policies=policy_ids,
        seed=seed,
        n_replications=len(parts),
        replications=tables["by_type"],
        intervals=tables["intervals"],
        agents=tables["agents"],
        incidents=tables["incidents"],
    )


def _replicate_packed(task) -> dict[str, pd.DataFrame]:
    return _replicate(*task)


def _replicate(scenario, resolved, replication, streams, keep_incidents) -> dict[str, pd.DataFrame]:
    return _replicate_shared([scenario], [resolved], replication, streams, keep_incidents)[0]


def _replicate_shared(scenarios, resolved, replication, streams, keep_incidents) -> list[dict[str, pd.DataFrame]]:
    """Replication ``replication`` of scenarios with one ``simulation_key``: simulated once, summarised for each."""
    workload_seed, absence_seed = streams
    workload = draw_workload(scenarios[0], workload_seed)
    out: list[dict[str, list[pd.DataFrame]]] = [
        {"by_type": [], "intervals": [], "agents": [], "incidents": []} for _ in scenarios]
    for pid, policy_scenario in resolved[0].items():
        ran = simulate_policy(policy_scenario, workload, absence_seed)
        for mine, own in zip(out, resolved):
            tables = summarise_run(own[pid], workload, ran.roster, ran.log, keep_incidents)
            for name in mine:
                frame = getattr(tables, name)
                frame.insert(0, "replication", replication)
                frame.insert(0, "policy", pid)
                mine[name].append(frame)
    return [{name: pd.concat(frames, ignore_index=True) for name, frames in mine.items()} for mine in out]
