"""Step 2 of planning a roster: the covering problem, solved by integer programming.

One integer variable per template x allowed start time x weekday
(``build_columns``): how many agents start that shift. Agents on duty after
shrinkage, ``(1 - absence) x cover`` (``cover_matrix``, ``duty_cover``), must
meet each interval's requirement for each skill group (breaks taken out of
the cover, partial intervals counted by their share), at minimum cost
(``column_costs``: paid hours at the template's rate plus the night premium),
within each template's headcount limits per day and the part-time share —
solved with ``scipy.optimize.milp`` (HiGHS) in ``solve_covering``, with its
optimality gap and solve time reported. As in the simulation, a Sunday night
shift covers Monday's early hours, as the roster builder places it.

Budget mode (``budget_per_week``) keeps the weekly wage bill within a budget
and instead minimises the shortfall against the requirement, each agent
short weighted by the emergencies expected in that interval — a linear
stand-in for "the most emergencies within the guarantee". A roster's size is
``roster_size``: agent-hours on duty a week and peak agents on duty, the one
unit every output uses.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from sim.model.economics import overlap_with_daily_span
from sim.model.scenario import WEEKDAYS, Scenario, parse_daily_span
from sim.studies.planning.plan_file import Plan, PlanningError, ShiftTemplate
from sim.studies.planning.requirement import Requirement


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
                uncovered.append(f"{skill}: interval {i} ({scenario.interval_label(i)})")
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
