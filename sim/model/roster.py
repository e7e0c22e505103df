"""The roster: which agents are on duty when, with what skills and pay.

A scenario states staffing as shifts (start, length, weekdays, headcount) or as
per-interval tables. The model only wants a flat list of *presences*: one
person on duty from a start to a scheduled end, belonging to a group that
fixes skills, reservations and pay. This module makes that list.

Day by day first: shift ``s`` puts its ``headcount`` agents (slots 0, 1, ...)
on duty on each of its weekdays; a table puts agent slot ``s`` on duty in
every interval where it says more than ``s`` agents, each maximal run of such
intervals within a day being one agent-day. Absence (shrinkage) is drawn per
group, day and slot from its own stream, so a policy that keeps 6 of 10 agents
of a shift loses the same people on the same days as the baseline does among
those 6: common random numbers for staff too.

Continuous cover is one presence. When slot ``s`` of a group is on duty until
midnight and the same slot is on duty again from that midnight (a 24-hour
shift on consecutive days, a staffing table whose value does not drop at
midnight), the two agent-days are one person staying on: no hand-over, no
finish-the-call overtime, never more agents present than the roster says.
Real hand-overs — between different shifts or groups, or when the slot is
absent the next day — stay hand-overs, with their paid overtime.

The world goes on after the horizon (docs/design.md, "end of the run"): the
roster is built past it, as the scenario's week would continue, for as long
as the model needs agents to give every incident of the window its outcome.
Days after the horizon repeat the scenario's pattern: shifts follow their
weekdays, and a table given for every interval of the horizon repeats from
its first day. Night shifts that started the day before time 0 are included,
clipped at 0, so a 24x7 study does not begin with an empty first night.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field

import numpy as np

from sim.model.scenario import WEEKDAYS, Scenario

DAY_S = 86400.0


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
    """One presence: a person on duty from ``start_s`` to ``end_s`` (possibly over several days)."""

    group: int
    start_s: float
    end_s: float  # scheduled end; the agent still finishes the contact in hand
    breaks: tuple[tuple[float, float], ...] = field(default=())  # (start_s, length_s)


@dataclass(frozen=True)
class Roster:
    groups: tuple[AgentGroup, ...]
    shifts: tuple[AgentShift, ...]  # presences, by start time
    scheduled: tuple[int, ...]  # agent-days per group inside the horizon, before absence
    until_s: float  # presences are complete up to this time
    _scenario: Scenario = field(repr=False, compare=False)
    _absence_seed: np.random.SeedSequence = field(repr=False, compare=False)

    def serves(self, contact_types) -> np.ndarray:
        """groups x types: may an agent of group g take a contact of type k (skill and reservation)?

        The one answer to "who serves whom" that the engine routes by, the
        metrics split busy time by, and staffing counts agents by.
        """
        return np.array(
            [[g.can_serve(c.id, c.required_skill) for c in contact_types] for g in self.groups], dtype=bool
        ).reshape(len(self.groups), len(contact_types))

    def covering(self, until_s: float) -> Roster:
        """This roster, built on past the horizon at least up to ``until_s`` (whole days)."""
        if until_s <= self.until_s:
            return self
        return build_roster(self._scenario, self._absence_seed, until_s=until_s)


def _absence_rng(seed: np.random.SeedSequence, group_id: str, day: int) -> np.random.Generator:
    key = zlib.crc32(group_id.encode())
    return np.random.default_rng(np.random.SeedSequence([*seed.generate_state(2), key, day + 1]))


class _Presences:
    """Collects agent-days per (group, slot), joining a day to the one before when they touch."""

    def __init__(self):
        self.spans: list[list] = []  # [group, start_s, end_s, breaks]
        self._open: dict[tuple[int, int], list] = {}

    def add(self, group: int, slot: int, start_s: float, end_s: float, breaks=()) -> None:
        previous = self._open.get((group, slot))
        if previous is not None and previous[2] == start_s:
            previous[2] = end_s
            previous[3].extend(breaks)
            return
        span = [group, start_s, end_s, list(breaks)]
        self.spans.append(span)
        self._open[(group, slot)] = span


def build_roster(
    scenario: Scenario, absence_seed: np.random.SeedSequence, until_s: float | None = None
) -> Roster:
    """Presences for a scenario already resolved for one policy, from time 0 to ``until_s`` (default: the horizon).

    Past the horizon the roster is built in whole days; a presence is
    complete (its end known) only when it ends before ``until_s``.
    """
    agents = scenario.agents
    horizon = scenario.horizon_s
    until_s = horizon if until_s is None else max(float(until_s), horizon)
    last_day = max(scenario.days, math.ceil(until_s / DAY_S))  # days 0 .. last_day - 1
    groups: list[AgentGroup] = []
    scheduled: list[int] = []
    presences = _Presences()

    def present(group_id: str, day: int, count: int) -> np.ndarray:
        if agents.absence_probability == 0:
            return np.ones(count, dtype=bool)
        return _absence_rng(absence_seed, group_id, day).random(count) >= agents.absence_probability

    for shift in agents.shifts:
        g = len(groups)
        groups.append(_group(shift.id, shift.skills, shift.reserved_for, shift.cost_per_hour))
        scheduled.append(0)
        weekdays = {WEEKDAYS.index(w) for w in shift.weekdays}
        for day in range(-1, last_day):
            if scenario.weekday_of_day(day) not in weekdays or shift.headcount == 0:
                continue
            start = day * DAY_S + shift.start_s
            end = start + shift.length_h * 3600.0
            if end <= 0:
                continue
            breaks = tuple(
                (start + b.after_h * 3600.0, b.length_min * 60.0)
                for b in shift.breaks
                if start + b.after_h * 3600.0 >= 0
            )
            if start < horizon:
                scheduled[g] += shift.headcount
            for slot in np.flatnonzero(present(shift.id, day, shift.headcount)):
                presences.add(g, int(slot), max(start, 0.0), end, breaks)

    per_day = scenario.intervals_per_day
    for table in agents.tables:
        g = len(groups)
        groups.append(_group(table.id, table.skills, table.reserved_for, table.cost_per_hour))
        scheduled.append(0)
        counts = np.asarray(table.agents, dtype=int).reshape(-1, per_day)  # one row per day given
        for day in range(last_day):
            day_counts = counts[day % counts.shape[0]]
            slots = int(day_counts.max(initial=0))
            mask = present(table.id, day, slots)
            for slot in range(slots):
                for first, last in _runs(day_counts > slot):
                    if day < scenario.days:
                        scheduled[g] += 1
                    if mask[slot]:
                        start = (day * per_day + first) * scenario.interval_s
                        end = (day * per_day + last + 1) * scenario.interval_s
                        presences.add(g, slot, float(start), float(end))
    shifts = sorted(
        (AgentShift(g, start, end, tuple(breaks)) for g, start, end, breaks in presences.spans),
        key=lambda s: s.start_s,
    )
    return Roster(
        groups=tuple(groups),
        shifts=tuple(shifts),
        scheduled=tuple(scheduled),
        until_s=last_day * DAY_S,
        _scenario=scenario,
        _absence_seed=absence_seed,
    )


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
