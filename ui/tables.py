"""Presentation tables: the tidy results, selected and formatted for people.

Pure functions (DataFrames in, DataFrames or strings out); no Streamlit. The
numbers are the simulation's; this module only picks rows and writes them
as text with the scenario's currency.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from sim.arrivals import expected_per_interval
from sim.scenario import Scenario

# (metric, scope, label, kind): savings come from Results.compare (paired vs baseline),
# levels from Results.summary.
SAVINGS_ROWS: tuple[tuple[str, str, str], ...] = (
    ("wages_saved", "Wages saved", "money"),
    ("bot_cost_saved", "Bot cost saved", "money"),
    ("added_customer_loss", "Added customer losses", "money"),
    ("added_liability", "Added platform liability", "money"),
    ("added_churn", "Added churn cost", "money"),
    ("net_saving", "Net effect for society", "money"),
    ("net_saving_platform", "Net effect for the platform", "money"),
)
LEVEL_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("share_within_guarantee", "emergency", "Emergencies reaching a human within the guarantee", "share"),
    ("mean_time_to_human_s", "emergency", "Emergency mean time to a human", "seconds"),
    ("unreached", "emergency", "Emergency incidents never reaching a human", "count"),
    ("customer_loss", "all", "Customer losses", "money"),
    ("agent_cost", "all", "Agent cost", "money"),
    ("bot_cost", "all", "Bot cost", "money"),
    ("service_level", "all", "Service level (answered within target / offered)", "share"),
    ("abandonment", "all", "Abandonment (of offered)", "share"),
)


def _nan(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def fmt_money(x: float, currency: str = "", compact: bool = False) -> str:
    if _nan(x):
        return "n/a"
    sign = "-" if x < 0 else ""
    v = abs(x)
    if compact and v >= 1e6:
        text = f"{v / 1e6:,.2f}M"
    elif compact and v >= 1e4:
        text = f"{v / 1e3:,.1f}k"
    else:
        text = f"{v:,.0f}"
    return f"{sign}{currency + ' ' if currency else ''}{text}"


def fmt_value(x: float, kind: str, currency: str = "", compact: bool = False) -> str:
    if _nan(x):
        return "n/a"
    if kind == "money":
        return fmt_money(x, currency, compact)
    if kind == "share":
        return f"{100 * x:.1f}%"
    if kind == "seconds":
        return f"{x:,.0f} s" if abs(x) < 600 else f"{x / 60:,.1f} min"
    if kind == "count":
        return f"{x:,.1f}"
    return f"{x:,.3g}"


def fmt_ci(lo: float, hi: float, kind: str, currency: str = "", compact: bool = False) -> str:
    if _nan(lo) or _nan(hi):
        return "CI n/a"
    return f"{fmt_value(lo, kind, '', compact)} to {fmt_value(hi, kind, '', compact)}"


def _pick(frame: pd.DataFrame, policy: str, scope: str, metric: str) -> pd.Series | None:
    hit = frame[(frame.policy == policy) & (frame.contact_type == scope) & (frame.metric == metric)]
    return None if hit.empty else hit.iloc[0]


def headline(comparison) -> list[dict]:
    """Per policy: the figures the Compare page leads with, each as (mean, ci_low, ci_high)."""
    out = []
    for pid in comparison.policies:
        figures: dict[str, tuple[float, float, float]] = {}
        for metric in ("wages_saved", "bot_cost_saved", "added_customer_loss", "added_liability",
                       "net_saving", "net_saving_platform"):
            row = _pick(comparison.compare, pid, "all", metric)
            figures[metric] = (row["difference"], row["ci_low"], row["ci_high"]) if row is not None else (
                math.nan, math.nan, math.nan)
        w, b = figures["wages_saved"], figures["bot_cost_saved"]
        figures["costs_saved"] = (w[0] + b[0], math.nan, math.nan)
        costs = _pick(comparison.compare, pid, "all", "total_cost")
        if costs is not None:  # paired interval of the total cost difference, sign flipped
            figures["costs_saved"] = (-costs["difference"], -costs["ci_high"], -costs["ci_low"])
        row = _pick(comparison.summary, pid, "emergency", "share_within_guarantee")
        figures["share_within_guarantee"] = (
            (row["mean"], row["ci_low"], row["ci_high"]) if row is not None else (math.nan,) * 3
        )
        out.append({
            "policy": pid,
            "label": comparison.labels.get(pid, pid),
            "description": comparison.descriptions.get(pid, ""),
            "baseline": pid == comparison.baseline,
            "figures": figures,
        })
    return out


def comparison_table(comparison, compact: bool = False) -> pd.DataFrame:
    """Metrics as rows, policies as columns; each cell 'mean (95% CI low to high)'."""
    cur = comparison.currency
    rows = []
    for metric, label, kind in SAVINGS_ROWS:
        row = {"Figure": f"{label} ({cur})", "metric": metric}
        for pid in comparison.policies:
            if pid == comparison.baseline:
                row[comparison.labels[pid]] = "baseline"
                continue
            hit = _pick(comparison.compare, pid, "all", metric)
            row[comparison.labels[pid]] = _cell(hit, "difference", kind, compact) if hit is not None else "n/a"
        rows.append(row)
    for metric, scope, label, kind in LEVEL_ROWS:
        if scope == "emergency" and not comparison.emergency_types:
            continue
        unit = f" ({cur})" if kind == "money" else ""
        row = {"Figure": label + unit, "metric": metric}
        for pid in comparison.policies:
            hit = _pick(comparison.summary, pid, scope, metric)
            row[comparison.labels[pid]] = _cell(hit, "mean", kind, compact) if hit is not None else "n/a"
        rows.append(row)
    return pd.DataFrame(rows).set_index("Figure")


def _cell(row: pd.Series, column: str, kind: str, compact: bool) -> str:
    value = fmt_value(row[column], kind, "", compact)
    if _nan(row["ci_low"]):
        return value
    return f"{value} ({fmt_ci(row['ci_low'], row['ci_high'], kind, '', compact)})"


def unreached_table(comparison) -> pd.DataFrame:
    """Per policy: emergency incidents, how many never reached a human, and what they lost (per run)."""
    rows = []
    for pid in comparison.policies:
        def stat(metric: str) -> pd.Series:
            return _pick(comparison.summary, pid, "emergency", metric)

        never = stat("unreached")
        rows.append({
            "Policy": comparison.labels.get(pid, pid),
            "Emergency incidents": f"{stat('incidents')['mean']:,.1f}",
            "Never reached a human": f"{never['mean']:,.1f}" + (
                "" if _nan(never["ci_low"]) else f" ({max(never['ci_low'], 0):,.1f} to {never['ci_high']:,.1f})"),
            "Share never reached": fmt_value(stat("share_unreached")["mean"], "share"),
            "Attempts before giving up (mean)": fmt_value(stat("attempts_per_unreached")["mean"], "count"),
            f"Lost by those never reached ({comparison.currency})": fmt_money(stat("unreached_loss")["mean"]),
            f"All emergency losses ({comparison.currency})": fmt_money(stat("customer_loss")["mean"]),
        })
    return pd.DataFrame(rows).set_index("Policy")


# --------------------------------------------------------------- assumptions


def _fmt_param(value: Any) -> str:
    if isinstance(value, dict) and "dist" in value:
        args = ", ".join(f"{k}={_fmt_scalar(v)}" for k, v in value.items() if k != "dist")
        return f"{value['dist']}({args})"
    if isinstance(value, list):
        if not value:
            return "[]"
        text = ", ".join(_fmt_scalar(v) for v in value)
        return f"[{text}]" if len(text) <= 120 else f"{len(value)} values: [{text[:110]}, ...]"
    return _fmt_scalar(value)


def _fmt_scalar(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return str(v).lower() if isinstance(v, bool) else "none"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _flatten(obj: Any, path: str, out: list[tuple[str, Any]]) -> None:
    if isinstance(obj, dict) and "dist" not in obj:
        for key, value in obj.items():
            _flatten(value, f"{path}.{key}" if path else str(key), out)
    elif isinstance(obj, list) and obj and all(isinstance(x, dict) and "dist" not in x for x in obj):
        for i, value in enumerate(obj):
            _flatten(value, f"{path}[{i}]", out)
    else:
        out.append((path, obj))


_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def field_description(scenario: Scenario, path: str) -> str:
    """The pydantic description of the field at ``path`` ('' if none)."""
    obj: Any = scenario
    desc = ""
    for name, index in _PART.findall(path):
        if index:
            try:
                obj = obj[int(index)]
            except (IndexError, KeyError, TypeError):
                return ""
            continue
        fields = getattr(type(obj), "model_fields", None)
        if not fields or name not in fields:
            return ""
        desc = fields[name].description or ""
        obj = getattr(obj, name)
    return desc


def _source_patterns(sources: dict[str, str]) -> list[tuple[re.Pattern, int, str, str]]:
    out = []
    for key, note in sources.items():
        regex = re.escape(key).replace(r"\[\*\]", r"\[\d+\]")
        out.append((re.compile(rf"^{regex}(?:$|[.\[])"), len(key), key, note))
    return out


def source_note(path: str, patterns) -> str:
    """The note of the most specific ``sources`` key covering ``path`` ('' if none)."""
    best = None
    for regex, length, _key, note in patterns:
        if regex.match(path) and (best is None or length > best[0]):
            best = (length, note)
    return best[1] if best else ""


def parameter_rows(scenario: Scenario, base: Scenario | None = None) -> pd.DataFrame:
    """Every parameter of ``scenario`` with its meaning and source note.

    ``base``: the scenario as loaded; parameters the knobs changed are marked.
    """
    flat: list[tuple[str, Any]] = []
    _flatten(scenario.model_dump(mode="json", exclude={"sources"}), "", flat)
    before: dict[str, Any] = {}
    if base is not None:
        base_flat: list[tuple[str, Any]] = []
        _flatten(base.model_dump(mode="json", exclude={"sources"}), "", base_flat)
        before = dict(base_flat)
    patterns = _source_patterns(scenario.sources)
    rows = []
    for path, value in flat:
        rows.append({
            "parameter": path,
            "value": _fmt_param(value),
            "meaning": field_description(scenario, path),
            "source": source_note(path, patterns),
            "changed in the app": bool(base is not None and before.get(path, object()) != value),
        })
    return pd.DataFrame(rows)


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
