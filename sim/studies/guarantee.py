"""What the emergency guarantee costs and what it prevents, against every policy of the scenario.

The question a planner and an analyst both ask: "keeping the guarantee — how
much more in wages than today's roster (or a bot-first cut), and how much
customer money, liability and churn does it save?" Answered in two steps:

1. the cheapest roster keeping the guarantee (``sim.studies.planning``),
   planned by default for the emergency types' targets alone
   (``requirement_for: emergency``): a roster staffed for routine service
   levels too would charge the guarantee for them. The plan says which
   requirement it answers (``Requirement.describe``);
2. that roster as a policy (``planned``), simulated with every policy of the
   scenario on the same customers — the scenario's own seed and replications,
   so each policy's figures are those ``compare`` prints — and every policy
   compared against it (``Results.compare(baseline="planned")``). Against a
   policy P, the paired differences read: wages the guarantee costs
   (planned - P), bot cost, and customer losses, liability, churn and
   emergencies never reaching a human it prevents (P - planned), each with
   its paired 95% interval; the net for society and for the platform are
   prevented harm minus extra cost.

``table``: one row per policy x measure (mean, ci_low, ci_high, n), tidy; a
policy's own emergency share within the guarantee says whether P keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.model.scenario import Scenario
from sim.runs.results import Results
from sim.runs.settings import RunSettings
from sim.studies.planning import PLAN_POLICY, Plan, PlanResult, default_plan, plan_roster, roster_size
from sim.studies.roster_table import scheduled_on_duty, scheduled_wages

# measure -> (compare metric, scope, sign, kind, words). sign -1: the compare figure is P's saving against
# the planned roster, so the guarantee's effect is its negative.
MEASURES: dict[str, tuple[str, str, int, str, str]] = {
    "extra_wages": ("wages_saved", "all", 1, "money", "extra wages (negative: it pays less)"),
    "extra_bot_cost": ("bot_cost_saved", "all", 1, "money", "extra bot cost"),
    "losses_prevented": ("added_customer_loss", "all", 1, "money", "customer losses prevented"),
    "liability_prevented": ("added_liability", "all", 1, "money", "liability the platform is spared"),
    "churn_prevented": ("added_churn", "all", 1, "money", "churn prevented (negative: added)"),
    "unreached_prevented": ("unreached", "emergency", 1, "count", "emergencies brought to a human"),
    "net_for_society": ("net_saving", "all", -1, "money", "net for society"),
    "net_for_platform": ("net_saving_platform", "all", -1, "money", "net for the platform"),
}


@dataclass
class GuaranteeStudy:
    plan: PlanResult
    results: Results  # every policy and the planned roster, the scenario's seed and replications
    table: pd.DataFrame  # policy x measure: mean, ci_low, ci_high, n (see MEASURES)
    policies: pd.DataFrame  # per policy, the planned one included: wages, roster size, guarantee share, keeps it
    requirement: str  # which requirement the roster answers, in words
    confidence: float = 0.95


def guarantee_study(scenario: Scenario, plan: Plan | None = None, *,
                    settings: RunSettings | None = None) -> GuaranteeStudy:
    """Plan the cheapest roster keeping the guarantee and set it against every policy (module docstring).

    ``plan``: shift templates and settings; without it the default templates with ``requirement_for:
    emergency``. ``settings``: replications and seed of the comparison (default the scenario's; the
    plan's checks have their own, ``plan.repair``), workers, the intervals' confidence, and progress in
    two stages, "planning the roster" and "comparing the policies".
    """
    settings = settings or RunSettings()
    plan = plan or default_plan(scenario).model_copy(update={"requirement_for": "emergency"})
    planning = RunSettings(workers=settings.workers, progress=settings.progress).in_stage("planning the roster")
    result = plan_roster(scenario, plan, planning)
    results, table, policies = guarantee_comparison(result.scenario,
                                                    settings=settings.in_stage("comparing the policies"))
    return GuaranteeStudy(plan=result, results=results, table=table, policies=policies,
                          requirement=result.requirement.describe(scenario), confidence=settings.confidence)


def guarantee_comparison(planned: Scenario, *, settings: RunSettings | None = None
                         ) -> tuple[Results, pd.DataFrame, pd.DataFrame]:
    """Step 2 of the module docstring for a roster already planned: ``planned`` holds it as policy
    ``PLAN_POLICY`` beside the scenario's own policies. Returns the run, ``GuaranteeStudy.table`` and
    ``GuaranteeStudy.policies``. The app's *Plan a roster* page calls it on the roster it planned.
    ``settings``: replications and seed (default the planned scenario's), workers, confidence, progress."""
    from sim.runs.runner import run

    settings = settings or RunSettings()
    results = run(planned, settings=settings, keep_incidents="emergency")
    compare = results.compare(baseline=PLAN_POLICY, confidence=settings.confidence)
    rows = []
    for policy in results.policies:
        if policy == PLAN_POLICY:
            continue
        for measure, (metric, scope, sign, _kind, _words) in MEASURES.items():
            hit = compare[(compare.policy == policy) & (compare.contact_type == scope) & (compare.metric == metric)]
            if hit.empty:
                continue
            r = hit.iloc[0]
            low, high = (r["ci_low"], r["ci_high"]) if sign > 0 else (-r["ci_high"], -r["ci_low"])
            rows.append({"policy": policy, "measure": measure, "mean": sign * r["difference"], "ci_low": low,
                         "ci_high": high, "n": int(r["n"])})
    return results, pd.DataFrame(rows), _policies(planned, results, settings.confidence)


def _policies(planned: Scenario, results: Results, confidence: float) -> pd.DataFrame:
    summary = results.summary(confidence)
    rows = []
    for p in planned.effective_policies:
        if p.id not in results.policies:
            continue
        agents = planned.for_policy(p.id).agents
        hours, peak = roster_size(planned, scheduled_on_duty(planned, agents))
        share = summary[(summary.policy == p.id) & (summary.contact_type == "emergency")
                        & (summary.metric == "share_within_guarantee")]
        mean, low, high = (share.iloc[0][["mean", "ci_low", "ci_high"]] if len(share) else (float("nan"),) * 3)
        rows.append({"policy": p.id, "label": p.label or p.id, "planned": p.id == PLAN_POLICY,
                     "wages_per_week": scheduled_wages(planned, agents) * 7.0 / planned.days,
                     "agent_hours_per_week": hours, "peak_agents_on_duty": peak,
                     "within_guarantee": mean, "within_guarantee_ci_low": low, "within_guarantee_ci_high": high,
                     "keeps_guarantee": bool(low >= planned.guarantee_share) if pd.notna(low) else False})
    return pd.DataFrame(rows)
