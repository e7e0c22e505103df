"""Terminal text of the studies: staffing requirements and break-even answers.

Presentation only: every figure comes from the study's result (a tidy frame
or its dataclass) and is written by ``sim.present.formatting``; the study's
own words and rules (its methods, the pooled label, the guarantee's measures,
the rough-interval threshold) are handed in by the caller, so this module
imports no study.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sim.model.scenario import Scenario
from sim.present.formatting import fmt_ci, fmt_estimate, fmt_money, fmt_signed, fmt_value, is_missing


def render_staffing(table: pd.DataFrame, scenario: Scenario, isa=None, *, method_words: Mapping[str, str],
                    pooled: str) -> str:
    """A terminal report: targets, one row per interval (methods side by side), and a summary.

    ``isa``: the iterative staffing algorithm's record (``sim.studies.staffing.IterativeStaffing``), if it ran;
    ``method_words``: method -> what it is (``sim.studies.staffing.METHODS``); ``pooled``: the contact-type label of
    the pooled rows (``sim.studies.staffing.POOLED``)."""
    policy = table.attrs.get("policy", scenario.baseline_policy.id)
    methods = list(dict.fromkeys(table["method"]))
    lines = [f"{scenario.name}: agents needed per interval under policy {policy!r}", ""]
    for method in methods:
        part = table[table.method == method]
        targets = part.drop_duplicates(["contact_type", "target_s", "service_level_target"])
        if method == "isa" and isa is not None and isa.criterion == "delay":
            what = f"P(delay) <= {1 - targets['service_level_target'].iloc[0]:.3g} in every interval"
        elif method == "isa":
            what = (
                f"the emergency guarantee, {100 * scenario.guarantee_share:g}% of emergency incidents reach a "
                f"human within {scenario.guarantee_s:g} s (only that: other contacts get what is left)"
            )
        elif "binding_type" in part and part["binding_type"].ne("").any():
            binding = part[part["binding_type"] != ""].drop_duplicates(["binding_type", "target_s",
                                                                         "service_level_target"])
            what = "each type its own, against the pool's wait (types that set the agents somewhere): " + "; ".join(
                f"{row.binding_type}: {100 * row.service_level_target:g}% within {row.target_s:g} s"
                for row in binding.itertuples()
            )
        else:
            what = "; ".join(
                f"{row.contact_type}: {100 * row.service_level_target:g}% within {row.target_s:g} s"
                for row in targets.itertuples()
            )
        lines.append(f"  {method:<16} {method_words[method]}; target {what}")
    lines.append(
        f"  {'rostered':<16} agents on duty per the roster (no absence, scheduled breaks out); "
        "gap = rostered - needed"
    )
    lines.append("")
    labels = list(dict.fromkeys(table["contact_type"]))
    for label in labels:
        part = table[table.contact_type == label]
        first = part["method"].iloc[0]
        wide = part[part.method == first][["interval", "weekday", "time", "calls_per_interval", "rostered"]].copy()
        for method in methods:
            rows = part[part.method == method].set_index("interval")
            if rows.empty:
                continue
            wide[method] = wide["interval"].map(rows["agents_needed"])
            wide[f"gap_{method}"] = wide["interval"].map(rows["gap"])
        if label != pooled:
            lines.append(f"contact type {label}:")
        elif len(labels) > 1:
            lines.append("all contact types, pooled:")
        shown = wide.drop(columns="interval").rename(columns={"weekday": "day"})
        calls = f"calls per {scenario.interval_min} min"
        shown = shown.rename(columns={"calls_per_interval": calls})
        shown[calls] = shown[calls].map(lambda v: fmt_value(v, "count"))
        shown["rostered"] = shown["rostered"].map(lambda v: fmt_value(v, "count"))
        for column in shown.columns:
            if column.startswith("gap_"):
                shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else fmt_signed(v, "count"))
        shown = shown.rename(columns={c: "gap" for c in shown.columns if c.startswith("gap_")})
        lines.append(shown.to_string(index=False))
        lines.append("")
    lines.append("summary:")
    hours = scenario.interval_s / 3600.0
    for (label, method), part in table.groupby(["contact_type", "method"], sort=False):
        short = part[part.gap < -1e-9]
        text = (
            f"  {label} / {method}: needs {fmt_value(part.agents_needed.sum() * hours, 'integer')} agent-hours, rostered "
            f"{fmt_value(part.rostered.sum() * hours, 'integer')}; short in {len(short)} of {len(part)} intervals"
        )
        if len(short):
            worst = short.loc[short.gap.idxmin()]
            text += f", worst {fmt_signed(worst.gap, 'count')} agents on {worst.weekday} (day {worst.day}) {worst.time}"
        lines.append(text)
    if isa is not None:
        state = "converged" if isa.converged else "stopped without a fixed point (see notes)"
        lines.append(
            f"  isa: {len(isa.iterations)} simulated iterations of {isa.replications} runs (seed {isa.seed}), "
            f"{state}; final failure allowance {isa.epsilon:.4g}"
        )
        if isa.criterion == "guarantee":
            lines.append(
                f"  isa: emergencies within {scenario.guarantee_s:g} s in the final simulation: "
                f"{fmt_value(isa.share_mean, 'share')} (95% CI {fmt_ci(isa.share_ci_low, isa.share_ci_high, 'share')}), "
                f"target {100 * scenario.guarantee_share:g}%"
            )
        lines.extend(f"  isa note: {note}" for note in isa.notes)
    return "\n".join(lines)


def render_breakeven(result, scenario: Scenario, *, varied: str, meaning: str = "") -> str:
    """Plain-text report of ``result`` (``sim.studies.breakeven.BreakEven``): the four answers with their
    intervals, then every member tested.

    ``varied``: what the search varies, in words (``breakeven.what``); ``meaning``: for a staffing search, what
    1.0 means in agents (``breakeven.share_meaning``)."""
    currency = scenario.economics.currency
    pct = int(round(100 * result.confidence))
    lines = [
        f"{scenario.name}: break-even of {result.template!r} ({varied}) against baseline "
        f"{result.baseline!r}; {result.replications} replications, seed {result.seed}, "
        f"resolution {result.resolution:g}",
        f"guarantee: {100 * result.guarantee_share:g}% of emergencies reach a human within "
        f"{result.guarantee_s:g} s; net saving in {currency} per {scenario.days} day(s) = wages and bot costs "
        "saved - added customer losses - added churn",
    ]
    if meaning:
        lines.append(meaning)
    lines.append("")
    for f in result.findings.values():
        lines.append(f"{f.criterion}: {f.message}")
        if f.value is None:
            if f.next_value is not None:
                lines.append(
                    "    "
                    + _point(f.next_value, f.next_headcount, f.metric, f.next_mean, f.next_ci_low, f.next_ci_high,
                             result, pct, currency)
                )
            continue
        lines.append(
            "    " + _point(f.value, f.headcount, f.metric, f.mean, f.ci_low, f.ci_high, result, pct, currency)
        )
        if f.next_value is not None:
            lines.append(
                "    first failing: "
                + _point(f.next_value, f.next_headcount, f.metric, f.next_mean, f.next_ci_low, f.next_ci_high,
                         result, pct, currency)
            )
    if result.violations:
        lines.append("")
        lines.append("runs contradicting the monotonicity assumptions:")
        lines.extend(f"  - {v}" for v in result.violations)
    lines.append("")
    lines.append("members tested (deepest last):")
    table = pd.DataFrame(
        {
            "value": result.members["value"].map(lambda v: f"{v:g}"),
            "agents": result.members["headcount"].map(lambda v: f"{v:g}"),
            "within guarantee": result.members["share_within_guarantee"].map(
                lambda v: fmt_value(v, "share")
            ),
            "holds (mean)": result.members["guarantee_holds_mean"].map(_yes),
            f"holds ({pct}%)": result.members["guarantee_holds_confident"].map(_yes),
            "net saving": [
                _money_ci(m, lo, hi)
                for m, lo, hi in zip(result.members["net_saving"], result.members["net_saving_ci_low"],
                                     result.members["net_saving_ci_high"])
            ],
            "found in": [
                stage if sim_as == v else f"{stage} (same scenario as {sim_as:g})"
                for stage, v, sim_as in zip(result.members["stage"], result.members["value"],
                                            result.members["simulated_as"])
            ],
        }
    )
    lines.append(table.to_string(index=False))
    return "\n".join(lines)


def _yes(flag) -> str:
    return "yes" if bool(flag) else "no"


def _money_ci(mean, low, high) -> str:
    return fmt_estimate(mean, low, high, "money")


def _point(value, headcount, metric, mean, low, high, result: BreakEven, pct: int, currency: str) -> str:
    where = f"{value:g}" + (f" ({headcount:g} agents)" if result.kind == "staffing" else "")
    if metric == "share_within_guarantee":
        return (
            f"at {where}: {fmt_value(mean, 'share')} within {result.guarantee_s:g} s "
            f"({_ci(pct, low, high, 'share')}; target {100 * result.guarantee_share:g}%)"
        )
    return f"at {where}: net saving {fmt_money(mean)} {currency} ({_ci(pct, low, high, 'money')})"


def _ci(pct: int, low, high, kind: str) -> str:
    """'95% CI low to high', or 'no interval' (fmt_ci's 'CI n/a' after '95% CI' read 'CI CI n/a')."""
    if is_missing(low) or is_missing(high):
        return "no interval"
    return f"{pct}% CI {fmt_ci(low, high, kind)}"


def roster_size_words(agent_hours_per_week: float, peak_agents: float) -> str:
    """A roster's size in the one unit every command and page uses (``planning.roster_size``)."""
    return (f"{fmt_value(agent_hours_per_week, 'integer')} agent-hours on duty a week, at most "
            f"{fmt_value(peak_agents, 'count')} agents on duty at once (scheduled, breaks out, before absence)")


def render_guarantee(study, *, measures: Mapping[str, tuple], planned_policy: str, rough_below: int) -> str:
    """What the guarantee costs and prevents (``sim.studies.guarantee``): the roster, then one block per policy.

    ``measures``: ``sim.studies.guarantee.MEASURES``; ``planned_policy``: the planned roster's policy id
    (``sim.studies.planning.PLAN_POLICY``); ``rough_below``: fewer replications than this make every interval
    rough (``sim.runs.stats.ROUGH_BELOW``)."""
    plan = study.plan
    sc = plan.scenario
    cur = sc.economics.currency
    pct = int(round(100 * study.confidence))
    res = study.results
    mine = study.policies[study.policies.planned].iloc[0]
    lines = [
        f"{sc.name}: what the emergency guarantee ({100 * sc.guarantee_share:g}% of emergencies reach a human "
        f"within {sc.guarantee_s:g} s) costs and what it prevents",
        f"The cheapest roster keeping it ('{planned_policy}'): requirement {study.requirement}.",
        f"  {roster_size_words(mine.agent_hours_per_week, mine.peak_agents_on_duty)}; wages "
        f"{fmt_money(mine.wages_per_week, cur)} a week (scheduled); {fmt_value(mine.within_guarantee, 'share')} of emergencies within "
        f"{sc.guarantee_s:g} s on the customers below; in its own checks, after {len(plan.rounds)} round(s), the "
        "guarantee "
        + ("holds with confidence." if plan.holds else "is NOT shown to hold: read what follows as a lower bound "
           "of its cost (raise --rounds)."),
        f"Every policy against it on the same customers: {res.n_replications} replications, seed {res.seed} (the "
        f"scenario's, as `compare` uses); amounts in {cur} per run ({sc.days} day(s)), mean ({pct}% CI), "
        "paired; net = harm prevented - extra cost.",
    ]
    for row in study.policies[~study.policies.planned].itertuples():
        part = study.table[study.table.policy == row.policy].set_index("measure")
        share = (f"{fmt_value(row.within_guarantee, 'share')} of emergencies within {sc.guarantee_s:g} s"
                 + ("" if is_missing(row.within_guarantee_ci_low) else
                    f" ({pct}% CI {fmt_ci(row.within_guarantee_ci_low, row.within_guarantee_ci_high, 'share')})"))
        keeps = "keeps the guarantee" if row.keeps_guarantee else "does not keep it with confidence"
        lines += ["", f"Against {row.label} ({row.policy}): {share}, {keeps}; "
                      f"{fmt_value(row.agent_hours_per_week, 'integer')} agent-hours a week, "
                      f"wages {fmt_money(row.wages_per_week, cur)} a week."]
        for measure, (_metric, _scope, _sign, kind, words) in measures.items():
            if measure not in part.index:
                continue
            m = part.loc[measure]
            lines.append(f"  {words:<36} {fmt_estimate(m['mean'], m['ci_low'], m['ci_high'], kind, cur)}")
    if res.n_replications < rough_below:
        lines.append(f"\nnote: {res.n_replications} replication(s): every interval above is rough; raise "
                     "--replications")
    return "\n".join(lines)
