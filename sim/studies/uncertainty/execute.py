"""Running an experiment's keyed runs: in this process, on local cores, or on a Dask cluster.

A *run* is one point of the design x one replication, every policy
simulated on the same workload (``sim.runs.runner.run_replications``): within a
replication every point and policy meet the same incidents, because
replication r always runs on child r of the experiment's seed and every
random number comes from a stream keyed by name. A run's rows depend on its
key only, so the three executors give identical tables.

Runs are grouped into tasks — a few per worker and at least a second's work,
so scheduling costs little next to simulating — and each finished task is
written to the folder at once (``store.write_batch``): memory stays flat in
the number of runs, and a killed experiment resumes where it stopped.

Points that differ only in money (a loss's half-life, a cost, the liability
share: fields the simulation never reads, ``sim.runs.runner.simulation_key``)
go into the same task and share one simulation per replication, summarised
for each (``run_replications_shared``): in the report's one-at-a-time
experiment most factors are of that kind.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from concurrent.futures import as_completed
from pathlib import Path

import pandas as pd

from sim.model.validation import ScenarioError
from sim.runs.runner import (
    AFTER_THE_RUN_FIELDS,
    AFTER_THE_RUN_LOSS_FIELDS,
    AFTER_THE_RUN_SECTIONS,
    run_replications_shared,
)
from sim.runs.settings import RunSettings
from sim.runs.size_guard import check_run_size
from sim.runs.workers import capped_workers, process_pool
from sim.studies.uncertainty.designs import design_points
from sim.studies.uncertainty.spec import Experiment, ExperimentError, load_experiment
from sim.studies.uncertainty.store import KEY, finished_keys, prepare_folder, read_runs, write_batch

# What each run records per policy: paired against the baseline on the 'all'
# rows, plus the emergency guarantee and a few levels.
PAIRED = ("net_saving", "net_saving_platform", "wages_saved", "bot_cost_saved", "added_customer_loss",
          "added_liability", "added_churn")
LEVELS_ALL = ("agent_cost", "bot_cost", "customer_loss", "churn_cost", "service_level", "abandonment")
LEVELS_EMERGENCY = ("share_within_guarantee", "share_reached_human", "mean_time_to_human_s")
TASKS_PER_WORKER = 4

def run_experiment(
    experiment: Experiment | str | Path,
    out: str | Path,
    *,
    settings: RunSettings | None = None,
    dask: str | None = None,
    command: str | None = None,
    allow_large: bool = False,
) -> pd.DataFrame:
    """Run every run of ``experiment`` not yet in ``out``; return the whole table of runs.

    The replications and seed are the experiment file's; ``settings`` gives
    ``workers``: processes on this machine (1: this process; 0: one per
    core), and progress, in runs (points x replications). ``dask``: the
    address of a Dask scheduler (``tcp://host:8786``) or ``"local"`` for a
    LocalCluster of ``workers`` processes. Before anything runs, the points
    are put to the size guard (``check_design_size``) unless ``allow_large``.
    """
    settings = (settings or RunSettings()).counts_from("the experiment file (replications, seed)")
    workers = settings.workers or capped_workers(0)[0]  # 0: one per core; a Dask cluster may have more
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    folder = Path(out)
    design = design_points(experiment)
    if not allow_large:
        check_design_size(experiment, design)
    prepare_folder(experiment, folder, design, command)
    done = finished_keys(folder)
    todo = [k for k in _all_keys(len(design), experiment.spec.replications) if k not in done]
    total = len(design) * experiment.spec.replications
    settings.tell(total - len(todo), total)
    tasks = _tasks(todo, workers, _simulated_part(experiment, design))
    finished = total - len(todo)
    for rows in _execute(experiment, design, tasks, workers, dask):
        write_batch(folder, rows)
        finished += rows[KEY].drop_duplicates().shape[0]
        settings.tell(finished, total)
    return read_runs(folder)


MAX_POINTS_CHECKED = 500  # above this, the base and the two corners of the design stand for it


def check_design_size(experiment: Experiment, design: pd.DataFrame) -> None:
    """``RunTooLarge`` if one point's run (its policies x the experiment's replications) is over the limits.

    Every point is checked when there are at most ``MAX_POINTS_CHECKED``;
    otherwise the base scenario and the points with every factor at its low
    and at its high bound (sizes grow with volumes, headcounts, days and
    attempts, so the corners bound them).
    """
    if len(design) <= MAX_POINTS_CHECKED:
        points = [row.to_dict() for _, row in design.iterrows()]
    else:
        points = [{f.path: f.bounds[0] for f in experiment.spec.factors},
                  {f.path: f.bounds[1] for f in experiment.spec.factors}]
    scenarios = [experiment.scenario]
    for values in points:
        try:
            scenarios.append(experiment.scenario_at(values))
        except ScenarioError:
            continue  # factors together break a cross-field rule: no point is there, the others stand for it
    for scenario in scenarios:
        check_run_size(scenario, experiment.policies, experiment.spec.replications)


def run_keys(experiment: Experiment, design: pd.DataFrame, keys: Iterable[tuple[int, int]]) -> pd.DataFrame:
    """The rows of the runs ``keys``: one per key x policy.

    The replications of one point run together (one scenario built, one set
    of tables derived for all of them); each is still replication r of the
    seed, so the rows are those of running the keys one by one.
    """
    by_point: dict[int, list[int]] = {}
    for point, replication in keys:
        by_point.setdefault(point, []).append(replication)
    # Points with the same replications run together, so that those which move only money share a simulation.
    by_replications: dict[tuple[int, ...], list[int]] = {}
    for point, replications in by_point.items():
        by_replications.setdefault(tuple(sorted(replications)), []).append(point)
    frames = []
    for replications, points in by_replications.items():
        scenarios = [experiment.scenario_at(design.loc[point].to_dict()) for point in points]
        for reps in _consecutive(list(replications)):
            shared = run_replications_shared(scenarios, experiment.policies, reps, experiment.spec.seed)
            frames += [_rows(results, experiment.baseline, point) for point, results in zip(points, shared)]
    return pd.concat(frames, ignore_index=True)


def _after_the_run(path: str) -> bool:
    """Whether a factor's path is a field the simulation never reads (sim.runs.runner.simulation_key)."""
    parts = path.replace("]", "").replace("[", ".").split(".")
    return (any(section in parts[:-1] for section in AFTER_THE_RUN_SECTIONS)
            or parts[0] in AFTER_THE_RUN_FIELDS
            or (len(parts) >= 2 and parts[-2] == "loss" and parts[-1] in AFTER_THE_RUN_LOSS_FIELDS))


def _simulated_part(experiment: Experiment, design: pd.DataFrame) -> pd.Series:
    """Per point, the values of the factors the simulation reads: points with equal values can share it."""
    simulated = [f.path for f in experiment.spec.factors if not _after_the_run(f.path)]
    # rows of an array, not itertuples: with no such factor every point still gets its (empty) tuple
    return pd.Series([tuple(row) for row in design[simulated].to_numpy()], index=design.index, dtype=object)


def _consecutive(values: list[int]) -> list[range]:
    runs, start = [], values[0]
    for previous, value in zip(values, values[1:] + [None]):
        if value != previous + 1:
            runs.append(range(start, previous + 1))
            start = value
    return runs


def _rows(results, baseline: str, point: int) -> pd.DataFrame:
    per_replication = results.per_replication(quantiles=False)  # the percentiles are not recorded per run
    paired = results.paired(baseline, per_replication)
    keys = ["replication", "policy"]

    def scope(frame: pd.DataFrame, contact_type: str, columns) -> pd.DataFrame:
        return frame.loc[frame["contact_type"] == contact_type].set_index(keys)[list(columns)]

    order = pd.MultiIndex.from_product([sorted(per_replication["replication"].unique()), results.policies],
                                       names=keys)
    rows = (
        scope(paired, "all", PAIRED)
        .join(scope(per_replication, "all", LEVELS_ALL))
        .join(scope(per_replication, "emergency", LEVELS_EMERGENCY))  # NaN without emergency types
        .reindex(order)
        .astype(float)
        .reset_index()
    )
    rows.insert(0, "point", point)
    return rows


def _all_keys(points: int, replications: int) -> list[tuple[int, int]]:
    # Point-major: a task's runs share points, whose replications then run together (run_keys).
    return [(p, r) for p in range(points) for r in range(replications)]


def _tasks(keys: list[tuple[int, int]], workers: int, simulated: pd.Series | None = None) -> list[list[tuple[int, int]]]:
    """Keys in tasks of about equal work: the keys of one simulation (points with the same ``simulated``
    values, one replication) stay together, and each such group counts as one simulation's work."""
    if not keys:
        return []
    groups: dict[tuple, list[tuple[int, int]]] = {}
    for point, replication in keys:
        part = simulated[point] if simulated is not None else point
        groups.setdefault((part, replication), []).append((point, replication))
    units = list(groups.values())
    size = max(1, len(units) // (workers * TASKS_PER_WORKER))  # at least TASKS_PER_WORKER tasks per worker
    return [[key for unit in units[i : i + size] for key in unit] for i in range(0, len(units), size)]


def _execute(experiment, design, tasks, workers: int, dask: str | None):
    if not tasks:
        return
    if dask is not None:
        yield from _on_dask(experiment, design, tasks, workers, dask)
    elif workers <= 1:
        for keys in tasks:
            yield run_keys(experiment, design, keys)
    else:
        with process_pool(min(capped_workers(workers)[0], len(tasks))) as pool:
            futures = [pool.submit(run_keys, experiment, design, keys) for keys in tasks]
            for future in as_completed(futures):
                yield future.result()


def _local_cluster(workers: int):
    """A LocalCluster of ``workers`` single-threaded worker processes, started warm where the OS allows.

    Spawned workers each start a fresh interpreter and import humanline,
    pandas and scipy again: about 4-5 s on this 2-core machine before the
    first run, a sixth of the bundled experiment. Forked workers inherit the
    imported modules and start in under a second; the Nanny builds each
    worker's own state after the fork, and nothing of ours holds a lock then.
    Where there is no fork (Windows, macOS's default), Dask's own default stands.
    """
    import multiprocessing

    import dask
    from distributed import LocalCluster

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() and sys.platform == "linux" else None
    settings = {"distributed.worker.multiprocessing-method": method} if method else {}
    with dask.config.set(settings):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)


def _on_dask(experiment, design, tasks, workers: int, address: str):
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:  # pragma: no cover - a dependency of humanline
        raise ExperimentError(["--dask needs the dask[distributed] package"]) from None
    cluster = None
    try:
        if address == "local":
            cluster = _local_cluster(max(1, workers))
            client = Client(cluster)
        else:
            client = Client(address, timeout=30)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise ExperimentError([f"--dask: cannot reach the scheduler at {address}: {exc}"]) from None
    try:
        # Scatter the experiment once instead of pickling it into every task.
        shared = client.scatter([experiment, design], broadcast=True)
        futures = [client.submit(run_keys, *shared, keys, pure=False) for keys in tasks]
        for future in dask_completed(futures):
            yield future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


