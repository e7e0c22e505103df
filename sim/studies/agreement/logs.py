"""Raw runs for the agreement study: one attempt log per replication, seeded as ``sim.run`` seeds them.

A published case defines its measures on individual calls (a call "in
target" is one served after less than 20 s in queue; occupancy is busy
agent-time up to the end of the day, not past it), so the study counts them
from the attempt log itself rather than from humanline's own summary tables,
whose definitions differ (docs/validation.md). Replication r of a case uses
child r of ``np.random.SeedSequence(seed)``, the runner's rule
(``sim.runs.runner.replication_streams``), so a replication's log depends
only on the seed and its index and parallel runs give the sequential ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from sim.model.engine import ANSWERED, ATTEMPT_COLUMNS
from sim.model.scenario import Scenario
from sim.model.workload import draw_workload
from sim.runs.replication import replication_streams, simulate_policy
from sim.runs.workers import capped_workers, process_pool

COLUMN = {name: n for n, name in enumerate(ATTEMPT_COLUMNS)}


def _one(task) -> dict[str, float]:
    scenario, (workload_seed, absence_seed), measure = task
    return measure(simulate_policy(scenario, draw_workload(scenario, workload_seed), absence_seed).log.attempts)


def per_replication(
    scenario: Scenario,
    measure: Callable[[np.ndarray], dict[str, float]],
    replications: int,
    seed: int,
    workers: int = 1,
) -> Iterator[dict[str, float]]:
    """``measure(attempts)`` of each replication in order; ``measure`` must be a module-level function."""
    tasks = [(scenario, streams, measure) for streams in replication_streams(seed, replications)]
    workers, _ = capped_workers(workers)
    if workers > 1 and len(tasks) > 1:
        with process_pool(min(workers, len(tasks))) as pool:
            yield from pool.map(_one, tasks, chunksize=max(1, len(tasks) // (4 * workers)))
        return
    for task in tasks:
        yield _one(task)


def busy_seconds(attempts: np.ndarray, until_s: float, from_s: float = 0.0) -> float:
    """Agent-seconds spent serving within [from_s, until_s): answered attempts' service clipped to it."""
    start = attempts[:, COLUMN["leave_queue_s"]]
    answered = attempts[:, COLUMN["outcome"]] == ANSWERED
    begin = start[answered]
    end = begin + attempts[answered, COLUMN["service_s"]]
    return float(np.clip(np.minimum(end, until_s) - np.maximum(begin, from_s), 0.0, None).sum())
