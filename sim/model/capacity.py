"""Capacity: the phone lines (trunks) a centre has and the places in its human queue.

A voice caller holds a line from the moment it gets through (the bot, the
menus, the queue, the conversation) until it hangs up or the conversation
ends; after-contact work holds none, nor does a chat, nor a caller who took
a callback (from the moment it took it). A caller who finds every line it
could use taken hears a busy tone and never enters; one who reaches the human
queue when every waiting place is taken (and no agent is free) is turned away
(``queue_full``). Both may redial under the type's redial rule
(``Redial.busy_probability`` / ``busy_delay_s``). How the engine keeps the
count: sim.model.routing.limits.

``lines`` is a pool shared by every voice type not listed in
``lines_per_type``; a listed type uses its own lines only. ``queue_places``
is shared by all voice types (a waiting chat takes no place). ``None``
means unlimited; a section with every field unlimited is the same as no
section (the run is then the run without one, row for row).

The opening hours, closing rule and maximum wait are per contact type
(``ContactType.hours``, ``at_closing``, ``max_wait_s`` in sim.model.scenario);
a policy replaces the whole section (``Policy.capacity``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# A centre's trunks or waiting places: far beyond any real switch (the largest hold ~1e5).
MAX_LINES = 10_000_000
LineCount = Annotated[int, Field(ge=0, le=MAX_LINES)]


class Capacity(BaseModel):
    """Lines and queue places; every field optional, ``None`` = unlimited."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)

    lines: int | None = Field(
        None, ge=0, le=MAX_LINES,
        description="phone lines shared by the voice contact types not in lines_per_type; null = unlimited",
    )
    lines_per_type: dict[str, LineCount] = Field(
        default_factory=dict, max_length=100,
        description="contact type id -> lines reserved to it; a listed type uses its own lines only",
    )
    queue_places: int | None = Field(
        None, ge=0, le=MAX_LINES,
        description="callers waiting for a human, all voice types together (chats take none); beyond it the "
                    "caller hears queue_full; null = unlimited",
    )

    @property
    def limits_anything(self) -> bool:
        """Whether any limit is set: without one the engine keeps no count at all."""
        return self.lines is not None or bool(self.lines_per_type) or self.queue_places is not None

    def check_against(self, type_ids: list[str], chat_types, where: str = "capacity") -> list[tuple[str, str]]:
        """(field, message) for each setting naming an unknown type or a chat type, first found first."""
        problems = []
        for type_id in self.lines_per_type:
            field = f"{where}.lines_per_type[{type_id}]"
            if type_id not in type_ids:
                problems.append((field, f"is not a contact type id (known: {', '.join(sorted(type_ids))})"))
            elif type_id in chat_types:
                problems.append((field, "is a chat type: chats hold no phone line"))
        return problems
