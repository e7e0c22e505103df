"""A policy's roster as a table a planner edits by hand, and back into the one validated Scenario.

The app shows a roster as one row per shift — id, start, length, weekdays,
headcount, skills, reserved_for, pay, breaks — with the lists written as
short text (``mon-fri, sun``; ``4h 30min; 6.5h 15min``), so that a person
can type them into a spreadsheet-like table. ``with_roster`` turns the rows
back into shifts and builds the scenario with that roster as a policy of its
own through ``build_scenario``: the checks are the Scenario model's, the same
as for a file, and every problem names the row (and the shift id) and the
field. Nothing is dropped: a row that cannot be read is reported, not skipped.

``cover_table`` puts a roster beside the requirement per interval: agents on
duty after absence, breaks taken out (the covering program's own arithmetic,
``sim.studies.planning.duty_cover``), against what ``staff`` says each
interval needs under the policy's front door. ``scheduled_wages`` is the
roster's scheduled pay over the horizon, as the covering program counts it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.errors import InputProblems
from sim.files.scenario_io import ScenarioError, build_scenario, scenario_to_yaml
from sim.model.scenario import WEEKDAYS, Agents, Scenario
from sim.studies.planning import (
    Plan,
    ShiftTemplate,
    duty_cover,
    interval_clock,
    requirement,
    roster_size,
    shift_wages,
)

COLUMNS = ("id", "start", "length_h", "weekdays", "headcount", "skills", "reserved_for", "cost_per_hour", "breaks")
HAND_SUFFIX = "_by_hand"


class RosterTableError(InputProblems):
    """Rows that do not make a roster; ``problems`` has one line per row and field at fault."""

    heading = "the roster cannot be used"


# ------------------------------------------------------------------ text forms of the lists


def weekdays_text(days: Sequence[str]) -> str:
    """['mon', 'tue', 'wed', 'sat'] -> 'mon-wed, sat'; all seven -> 'all'."""
    idx = sorted({WEEKDAYS.index(d) for d in days})
    if len(idx) == 7:
        return "all"
    runs, start = [], None
    for k, i in enumerate(idx):
        if start is None:
            start = i
        if k + 1 == len(idx) or idx[k + 1] != i + 1:
            runs.append(WEEKDAYS[start] if start == i else f"{WEEKDAYS[start]}-{WEEKDAYS[i]}")
            start = None
    return ", ".join(runs)


def parse_weekdays(text: str) -> list[str]:
    """'mon-fri, sun' -> the days; 'all' or blank -> every day; a range may wrap ('sat-mon')."""
    text = (text or "").strip().lower()
    if text in ("", "all", "daily", "every day"):
        return list(WEEKDAYS)
    days: list[int] = []
    for item in re.split(r"[,\s]+", text.replace(" - ", "-")):
        if not item:
            continue
        ends = item.split("-")
        if len(ends) > 2 or any(e[:3] not in WEEKDAYS for e in ends):
            raise ValueError(f"{item!r} is not a weekday or a range of them (write e.g. 'mon-fri, sun' or 'all')")
        a, b = (WEEKDAYS.index(e[:3]) for e in (ends[0], ends[-1]))
        days += [(a + k) % 7 for k in range((b - a) % 7 + 1)]
    return [WEEKDAYS[i] for i in sorted(set(days))]


def breaks_text(breaks) -> str:
    return "; ".join(f"{_num(b.after_h)}h {_num(b.length_min)}min" for b in breaks)


_BREAK = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*h\s*(\d+(?:\.\d+)?)\s*(?:m|min|mins|minutes)?\s*$")


def parse_breaks(text: str) -> list[dict]:
    """'4h 30min; 6.5h 15min' -> [{after_h: 4, length_min: 30}, ...]: hours after the start, then minutes."""
    out = []
    for item in re.split(r"[;,]", text or ""):
        if not item.strip():
            continue
        match = _BREAK.match(item)
        if not match:
            raise ValueError(f"{item.strip()!r}: write each break as hours after the start and its minutes, "
                             "e.g. '4h 30min; 6.5h 15min'")
        out.append({"after_h": float(match.group(1)), "length_min": float(match.group(2))})
    return out


def _ids_text(ids) -> str:
    return ", ".join(ids or [])


def _parse_ids(text) -> list[str]:
    return [t for t in re.split(r"[,\s]+", str(text or "").strip()) if t]


def _num(x: float) -> str:
    return f"{x:g}"


# ------------------------------------------------------------------ roster <-> rows


def roster_of(scenario: Scenario, policy: str) -> Agents:
    """The roster ``policy`` runs with: its own or the scenario's, its staffing scale applied."""
    return scenario.for_policy(policy).agents


def shifts_rows(agents: Agents) -> pd.DataFrame:
    """One row per shift, the lists as text (see the module docstring)."""
    rows = [{
        "id": s.id, "start": s.start, "length_h": float(s.length_h), "weekdays": weekdays_text(s.weekdays),
        "headcount": int(s.headcount), "skills": _ids_text(s.skills), "reserved_for": _ids_text(s.reserved_for),
        "cost_per_hour": float(s.cost_per_hour), "breaks": breaks_text(s.breaks),
    } for s in agents.shifts]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def rows_to_shifts(rows: pd.DataFrame | Sequence[dict]) -> list[dict]:
    """Plain shift data from the rows, or RosterTableError naming each row and field that cannot be read."""
    records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else list(rows)
    shifts, problems = [], []
    for n, row in enumerate(records, start=1):
        where = f"row {n}" + (f" ({row['id']})" if not _blank(row.get("id")) else "")
        shift: dict = {}
        for name in ("id", "start", "length_h", "headcount"):
            if _blank(row.get(name)):
                problems.append(f"{where}, {name}: missing; every shift needs one")
            else:
                shift[name] = str(row[name]).strip() if name in ("id", "start") else row[name]
        if isinstance(shift.get("headcount"), float) and shift["headcount"].is_integer():
            shift["headcount"] = int(shift["headcount"])  # the table's number column hands whole numbers as floats
        if not _blank(row.get("cost_per_hour")):
            shift["cost_per_hour"] = row["cost_per_hour"]
        for name, parse in (("weekdays", parse_weekdays), ("breaks", parse_breaks)):
            try:
                shift[name] = parse("" if _blank(row.get(name)) else str(row[name]))
            except ValueError as exc:
                problems.append(f"{where}, {name}: {exc}")
        skills = _parse_ids(row.get("skills"))
        if skills:
            shift["skills"] = skills
        shift["reserved_for"] = _parse_ids(row.get("reserved_for"))
        shifts.append(shift)
    if problems:
        raise RosterTableError(problems)
    return shifts


def hand_policy_id(policy: str) -> str:
    return policy if policy.endswith(HAND_SUFFIX) else f"{policy}{HAND_SUFFIX}"


def with_roster(scenario: Scenario, policy: str, rows, policy_id: str | None = None,
                label: str | None = None) -> Scenario:
    """The scenario with a policy ``policy_id`` (default ``<policy>_by_hand``): ``policy``'s settings, these shifts.

    The policy's staffing tables (if any) are kept as they run; its scale is
    1, the rows being the headcounts as they run. Problems name the row.
    """
    source = scenario.policy(policy)
    policy_id = policy_id or hand_policy_id(policy)
    agents = roster_of(scenario, policy)
    shifts = rows_to_shifts(rows)
    data = scenario.model_dump(mode="json", exclude_none=True)
    base = source.model_dump(mode="json", exclude_none=True)
    entry = {**base, "id": policy_id, "baseline": False, "staffing_scale": 1.0,
             "label": label or f"{source.label or source.id} (roster by hand)",
             "description": f"{source.id}'s front door with a roster edited in the app",
             "agents": {"shifts": shifts, "tables": [t.model_dump(mode="json", exclude_none=True)
                                                      for t in agents.tables],
                        "absence_probability": agents.absence_probability}}
    policies = [p.model_dump(mode="json", exclude_none=True) for p in scenario.effective_policies
                if p.id != policy_id]
    data["policies"] = [*policies, entry]
    try:
        return build_scenario(data, source="roster table")
    except ScenarioError as exc:
        raise RosterTableError([_name_row(p, policy_id, shifts) for p in exc.problems]) from None


def _name_row(problem: str, policy_id: str, shifts: list[dict]) -> str:
    """'policies[x].agents.shifts[early].start: ...' -> 'row 2 (early), start: ...'."""
    prefix = f"policies[{policy_id}].agents."
    if not problem.startswith(prefix):
        return problem
    rest = problem[len(prefix):]
    match = re.match(r"shifts\[([^\]]+)\]\.?(.*)", rest, re.S)
    if not match:
        return rest  # about the roster as a whole (ids repeated, say)
    label, tail = match.groups()
    ids = [s.get("id") for s in shifts]
    row = int(label) + 1 if label.isdigit() and label not in ids else ids.index(label) + 1 if label in ids else None
    where = f"row {row}" + (f" ({shifts[row - 1].get('id')})" if row and shifts[row - 1].get("id") else "")
    field, _, message = tail.partition(": ")
    return f"{where}, {field}: {message}" if field and message else f"{where}: {tail}"


def scenario_yaml_with(scenario: Scenario, policy_id: str) -> str:
    """The scenario as YAML, headed by a note on the policy added; ``sim.load_scenario`` reads it back."""
    policy = scenario.policy(policy_id)
    return (f"# humanline scenario with the roster of policy {policy_id!r} ({policy.label}) edited in the app.\n"
            f"# Load it with: python -m sim run FILE --policy {policy_id}\n" + scenario_to_yaml(scenario))


# ------------------------------------------------------------------ against the requirement


def scheduled_on_duty(scenario: Scenario, agents: Agents) -> np.ndarray:
    """Agents scheduled on duty per interval, breaks taken out, before absence, every group pooled."""
    n = scenario.intervals_per_day * scenario.days
    cover = np.zeros(n)
    for s in agents.shifts:
        for day in s.weekdays:
            cover += s.headcount * duty_cover(scenario, s.start_s, WEEKDAYS.index(day), s.length_h, s.breaks)
    for t in agents.tables:
        cover += np.resize(np.asarray(t.agents, dtype=float), n)
    return cover


def roster_cover(scenario: Scenario, agents: Agents) -> np.ndarray:
    """Agents on duty per interval after absence, breaks taken out, every group pooled."""
    return (1.0 - agents.absence_probability) * scheduled_on_duty(scenario, agents)


def scheduled_wages(scenario: Scenario, agents: Agents) -> float:
    """Scheduled wages over the horizon: every shift that starts inside it, its hours at its rate, night premium
    included (absence and finish-the-call overtime are not in it: the simulation counts those)."""
    days = [scenario.weekday_of_day(d) for d in range(scenario.days)]
    total = sum(s.headcount * sum(WEEKDAYS[w] in s.weekdays for w in days)
                * shift_wages(scenario, s.start_s, s.length_h, s.cost_per_hour) for s in agents.shifts)
    n = scenario.intervals_per_day * scenario.days
    hours = scenario.interval_s / 3600.0
    for t in agents.tables:
        per_interval = np.resize(np.asarray(t.agents, dtype=float), n)
        total += t.cost_per_hour * sum(a * shift_wages(scenario, (i * scenario.interval_s) % 86400, hours, 1.0)
                                       for i, a in enumerate(per_interval) if a)
    return float(total)


def wages_span(scenario: Scenario) -> str:
    """How the page names the span ``scheduled_wages`` covers."""
    return "per week" if scenario.days == 7 else f"over the {scenario.days}-day horizon"


def requirement_per_interval(scenario: Scenario, policy: str, method: str = "erlang_a_lagged") -> np.ndarray:
    """Agents needed on duty per interval under ``policy``'s front door, every skill group added up."""
    plan = Plan(templates=[ShiftTemplate(id="any", length_h=8, cost_per_hour=0)], requirement=method)
    need = requirement(scenario, plan, policy)
    return np.sum(list(need.groups.values()), axis=0)


def cover_table(scenario: Scenario, agents: Agents, required: np.ndarray) -> pd.DataFrame:
    """Per interval: when, required, on duty after absence, and the shortfall (never below 0)."""
    on_duty = roster_cover(scenario, agents)
    n = len(on_duty)
    return pd.DataFrame({
        "interval": np.arange(n), "interval_start_s": np.arange(n) * scenario.interval_s,
        "when": [interval_clock(scenario, i) for i in range(n)], "required": required, "on_duty_after_absence": on_duty,
        "short": np.maximum(required - on_duty, 0.0),
    })


def wages_by_policy(scenario: Scenario) -> pd.DataFrame:
    """Every policy's roster as it runs: its size, scheduled wages over the horizon, whether a bot answers first.

    The size is ``planning.roster_size``'s, the one unit of every page and command: ``agent_hours_per_week``
    and ``peak_agents_on_duty`` (scheduled, breaks out, before absence). ``agents`` (shift headcounts
    summed over entries) is kept for older callers; it is not comparable across rosters and is not shown.
    """
    rows = []
    for p in scenario.effective_policies:
        resolved = scenario.for_policy(p)
        door = resolved.front_door
        agents = resolved.agents
        hours, peak = roster_size(scenario, scheduled_on_duty(scenario, agents))
        rows.append({"policy": p.id, "label": p.label or p.id, "baseline": p.baseline or p.id ==
                     scenario.baseline_policy.id, "bot_first": bool(door.bot_enabled or door.bot_only_hours),
                     "agent_hours_per_week": hours, "peak_agents_on_duty": peak,
                     "agents": sum(s.headcount for s in agents.shifts) + sum(max(t.agents) for t in agents.tables),
                     "wages": scheduled_wages(scenario, agents)})
    return pd.DataFrame(rows)


def roster_sizes(scenario: Scenario) -> pd.DataFrame:
    """Every policy's roster size as it runs (``planning.roster_size``): policy, agent_hours_per_week, peak_agents_on_duty."""
    return wages_by_policy(scenario)[["policy", "agent_hours_per_week", "peak_agents_on_duty"]]
