"""Step 3 of planning a roster: checked and repaired by simulation (``plan_roster``).

The chosen roster runs as a policy on fresh seeds (``Repair``: its
replications, the seed + 1000 x round). If the emergency guarantee does not
hold with confidence (the 95% interval's lower end below
``guarantee_share``), the requirement is raised by one agent in the
intervals whose emergencies missed the guarantee most often, and the
covering is solved again — until it holds or ``repair.rounds`` is reached.
Every round is reported (``PlanResult.rounds``), with the cover per interval
against the requirement (``PlanResult.cover``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model.scenario import Scenario
from sim.runs.settings import RunSettings
from sim.studies.choices import PLAN_POLICY
from sim.studies.planning.covering import (
    Solution,
    build_columns,
    column_costs,
    cover_matrix,
    roster_size,
    solve_covering,
)
from sim.studies.planning.plan_file import Plan, PlanningError
from sim.studies.planning.planned_roster import roster_block, with_planned_policy
from sim.studies.planning.requirement import Requirement, requirement


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
            "skill": skill, "interval": np.arange(n), "when": [scenario.interval_label(i) for i in range(n)],
            "required": base.groups[skill], "required_after_repair": need.groups[skill],
            "on_duty_after_shrinkage": solution.cover[skill],
            "over_cover": solution.cover[skill] - need.groups[skill],
        }))
    return pd.concat(frames, ignore_index=True)
