"""Presentation tables: the tidy results, selected and formatted for people.

Pure functions (DataFrames in, DataFrames or strings out); no Streamlit. The
numbers are the simulation's; this module only picks rows and writes them
as text with the scenario's currency.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.model.arrivals import expected_per_interval
from sim.model.measures import MEASURES
from sim.model.scenario import Scenario
from sim.present import tables as present_tables
from sim.present.formatting import fmt_ci, fmt_estimate, fmt_money, fmt_money_in, fmt_value, is_missing, money_unit  # noqa: F401  (the pages use them via tables)
from sim.present.tables import cell as _cell
from sim.present.tables import pick as _pick
from sim.present.terminal import NET_LABELS, NET_TERMS


def _nan(x: Any) -> bool:
    return is_missing(x)


def _estimate(row: pd.Series | None, column: str, sign: int = 1) -> dict:
    """{mean, ci_low, ci_high, rough} of a summary/compare row, multiplied by ``sign``."""
    if row is None:
        return {"mean": math.nan, "ci_low": math.nan, "ci_high": math.nan, "rough": False}
    lo, hi = sign * row["ci_low"], sign * row["ci_high"]
    return {"mean": sign * row[column], "ci_low": min(lo, hi), "ci_high": max(lo, hi),
            "rough": bool(row.get("rough", False))}


def headline(comparison, view: str = "net_saving") -> list[dict]:
    """Per policy: its net effect (``view``: net_saving or net_saving_platform) and every term of it.

    ``terms``: [{metric, label, sign, mean, ci_low, ci_high, rough}] with the
    sign applied (a cost is negative), so the terms' means sum to ``net``'s
    mean; each interval is the paired one of that term. ``share_within_guarantee``
    is the policy's own level, as is ``busy_tone`` (the share of all attempts that met a busy tone).
    """
    out = []
    for pid in comparison.policies:
        terms = []
        for metric, sign, label in NET_TERMS[view]:
            row = _pick(comparison.compare, pid, "all", metric)
            terms.append({"metric": metric, "label": label, "sign": sign, **_estimate(row, "difference", sign)})
        out.append({
            "policy": pid,
            "label": comparison.labels.get(pid, pid),
            "description": comparison.descriptions.get(pid, ""),
            "baseline": pid == comparison.baseline,
            "view": view,
            "net": {"metric": view, "label": NET_LABELS[view],
                    **_estimate(_pick(comparison.compare, pid, "all", view), "difference")},
            "terms": terms,
            "share_within_guarantee": _estimate(_pick(comparison.summary, pid, "emergency", "share_within_guarantee"),
                                                "mean"),
            "unreached": _estimate(_pick(comparison.summary, pid, "emergency", "unreached"), "mean"),
            # every caller's attempts met by a busy tone (all lines taken); 0 where the centre has no lines
            "busy_tone": _estimate(_pick(comparison.summary, pid, "all", "busy_tone_share"), "mean"),
        })
    return out


def net_terms_table(head: dict, currency: str) -> pd.DataFrame:
    """A policy's net effect as a small table: each term as it counts in the net (a cost is negative),
    then the net, with their 95% intervals. The terms' figures sum to the net's (up to rounding); each
    column is written in one unit (``money_unit``), so "-3,059" never stands beside "-11.4k"."""
    rows = [*head["terms"], head["net"]]
    unit = money_unit([r["mean"] for r in rows])
    ci_unit = money_unit([x for r in rows for x in (r["ci_low"], r["ci_high"])])

    def signed(x: float) -> str:
        text = fmt_money_in(x, unit)
        return text if text.startswith("-") or text == "0" else "+" + text

    def interval(r: dict) -> str:
        if is_missing(r["ci_low"]) or is_missing(r["ci_high"]):
            return "CI n/a"
        return (f"{fmt_money_in(r['ci_low'], ci_unit)} to {fmt_money_in(r['ci_high'], ci_unit)}"
                + (" rough" if r["rough"] else ""))

    return pd.DataFrame({
        "Term": [r["label"] for r in rows],
        f"{currency} per run": [signed(r["mean"]) for r in head["terms"]] + [fmt_money_in(head["net"]["mean"], unit)],
        "95% CI": [interval(r) for r in rows],
    }).set_index("Term")


def comparison_table(comparison, compact: bool = False) -> pd.DataFrame:
    """Metrics as rows, policies as columns; each cell 'mean (95% CI low to high)' (``sim.present.tables``)."""
    return present_tables.comparison_table(comparison.compare, comparison.summary, comparison.policies,
                                           comparison.labels, comparison.baseline, comparison.currency,
                                           bool(comparison.emergency_types), compact)


def never_reached(comparison) -> dict[str, float]:
    """Per policy: mean share of emergency incidents that never reached a human (the summary's)."""
    out = {}
    for pid in comparison.policies:
        row = _pick(comparison.summary, pid, "emergency", "share_unreached")
        if row is not None:
            out[pid] = float(row["mean"])
    return out


def unreached_table(comparison) -> pd.DataFrame:
    """Per policy: emergency incidents, how many never reached a human, and what they lost (per run)."""
    rows = []
    for pid in comparison.policies:
        def stat(metric: str) -> pd.Series:
            return _pick(comparison.summary, pid, "emergency", metric)

        def estimate(metric: str, kind: str) -> str:
            row = stat(metric)
            return _cell(row, "mean", kind, compact=False) if row is not None else "n/a"

        rows.append({
            "Policy": comparison.labels.get(pid, pid),
            "Emergency incidents": fmt_value(stat("incidents")["mean"], "count"),
            "Never reached a human": estimate("unreached", "count"),
            "Share never reached": estimate("share_unreached", "share"),
            "Attempts before giving up (mean)": fmt_value(stat("attempts_per_unreached")["mean"], "count"),
            f"Lost by those never reached ({comparison.currency})": fmt_money(stat("unreached_loss")["mean"]),
            f"All emergency losses ({comparison.currency})": fmt_money(stat("customer_loss")["mean"]),
        })
    return pd.DataFrame(rows).set_index("Policy")


def expected_demand(scenario: Scenario) -> pd.DataFrame:
    """Expected first attempts per interval and contact type, straight from the scenario (no simulation)."""
    frames = []
    for ct in scenario.contact_types:
        expected = expected_per_interval(scenario, ct)
        frames.append(pd.DataFrame({
            "contact_type": ct.id,
            "label": ct.label or ct.id,
            "emergency": ct.emergency,
            "interval_start_s": [i * scenario.interval_s for i in range(expected.size)],
            "expected": expected,
        }))
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------- frontier

FRONTIER_SHARE = ("share_within_guarantee", MEASURES["share_within_guarantee"].label)


def frontier_statement(front) -> str:
    """Where the guarantee stops being met, as the break-even search states it: with confidence and its runs."""
    f = front.search.findings["guarantee_confident"]
    pct = f"{100 * front.search.confidence:g}%"
    target = f"{100 * front.guarantee_share:g}% of emergencies reaching a human within {front.guarantee_s:g} s"
    runs = f"{front.replications_n} replications per share"

    def point(value, headcount, mean, lo, hi) -> str:
        return (f"**{100 * value:.0f}%** kept ({headcount:g} agents): {fmt_value(mean, 'share')} "
                f"({pct} CI {fmt_ci(lo, hi, 'share')})")

    if not front.has_emergency:
        return "This scenario has no emergency types, so there is no guarantee to check."
    if f.value is None and f.next_value is not None:
        return (f"The emergency guarantee ({target}) is **not met with {pct} confidence even with the whole roster "
                f"kept**: at " + point(f.next_value, f.next_headcount, f.next_mean, f.next_ci_low, f.next_ci_high)
                + f"; {runs}.")
    if f.value is not None and f.next_value is None:
        return (f"The emergency guarantee ({target}) is met with {pct} confidence at every share tested, down to "
                + point(f.value, f.headcount, f.mean, f.ci_low, f.ci_high) + f"; {runs}.")
    if f.value is None:
        return "Nothing was tested."
    return (f"The emergency guarantee ({target}) is met with {pct} confidence down to "
            + point(f.value, f.headcount, f.mean, f.ci_low, f.ci_high) + "; it is not at "
            + point(f.next_value, f.next_headcount, f.next_mean, f.next_ci_low, f.next_ci_high)
            + f". The break point lies between these two grid points ({runs}); `python -m sim breakeven` narrows it.")


def frontier_table(front) -> pd.DataFrame:
    """Share kept as rows; the terms of society's net effect as they count in it (a cost is negative), the net,
    and the guarantee, each 'mean (low to high)'. The terms' means add up to the net's (up to rounding), and
    each money column is written in one unit."""
    members = front.search.members.sort_values("value", ascending=False)
    money = [(metric, sign, label) for metric, sign, label in NET_TERMS["net_saving"]]
    money.append(("net_saving", 1, NET_LABELS["net_saving"]))
    table = pd.DataFrame({"Share kept": [f"{100 * v:.0f}%" for v in members["value"]],
                          "Agents": [f"{h:g}" for h in members["headcount"]]})
    for metric, sign, label in money:
        mean = sign * members[metric].to_numpy(dtype=float)
        lo, hi = sign * members[f"{metric}_ci_low"].to_numpy(dtype=float), sign * members[
            f"{metric}_ci_high"].to_numpy(dtype=float)
        unit = money_unit([*mean, *lo, *hi])
        table[f"{label} ({front.currency})"] = [
            fmt_money_in(m, unit) + ("" if is_missing(a) or is_missing(b)
                                     else f" ({fmt_money_in(min(a, b), unit)} to {fmt_money_in(max(a, b), unit)})")
            for m, a, b in zip(mean, lo, hi)]
    metric, label = FRONTIER_SHARE
    table[label] = [fmt_estimate(m[metric], m[f"{metric}_ci_low"], m[f"{metric}_ci_high"], "share")
                    for _, m in members.iterrows()]
    table["Guarantee met with confidence"] = ["yes" if ok else "no" for ok in members["guarantee_holds_confident"]]
    return table.set_index("Share kept")
