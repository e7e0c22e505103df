"""Which agents take a contact, as a scenario writes it: staged overflow and chats.

``Routing`` lists, per contact type, the stages after which more groups may
answer it; ``Chat`` says which types are chats and how many one agent holds.
sim.model.routing turns these settings into the engine's routing component.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, NonNegativeFloat, PositiveInt, model_validator

from sim.model.distributions import MAX_DURATION_S
from sim.model.schema import MAX_CONTACT_TYPES, MAX_GROUPS, FieldError, Identifier, StrictModel, repeated

class OverflowStage(StrictModel):
    after_s: NonNegativeFloat = Field(
        le=MAX_DURATION_S, description="seconds a contact has waited before these groups may take it too"
    )
    groups: list[Identifier] = Field(
        min_length=1, max_length=MAX_GROUPS, description="shift or staffing-table ids that take the overflow"
    )


class Overflow(StrictModel):
    """Staged overflow of one contact type: after each stage's delay, more groups may answer it.

    The type's own groups (those with its skill) keep serving it throughout;
    from ``after_s`` of waiting on, agents of the stage's groups may take it
    too — whatever their skills and reservations — picking it among their
    own work by its type's priority, then by the time it joined.
    """

    contact_type: Identifier
    stages: list[OverflowStage] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _increasing(self):
        delays = [st.after_s for st in self.stages]
        if any(b <= a for a, b in zip(delays, delays[1:])):
            raise FieldError("stages", f"after_s must increase from stage to stage, got {delays}")
        return self


class Routing(StrictModel):
    overflow: list[Overflow] = Field(default_factory=list, max_length=MAX_CONTACT_TYPES)

    @model_validator(mode="after")
    def _unique(self):
        dupes = repeated([o.contact_type for o in self.overflow])
        if dupes:
            raise FieldError("overflow", f"one overflow chain per contact type, repeated: {', '.join(dupes)}")
        return self


MAX_CHATS_PER_AGENT = 12  # commercial suites allow 1-12 concurrent chats


class Chat(StrictModel):
    """Contact types handled as chats, several at once per agent.

    An agent holds up to ``max_per_agent`` chats. While it holds ``n``, each
    of them progresses ``handle_time_factors[n-1]`` times slower than alone
    (a chat's handle time and after-contact work are its length alone), so
    a chat's length depends on how busy its agent was all along. A new chat
    goes to the least loaded eligible agent. An agent holding a chat takes
    no call. Occupancy and cost are per agent: busy is holding at least one.
    """

    types: list[Identifier] = Field(
        default_factory=list, max_length=MAX_CONTACT_TYPES, description="contact type ids that are chats"
    )
    max_per_agent: PositiveInt = Field(1, le=MAX_CHATS_PER_AGENT, description="chats one agent holds at most")
    handle_time_factors: list[Annotated[float, Field(ge=1.0, le=20.0)]] = Field(
        default_factory=lambda: [1.0], min_length=1, max_length=MAX_CHATS_PER_AGENT,
        description="stretch of each chat's handle time with 1, 2, ... chats held (practice: 1, 1.7, 2.5)",
    )

    @model_validator(mode="after")
    def _factors(self):
        if len(self.handle_time_factors) != self.max_per_agent:
            raise FieldError(
                "handle_time_factors",
                f"has {len(self.handle_time_factors)} values; max_per_agent {self.max_per_agent} needs one per count",
            )
        f = self.handle_time_factors
        if any(b < a for a, b in zip(f, f[1:])):
            raise FieldError("handle_time_factors", f"must not decrease with more chats held, got {f}")
        return self
