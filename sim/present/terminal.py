"""Plain-text presentation of results for the terminal.

Presentation only: every number comes from ``Results.summary()`` or
``Results.compare()``; this module picks rows and formats them.
"""

from __future__ import annotations

import math

import pandas as pd

from sim.model.measures import MEASURES
from sim.present.formatting import fmt_ci, fmt_difference, fmt_money, fmt_pm, fmt_value, is_missing

# What each net effect is made of, as the registry defines it (sim.model.measures): (term, sign, label). The
# terms with their signs sum to the net exactly, replication by replication, so they sum on the mean too. The
# app's cards and charts and the terminal report show these and no other breakdown.
NET_VIEWS = ("net_saving", "net_saving_platform")
NET_TERMS: dict[str, tuple[tuple[str, int, str], ...]] = {
    view: tuple((term, sign, MEASURES[term].label) for term, sign in MEASURES[view].terms) for view in NET_VIEWS
}
NET_LABELS = {view: MEASURES[view].label for view in NET_VIEWS}

# (metric, scope) of the per-policy table; headings and kinds from the registry.
HEADLINE = tuple((metric, "all") for metric in (
    "incidents", "offered", "service_level", "abandonment", "asa_s", "agent_cost", "bot_cost", "customer_loss"))
EMERGENCY = (("share_within_guarantee", "emergency"), ("mean_time_to_human_s", "emergency"))


def heading(metric: str, scope: str = "all") -> str:
    """A narrow column's heading: the measure's short name, marked when read on the emergency types."""
    return ("emerg. " if scope == "emergency" else "") + MEASURES[metric].heading


def _kind(metric: str) -> str:
    # a mean of counts is written whole in the terminal's narrow columns
    kind = MEASURES[metric].kind
    return "integer" if kind == "count" else kind


def summary_table(summary: pd.DataFrame, policies: list[str], has_emergency: bool) -> pd.DataFrame:
    """Policies as rows, headline metrics as 'mean ± half-width' columns (all contact types)."""
    columns = HEADLINE + (EMERGENCY if has_emergency else ())
    table = {}
    for policy in policies:
        row = {}
        for metric, scope in columns:
            hit = summary[(summary.policy == policy) & (summary.contact_type == scope) & (summary.metric == metric)]
            text = fmt_pm(*hit[["mean", "ci_low", "ci_high"]].iloc[0], _kind(metric)) if len(hit) else "–"
            row[heading(metric, scope)] = text
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


def period_phrase(days: int) -> str:
    if days == 7:
        return "per week"
    if days == 1:
        return "per day"
    return f"per {days} days"


def _money(value: float) -> str:
    return fmt_money(value)


def _change(amount: float, saving: str, cost: str, what: str) -> str:
    """'saves 1,200 in wages' / 'costs 1,200 in wages' / 'no change in wages' from a signed saving."""
    if fmt_money(amount) == "0":  # rounds to nothing: neither a saving nor a cost
        return f"no change {what}"
    return f"{saving} {_money(amount)} {what}" if amount > 0 else f"{cost} {_money(-amount)} {what}"


def comparison_sentence(compare: pd.DataFrame, policy: str, days: int, guarantee_s: float,
                        has_emergency: bool, confidence: float = 0.95) -> str:
    """One plain-language line for a policy against the baseline, from ``Results.compare()`` rows."""
    rows = compare[(compare.policy == policy) & (compare.contact_type == "all")].set_index("metric")
    d = rows["difference"]
    parts = [
        _change(d["wages_saved"], "saves", "costs", "in wages"),
    ]
    if abs(d["bot_cost_saved"]) >= 0.5:
        parts.append(_change(d["bot_cost_saved"], "saves", "spends", "on bots" if d["bot_cost_saved"] < 0
                             else "in bot costs"))
    harm = [
        _change(-d["added_customer_loss"], "spares customers", "adds", "in customer losses"),
    ]
    if abs(d["added_churn"]) >= 0.5:
        harm.append(_change(-d["added_churn"], "avoids", "adds", "in churn"))
    net = rows.loc["net_saving"]
    ci = (
        f" ({int(confidence * 100)}% CI {_money(net['ci_low'])} to {_money(net['ci_high'])})"
        if not (math.isnan(net["ci_low"]) or math.isnan(net["ci_high"]))
        else ""
    )
    line = f"{', '.join(parts)}; {', '.join(harm)}: net {_money(net['difference'])}{ci} {period_phrase(days)}"
    if has_emergency:
        em = compare[(compare.policy == policy) & (compare.contact_type == "emergency")].set_index("metric")
        if "share_within_guarantee" in em.index:
            g = em.loc["share_within_guarantee"]
            ci = ("" if is_missing(g["ci_low"]) or is_missing(g["ci_high"])
                  else f", {int(confidence * 100)}% CI {fmt_ci(g['ci_low'], g['ci_high'], 'pp')}")
            line += (
                f"; emergencies reaching a human within {guarantee_s:g} s: "
                f"{fmt_value(g['baseline'], 'share')} -> {fmt_value(g['value'], 'share')} "
                f"({fmt_difference(g['difference'], 'share')}{ci})"
            )
    return line + "."


def render_comparison(comparison) -> str:
    """Each policy against the baseline, in words and a table, then what non-emergency callers get;
    ``comparison``: ``sim.studies.comparison.ComparisonTables``."""
    compare, baseline, confidence = comparison.compare, comparison.baseline, comparison.confidence
    sc = comparison.scenario
    has_emergency = any(c.emergency for c in sc.contact_types)
    currency = sc.economics.currency
    lines = [
        f"{sc.name}: each policy against {baseline!r} on the same customers, "
        f"{comparison.n_replications} replications, seed {comparison.seed}, amounts in {currency} "
        f"(net = wages and bot costs saved - added customer losses - added churn)",
        "",
    ]
    labels = {p.id: p.label for p in sc.effective_policies}
    for policy in comparison.policies:
        if policy == baseline:
            continue
        title = f"{policy}" + (f" ({labels[policy]})" if labels.get(policy) else "")
        lines.append(f"{title}: " + comparison_sentence(compare, policy, sc.days, sc.guarantee_s, has_emergency, confidence))
    table = _comparison_table(compare, baseline, comparison.policies, has_emergency)
    return "\n".join(lines) + "\n\n" + table.to_string() + render_service(comparison, labels)


def render_service(comparison, labels: dict[str, str]) -> str:
    """The non-emergency callers' table (``comparison.service``, from ``sim.studies.service``), with the collapse
    rule and the policies it flags."""
    from sim.present.tables import service_table

    service = comparison.service
    if service.empty:
        return ""
    table = service_table(service, {p: p for p in comparison.policies}, comparison.baseline)
    lines = ["", "", "What non-emergency callers get (mean and 95% CI, as the app's headline shows it):",
             table.to_string(), "",
             f"Rule: {comparison.collapse_rule}."]
    for policy, scopes in comparison.collapsed.items():
        title = policy + (f" ({labels[policy]})" if labels.get(policy) else "")
        lines.append(f"SERVICE COLLAPSE under {title}: {', '.join(scopes)}.")
    return "\n".join(lines)


# (metric, scope) of the comparison table: the savings against the baseline.
COMPARISON_COLUMNS = tuple((metric, "all") for metric in (
    "wages_saved", "bot_cost_saved", "added_customer_loss", "added_liability", "added_churn", "net_saving"))


def _comparison_table(compare: pd.DataFrame, baseline: str, policies: list[str], has_emergency: bool) -> pd.DataFrame:
    table = {}
    for policy in policies:
        if policy == baseline:
            continue
        row = {}
        for metric, scope in COMPARISON_COLUMNS:
            hit = compare[(compare.policy == policy) & (compare.contact_type == scope) & (compare.metric == metric)]
            text = fmt_pm(*hit[["difference", "ci_low", "ci_high"]].iloc[0], _kind(metric)) if len(hit) else "–"
            row[heading(metric, scope)] = text
        if has_emergency:
            metric, scope = EMERGENCY[0]
            hit = compare[(compare.policy == policy) & (compare.contact_type == scope) & (compare.metric == metric)]
            row[heading(metric, scope)] = fmt_value(hit["value"].iloc[0], MEASURES[metric].kind) if len(hit) else "–"
        table[policy] = row
    frame = pd.DataFrame.from_dict(table, orient="index")
    frame.index.name = "policy"
    return frame
