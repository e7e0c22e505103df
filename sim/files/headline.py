"""The headline table of an export: one row per policy, the figures a reader quotes, rounded to what they can carry.

``summary.csv`` and ``compare.csv`` are long and tidy (policy x contact type
x metric), which suits a program and not a person opening the folder in a
spreadsheet. ``headline_table`` lays the same figures out wide — one row per
policy — with every column named for its unit: money in whole currency
units, shares as percentages (``_pct``), differences of shares in percentage
points (``_pp``), times in seconds (``_s``). Per non-emergency contact type
it carries the service those callers get (``service_level_pct[routine]``),
so a policy that keeps the emergency guarantee while routine service
collapses cannot hide behind its net effect. Every number is a figure of
``Results.summary()`` or ``Results.compare()``, only rounded.
"""

from __future__ import annotations

import pandas as pd

# money in whole currency units; a percentage or percentage point to 0.1; seconds to 0.1 s; counts to 0.1
_DECIMALS = {"money": 0, "pct": 1, "pp": 1, "s": 1, "count": 1}
SAVINGS = ("net_saving", "net_saving_platform", "wages_saved", "bot_cost_saved", "added_customer_loss",
           "added_liability", "added_churn")
LEVELS = ("agent_cost", "bot_cost", "agent_and_bot_cost", "customer_loss", "platform_liability", "churn_cost")
PER_TYPE = (("service_level", "service_level_pct", "pct"), ("abandonment", "abandonment_pct", "pct"),
            ("asa_s", "asa_s", "s"))


def headline_table(results, confidence: float = 0.95) -> pd.DataFrame:
    """One row per policy: net effects and their terms with intervals, costs, the guarantee, routine service.

    ``results``: a sim.runs.results.Results, not imported, as in sim.files.export: ``Results.save`` calls
    this layer, so the import goes that way only.
    """
    sc = results.scenario
    summary = results.summary(confidence)
    several = len(results.policies) > 1
    compare = results.compare(confidence=confidence) if several else None
    baseline = results.default_baseline()
    labels = {p.id: p.label or p.id for p in sc.effective_policies}
    emergency = any(c.emergency for c in sc.contact_types)
    routine = [c.id for c in sc.contact_types if not c.emergency]
    rows = []
    for policy in results.policies:
        row: dict = {"policy": policy, "label": labels.get(policy, policy), "is_baseline": policy == baseline,
                     "replications": results.n_replications, "seed": results.seed}
        if compare is not None:
            for metric in SAVINGS:
                hit = _pick(compare, policy, "all", metric)
                _with_interval(row, metric, hit, "difference", "money", policy == baseline)
        for metric in LEVELS:
            hit = _pick(summary, policy, "all", metric)
            row[metric] = _round(hit["mean"] if hit is not None else None, "money")
        if emergency:
            hit = _pick(summary, policy, "emergency", "share_within_guarantee")
            _with_interval(row, "emergency_within_guarantee_pct", hit, "mean", "pct")
            if compare is not None:
                hit = _pick(compare, policy, "emergency", "share_within_guarantee")
                _with_interval(row, "emergency_within_guarantee_difference_pp", hit, "difference", "pp",
                               policy == baseline)
            hit = _pick(summary, policy, "emergency", "unreached")
            row["emergency_unreached"] = _round(hit["mean"] if hit is not None else None, "count")
        for type_id in routine:
            for metric, column, unit in PER_TYPE:
                hit = _pick(summary, policy, type_id, metric)
                row[f"{column}[{type_id}]"] = _round(hit["mean"] if hit is not None else None, unit)
        rows.append(row)
    return pd.DataFrame(rows)


def _pick(frame: pd.DataFrame, policy: str, scope: str, metric: str) -> pd.Series | None:
    hit = frame[(frame.policy == policy) & (frame.contact_type == scope) & (frame.metric == metric)]
    return None if hit.empty else hit.iloc[0]


def _with_interval(row: dict, name: str, hit: pd.Series | None, column: str, unit: str,
                   baseline: bool = False) -> None:
    """``name``, ``name_ci_low`` and ``name_ci_high``; empty for the baseline against itself."""
    if baseline or hit is None:
        row[name] = row[f"{name}_ci_low"] = row[f"{name}_ci_high"] = None
        return
    row[name] = _round(hit[column], unit)
    row[f"{name}_ci_low"] = _round(hit["ci_low"], unit)
    row[f"{name}_ci_high"] = _round(hit["ci_high"], unit)


def _round(value, unit: str):
    if value is None or pd.isna(value):
        return None
    value = float(value)
    if unit in ("pct", "pp"):
        value *= 100.0
    return round(value, _DECIMALS[unit]) + 0.0  # + 0.0: no "-0.0" in the file
