"""The engine with staged routing (callbacks, overflow after a delay, chats) under its former name.

There is one engine (sim.model.engine); callbacks, overflow and chats are a
routing rule (sim.model.routing.staged). ``ExtendedCentre(scenario,
workload, roster)`` builds that engine with that rule and exposes the rule's
state, as the class of that name did; ``run()`` runs it once.
"""

from __future__ import annotations

from sim.model.engine import ContactCentre, RunLog
from sim.model.roster import Roster
from sim.model.routing.staged import StagedRouting
from sim.model.scenario import Scenario
from sim.model.workload import Workload


class ExtendedCentre(StagedRouting):
    """Staged routing bound to its own run of the engine. Build, then ``run()`` once."""

    def __init__(self, scenario: Scenario, workload: Workload, roster: Roster):
        super().__init__(scenario, workload)
        self.centre = ContactCentre(scenario, workload, roster, routing=self)

    def run(self) -> RunLog:
        return self.centre.run()
