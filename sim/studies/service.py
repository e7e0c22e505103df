"""What non-emergency callers get under each policy, and whether their service collapses.

The emergency guarantee is the headline's first test, but a policy can keep it
by letting every other caller wait: a cut with callbacks may reach emergencies
in time while routine callers wait an hour and a third of them give up. So the
headline shows, beside the guarantee, each policy's service to the contact
types that are not emergencies — service level, abandonment and ASA, each the
mean over replications with its t interval — and flags a collapse by one rule,
stated here and nowhere else (``COLLAPSE_RULE``).

``non_emergency_service`` reads the per-replication table (``Results.per_replication``):
one row per policy and scope, a scope being each non-emergency contact type and,
where there are several, all of them pooled (their counts summed in each
replication before the rates are taken, as the 'all' rows of the results are).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sim.model import measures
from sim.runs.results import level_range
from sim.runs.stats import t_intervals

# The one collapse rule: on the mean over replications, in any non-emergency scope.
COLLAPSE_SERVICE_LEVEL_BELOW = 0.5  # fewer than half answered within their type's target
COLLAPSE_ABANDONMENT_ABOVE = 0.2  # more than one caller in five gives up
COLLAPSE_RULE = (f"a service collapse is flagged where, on the mean over replications, fewer than "
                 f"{100 * COLLAPSE_SERVICE_LEVEL_BELOW:g}% of a non-emergency type's callers are answered within its "
                 f"target time, or more than {100 * COLLAPSE_ABANDONMENT_ABOVE:g}% of them abandon")
POOLED = "non-emergency"  # the scope of every non-emergency type together
METRICS = ("service_level", "abandonment", "asa_s")
# what the rates are formed from, summed over the pooled types first (sim.model.measures)
_COUNTS = tuple(dict.fromkeys(name for m in METRICS for name in measures.MEASURES[m].rate))


def non_emergency_service(per_replication: pd.DataFrame, contact_types: Sequence, policies: Sequence[str],
                          confidence: float = 0.95) -> pd.DataFrame:
    """Per policy x non-emergency scope: service level, abandonment and ASA with their intervals, and the flag.

    ``contact_types``: the scenario's (``Scenario.contact_types``). Columns:
    policy, scope (a type id, or ``POOLED``), label, offered (mean per run),
    for each of ``METRICS`` its mean, ``_ci_low``, ``_ci_high``; n, rough;
    ``collapsed`` (the rule of ``COLLAPSE_RULE``) and ``why`` (the figures that
    broke it, in words; '' when none did). Empty when every type is an emergency.
    """
    routine = [(c.id, c.label or c.id) for c in contact_types if not c.emergency]
    if not routine:
        return pd.DataFrame(columns=["policy", "scope", "label", "offered", *[f"{m}{s}" for m in METRICS
                                     for s in ("", "_ci_low", "_ci_high")], "n", "rough", "collapsed", "why"])
    ids = [i for i, _ in routine]
    labels = dict(routine)
    rows = per_replication[per_replication["policy"].isin(policies) & per_replication["contact_type"].isin(ids)]
    frames = [rows.rename(columns={"contact_type": "scope"})[["policy", "replication", "scope", *_COUNTS]]]
    if len(ids) > 1:
        pooled = rows.groupby(["policy", "replication"], sort=False)[list(_COUNTS)].sum().reset_index()
        frames.append(pooled.assign(scope=POOLED))
        labels[POOLED] = "All non-emergency callers"
    table = measures.with_rates(pd.concat(frames, ignore_index=True), METRICS)
    offered = table.groupby(["policy", "scope"], sort=False)["offered"].mean()
    stats = t_intervals(table[["policy", "scope", *METRICS]], ["policy", "scope"], confidence,
                        feasible={m: level_range(m) for m in METRICS})
    wide = stats.pivot_table(index=["policy", "scope"], columns="metric", values=["mean", "ci_low", "ci_high"],
                             dropna=False, sort=False)
    out = []
    order = {p: i for i, p in enumerate(policies)}
    scopes = {s: i for i, s in enumerate([*ids, POOLED])}
    for (policy, scope), values in wide.iterrows():
        row = {"policy": policy, "scope": scope, "label": labels[scope], "offered": float(offered[(policy, scope)])}
        for m in METRICS:
            row[m] = values[("mean", m)]
            row[f"{m}_ci_low"] = values[("ci_low", m)]
            row[f"{m}_ci_high"] = values[("ci_high", m)]
        n = stats[(stats.policy == policy) & (stats.scope == scope) & (stats.metric == "service_level")]
        row["n"] = int(n["n"].iloc[0]) if len(n) else 0
        row["rough"] = bool(n["rough"].iloc[0]) if len(n) else True
        row["why"] = collapse_reason(row["service_level"], row["abandonment"])
        row["collapsed"] = bool(row["why"])
        out.append(row)
    frame = pd.DataFrame(out)
    frame = frame.assign(_p=frame["policy"].map(order), _s=frame["scope"].map(scopes))
    return frame.sort_values(["_p", "_s"]).drop(columns=["_p", "_s"]).reset_index(drop=True)


def collapse_reason(service_level: float, abandonment: float) -> str:
    """The figures that break ``COLLAPSE_RULE``, in words ('' when none does; a missing figure breaks nothing)."""
    parts = []
    if pd.notna(service_level) and service_level < COLLAPSE_SERVICE_LEVEL_BELOW:
        parts.append(f"service level below {100 * COLLAPSE_SERVICE_LEVEL_BELOW:g}%")
    if pd.notna(abandonment) and abandonment > COLLAPSE_ABANDONMENT_ABOVE:
        parts.append(f"abandonment above {100 * COLLAPSE_ABANDONMENT_ABOVE:g}%")
    return " and ".join(parts)


def collapsed_policies(service: pd.DataFrame) -> dict[str, list[str]]:
    """Per policy whose service collapsed somewhere: the labels of the scopes that did (types before the pool)."""
    hit = service[service["collapsed"]]
    return {p: list(part["label"]) for p, part in hit.groupby("policy", sort=False)}
