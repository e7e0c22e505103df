"""Policy families: one policy at many strengths, run together on common random numbers.

"How far can you cut?" is a question about a family of policies — the same
template with fewer and fewer agents, or a bot that deflects more and more —
not about one policy. ``family`` builds the members; ``sweep`` runs them all in
one experiment together with the baseline, so every member meets the same
customers and the differences between neighbours are not noise; it returns a
tidy table with one row per member and metric, paired against the baseline.

The frontier chart of the app and the break-even search both stand on this.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd

from sim.model.scenario import Policy, Scenario
from sim.runs.results import SAVINGS
from sim.runs.runner import run
from sim.runs.settings import RunSettings
from sim.studies.choices import KINDS

Kind = Literal["staffing", "bot_resolve"]

# A coarse staffing grid (no bisection) for a frontier that is ready seconds after a comparison: the app's
# Cost of cutting page and the evidence report.
COARSE_STAFFING: tuple[float, ...] = (1.0, 0.8, 0.6, 0.4, 0.2, 0.0)

# Metrics a sweep reports, with the contact-type scope they are read at.
SWEEP_METRICS: tuple[tuple[str, str], ...] = (
    ("wages_saved", "all"),
    ("bot_cost_saved", "all"),
    ("added_customer_loss", "all"),
    ("added_liability", "all"),
    ("added_churn", "all"),
    ("net_saving", "all"),
    ("net_saving_platform", "all"),
    ("agent_cost", "all"),
    ("service_level", "all"),
    ("abandonment", "all"),
    ("share_within_guarantee", "emergency"),
    ("mean_time_to_human_s", "emergency"),
    ("unreached", "emergency"),
)


def member_id(kind: Kind, value: float) -> str:
    return f"{kind}-{value:g}"


def family(scenario: Scenario, template: str, kind: Kind, values: Sequence[float]) -> list[Policy]:
    """Members of a family: ``template`` with its staffing scale or bot deflection scale set to each value."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    base = scenario.policy(template)
    members = []
    for value in values:
        if value < 0:
            raise ValueError(f"{kind} values must be >= 0, got {value}")
        field = "staffing_scale" if kind == "staffing" else "bot_resolve_scale"
        update = {
            "id": member_id(kind, value),
            "label": f"{base.label or base.id}: {KINDS[kind].split(' (')[0]} {value:g}",
            "baseline": False,
            field: value,
        }
        members.append(Policy.model_validate({**base.model_dump(), **update}))
    return members


def sweep(
    scenario: Scenario,
    kind: Kind,
    values: Sequence[float],
    template: str | None = None,
    settings: RunSettings | None = None,
) -> pd.DataFrame:
    """Run the baseline and every family member as ``settings`` say; one row per member x metric.

    Intervals are at ``settings.confidence``.

    Columns: value, policy, metric, scope, mean, ci_low, ci_high, n, and
    (savings: paired against the baseline; levels: the member's own interval)
    ``guarantee_holds`` (the member's emergency share within the guarantee is
    at least ``scenario.guarantee_share``: ``mean`` judged on the mean,
    ``confident`` on the lower confidence bound).
    """
    baseline = scenario.baseline_policy
    template = template or baseline.id
    members = family(scenario, template, kind, values)
    extended = scenario.model_copy(update={"policies": [baseline, *members]})
    results = run(
        extended,
        policies=[baseline.id, *(m.id for m in members)],
        settings=settings,
        keep_incidents="none",
    )
    confidence = (settings or RunSettings()).confidence
    # Savings are differences against the baseline: their intervals are the
    # paired ones. Levels (a member's service level, its share within the
    # guarantee) are claims about the member alone: their own t intervals.
    paired = results.compare(baseline=baseline.id, confidence=confidence)
    levels = results.summary(confidence)
    value_of = {m.id: v for m, v in zip(members, values)}
    rows = []
    for metric, scope in SWEEP_METRICS:
        source = paired if metric in SAVINGS else levels
        column = "difference" if metric in SAVINGS else "mean"
        hit = source[(source.metric == metric) & (source.contact_type == scope) & source.policy.isin(value_of)]
        for _, row in hit.iterrows():
            rows.append(
                {
                    "value": value_of[row["policy"]],
                    "policy": row["policy"],
                    "metric": metric,
                    "scope": scope,
                    "mean": row[column],
                    "ci_low": row["ci_low"],
                    "ci_high": row["ci_high"],
                    "n": row["n"],
                }
            )
    table = pd.DataFrame(rows)
    guarantee = _guarantee(levels, value_of, scenario.guarantee_share)
    return table.merge(guarantee, on="value", how="left").sort_values(["metric", "value"], ignore_index=True)


def _guarantee(summary: pd.DataFrame, value_of: dict[str, float], share: float) -> pd.DataFrame:
    hit = summary[(summary.metric == "share_within_guarantee") & (summary.contact_type == "emergency")]
    rows = []
    for _, row in hit[hit.policy.isin(value_of)].iterrows():
        rows.append(
            {
                "value": value_of[row["policy"]],
                "guarantee_holds_mean": bool(row["mean"] >= share),
                "guarantee_holds_confident": bool(row["ci_low"] >= share),
            }
        )
    return pd.DataFrame(rows, columns=["value", "guarantee_holds_mean", "guarantee_holds_confident"])
