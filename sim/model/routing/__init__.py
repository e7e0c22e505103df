"""Routing: the rule that decides which agent takes which contact, chosen from the scenario.

The engine (sim.model.engine) is one for every scenario; what varies is the
routing rule it is built with (``sim.model.routing.base.Routing``, the seam):

- ``PriorityRouting`` (priority.py): priority, then first come first served;
  the most specialised idle group first; with an inlined path for callers
  answered at once. Every scenario without the features below.
- ``StagedRouting`` (staged.py): the same with callbacks (virtual hold),
  overflow into more groups after a wait, and chats held several at once.
- Either, wrapped by ``with_limits`` (limits.py), when the scenario limits
  phone lines or queue places, or a contact type has opening hours or a
  maximum wait.

``routing_for`` picks the rule a (policy-resolved) scenario needs. A new
rule is a ``Routing`` subclass in this package and a line here, with the
scenario field that asks for it (docs/design.md §6).
"""

from __future__ import annotations

from sim.model.routing.base import Routing
from sim.model.routing.limits import limits_in_force, with_limits
from sim.model.routing.priority import PriorityRouting
from sim.model.routing.staged import StagedRouting

__all__ = ["PriorityRouting", "Routing", "StagedRouting", "routing_for", "uses_staged_routing"]


def uses_staged_routing(scenario) -> bool:
    """Whether this (policy-resolved) scenario uses callbacks, overflow or chats."""
    callback = scenario.front_door.callback
    offered = callback.enabled and any(callback.offers(c, scenario.chat.types) for c in scenario.contact_types)
    return offered or bool(scenario.routing.overflow) or bool(scenario.chat.types)


def routing_for(scenario) -> type[Routing]:
    """The routing rule this (policy-resolved) scenario runs on; with its limits if it has any."""
    rule = StagedRouting if uses_staged_routing(scenario) else PriorityRouting
    return with_limits(rule) if limits_in_force(scenario) else rule
