"""The roster as a scenario writes it: shifts and staffing tables of agents.

A *group* is a shift (start, length, weekdays, headcount, breaks) or a
staffing table (agents per interval); it fixes what its agents can serve
(skills, reservations) and what they cost. ``scale_agents`` keeps a share of
every group (a policy's ``staffing_scale``). sim.model.roster turns the
groups into the agents on duty.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, NonNegativeFloat, NonNegativeInt, PositiveFloat, field_validator, model_validator

from sim.model.clock import WEEKDAYS, Weekday, clock_to_s
from sim.model.schema import (
    MAX_CONTACT_TYPES,
    MAX_COST_PER_HOUR,
    MAX_GROUPS,
    MAX_HEADCOUNT,
    MAX_INTERVALS,
    FieldError,
    Identifier,
    Probability,
    StrictModel,
    repeated,
)


def check_breaks_inside(breaks, length_h: float) -> None:
    """Every break ends within a shift of ``length_h`` hours, or FieldError naming the first that does not."""
    for i, brk in enumerate(breaks):
        if brk.after_h + brk.length_min / 60 > length_h:
            raise FieldError(
                f"breaks[{i}]", f"ends after the shift: {brk.after_h} h + {brk.length_min} min > {length_h} h"
            )


class Break(StrictModel):
    after_h: NonNegativeFloat = Field(le=24, description="hours after shift start")
    length_min: PositiveFloat = Field(le=24 * 60)


class _Group(StrictModel):
    """What shifts and staffing tables share: who the agents can serve."""

    def serves(self, contact_type: "ContactType") -> bool:
        if self.reserved_for and contact_type.id not in self.reserved_for:
            return False
        return self.skills is None or contact_type.required_skill in self.skills


class Shift(_Group):
    """A group of agents with the same hours, skills and pay."""

    id: Identifier
    start: str = Field(description="clock time HH:MM the shift starts")
    length_h: float = Field(gt=0, le=24)
    weekdays: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS), min_length=1, max_length=7)
    headcount: NonNegativeInt = Field(le=MAX_HEADCOUNT, description="agents in the shift (at most 100,000)")
    skills: list[Identifier] | None = Field(
        None, max_length=MAX_CONTACT_TYPES, description="skills held; all skills if omitted"
    )
    reserved_for: list[Identifier] = Field(
        default_factory=list,
        max_length=MAX_CONTACT_TYPES,
        description="contact type ids these agents serve exclusively (empty: any they can)",
    )
    cost_per_hour: NonNegativeFloat = Field(0.0, le=MAX_COST_PER_HOUR, description="currency units per paid hour")
    breaks: list[Break] = Field(default_factory=list, max_length=24)

    @field_validator("start", mode="before")
    @classmethod
    def _clock(cls, value):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError(f"expected a clock time 'HH:MM' as text, e.g. \"22:00\", got the number {value}")
        if isinstance(value, str):
            clock_to_s(value)
        return value

    @model_validator(mode="after")
    def _breaks_inside(self):
        check_breaks_inside(self.breaks, self.length_h)
        return self

    @property
    def start_s(self) -> int:
        return clock_to_s(self.start)


class StaffingTable(_Group):
    """Agents on duty per interval, for planners who staff by interval not by shift."""

    id: Identifier
    agents: list[Annotated[int, Field(ge=0, le=MAX_HEADCOUNT)]] = Field(
        min_length=1,
        max_length=MAX_INTERVALS,
        description="agents per interval: one day (repeated) or every interval of the horizon",
    )
    skills: list[Identifier] | None = Field(None, max_length=MAX_CONTACT_TYPES)
    reserved_for: list[Identifier] = Field(default_factory=list, max_length=MAX_CONTACT_TYPES)
    cost_per_hour: NonNegativeFloat = Field(0.0, le=MAX_COST_PER_HOUR, description="currency units per paid hour")


class Agents(StrictModel):
    shifts: list[Shift] = Field(default_factory=list, max_length=MAX_GROUPS)
    tables: list[StaffingTable] = Field(default_factory=list, max_length=MAX_GROUPS)
    absence_probability: Probability = Field(0.0, description="chance an agent misses a given shift (shrinkage)")

    @model_validator(mode="after")
    def _unique_ids(self):
        dupes = repeated([s.id for s in self.shifts] + [t.id for t in self.tables])
        if dupes:
            raise FieldError("shifts", f"shift/table ids must be unique, repeated: {', '.join(dupes)}")
        return self


def groups_of(agents: Agents) -> list[tuple[str, Shift | StaffingTable]]:
    """Every group of the roster with the field it is listed under (``shifts`` or ``tables``)."""
    return [("shifts", s) for s in agents.shifts] + [("tables", t) for t in agents.tables]


def has_agents(group: Shift | StaffingTable) -> bool:
    """Whether the group puts anyone on duty at all."""
    return group.headcount > 0 if isinstance(group, Shift) else max(group.agents) > 0


def _scaled(count: int, scale: float) -> int:
    # Round half up: 0.5 agents is an agent; banker's rounding would surprise.
    return int(count * scale + 0.5)


def scale_agents(agents: Agents, scale: float) -> Agents:
    return agents.model_copy(
        update={
            "shifts": [s.model_copy(update={"headcount": _scaled(s.headcount, scale)}) for s in agents.shifts],
            "tables": [
                t.model_copy(update={"agents": [_scaled(n, scale) for n in t.agents]}) for t in agents.tables
            ],
        }
    )
