"""Running an experiment: replications x policies, on common random numbers.

Seeds: the experiment seed makes a ``SeedSequence`` whose children are the
replications; each replication's child splits into the workload stream and
the staff-absence stream. Every policy of a replication runs on that one
workload, so policy differences are paired. A replication's numbers depend
only on the seed and its index, never on the order of execution, so running
replications in parallel processes gives exactly the sequential results.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from .engine import simulate
from .metrics import summarise_run
from .results import Results
from .roster import build_roster
from .scenario import Scenario
from .workload import draw_workload

Progress = Callable[[int, int], None]


def replication_streams(seed: int, replications: int) -> list[tuple[np.random.SeedSequence, np.random.SeedSequence]]:
    """(workload seed, absence seed) of each replication: the one seeding rule of every experiment."""
    return [tuple(rep.spawn(2)) for rep in np.random.SeedSequence(seed).spawn(replications)]


def run(
    scenario: Scenario,
    policies: Sequence[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    *,
    workers: int = 1,
    keep_incidents: str = "emergency",
    progress: Progress | None = None,
) -> Results:
    """Simulate ``policies`` (default: all of the scenario's) for ``replications`` runs.

    ``workers`` > 1 runs replications in parallel processes (0: one per core);
    the results are identical to a sequential run.
    """
    # A policy named twice runs once: a repeat would be compared with itself.
    policy_ids = list(dict.fromkeys(policies)) if policies else [p.id for p in scenario.effective_policies]
    for pid in policy_ids:
        scenario.policy(pid)  # raises KeyError naming the known policies
    n_reps = int(replications if replications is not None else scenario.replications)
    if n_reps < 1:
        raise ValueError(f"replications must be at least 1, got {n_reps}")
    seed = int(scenario.seed if seed is None else seed)
    if keep_incidents not in ("emergency", "all", "none"):
        raise ValueError(f"keep_incidents must be 'emergency', 'all' or 'none', got {keep_incidents!r}")
    resolved = {pid: scenario.for_policy(pid) for pid in policy_ids}
    streams = replication_streams(seed, n_reps)
    total = n_reps * len(policy_ids)
    if progress:
        progress(0, total)

    tasks = [(scenario, resolved, r, streams[r], keep_incidents) for r in range(n_reps)]
    workers = (os.cpu_count() or 1) if workers == 0 else workers
    parts: list[dict[str, pd.DataFrame]] = []
    if workers <= 1 or n_reps == 1:
        for task in tasks:
            parts.append(_replicate(*task))
            if progress:
                progress(len(parts) * len(policy_ids), total)
    else:
        with ProcessPoolExecutor(max_workers=min(workers, n_reps)) as pool:
            for part in pool.map(_replicate_packed, tasks):
                parts.append(part)
                if progress:
                    progress(len(parts) * len(policy_ids), total)

    tables = {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in parts[0]}
    return Results(
        scenario=scenario,
        policies=policy_ids,
        seed=seed,
        n_replications=n_reps,
        replications=tables["by_type"],
        intervals=tables["intervals"],
        agents=tables["agents"],
        incidents=tables["incidents"],
    )


def _replicate_packed(task) -> dict[str, pd.DataFrame]:
    return _replicate(*task)


def _replicate(scenario, resolved, replication, streams, keep_incidents) -> dict[str, pd.DataFrame]:
    workload_seed, absence_seed = streams
    workload = draw_workload(scenario, workload_seed)
    out: dict[str, list[pd.DataFrame]] = {"by_type": [], "intervals": [], "agents": [], "incidents": []}
    for pid, policy_scenario in resolved.items():
        roster = build_roster(policy_scenario, absence_seed)
        log = simulate(policy_scenario, workload, roster)
        tables = summarise_run(policy_scenario, workload, roster, log, keep_incidents)
        for name in out:
            frame = getattr(tables, name)
            frame.insert(0, "replication", replication)
            frame.insert(0, "policy", pid)
            out[name].append(frame)
    return {name: pd.concat(frames, ignore_index=True) for name, frames in out.items()}
