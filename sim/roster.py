"""The roster: which agents are on duty when, with what skills and pay.

A scenario states staffing as shifts (start, length, weekdays, headcount) or as
per-interval tables. The model only wants a flat list of agent-shifts: one
person present from a start to a scheduled end, belonging to a group that
fixes skills, reservations and pay. This module makes that list.

Tables become agent-shifts by stacking: agent slot ``s`` of a table is on duty
in every interval where the table says more than ``s`` agents; each maximal run
of such intervals within a day is one agent-shift. Splitting at midnight keeps
absence a per-agent-day event, as it is for shifts.

Absence (shrinkage) is drawn per group, day and slot from its own stream, so a
policy that keeps 6 of 10 agents of a shift loses the same people on the same
days as the baseline does among those 6: common random numbers for staff too.
Night shifts that started the day before the horizon are included, clipped at
time 0, so a 24x7 study does not begin with an empty first night.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from .scenario import WEEKDAYS, Scenario


@dataclass(frozen=True)
class AgentGroup:
    id: str
    skills: frozenset[str] | None  # None: every skill
    reserved_for: frozenset[str]  # contact type ids; empty: any it has the skill for
    cost_per_hour: float

    def can_serve(self, type_id: str, skill: str) -> bool:
        if self.reserved_for and type_id not in self.reserved_for:
            return False
        return self.skills is None or skill in self.skills


@dataclass(frozen=True)
class AgentShift:
    group: int
    start_s: float
    end_s: float  # scheduled end; the agent still finishes the contact in hand
    breaks: tuple[tuple[float, float], ...] = field(default=())  # (start_s, length_s)


@dataclass(frozen=True)
class Roster:
    groups: tuple[AgentGroup, ...]
    shifts: tuple[AgentShift, ...]
    scheduled: tuple[int, ...]  # agent-shifts per group before absence


def _absence_rng(seed: np.random.SeedSequence, group_id: str, day: int) -> np.random.Generator:
    key = zlib.crc32(group_id.encode())
    return np.random.default_rng(np.random.SeedSequence([*seed.generate_state(2), key, day + 1]))


def build_roster(scenario: Scenario, absence_seed: np.random.SeedSequence) -> Roster:
    """Agent-shifts for a scenario already resolved for one policy."""
    agents = scenario.agents
    horizon = scenario.horizon_s
    groups: list[AgentGroup] = []
    shifts: list[AgentShift] = []
    scheduled: list[int] = []

    def present(group_id: str, day: int, count: int) -> np.ndarray:
        if agents.absence_probability == 0:
            return np.ones(count, dtype=bool)
        return _absence_rng(absence_seed, group_id, day).random(count) >= agents.absence_probability

    for shift in agents.shifts:
        g = len(groups)
        groups.append(_group(shift.id, shift.skills, shift.reserved_for, shift.cost_per_hour))
        scheduled.append(0)
        weekdays = {WEEKDAYS.index(w) for w in shift.weekdays}
        for day in range(-1, scenario.days):
            if scenario.weekday_of_day(day) not in weekdays:
                continue
            start = day * 86400.0 + shift.start_s
            end = start + shift.length_h * 3600.0
            if end <= 0 or start >= horizon or shift.headcount == 0:
                continue
            breaks = tuple(
                (start + b.after_h * 3600.0, b.length_min * 60.0)
                for b in shift.breaks
                if start + b.after_h * 3600.0 >= 0
            )
            mask = present(shift.id, day, shift.headcount)
            scheduled[g] += shift.headcount
            shifts.extend(AgentShift(g, max(start, 0.0), end, breaks) for _ in range(int(mask.sum())))

    per_day = scenario.intervals_per_day
    for table in agents.tables:
        g = len(groups)
        groups.append(_group(table.id, table.skills, table.reserved_for, table.cost_per_hour))
        scheduled.append(0)
        counts = np.asarray(table.agents, dtype=int)
        if counts.size == per_day:
            counts = np.tile(counts, scenario.days)
        for day in range(scenario.days):
            day_counts = counts[day * per_day : (day + 1) * per_day]
            slots = int(day_counts.max(initial=0))
            mask = present(table.id, day, slots)
            for slot in range(slots):
                for first, last in _runs(day_counts > slot):
                    scheduled[g] += 1
                    if mask[slot]:
                        start = (day * per_day + first) * scenario.interval_s
                        end = (day * per_day + last + 1) * scenario.interval_s
                        shifts.append(AgentShift(g, float(start), float(end)))
    shifts.sort(key=lambda s: s.start_s)
    return Roster(groups=tuple(groups), shifts=tuple(shifts), scheduled=tuple(scheduled))


def _group(group_id, skills, reserved_for, cost_per_hour) -> AgentGroup:
    return AgentGroup(
        id=group_id,
        skills=None if skills is None else frozenset(skills),
        reserved_for=frozenset(reserved_for),
        cost_per_hour=float(cost_per_hour),
    )


def _runs(on: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive index ranges of consecutive True values."""
    padded = np.concatenate(([False], on, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]

