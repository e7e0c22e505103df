"""What the roster pages compute, without Streamlit: plain functions of a scenario YAML.

Like ``ui.compute``: results are plain dataclasses of DataFrames and dicts,
so they pickle into ``st.cache_data``; failures become ``compute.RunFailed``
(one sentence for the page) and a stop request ``compute.RunCancelled``,
through the same ``compute.guarded``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.files.scenario_io import scenario_to_yaml
from sim.model import policy_edits
from sim.model.scenario import Scenario
from sim.runs.settings import RunSettings
from sim.runs.workers import capped_workers
from sim.studies import roster_table
from sim.studies.planning import (
    PLAN_POLICY,
    Plan,
    PlanningError,
    default_plan,
    load_plan,
    load_templates,
    plan_roster,
)
from sim.studies.staffing import StaffingError

from . import compute

ROOT = Path(__file__).resolve().parent.parent
PLANS_DIR = ROOT / "plans"
DEFAULT_TEMPLATES = "default"
REQUIREMENT_LABELS = {
    "erlang_a_lagged": "Erlang A, lagged (patience and carried-over work)",
    "erlang_a": "Erlang A per interval (patience counted)",
    "erlang_c_lagged": "Erlang C, lagged",
    "erlang_c": "Erlang C per interval (nobody hangs up)",
    "isa": "Iterative staffing by simulation (one pool of agents; slow)",
}


def template_choices(scenario_source: str) -> dict[str, str]:
    """Shift-template sets offered for a scenario: the default, and the planning files written for its file.

    ``scenario_source`` is the app's "preset: file.yaml"; a planning file is
    offered when its ``scenario:`` names that file.
    """
    out = {DEFAULT_TEMPLATES: "8-hour shifts starting on any half hour, a 30-minute break after 4 hours"}
    preset = scenario_source.removeprefix("preset: ") if scenario_source.startswith("preset: ") else None
    for path in sorted(PLANS_DIR.glob("*.yaml")):
        try:
            plan = load_templates(path)  # the one input funnel; a broken file is not offered
        except PlanningError:
            continue
        if preset and Path(str(plan.scenario or "")).name == preset:
            ids = ", ".join(t.id for t in plan.templates)
            out[path.name] = f"{path.name}: {ids}"
    return out


def make_plan(scenario: Scenario, templates: str, requirement: str, rounds: int, replications: int,
              budget_per_week: float | None, time_limit_s: float, requirement_for: str = "every_type") -> Plan:
    """The Plan the page asks for; raises PlanningError (a message) for settings the Plan model refuses."""
    base = default_plan(scenario) if templates == DEFAULT_TEMPLATES else load_plan(PLANS_DIR / templates)[0]
    data = base.model_dump(mode="json")
    data.update(requirement=requirement, budget_per_week=budget_per_week, time_limit_s=time_limit_s,
                scenario=None, policy=None, requirement_for=requirement_for)
    data["repair"] = {**data["repair"], "rounds": rounds, "replications": replications}
    try:
        return Plan.model_validate(data)
    except ValueError as exc:
        raise PlanningError([str(exc)]) from None


@dataclass
class PlanView:
    """An optimised roster, what it costs, and how it did in simulation."""

    policy: str  # whose front door was planned for
    planned: dict  # the planned policy as plain data (id PLAN_POLICY)
    rows: pd.DataFrame  # its shifts, as the roster table shows them
    cover: pd.DataFrame  # per interval: required, required after repair, on duty, over-cover
    today_cover: np.ndarray  # the planned-for policy's own roster, on duty after absence
    rounds: pd.DataFrame
    holds: bool
    has_emergency: bool
    wages: pd.DataFrame  # every policy's scheduled wages per week, the planned one included
    currency: str
    guarantee_s: float
    guarantee_share: float
    method: str
    requirement: str  # which requirement the roster answers, in words (Requirement.describe)
    planned_yaml: str  # the scenario with the planned roster as policy PLAN_POLICY, for the guarantee's comparison
    notes: list[str] = field(default_factory=list)


@dataclass
class GuaranteeView:
    """Every policy against the planned roster (``sim.studies.guarantee.guarantee_comparison``)."""

    table: pd.DataFrame  # policy x measure: mean, ci_low, ci_high, n
    policies: pd.DataFrame  # per policy: wages, size, its guarantee share and whether it keeps it
    replications: int
    seed: int
    measures: dict[str, tuple]  # measure -> how it is read and worded (sim.studies.guarantee.MEASURES)


def run_guarantee(planned_yaml: str, workers: int = 1, progress: compute.Progress | None = None,
                  should_stop: Callable[[], bool] | None = None) -> GuaranteeView:
    """What the planned roster costs and prevents against every policy, on the scenario's seed and replications."""
    from sim.studies.guarantee import MEASURES, guarantee_comparison

    planned = compute.scenario_from_yaml(planned_yaml)
    results, table, policies = compute.guarded(
        "The guarantee's comparison", should_stop, progress,
        lambda report: guarantee_comparison(planned, settings=RunSettings(workers=capped_workers(workers)[0],
                                                                          progress=report)))
    return GuaranteeView(table=table, policies=policies, replications=results.n_replications, seed=results.seed,
                         measures=MEASURES)


def run_plan(scenario_yaml: str, policy: str, settings: dict, progress: compute.Progress | None = None,
             should_stop: Callable[[], bool] | None = None) -> PlanView | str:
    """Plan a roster for ``policy``'s front door; a message (str) when the plan cannot be made."""
    scenario = compute.scenario_from_yaml(scenario_yaml)

    def plan(report):
        try:
            return plan_roster(scenario, make_plan(scenario, **settings).model_copy(update={"policy": policy}),
                               RunSettings(progress=report))
        except (PlanningError, StaffingError) as exc:
            return "; ".join(getattr(exc, "problems", None) or [str(exc)])

    result = compute.guarded("The roster plan", should_stop, progress, plan)
    if isinstance(result, str):
        return result
    planned = result.scenario.policy(PLAN_POLICY)
    wages = roster_table.wages_by_policy(result.scenario)
    return PlanView(
        policy=policy,
        planned=planned.model_dump(mode="json", exclude_none=True),
        rows=roster_table.shifts_rows(planned.agents),
        cover=_cover(result, planned),
        today_cover=roster_table.roster_cover(scenario, roster_table.roster_of(scenario, policy)),
        rounds=result.rounds,
        holds=result.holds,
        has_emergency=any(c.emergency for c in scenario.contact_types),
        wages=wages,
        currency=scenario.economics.currency,
        guarantee_s=scenario.guarantee_s,
        guarantee_share=scenario.guarantee_share,
        method=result.requirement.method,
        requirement=result.requirement.describe(scenario),
        planned_yaml=scenario_to_yaml(result.scenario),
    )


def _cover(result, planned) -> pd.DataFrame:
    """Per interval: the requirement before and after repair (skill groups added up) and the planned roster's cover."""
    by_interval = result.cover.groupby("interval", sort=True)[["required", "required_after_repair"]].sum()
    table = roster_table.cover_table(result.scenario, planned.agents,
                                     by_interval["required_after_repair"].to_numpy())
    table.insert(3, "required_before_repair", by_interval["required"].to_numpy())
    return table


def requirement_of(scenario_yaml: str, policy: str, method: str) -> np.ndarray | str:
    """Agents needed per interval under ``policy``'s front door (every skill group); a message if it cannot."""
    scenario = compute.scenario_from_yaml(scenario_yaml)
    try:
        return roster_table.requirement_per_interval(scenario, policy, method)
    except (PlanningError, StaffingError) as exc:
        return "; ".join(getattr(exc, "problems", None) or [str(exc)])


def policy_alone_yaml(scenario: Scenario, policy: str) -> str:
    """The scenario with ``policy`` as its only policy, as YAML: a cache key for what depends on that policy only."""
    return scenario_to_yaml(policy_edits.policy_alone(scenario, policy))


def without_policies(scenario: Scenario, ids) -> str:
    """The scenario without the policies ``ids`` (those added in the app), as YAML."""
    return scenario_to_yaml(policy_edits.without_policies(scenario, ids))


def planned_scenario_yaml(scenario: Scenario, planned: dict) -> str:
    """The scenario with the planned policy, as a file ``sim.load_scenario`` reads back."""
    with_plan = policy_edits.with_policies(scenario, [planned])
    return (f"# humanline scenario with the optimised roster as policy {PLAN_POLICY!r} (planned in the app).\n"
            f"# Run it with: python -m sim run FILE\n" + scenario_to_yaml(with_plan))
