"""The planning file: shift templates, limits, the requirement method and the repair rounds.

A *planning file* lists shift templates (``ShiftTemplate``: allowed start
windows and step, length, weekdays, breaks, skills, pay, headcount limits,
part-time) and says how the requirement is computed (``requirement``,
``requirement_for``), how the roster is checked and repaired by simulation
(``Repair``: rounds, replications, seed) and, in budget mode, the weekly
budget (``budget_per_week``). ``load_plan`` reads one beside its scenario,
``load_templates`` the templates alone, ``default_plan`` gives 8-hour shifts
starting on any half hour. A plan that cannot be made raises ``PlanningError``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    field_validator,
    model_validator,
)

from sim.errors import InputProblems
from sim.files.scenario_io import load_scenario, read_yaml_file, validate
from sim.model.scenario import (
    WEEKDAYS,
    Break,
    Identifier,
    Probability,
    Scenario,
    Weekday,
    check_breaks_inside,
    clock_to_s,
    repeated,
)
from sim.model.validation import ScenarioError


class PlanningError(InputProblems):
    """A plan that cannot be made; ``problems`` has one line per field or interval at fault."""

    heading = "cannot plan a roster"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ShiftTemplate(_Model):
    """A kind of shift people can work: when it may start, how long, who works it, what it costs."""

    id: Identifier
    start_windows: list[str] = Field(
        default_factory=lambda: ["00:00-23:59"],
        min_length=1,
        description="daily spans 'HH:MM-HH:MM' in which the shift may start (nobody starts at 3 am unless allowed)",
    )
    start_every_min: Literal[15, 30, 60] = 30
    length_h: float = Field(gt=0, le=24)
    weekdays: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS), min_length=1)
    breaks: list[Break] = Field(default_factory=list)
    skills: list[Identifier] | None = None
    reserved_for: list[Identifier] = Field(default_factory=list)
    cost_per_hour: NonNegativeFloat
    part_time: bool = False
    min_per_day: NonNegativeInt = Field(0, description="agents starting this template on each of its days, at least")
    max_per_day: NonNegativeInt | None = Field(None, description="... and at most (none: no limit)")

    @field_validator("start_windows")
    @classmethod
    def _windows(cls, value: list[str]) -> list[str]:
        for text in value:
            _start_window(text)
        return value

    @model_validator(mode="after")
    def _limits(self):
        if self.max_per_day is not None and self.max_per_day < self.min_per_day:
            raise ValueError(f"max_per_day ({self.max_per_day}) is below min_per_day ({self.min_per_day})")
        check_breaks_inside(self.breaks, self.length_h)
        return self

    def start_times_s(self) -> list[int]:
        """Every allowed start, seconds after midnight."""
        step = self.start_every_min * 60
        spans = [_start_window(t) for t in self.start_windows]
        starts = []
        for s in range(0, 86400, step):
            for lo, hi in spans:
                inside = lo <= s <= hi if lo < hi else (s >= lo or s <= hi)
                if inside:
                    starts.append(s)
                    break
        return starts


def _start_window(text: str) -> tuple[int, int]:
    """'06:00-10:00' -> (21600, 36000); a window may wrap midnight, and '08:00-08:00' allows 08:00 alone."""
    parts = text.split("-")
    if len(parts) != 2:
        raise ValueError(f"expected a window of start times 'HH:MM-HH:MM', got {text!r}")
    return clock_to_s(parts[0]), clock_to_s(parts[1])


class Repair(_Model):
    rounds: NonNegativeInt = Field(4, le=20, description="simulate-and-repair rounds after the first solve")
    replications: PositiveInt = Field(10, le=1000)
    seed: NonNegativeInt = 99


class Plan(_Model):
    scenario: str | None = Field(None, description="the scenario file, relative to the planning file")
    policy: str | None = Field(None, description="the policy whose front door and demand are planned for")
    requirement: Literal["erlang_c", "erlang_c_lagged", "erlang_a", "erlang_a_lagged", "isa"] = "erlang_a_lagged"
    requirement_for: Literal["every_type", "emergency"] = Field(
        "every_type",
        description="every_type: each contact type's own service-level target, routine ones included; emergency: "
                    "the emergency types' targets only (the least roster the guarantee needs; others get what is "
                    "left). The simulation then raises the requirement wherever the guarantee still fails",
    )
    templates: list[ShiftTemplate] = Field(min_length=1)
    max_part_time_share: Probability = 1.0
    budget_per_week: PositiveFloat | None = Field(None, description="budget mode: wages at most this per week")
    repair: Repair = Field(default_factory=Repair)
    time_limit_s: PositiveFloat = Field(30.0, le=3600, description="the solver stops here and reports its gap")
    gap_tolerance: Probability = Field(
        0.01, description="stop once the roster is proven within this share of the cheapest possible (0.01: 1%)"
    )

    @model_validator(mode="after")
    def _unique(self):
        dupes = repeated(t.id for t in self.templates)
        if dupes:
            raise ValueError(f"templates: ids must be unique, repeated: {', '.join(dupes)}")
        return self


def default_plan(scenario: Scenario) -> Plan:
    """Templates a planner would start from: 8-hour shifts starting on any half hour, with a 30-minute break."""
    rates = [s.cost_per_hour for s in scenario.agents.shifts] + [t.cost_per_hour for t in scenario.agents.tables]
    cost = max(rates) if rates else 0.0
    return Plan(templates=[ShiftTemplate(id="full8", length_h=8, cost_per_hour=cost,
                                         breaks=[Break(after_h=4, length_min=30)])])


def load_plan(path: str | Path) -> tuple[Plan, Scenario]:
    path = Path(path)
    plan = load_templates(path)
    if plan.scenario is None:
        raise PlanningError(["scenario: name the scenario file the plan is for"], str(path))
    try:
        scenario = load_scenario(path.parent / plan.scenario)
    except ScenarioError as exc:
        raise PlanningError([f"scenario: {p}" for p in exc.problems], str(path)) from None
    return plan, scenario


def load_templates(path: str | Path) -> Plan:
    """A plan file (shift templates and settings) alone, through the one input funnel; ``PlanningError`` else."""
    data, lines = read_yaml_file(path, "plan", PlanningError)
    return validate(Plan, data, lines, source=str(path), error=PlanningError, root="plan")
