"""A policy: a named set of overrides of the base scenario, the thing the app and the report compare.

A policy may replace whole sections of the scenario (``REPLACEABLE_SECTIONS``:
the roster, the front door, the economics, the routing, the chats, the lines and queue places) and scale
two things (every headcount; every bot resolve probability). What it leaves
unset keeps the base; ``Scenario.for_policy`` applies it.
"""

from __future__ import annotations

from pydantic import Field, NonNegativeFloat

from sim.model.agents import Agents
from sim.model.capacity import Capacity
from sim.model.contact_types import ContactType
from sim.model.economics import Economics
from sim.model.front_door import FrontDoor
from sim.model.routing_settings import Chat, Routing
from sim.model.schema import Identifier, Label, StrictModel, Text

# The scenario sections a policy may replace, by field name (the same on Policy and Scenario).
REPLACEABLE_SECTIONS: tuple[str, ...] = ("agents", "front_door", "economics", "routing", "chat", "capacity")


class Policy(StrictModel):
    """A named set of overrides of the base scenario; unset fields keep the base."""

    id: Identifier
    label: Label = ""
    description: Text = ""
    baseline: bool = False
    staffing_scale: NonNegativeFloat = Field(
        1.0, le=10.0, description="multiplies every headcount and staffing-table entry (rounded)"
    )
    agents: Agents | None = Field(None, description="a replacement roster")
    front_door: FrontDoor | None = None
    economics: Economics | None = None
    bot_resolve_scale: NonNegativeFloat = Field(
        1.0, le=100.0, description="multiplies every type's bot resolve probability (capped so outcomes fit in 1)"
    )
    routing: Routing | None = Field(None, description="replacement overflow routing")
    chat: Chat | None = Field(None, description="replacement chat settings (which types are chats)")
    capacity: Capacity | None = Field(None, description="replacement lines and queue places")

    @property
    def replaced_sections(self) -> dict[str, StrictModel]:
        """The sections of the base scenario this policy replaces, by field name; the others keep the base."""
        return {name: getattr(self, name) for name in REPLACEABLE_SECTIONS if getattr(self, name) is not None}


def scale_bot_resolution(contact_type: ContactType, scale: float) -> ContactType:
    """``contact_type`` with its bot resolve probability scaled, capped so the bot's outcomes still fit in 1."""
    bot = contact_type.bot
    resolve = min(bot.resolve_probability * scale, 1.0 - bot.false_resolution_probability)
    return contact_type.model_copy(update={"bot": bot.model_copy(update={"resolve_probability": resolve})})
