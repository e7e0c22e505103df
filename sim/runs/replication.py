"""One replication of one policy: the one recipe every run that simulates follows.

Seeds: a run's seed makes a ``SeedSequence`` whose child r is replication r
(``replication_streams``), however many run; each child splits into the
workload stream and the staff-absence stream. The workload is drawn from the
scenario as given (not from a policy's version of it: every policy of a
replication meets the same customers, so policy differences are paired), and
then each policy (``simulate_policy``):

1. builds its roster from the absence stream as far past the horizon as this
   workload can need (``latest_outcome_s``: the run's end, where every
   incident of the statistics window has its outcome; the engine would
   extend a shorter roster itself, at the cost of building it twice);
2. runs the engine (``sim.model.simulation.simulate``) on it.

``sim.run``, the classroom's replay, the iterative staffing algorithm, the
agreement table's logs and the calibration's backtest and call records all
come here, so a replication of the same seed and index is the same run
wherever it is made.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.engine import RunLog, latest_outcome_s
from sim.model.roster import Roster, build_roster
from sim.model.scenario import Scenario
from sim.model.simulation import simulate
from sim.model.workload import Workload, draw_workload

Streams = tuple[np.random.SeedSequence, np.random.SeedSequence]  # (workload, absence)


def replication_streams(seed: int, replications: int) -> list[Streams]:
    """(workload seed, absence seed) of each replication: the one seeding rule of every experiment."""
    return [tuple(rep.spawn(2)) for rep in np.random.SeedSequence(seed).spawn(replications)]


def streams_of(seed: int, replication: int) -> Streams:
    """The streams of replication ``replication`` alone (the same as ``replication_streams``' entry)."""
    return replication_streams(seed, replication + 1)[replication]


@dataclass(frozen=True)
class PolicyRun:
    """One policy on one replication's workload: the roster it ran with and the engine's log."""

    roster: Roster
    log: RunLog


def simulate_policy(policy_scenario: Scenario, workload: Workload, absence_seed: np.random.SeedSequence) -> PolicyRun:
    """Run ``policy_scenario`` (already resolved for its policy) on ``workload``, to the run's end."""
    roster = build_roster(policy_scenario, absence_seed, until_s=latest_outcome_s(policy_scenario, workload))
    return PolicyRun(roster, simulate(policy_scenario, workload, roster))


@dataclass(frozen=True)
class Replication:
    """Replication ``index`` of one policy, with everything it was made of."""

    index: int
    policy_scenario: Scenario
    workload: Workload
    roster: Roster
    log: RunLog


def replicate(scenario: Scenario, policy: str | None, seed: int, replication: int) -> Replication:
    """Replication ``replication`` of ``policy`` alone (None: the scenario as it is, unresolved)."""
    workload_seed, absence_seed = streams_of(seed, replication)
    policy_scenario = scenario if policy is None else scenario.for_policy(policy)
    workload = draw_workload(scenario, workload_seed)
    ran = simulate_policy(policy_scenario, workload, absence_seed)
    return Replication(replication, policy_scenario, workload, ran.roster, ran.log)
