"""Step 1 of planning a roster: the requirement per interval and skill group.

Contact types sharing a skill form a group. The requirement is Erlang C/A
per interval, plain or lagged (``sim.studies.staffing``), or the iterative
staffing algorithm by simulation (one pool). ``requirement_for`` says whose
targets it meets: ``every_type`` (each type's own service level, routine
ones included) or ``emergency`` (the guarantee alone; where emergencies
outrank the other types of their group, by the non-preemptive priority
formula of ``emergency_first_requirement``). ``Requirement.describe`` says
it in words, and every output states it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.model.scenario import Scenario
from sim.runs.settings import RunSettings
from sim.studies.planning.plan_file import Plan, PlanningError
from sim.studies.staffing import StaffingError, iterative_staffing, requirements


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
