"""Tables for people from the tidy results and the scenario: shared by the app and the evidence report.

Pure functions (DataFrames in, DataFrames out). The figures are the run
layer's (``Results.compare()``, ``Results.summary()``, the same frames the CSV
exports hold) and the scenario's own parameters; this module only picks rows
and writes them with ``sim.present.formatting``.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from pydantic import BaseModel

from sim.model import knobs
from sim.model.loss_catalogue import CATALOGUE
from sim.model.measures import MEASURES
from sim.model.scenario import Scenario
from sim.present.formatting import fmt_estimate, fmt_parameter, fmt_seconds_in, fmt_value, is_missing, seconds_unit

# The comparison table's rows: savings from Results.compare (paired vs baseline), then (metric, scope) levels
# from Results.summary; labels and kinds from the registry (sim.model.measures).
SAVINGS_ROWS: tuple[str, ...] = ("wages_saved", "bot_cost_saved", "added_customer_loss", "added_liability",
                                 "added_churn", "net_saving", "net_saving_platform")
LEVEL_ROWS: tuple[tuple[str, str], ...] = (
    ("share_within_guarantee", "emergency"),
    ("mean_time_to_human_s", "emergency"),
    ("unreached", "emergency"),
    ("customer_loss", "all"),
    ("agent_cost", "all"),
    ("bot_cost", "all"),
    ("service_level", "all"),
    ("abandonment", "all"),
    ("busy_tone_share", "all"),
    ("callback_take_up", "all"),
    ("callback_reach", "all"),
    ("callback_unanswered", "all"),
)


def row_label(metric: str, scope: str = "all", currency: str = "") -> str:
    """A table row's name for a measure: its label, said of the emergencies where read on them, with the currency
    of money ('Emergency mean time to a human', 'Agent cost (USD)')."""
    m = MEASURES[metric]
    text = m.label
    if scope == "emergency" and not m.emergency_only:
        text = f"Emergency {text[:1].lower()}{text[1:]}"
    return f"{text} ({currency})" if m.unit == "money" and currency else text


def pick(frame: pd.DataFrame, policy: str, scope: str, metric: str) -> pd.Series | None:
    """The row of a long summary/compare frame for policy x scope x metric, or None."""
    hit = frame[(frame.policy == policy) & (frame.contact_type == scope) & (frame.metric == metric)]
    return None if hit.empty else hit.iloc[0]


def comparison_table(compare: pd.DataFrame, summary: pd.DataFrame, policies: list[str], labels: dict[str, str],
                     baseline: str, currency: str, has_emergency: bool, compact: bool = False) -> pd.DataFrame:
    """Metrics as rows, policies as columns; each cell 'mean (95% CI low to high)'.

    Savings rows from ``Results.compare()`` (paired against ``baseline``), levels from ``Results.summary()``;
    the ``metric`` column keeps each row's metric name.
    """
    rows = []
    for metric in SAVINGS_ROWS:
        kind = MEASURES[metric].kind
        row = {"Figure": row_label(metric, "all", currency), "metric": metric}
        for pid in policies:
            if pid == baseline:
                row[labels.get(pid, pid)] = "baseline"
                continue
            hit = pick(compare, pid, "all", metric)
            row[labels.get(pid, pid)] = cell(hit, "difference", kind, compact) if hit is not None else "n/a"
        rows.append(row)
    callbacks = any_policy_has(summary, "callback_offered")
    busy_tones = any_policy_has(summary, "busy_tone")
    for metric, scope in LEVEL_ROWS:
        if scope == "emergency" and not has_emergency:
            continue
        if metric.startswith("callback_") and not callbacks:
            continue  # rows of a feature no policy uses would only read "n/a"
        if metric == "busy_tone_share" and not busy_tones:
            continue  # no policy's lines ever ran out (or none has lines): the tables stay as without lines
        kind = MEASURES[metric].kind
        row = {"Figure": row_label(metric, scope, currency), "metric": metric}
        for pid in policies:
            hit = pick(summary, pid, scope, metric)
            row[labels.get(pid, pid)] = cell(hit, "mean", kind, compact) if hit is not None else "n/a"
        rows.append(row)
    return pd.DataFrame(rows).set_index("Figure")


SERVICE_COLUMNS: tuple[str, ...] = ("service_level", "abandonment", "asa_s")


def service_table(service: pd.DataFrame, labels: dict[str, str], baseline: str | None = None) -> pd.DataFrame:
    """What non-emergency callers get, one row per policy and scope (``sim.studies.service.non_emergency_service``).

    Each figure 'mean (95% CI low to high)'; 'Service collapse' names the rule's
    breach ('' where none). The baseline's name is marked '(baseline)'.
    """
    rows = []
    # one unit for the whole ASA column: "118.8 min (0 s to 465.3 min)" and "7.0 s" side by side mislead
    unit = seconds_unit(service[["asa_s", "asa_s_ci_low", "asa_s_ci_high"]].to_numpy().ravel())
    for _, r in service.iterrows():
        name = labels.get(r["policy"], r["policy"]) + (" (baseline)" if r["policy"] == baseline else "")
        row = {"Policy": name, "Callers": r["label"], "Offered per run": fmt_value(r["offered"], "integer")}
        for metric in SERVICE_COLUMNS:
            kind, label = MEASURES[metric].kind, MEASURES[metric].title
            lo, hi = r[f"{metric}_ci_low"], r[f"{metric}_ci_high"]
            if kind == "seconds":
                text = fmt_seconds_in(r[metric], unit) + ("" if is_missing(lo) or is_missing(hi) else
                                                          f" ({fmt_seconds_in(lo, unit)} to {fmt_seconds_in(hi, unit)})")
            else:
                text = fmt_estimate(r[metric], lo, hi, kind)
            row[f"{label} (95% CI)"] = text + (" rough" if r["rough"] and not is_missing(lo) else "")
        row["Service collapse"] = "COLLAPSE: " + r["why"] if r["collapsed"] else ""
        rows.append(row)
    return pd.DataFrame(rows).set_index("Policy")


def guarantee_table(table: pd.DataFrame, policies: pd.DataFrame, currency: str, measures: dict[str, tuple],
                    confidence: float = 0.95) -> pd.DataFrame:
    """What the guarantee roster costs and prevents against each policy (``sim.studies.guarantee``): one row per
    policy, that policy's own guarantee share, then each measure of ``measures`` (the study's ``MEASURES``)
    'mean (95% CI low to high)'."""
    pct = int(round(100 * confidence))
    rows = []
    for p in policies[~policies["planned"]].itertuples():
        part = table[table["policy"] == p.policy].set_index("measure")
        share = fmt_estimate(p.within_guarantee, p.within_guarantee_ci_low, p.within_guarantee_ci_high, "share")
        row = {"Against": p.label, f"its emergencies within the guarantee ({pct}% CI)":
               share + ("" if p.keeps_guarantee else ", not kept")}
        for measure, (_metric, _scope, _sign, kind, words) in measures.items():
            if measure in part.index:
                m = part.loc[measure]
                row[words] = fmt_estimate(m["mean"], m["ci_low"], m["ci_high"], kind, currency)
        rows.append(row)
    return pd.DataFrame(rows).set_index("Against") if rows else pd.DataFrame()


def any_policy_has(summary: pd.DataFrame, count: str) -> bool:
    """Whether some policy's mean ``count`` over all contact types is above zero: a feature in use, whose rows
    and sentences are shown only then (callbacks offered, busy tones heard)."""
    hit = summary[(summary.metric == count) & (summary.contact_type == "all")]
    return bool((hit["mean"] > 0).any())


def cell(row: pd.Series, column: str, kind: str, compact: bool) -> str:
    """'mean (low to high)' of a summary/compare row, with ' rough' when fewer than 5 replications stand behind it."""
    text = fmt_estimate(row[column], row["ci_low"], row["ci_high"], kind, "", compact)
    return text + (" rough" if bool(row.get("rough", False)) and not is_missing(row["ci_low"]) else "")


# --------------------------------------------------------------- experiment factors

# A factor's field, as people call it, and the unit its values are in.
FACTOR_FIELDS: dict[str, tuple[str, str]] = {
    "half_life_min": ("drain half-life", " min"),
    "resolve_probability": ("bot resolve rate", ""),
    "false_resolution_probability": ("bot false resolutions", ""),
    "human_option_found_probability": ("customers who find the human option", ""),
    "churn_cost_per_abandoned": ("churn cost per abandoned contact", ""),
    "liability_share": ("platform liability share", ""),
    "staffing_scale": ("staffing scale", ""),
    "per_day": ("contacts a day", ""),
    "amount_at_risk": ("amount at risk", ""),
}
_ITEM = re.compile(r"^(contact_types|policies)\[([^\]]+)\]\.(.*)$")
_CURVE_BAND = "loss_curve_bands."  # one factor per named loss curve (sim.model.loss_curves)


def factor_label(path: str, scenario: Scenario | None = None) -> str:
    """An experiment factor's field path as the other pages name things: the contact type's or policy's label,
    then the field ('contact_types[fraud].loss.half_life_min' -> 'Fraud in progress: drain half-life')."""
    if path.startswith(_CURVE_BAND):
        name = path[len(_CURVE_BAND):]
        label = CATALOGUE[name]["label"] if name in CATALOGUE else name
        return f"Loss curve '{label}': position in its band"
    owner = ""
    match = _ITEM.match(path)
    rest = path
    if match:
        kind, ident, rest = match.groups()
        owner = ident
        if scenario is not None:
            items = scenario.contact_types if kind == "contact_types" else scenario.effective_policies
            item = next((x for x in items if x.id == ident), None)
            owner = (item.label or item.id) if item is not None else ident
    leaf = rest.rsplit(".", 1)[-1]
    name = FACTOR_FIELDS.get(leaf, (leaf.replace("_", " "), ""))[0]
    return f"{owner}: {name}" if owner else name[:1].upper() + name[1:]


def factor_range(path: str, low: float, high: float) -> str:
    """'low to high' of a factor, in its field's unit, without float noise."""
    unit = FACTOR_FIELDS.get(path.rsplit(".", 1)[-1], ("", ""))[1]
    return f"{fmt_parameter(float(low))} to {fmt_parameter(float(high))}{unit}"


# --------------------------------------------------------------- assumptions


def fmt_param(value: Any) -> str:
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


NO_DEFAULT = object()  # a required field: the scenario must give it


def schema_default(scenario: Scenario, path: str) -> Any:
    """The schema's default (as JSON data) of the parameter at ``path``, or ``NO_DEFAULT`` for a required field.

    The default is the field's own in its model class (a contact type's
    ``target_s`` defaults as every contact type's does). A path below a field
    that is not a model (a dict of weekday factors) takes that field's default
    and reads on into it.
    """
    obj: Any = scenario
    parts = _PART.findall(path)
    for position, (name, index) in enumerate(parts):
        if index:
            try:
                obj = obj[int(index)]
            except (IndexError, KeyError, TypeError):
                return NO_DEFAULT
            continue
        fields = getattr(type(obj), "model_fields", None)
        if not fields or name not in fields:
            return NO_DEFAULT
        info = fields[name]
        # policies are listed as effective_policies (knobs.parameters): a scenario without any runs one baseline
        value = obj.effective_policies if obj is scenario and name == "policies" else getattr(obj, name)
        rest = parts[position + 1:]
        nested = isinstance(value, BaseModel) or (
            isinstance(value, (list, tuple)) and bool(rest) and rest[0][1] != "" and
            all(isinstance(v, BaseModel) for v in value))
        if rest and nested:
            obj = value
            continue
        if info.is_required():
            return NO_DEFAULT
        default = _json(info.get_default(call_default_factory=True))
        for key, idx in rest:  # into a plain value (a dict or list) the default holds
            try:
                default = default[int(idx)] if idx else default[key]
            except (IndexError, KeyError, TypeError):
                return NO_DEFAULT
        return default
    return NO_DEFAULT


def _json(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


def parameter_rows(scenario: Scenario, changes: list[dict] | None = None) -> pd.DataFrame:
    """Every parameter of ``scenario`` with its section, meaning, source note and schema default.

    ``changes``: ``sim.model.knobs.changes(loaded, scenario)``; those parameters are
    marked, with the value the file gave. ``differs_from_default`` is True for a
    required parameter and for one whose value is not the schema's default;
    ``assumption``: its source note marks it ASSUMPTION.
    """
    before = {c["parameter"]: c["before"] for c in changes or []}
    # a source note may name an item by id (policies[callbacks_cut40].chat); the rows name it by index
    patterns = _source_patterns({index_path(scenario, k): v for k, v in scenario.sources.items()})
    rows = []
    for path, value in knobs.parameters(scenario):
        default = schema_default(scenario, path)
        source = source_note(path, patterns)
        rows.append({
            "section": _section(scenario, path),
            "parameter": path,
            "value": fmt_param(value),
            "meaning": field_description(scenario, path),
            "source": source,
            "changed in the app": path in before,
            "in the file": fmt_param(before[path]) if path in before else "",
            "default": "required" if default is NO_DEFAULT else fmt_param(default),
            "differs_from_default": default is NO_DEFAULT or not _same(default, value),
            "assumption": "ASSUMPTION" in source,
        })
    return pd.DataFrame(rows)


def index_path(scenario: Scenario, path: str) -> str:
    """An id-addressed path (``contact_types[fraud].x``, as experiments and source notes may write it) as the
    parameter rows write it, by index (``contact_types[2].x``); a path already by index is left as it is."""
    def by_index(match) -> str:
        kind, key = match.group(1), match.group(2)
        items = scenario.contact_types if kind == "contact_types" else scenario.effective_policies
        ids = [item.id for item in items]
        return f"{kind}[{ids.index(key)}]" if key in ids else match.group(0)

    return re.sub(r"(contact_types|policies)\[([^\]]+)\]", by_index, path)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b


def _section(scenario: Scenario, path: str) -> str:
    head, _, _ = path.partition(".")
    match = re.fullmatch(r"(contact_types|policies)\[(\d+)\]", head)
    if match:
        items = scenario.contact_types if match.group(1) == "contact_types" else scenario.effective_policies
        item = items[int(match.group(2))]
        kind = "Contact type" if match.group(1) == "contact_types" else "Policy"
        return f"{kind}: {item.label or item.id}"
    if head.startswith("agents"):
        return "Agents"
    if head in ("front_door", "economics", "routing"):
        return head.replace("_", " ").capitalize()
    return "Scenario"


