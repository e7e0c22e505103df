"""The planned roster in the scenario's own format: an ``agents:`` block and a policy using it.

``roster_block`` turns a covering solution into shifts of the scenario
format; ``with_planned_policy`` adds it as policy ``PLAN_POLICY`` (the front
door of the policy planned for), so the roster loads straight back and runs
beside the scenario's own policies.
"""

from __future__ import annotations

from sim.model.scenario import WEEKDAYS, Scenario
from sim.model.validation import build_scenario
from sim.studies.choices import PLAN_POLICY
from sim.studies.planning.covering import Solution
from sim.studies.planning.plan_file import Plan


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
