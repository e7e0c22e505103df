"""Plain-text presentation of results for the terminal.

Presentation only: every number comes from ``Results.summary()`` or
``Results.compare()``; this module picks rows and formats them.
"""

from __future__ import annotations

import math

import pandas as pd

# (metric, heading, kind) for the per-policy table.
HEADLINE = (
    ("incidents", "incidents", "count"),
    ("offered", "offered", "count"),
    ("service_level", "SL", "pct"),
    ("abandonment", "abandoned", "pct"),
    ("asa_s", "ASA s", "num"),
    ("agent_cost", "agent cost", "money"),
    ("bot_cost", "bot cost", "money"),
    ("customer_loss", "customer loss", "money"),
)
EMERGENCY = (
    ("share_within_guarantee", "emerg. within guarantee", "pct"),
    ("mean_time_to_human_s", "emerg. mean to human s", "num"),
)


def fmt(value: float, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "money":
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def fmt_ci(mean: float, low: float, high: float, kind: str) -> str:
    if math.isnan(low) or math.isnan(high):
        return fmt(mean, kind)
    half = (high - low) / 2
    return f"{fmt(mean, kind)} ± {fmt(half, kind).rstrip('%')}{'%' if kind == 'pct' else ''}"


def summary_table(summary: pd.DataFrame, policies: list[str], has_emergency: bool) -> pd.DataFrame:
    """Policies as rows, headline metrics as 'mean ± half-width' columns (all contact types)."""
    columns = HEADLINE + (EMERGENCY if has_emergency else ())
    table = {}
    for policy in policies:
        row = {}
        for metric, heading, kind in columns:
            scope = "emergency" if (metric, heading, kind) in EMERGENCY else "all"
            hit = summary[(summary.policy == policy) & (summary.contact_type == scope) & (summary.metric == metric)]
            row[heading] = fmt_ci(*hit[["mean", "ci_low", "ci_high"]].iloc[0], kind) if len(hit) else "–"
        table[policy] = row
    frame = pd.DataFrame.from_dict(table, orient="index")
    frame.index.name = "policy"
    return frame


def render_summary(results, confidence: float = 0.95) -> str:
    has_emergency = any(c.emergency for c in results.scenario.contact_types)
    table = summary_table(results.summary(confidence), results.policies, has_emergency)
    head = (
        f"{results.scenario.name}: {results.n_replications} replications, seed {results.seed}, "
        f"{results.scenario.days} day(s); mean ± {int(confidence * 100)}% CI half-width, all contact types"
    )
    return head + "\n\n" + table.to_string()
