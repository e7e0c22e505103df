"""One run of the model: one policy on one replication's workload, on the engine it needs.

``sim.model.engine`` is the contact centre with its fast paths;
``sim.model.extended`` adds callbacks, overflow after a delay and chats to
it. A scenario that uses none of them runs on the first, so its results and
its speed are the base engine's exactly. Everything that simulates (the
runner, the iterative staffing algorithm, the classroom replay) comes here.
"""

from __future__ import annotations

from sim.model.engine import ContactCentre, RunLog
from sim.model.extended import ExtendedCentre
from sim.model.roster import Roster
from sim.model.scenario import Scenario
from sim.model.workload import Workload


def uses_extended_routing(scenario: Scenario) -> bool:
    """Whether this (policy-resolved) scenario uses callbacks, overflow or chats (sim.model.extended)."""
    callback = scenario.front_door.callback
    offered = callback.enabled and any(callback.offers(c, scenario.chat.types) for c in scenario.contact_types)
    return offered or bool(scenario.routing.overflow) or bool(scenario.chat.types)


def simulate(scenario: Scenario, workload: Workload, roster: Roster) -> RunLog:
    """Run one policy (``scenario`` already resolved for it) on one replication's workload.

    A scenario that uses none of callbacks, overflow and chats runs on the
    base engine and its fast paths; one that does runs on
    ``sim.model.extended``'s, which adds them to the same model.
    """
    if uses_extended_routing(scenario):
        return ExtendedCentre(scenario, workload, roster).run()
    return ContactCentre(scenario, workload, roster).run()
