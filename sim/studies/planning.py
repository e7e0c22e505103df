"""The cheapest roster that keeps the emergency guarantee: shift scheduling by integer programming, checked by simulation.

``staff`` says how many agents each interval needs; a planner has to turn
that into shifts people can work. Here a *planning file* lists shift
templates — allowed start windows and step, length, weekdays, breaks,
skills, pay, headcount limits, part-time — and the roster is chosen in three
steps:

1. **Requirement** per interval and skill group (contact types sharing a
   skill): Erlang C/A per interval, plain or lagged (``sim.studies.staffing``), or the
   iterative staffing algorithm by simulation (one pool). ``requirement_for``
   says whose targets it meets: ``every_type`` (each type's own service
   level, routine ones included) or ``emergency`` (the guarantee alone; where
   emergencies outrank the other types of their group, by the non-preemptive
   priority formula of ``emergency_first_requirement``). ``Requirement.describe``
   says it in words, and every output states it.
2. **Covering.** One integer variable per template x allowed start time x
   weekday: how many agents start that shift. Agents on duty after
   shrinkage, ``(1 - absence) x cover``, must meet each interval's
   requirement for each skill group (breaks taken out of the cover, partial
   intervals counted by their share), at minimum cost (paid hours at the
   template's rate plus the night premium), within each template's
   headcount limits per day and the part-time share — solved with
   ``scipy.optimize.milp`` (HiGHS), with its optimality gap and solve time
   reported. As in the simulation, a Sunday night shift covers Monday's
   early hours, as the roster builder places it.
3. **Checked and repaired by simulation.** The chosen roster runs as a
   policy on fresh seeds. If the emergency guarantee does not hold with
   confidence (the 95% interval's lower end below ``guarantee_share``), the
   requirement is raised by one agent in the intervals whose emergencies
   missed the guarantee most often, and the covering is solved again — until
   it holds or ``repair.rounds`` is reached. Every round is reported.

Budget mode (``budget_per_week``) keeps the weekly wage bill within a budget
and instead minimises the shortfall against the requirement, each agent
short weighted by the emergencies expected in that interval — a linear
stand-in for "the most emergencies within the guarantee" — and the
simulation reports the share actually reached.

The result is a roster in the scenario's own format (an ``agents:`` block and
a policy using it) that loads straight back, the cover per interval against
the requirement, and the cost against today's roster and the bot-first
policies. A roster's size is ``roster_size``: agent-hours on duty a week and
peak agents on duty, the one unit every output uses.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
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
from scipy.optimize import Bounds, LinearConstraint, milp

from sim.errors import InputProblems
from sim.files.scenario_io import load_scenario, read_yaml_file, validate
from sim.model.economics import overlap_with_daily_span
from sim.model.scenario import (
    WEEKDAYS,
    Break,
    Identifier,
    Probability,
    Scenario,
    Weekday,
    check_breaks_inside,
    clock_to_s,
    parse_daily_span,
    repeated,
)
from sim.model.validation import ScenarioError, build_scenario
from sim.runs.settings import RunSettings
from sim.studies.choices import PLAN_POLICY, REQUIREMENT_METHODS
from sim.studies.staffing import StaffingError, iterative_staffing, requirements



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


# ------------------------------------------------------------------ requirement


@dataclass
class Requirement:
    """Agents needed on duty per interval for each skill group."""

    groups: dict[str, np.ndarray]  # skill -> agents per interval
    types_of: dict[str, list[str]]  # skill -> contact type ids
    method: str
    staffed_for: str = "every_type"  # Plan.requirement_for: whose targets the requirement meets
    emergency_first: bool = False  # the emergency requirement counted emergencies' priority

    def describe(self, scenario: Scenario) -> str:
        """Which requirement a roster answers, in words: the method, and whose targets it staffs for."""
        from sim.studies.staffing.inputs import DEFAULT_SERVICE_LEVEL

        types = [c for c in scenario.contact_types if self.staffed_for == "every_type" or c.emergency]
        # the targets sim.studies.staffing holds each type to: emergencies the guarantee, others 80% in target_s
        targets = "; ".join(
            f"{c.id} {100 * scenario.guarantee_share:g}% within {scenario.guarantee_s:g} s" if c.emergency
            else f"{c.id} {100 * DEFAULT_SERVICE_LEVEL:g}% within {c.target_s:g} s"
            for c in types) if self.method != "isa" else "the emergency guarantee (isa)"
        routine = [c.id for c in scenario.contact_types if not c.emergency]
        if self.staffed_for == "every_type" and routine and self.method != "isa":
            whose = (f"every contact type's own service-level target, routine ones included ({targets}); the "
                     f"guarantee alone needs less: --requirement-for emergency")
        elif self.method == "isa":
            whose = targets
        elif self.emergency_first:
            lag = ", on rates lagged by one mean service time" if self.method.endswith("_lagged") else ""
            return (f"per interval for the emergency guarantee only ({targets}), emergencies served first (in place "
                    f"of {self.method}): non-preemptive "
                    "priority, an emergency waits with the pool's Erlang C P(wait) and then exponentially at "
                    f"agents / mean service - emergency rate{lag}; no target of the other types; then raised by "
                    "simulation wherever emergencies still missed the guarantee")
        else:
            whose = (f"the emergency types' targets only ({targets}), against the wait every type's work makes; "
                     "no target of the other types")
        return (f"{self.method} per interval for {whose}; then raised by simulation wherever emergencies still "
                f"missed the guarantee")


def requirement(scenario: Scenario, plan: Plan, policy: str) -> Requirement:
    resolved = scenario.for_policy(policy)
    skills: dict[str, list[str]] = {}
    for ct in resolved.contact_types:
        skills.setdefault(ct.required_skill, []).append(ct.id)
    staffed = {c.id for c in resolved.contact_types if plan.requirement_for == "every_type" or c.emergency}
    if not staffed:
        raise PlanningError(["requirement_for: emergency, but the scenario has no emergency contact type; "
                             "use every_type"])
    groups = {}
    try:
        if plan.requirement == "isa":
            if len(skills) > 1:
                raise PlanningError([
                    f"requirement: isa simulates one pool of agents who can all serve every contact type, so it "
                    f"gives one number per interval; this scenario's types need {len(skills)} different skills "
                    f"({', '.join(skills)}), and one number cannot say how many of each to roster. Choose an Erlang "
                    f"method (--method erlang_a_lagged: a requirement per skill group), with --requirement-for "
                    f"emergency to staff the guarantee alone; or give every contact type the same skill"])
            isa = iterative_staffing(scenario, policy, settings=RunSettings(replications=plan.repair.replications,
                                                                            seed=plan.repair.seed))
            groups[next(iter(skills))] = isa.table["agents_needed"].to_numpy(dtype=float)
        else:
            n = resolved.intervals_per_day * resolved.days
            for skill, type_ids in skills.items():
                binding = [t for t in type_ids if t in staffed]
                if not binding:  # a skill only routine types need, planned for the guarantee alone: nobody required
                    groups[skill] = np.zeros(n)
                    continue
                if plan.requirement_for == "emergency" and _served_first(resolved, type_ids):
                    groups[skill] = emergency_first_requirement(resolved, type_ids, plan.requirement.endswith(
                        "_lagged"))
                    continue
                # every type of the skill loads its agents; only the staffed types' targets set how many
                sub = resolved.model_copy(update={
                    "contact_types": [c for c in resolved.contact_types if c.id in type_ids], "policies": []})
                table = requirements(sub, None, methods=[plan.requirement], by="pooled", binding=binding)
                groups[skill] = table.sort_values("interval")["agents_needed"].to_numpy(dtype=float)
    except StaffingError as exc:
        raise PlanningError([f"requirement: {exc}"]) from None
    first = plan.requirement_for == "emergency" and plan.requirement != "isa" and any(
        _served_first(resolved, ids) for ids in skills.values())
    return Requirement(groups=groups, types_of=skills, method=plan.requirement, staffed_for=plan.requirement_for,
                       emergency_first=first)


def _served_first(scenario: Scenario, type_ids: list[str]) -> bool:
    """Whether the emergency types of a skill group outrank every other type in it (priority is strict)."""
    types = [c for c in scenario.contact_types if c.id in type_ids]
    emergency = [c.priority for c in types if c.emergency]
    others = [c.priority for c in types if not c.emergency]
    return bool(emergency) and (not others or min(emergency) > max(others))


def emergency_first_requirement(scenario: Scenario, type_ids: list[str], lagged: bool) -> np.ndarray:
    """Agents per interval for the guarantee alone when emergencies are served first (non-preemptive priority).

    With c agents and exponential service of one mean E[S] for every type, the pool's number in system is
    that of M/M/c whatever the order of service, so an emergency waits with the pool's Erlang C
    probability P(wait) = C(c, A), A the work of every type; once waiting it is served after the
    emergencies ahead of it, and its wait is exponential with rate c/E[S] - lambda_e (Kella & Yechiali
    1985): P(W > t) = C(c, A) exp(-(c/E[S] - lambda_e) t). The smallest c with P(W > guarantee_s) at most
    1 - guarantee_share, per interval; E[S] is the rate-weighted mean of the group's types, and ``lagged``
    shifts each type's rate by its mean service time, as the lagged Erlang methods do. The other types
    get no target: the simulation then checks the guarantee with everything they bring.
    """
    from sim.studies.staffing.inputs import arrival_rates_per_s, lagged_rates_per_s, mean_service_s

    types = [c for c in scenario.contact_types if c.id in type_ids]
    rates, services = [], []
    for c in types:
        rate, service = arrival_rates_per_s(scenario, c), mean_service_s(c)
        rates.append(lagged_rates_per_s(rate, scenario.interval_s, service) if lagged else rate)
        services.append(service)
    rates = np.array(rates)
    total = rates.sum(axis=0)
    emergency = rates[[c.emergency for c in types]].sum(axis=0)
    mean_s = np.divide(np.array(services) @ rates, total, out=np.full(total.shape, max(services)),
                       where=total > 0)
    need = np.zeros(total.size)
    for i in np.flatnonzero(emergency > 0):
        c = max(1, math.floor(emergency[i] * mean_s[i]) + 1)
        while emergency_first_within(c, total[i], emergency[i], mean_s[i], scenario.guarantee_s) \
                < scenario.guarantee_share:
            c += 1
        need[i] = c
    return need


def emergency_first_within(agents: int, total_rate_per_s: float, emergency_rate_per_s: float, mean_service_s: float,
                           t_s: float) -> float:
    """P(an emergency waits at most ``t_s``) with emergencies served first (see emergency_first_requirement)."""
    from sim.analytic.erlang import erlang_c

    if agents / mean_service_s <= emergency_rate_per_s:
        return 0.0  # the emergencies alone outrun the agents
    load = total_rate_per_s * mean_service_s
    p_wait = 1.0 if load >= agents else erlang_c(agents, load)
    return 1.0 - p_wait * math.exp(-(agents / mean_service_s - emergency_rate_per_s) * t_s)


# ------------------------------------------------------------------ covering


@dataclass
class Columns:
    """The integer program's variables: one per template x start time x weekday."""

    template: list[int] = field(default_factory=list)
    start_s: list[int] = field(default_factory=list)
    weekday: list[int] = field(default_factory=list)


@dataclass
class Solution:
    counts: np.ndarray  # agents per column
    columns: Columns
    cost_per_week: float
    status: str
    gap: float
    solve_s: float
    cover: dict[str, np.ndarray]  # skill -> agents on duty after shrinkage, per interval
    shortfall: np.ndarray | None = None  # budget mode


def build_columns(scenario: Scenario, plan: Plan) -> Columns:
    columns = Columns()
    for t, template in enumerate(plan.templates):
        days = [WEEKDAYS.index(w) for w in template.weekdays]
        for start in template.start_times_s():
            for weekday in days:
                columns.template.append(t)
                columns.start_s.append(start)
                columns.weekday.append(weekday)
    return columns


def cover_matrix(scenario: Scenario, plan: Plan, columns: Columns) -> np.ndarray:
    """cover[i, v]: the share of interval i that one agent of column v is on duty and not on break."""
    matrix = np.zeros((scenario.intervals_per_day * scenario.days, len(columns.template)))
    for v, (t, start, weekday) in enumerate(zip(columns.template, columns.start_s, columns.weekday)):
        template = plan.templates[t]
        matrix[:, v] = duty_cover(scenario, start, weekday, template.length_h, template.breaks)
    return matrix


def duty_cover(scenario: Scenario, start_s: float, weekday: int, length_h: float, breaks) -> np.ndarray:
    """Per interval, the share one agent of a shift (start, weekday, length, breaks) is on duty and not on break.

    The roster builder's placement (``sim.model.roster``): the shift starts on
    every day of the horizon with that weekday and on the day before the
    first, whose hours past midnight cover the first morning. What runs past
    the horizon does not wrap round: the day before already stands for it, and
    counting both would count a Sunday night shift twice on Monday morning.
    """
    n_intervals = scenario.intervals_per_day * scenario.days
    horizon = scenario.horizon_s
    interval = float(scenario.interval_s)
    cover = np.zeros(n_intervals)
    for day in range(-1, scenario.days):
        if scenario.weekday_of_day(day) != weekday:
            continue
        begin = day * 86400.0 + start_s
        spans = [(begin, begin + length_h * 3600.0, 1.0)]
        spans += [(begin + b.after_h * 3600.0, begin + b.after_h * 3600.0 + b.length_min * 60.0, -1.0)
                  for b in breaks]
        for lo, hi, sign in spans:
            a, b = max(lo, 0.0), min(hi, horizon)
            if b <= a:
                continue
            first, last = int(a // interval), int(min((b - 1e-9) // interval, n_intervals - 1))
            for i in range(first, last + 1):
                overlap = min(b, (i + 1) * interval) - max(a, i * interval)
                cover[i] += sign * overlap / interval
    return cover


def roster_size(scenario: Scenario, on_duty: np.ndarray) -> tuple[float, float]:
    """(agent-hours a week, peak agents) of a roster's scheduled agents on duty per interval (breaks out).

    The one measure of a roster's size that every page and command prints:
    counting shift entries or summing their headcounts would set a roster of
    one-weekday entries against one of all-week entries (242 "agents" against
    46). Absence is a draw, not a plan, so it is left out of both.
    """
    on_duty = np.asarray(on_duty, dtype=float)
    hours = float(on_duty.sum()) * scenario.interval_s / 3600.0
    return hours * 7.0 / scenario.days, float(on_duty.max(initial=0.0))


def column_costs(scenario: Scenario, plan: Plan, columns: Columns) -> np.ndarray:
    """Wages over the horizon of one agent in each column: paid hours at the template's rate, night premium included."""
    weeks = scenario.days / 7.0
    # One shift a week per weekday column: the horizon has days/7 of them.
    return np.array([shift_wages(scenario, start, plan.templates[t].length_h, plan.templates[t].cost_per_hour) * weeks
                     for t, start in zip(columns.template, columns.start_s)])


def shift_wages(scenario: Scenario, start_s: float, length_h: float, cost_per_hour: float) -> float:
    """One agent's scheduled wages for one shift: its hours at the rate, plus the night premium on night hours."""
    econ = scenario.economics
    span = parse_daily_span(econ.night_hours)
    night_h = float(overlap_with_daily_span(np.array([float(start_s)]), np.array([start_s + length_h * 3600.0]),
                                            span)[0]) / 3600.0
    return cost_per_hour * (length_h + econ.night_premium * night_h)


def _eligible(template: ShiftTemplate, skill: str, type_ids: list[str]) -> bool:
    if template.reserved_for and not set(template.reserved_for) & set(type_ids):
        return False
    return template.skills is None or skill in template.skills


def solve_covering(
    scenario: Scenario, plan: Plan, need: Requirement, columns: Columns, cover: np.ndarray, costs: np.ndarray,
    emergency_weight: np.ndarray | None = None,
) -> Solution:
    """The integer program: minimum cost cover (or, with a budget, minimum weighted shortfall within it)."""
    shrink = 1.0 - scenario.agents.absence_probability
    n_vars = len(costs)
    n_intervals = cover.shape[0]
    rows, lbs, ubs = [], [], []
    skills = list(need.groups)
    budget = plan.budget_per_week
    n_short = n_intervals * len(skills) if budget else 0

    def add(row, lb, ub):
        rows.append(row)
        lbs.append(lb)
        ubs.append(ub)

    uncovered = []
    for g, skill in enumerate(skills):
        eligible = np.array([_eligible(plan.templates[t], skill, need.types_of[skill]) for t in columns.template])
        for i in range(n_intervals):
            required = need.groups[skill][i]
            row = np.zeros(n_vars + n_short)
            row[:n_vars] = cover[i] * eligible
            if budget:
                row[n_vars + g * n_intervals + i] = 1.0 / shrink  # shortfall makes up what the agents do not
                add(row, required / shrink, np.inf)
                continue
            if required > 0 and not row[:n_vars].any():
                uncovered.append(f"{skill}: interval {i} ({_clock(scenario, i)})")
            add(*_rounded_cover(row, required / shrink))
    if uncovered:
        raise PlanningError([f"no template covers the required interval {u}" for u in uncovered[:20]]
                            + ([f"... and {len(uncovered) - 20} more"] if len(uncovered) > 20 else []))
    if len(skills) > 1:
        # An agent serves one contact at a time: the pool must cover the groups' sum too.
        total = sum(need.groups.values())
        for i in range(n_intervals):
            row = np.zeros(n_vars + n_short)
            row[:n_vars] = cover[i]
            if budget:
                row[n_vars + i :: n_intervals][: len(skills)] = 1.0 / shrink
                add(row, total[i] / shrink, np.inf)
            else:
                add(*_rounded_cover(row, total[i] / shrink))
    part_time = np.array([plan.templates[t].part_time for t in columns.template], dtype=float)
    if plan.max_part_time_share < 1 and part_time.any():
        row = np.zeros(n_vars + n_short)
        row[:n_vars] = part_time - plan.max_part_time_share
        add(row, -np.inf, 0.0)
    for t, template in enumerate(plan.templates):
        for weekday in {WEEKDAYS.index(w) for w in template.weekdays}:
            mine = np.array([(ct == t and wd == weekday) for ct, wd in zip(columns.template, columns.weekday)])
            if template.min_per_day or template.max_per_day is not None:
                row = np.zeros(n_vars + n_short)
                row[:n_vars] = mine
                add(row, template.min_per_day, np.inf if template.max_per_day is None else template.max_per_day)
    if budget:
        row = np.zeros(n_vars + n_short)
        row[:n_vars] = costs * 7.0 / scenario.days
        add(row, -np.inf, budget)
        weight = np.ones(n_intervals) if emergency_weight is None else emergency_weight
        # Cost breaks ties among rosters with the same shortfall, far below one agent-interval's weight.
        tiny = 1e-6 * weight[weight > 0].min(initial=1.0) / max(costs.max(initial=1.0), 1.0)
        objective = np.concatenate([tiny * costs, np.tile(weight, len(skills))])
    else:
        objective = costs
    integrality = np.concatenate([np.ones(n_vars), np.zeros(n_short)])
    start = time.perf_counter()
    result = milp(
        c=objective,
        constraints=LinearConstraint(np.array(rows), np.array(lbs), np.array(ubs)),
        integrality=integrality,
        bounds=Bounds(0, np.inf),
        options={"time_limit": plan.time_limit_s, "mip_rel_gap": plan.gap_tolerance},
    )
    solve_s = time.perf_counter() - start
    if result.x is None:
        raise PlanningError([f"the integer program found no roster: {result.message}"])
    counts = np.round(result.x[:n_vars]).astype(int)
    cover_by_skill = {}
    for skill in skills:
        eligible = np.array([_eligible(plan.templates[t], skill, need.types_of[skill]) for t in columns.template])
        cover_by_skill[skill] = shrink * cover @ (counts * eligible)
    return Solution(
        counts=counts,
        columns=columns,
        cost_per_week=float(costs @ counts) * 7.0 / scenario.days,
        status="optimal" if result.status == 0 else result.message,
        gap=float(getattr(result, "mip_gap", np.nan) or 0.0),
        solve_s=solve_s,
        cover=cover_by_skill,
        shortfall=result.x[n_vars:].reshape(len(skills), n_intervals).sum(axis=0) if budget else None,
    )


def _rounded_cover(row: np.ndarray, required: float) -> tuple[np.ndarray, float, float]:
    """A cover row scaled to whole numbers, so its bound can be rounded up: the same integer points, a tighter LP.

    Cover shares are multiples of 1/d for a small d (half an interval, a
    quarter...). Times d, an integer roster gives an integer left-hand side,
    so ``d * required`` may be rounded up without cutting off any roster —
    which gives HiGHS a much stronger bound to prune with.
    """
    for d in range(1, 61):
        scaled = row * d
        if np.allclose(scaled, np.round(scaled), atol=1e-9):
            return np.round(scaled), math.ceil(d * required - 1e-9), np.inf
    return row, required, np.inf


def _clock(scenario: Scenario, i: int) -> str:
    start = i * scenario.interval_s
    day = WEEKDAYS[scenario.weekday_of_day(start // 86400)]
    seconds = start % 86400
    return f"{day} {seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


# ------------------------------------------------------------------ the roster


def roster_block(plan: Plan, solution: Solution) -> dict:
    """The chosen shifts as the scenario's ``agents:`` block (plain data): one shift per template, start and count."""
    by_start: dict[tuple[int, int], dict[int, int]] = {}
    for n, t, start, weekday in zip(solution.counts, solution.columns.template, solution.columns.start_s,
                                    solution.columns.weekday):
        if n > 0:
            by_start.setdefault((t, start), {})[weekday] = int(n)
    shifts = []
    for (t, start), per_day in sorted(by_start.items()):
        template = plan.templates[t]
        # Weekdays with the same headcount share one shift entry.
        for count in sorted(set(per_day.values()), reverse=True):
            days = [WEEKDAYS[d] for d in sorted(per_day) if per_day[d] == count]
            clock = f"{start // 3600:02d}:{start % 3600 // 60:02d}"
            entry = {
                "id": f"{template.id}_{clock.replace(':', '')}" + ("" if len(set(per_day.values())) == 1
                                                                  else f"_{count}"),
                "start": clock, "length_h": template.length_h, "weekdays": days, "headcount": count,
                "cost_per_hour": template.cost_per_hour,
            }
            if template.skills is not None:
                entry["skills"] = list(template.skills)
            if template.reserved_for:
                entry["reserved_for"] = list(template.reserved_for)
            if template.breaks:
                entry["breaks"] = [b.model_dump() for b in template.breaks]
            shifts.append(entry)
    return {"shifts": shifts}


def with_planned_policy(scenario: Scenario, policy: str, agents: dict) -> Scenario:
    """The scenario with a policy ``planned``: ``policy``'s settings and the planned roster."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    base = next(p for p in data.get("policies", []) if p["id"] == policy) if data.get("policies") else {"id": policy}
    planned = {**base, "id": PLAN_POLICY, "label": "Optimised roster", "baseline": False, "staffing_scale": 1.0,
               "description": f"the cheapest roster found for {policy!r}'s front door",
               "agents": {**agents, "absence_probability": scenario.agents.absence_probability}}
    policies = [p for p in data.get("policies", []) if p["id"] != PLAN_POLICY]
    if not policies:
        policies = [{"id": "base", "label": "Base scenario", "baseline": True}]
    data["policies"] = [*policies, planned]
    return build_scenario(data)


# ------------------------------------------------------------------ the loop


@dataclass
class PlanResult:
    scenario: Scenario  # with the planned policy added
    solution: Solution
    requirement: Requirement
    base_requirement: Requirement
    rounds: pd.DataFrame
    cover: pd.DataFrame
    holds: bool
    agents: dict


def plan_roster(scenario: Scenario, plan: Plan, settings: RunSettings | None = None) -> PlanResult:
    """Solve, simulate on fresh seeds, repair; see the module docstring.

    The checks' replications and seeds are the plan's (``plan.repair``); ``settings`` gives the workers
    and progress: after every replication of every check, replications so far out of the most the loop
    may run.
    """
    settings = (settings or RunSettings()).counts_from("the plan (repair.replications, repair.seed)")
    policy = plan.policy or scenario.baseline_policy.id
    try:
        scenario.policy(policy)
    except KeyError as exc:
        raise PlanningError([f"policy: {exc.args[0]}"]) from None
    from sim.runs.runner import run

    base_need = requirement(scenario, plan, policy)
    need = Requirement({k: v.copy() for k, v in base_need.groups.items()}, base_need.types_of, base_need.method,
                       base_need.staffed_for, base_need.emergency_first)
    columns = build_columns(scenario, plan)
    cover = cover_matrix(scenario, plan, columns)
    costs = column_costs(scenario, plan, columns)
    weight = _emergency_weight(scenario, policy)
    rounds = []
    emergencies = any(c.emergency for c in scenario.contact_types)
    for r in range(plan.repair.rounds + 1):
        solution = solve_covering(scenario, plan, need, columns, cover, costs, weight)
        agents = roster_block(plan, solution)
        planned = with_planned_policy(scenario, policy, agents)
        reps = plan.repair.replications
        # Progress in replications simulated, out of the most the loop may run (it often stops sooner).
        check = RunSettings(replications=reps, seed=plan.repair.seed + 1000 * (r + 1), workers=settings.workers,
                            progress=settings.progress).in_stage(None, r * reps, (plan.repair.rounds + 1) * reps)
        results = run(planned, policies=[PLAN_POLICY], settings=check, keep_incidents="emergency")
        share = _guarantee_share(results)
        holds = (not emergencies) or (share[1] >= scenario.guarantee_share)
        rounds.append({"round": r, "wages_over_horizon": solution.cost_per_week * scenario.days / 7.0,
                       "cost_per_week": solution.cost_per_week, "status": solution.status,
                       "gap": solution.gap, "solve_s": solution.solve_s,
                       **dict(zip(("agent_hours_per_week", "peak_agents_on_duty"),
                                  roster_size(scenario, cover @ solution.counts))),
                       "guarantee_share_mean": share[0], "guarantee_share_ci_low": share[1],
                       "guarantee_share_ci_high": share[2], "holds_with_confidence": holds})
        if holds or r == plan.repair.rounds or plan.budget_per_week:
            break
        failing = _failing_intervals(planned, results)
        if not failing.any():
            failing = weight >= np.quantile(weight[weight > 0], 0.75) if (weight > 0).any() else np.ones_like(weight, bool)
        for skill, types in need.types_of.items():
            if any(scenario.contact_types[[c.id for c in scenario.contact_types].index(t)].emergency for t in types):
                need.groups[skill] = need.groups[skill] + failing
    cover_table = _cover_table(scenario, base_need, need, solution)
    return PlanResult(planned, solution, need, base_need, pd.DataFrame(rounds), cover_table, holds, agents)


def _emergency_weight(scenario: Scenario, policy: str) -> np.ndarray:
    from sim.model.arrivals import expected_per_interval

    resolved = scenario.for_policy(policy)
    weight = np.zeros(resolved.intervals_per_day * resolved.days)
    for ct in resolved.contact_types:
        if ct.emergency:
            weight += expected_per_interval(resolved, ct)
    return weight if weight.any() else np.ones_like(weight)


def _guarantee_share(results) -> tuple[float, float, float]:
    summary = results.summary()
    row = summary[(summary["contact_type"] == "emergency") & (summary["metric"] == "share_within_guarantee")]
    if row.empty:
        return (np.nan, np.nan, np.nan)
    r = row.iloc[0]
    low = r["ci_low"] if np.isfinite(r["ci_low"]) else r["mean"]
    return (float(r["mean"]), float(low), float(r["ci_high"]))


def _failing_intervals(scenario: Scenario, results) -> np.ndarray:
    """Intervals whose emergencies, over all runs, reached a human within the guarantee less often than promised."""
    n = scenario.intervals_per_day * scenario.days
    inc = results.incidents
    if inc.empty:
        return np.zeros(n, dtype=bool)
    slot = np.minimum((inc["arrival_s"] // scenario.interval_s).astype(int), n - 1)
    within = inc["time_to_human_s"].fillna(np.inf) <= scenario.guarantee_s
    share = within.groupby(slot).mean().reindex(range(n))
    return (share < scenario.guarantee_share).fillna(False).to_numpy()


def _cover_table(scenario: Scenario, base: Requirement, need: Requirement, solution: Solution) -> pd.DataFrame:
    frames = []
    n = scenario.intervals_per_day * scenario.days
    for skill in need.groups:
        frames.append(pd.DataFrame({
            "skill": skill, "interval": np.arange(n), "when": [_clock(scenario, i) for i in range(n)],
            "required": base.groups[skill], "required_after_repair": need.groups[skill],
            "on_duty_after_shrinkage": solution.cover[skill],
            "over_cover": solution.cover[skill] - need.groups[skill],
        }))
    return pd.concat(frames, ignore_index=True)
