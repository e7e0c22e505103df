"""One run of the model: one policy on one replication's workload.

``sim.model.engine`` is the one engine; the routing rule it is built with
(sim.model.routing) is the one the scenario calls for, so a scenario without
callbacks, overflow or chats runs on priority routing and its fast path.
Everything that simulates (the runner, the iterative staffing algorithm, the
classroom replay) comes here.
"""

from __future__ import annotations

from sim.model.engine import ContactCentre, RunLog
from sim.model.roster import Roster
from sim.model.scenario import Scenario
from sim.model.workload import Workload


def simulate(scenario: Scenario, workload: Workload, roster: Roster) -> RunLog:
    """Run one policy (``scenario`` already resolved for it) on one replication's workload."""
    return ContactCentre(scenario, workload, roster).run()
