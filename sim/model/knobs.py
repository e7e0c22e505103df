"""The app's knobs as pure edits of a Scenario.

Each ``with_*`` function takes a validated ``Scenario`` and returns a new one:
it edits the plain data (``model_dump``) and hands it back to
``Scenario.model_validate``, so the model does all the checking and a bad
value fails exactly as it would in a YAML file. Nothing here imports a UI or
touches files; the app maps widgets onto these functions and nothing else.

Widget bounds, defaults and help texts come from the pydantic field
metadata (``field_spec``), so the app never repeats a bound the model owns.
Where a knob summarises several numbers (a bot resolve rate over contact
types with different rates, a half-life over two emergency types), the
current value is the volume-weighted mean and setting it rescales every
number in proportion, so the differences the scenario states are kept.
Types on a named loss curve have no half-life: their knob is the curve's
position in its bootstrap band (``with_loss_curve_band``), one per curve.

Policy-level knobs (share of agents kept, friction) edit one policy, by
default the first policy that is not the baseline.

"Share of agents kept" has one meaning everywhere (app, ``sweep``,
``breakeven``): the policy's ``staffing_scale``, a share of the roster the
policy is written with *before* any scale (its own ``agents`` block, else the
scenario's). 1.0 is that roster in full, whatever scale the policy ships
with; ``roster_headcount`` says how many agents a share means, so every
output can state it ("0.6 of 46 agents = 28").

``changes`` lists what an edited scenario differs from the one loaded,
parameter by parameter: the app shows exactly that list, writes it into the
downloaded scenario and into the provenance record.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel

from sim.model.arrivals import expected_per_interval
from sim.model.scenario import Scenario
from sim.model.validation import build_scenario

# The emergency share of volume must lie strictly between 0 and 1: every
# type's ``volume.per_day`` must stay > 0, and a share of 1 would need an
# infinite emergency volume.
EMERGENCY_SHARE_BOUNDS = (0.001, 0.99)


class FieldSpec(NamedTuple):
    """Bounds, default and description of one model field, for a widget.

    ``min``/``max`` are None when unbounded. For a strict bound (``gt``/``lt``)
    ``min_exclusive``/``max_exclusive`` is True and the bound itself is not
    allowed; integer fields turn a strict bound into the next integer.
    """

    min: float | int | None
    max: float | int | None
    default: Any
    description: str | None
    min_exclusive: bool = False
    max_exclusive: bool = False


def field_spec(model: type[BaseModel], name: str) -> FieldSpec:
    """Widget bounds and default of ``model.name`` read from its pydantic metadata."""
    try:
        info = model.model_fields[name]
    except KeyError:
        raise KeyError(f"{model.__name__} has no field {name!r}") from None
    is_int = info.annotation is int
    lo = hi = None
    lo_ex = hi_ex = False
    for item in info.metadata:
        if isinstance(item, Ge):
            lo, lo_ex = item.ge, False
        elif isinstance(item, Gt):
            lo, lo_ex = (item.gt + 1, False) if is_int else (item.gt, True)
        elif isinstance(item, Le):
            hi, hi_ex = item.le, False
        elif isinstance(item, Lt):
            hi, hi_ex = (item.lt - 1, False) if is_int else (item.lt, True)
    default = info.get_default(call_default_factory=True)
    return FieldSpec(lo, hi, default, info.description, lo_ex, hi_ex)


# ------------------------------------------------------------------ helpers


def _rebuild(data: dict) -> Scenario:
    # build_scenario is Scenario.model_validate with problems named by field path (ScenarioError).
    return build_scenario(data, source="knobs")


def _dump(scenario: Scenario) -> dict:
    return scenario.model_dump(mode="python")


def adjustable_policy(scenario: Scenario, policy_id: str | None = None) -> str:
    """The policy the policy-level knobs edit: ``policy_id``, else the first non-baseline one."""
    policies = scenario.effective_policies
    if policy_id is not None:
        scenario.policy(policy_id)  # KeyError naming the known policies
        return policy_id
    others = [p for p in policies if not p.baseline]
    return (others or policies)[0].id


def _with_policy_edit(scenario: Scenario, policy_id: str | None, edit) -> Scenario:
    target = adjustable_policy(scenario, policy_id)
    data = _dump(scenario)
    # A scenario without policies runs as one implicit baseline; make it explicit to edit it.
    policies = [p.model_dump(mode="python") for p in scenario.effective_policies]
    for p in policies:
        if p["id"] == target:
            edit(p, data)
    data["policies"] = policies
    return _rebuild(data)


def expected_incidents(scenario: Scenario) -> dict[str, float]:
    """Expected incidents of each contact type over the horizon (busyness has mean 1)."""
    return {ct.id: float(expected_per_interval(scenario, ct).sum()) for ct in scenario.contact_types}


def _weighted_mean(values: list[float], weights: list[float]) -> float:
    total = sum(weights)
    if total <= 0:
        return sum(values) / len(values)
    return sum(v * w for v, w in zip(values, weights)) / total


# ------------------------------------------------------------ policy knobs


def roster_headcount(scenario: Scenario, policy_id: str | None = None, share: float | None = None) -> float:
    """Agents on the policy's roster at ``share`` kept (None: as the policy is written, its own scale).

    Shifts count their headcount, staffing tables their peak; ``share`` 1.0
    is the roster before any scale.
    """
    policy = scenario.policy(adjustable_policy(scenario, policy_id))
    scale = policy.staffing_scale if share is None else share
    agents = scenario.for_policy(policy.model_copy(update={"staffing_scale": scale})).agents
    return float(sum(s.headcount for s in agents.shifts) + sum(max(t.agents) for t in agents.tables))


def agents_kept(scenario: Scenario, policy_id: str | None = None) -> float:
    """The adjustable policy's staffing scale (share of its roster's agents kept)."""
    return scenario.policy(adjustable_policy(scenario, policy_id)).staffing_scale


def with_agents_kept(scenario: Scenario, share: float, policy_id: str | None = None) -> Scenario:
    """Keep ``share`` of the policy's human agents: its ``staffing_scale`` (every headcount, rounded)."""

    def edit(p: dict, _data: dict) -> None:
        p["staffing_scale"] = share

    return _with_policy_edit(scenario, policy_id, edit)


def front_door_of(scenario: Scenario, policy_id: str | None = None):
    """The front door the adjustable policy runs with (its own, else the scenario's)."""
    policy = scenario.policy(adjustable_policy(scenario, policy_id))
    return scenario.sections_for(policy)["front_door"]


def with_friction(
    scenario: Scenario,
    policy_id: str | None = None,
    *,
    human_option_found_probability: float | None = None,
    attempts_before_human: int | None = None,
    menu_s: float | None = None,
) -> Scenario:
    """Set the friction before a human on the policy's front door; None leaves a setting as is."""
    updates = {
        "human_option_found_probability": human_option_found_probability,
        "attempts_before_human": attempts_before_human,
        "menu_s": menu_s,
    }
    updates = {k: v for k, v in updates.items() if v is not None}

    def edit(p: dict, data: dict) -> None:
        door = dict(p.get("front_door") or data["front_door"])
        door.update(updates)
        p["front_door"] = door

    return _with_policy_edit(scenario, policy_id, edit)


# ---------------------------------------------------------- scenario knobs


def bot_resolve_rate(scenario: Scenario) -> float:
    """Volume-weighted mean bot resolve probability of the non-emergency types."""
    volume = expected_incidents(scenario)
    types = [c for c in scenario.contact_types if not c.emergency] or list(scenario.contact_types)
    return _weighted_mean([c.bot.resolve_probability for c in types], [volume[c.id] for c in types])


def with_bot_resolve(scenario: Scenario, p: float) -> Scenario:
    """Make the non-emergency types' (volume-weighted) bot resolve rate ``p``.

    Each type's probability is scaled in proportion (all set to ``p`` when
    they are all 0), and capped so resolve + false resolution stays <= 1.
    """
    current = bot_resolve_rate(scenario)
    data = _dump(scenario)
    emergency_only = all(c.emergency for c in scenario.contact_types)
    for ct in data["contact_types"]:
        if ct["emergency"] and not emergency_only:
            continue
        bot = ct["bot"]
        new = bot["resolve_probability"] * p / current if current > 0 else p
        bot["resolve_probability"] = min(new, 1.0 - bot["false_resolution_probability"])
    return _rebuild(data)


def emergency_share(scenario: Scenario) -> float:
    """Share of expected incidents that are emergencies (0 if none are)."""
    volume = expected_incidents(scenario)
    total = sum(volume.values())
    em = sum(volume[c.id] for c in scenario.contact_types if c.emergency)
    return em / total if total > 0 else 0.0


def with_emergency_share(scenario: Scenario, share: float) -> Scenario:
    """Rescale the emergency types' volume so they make up ``share`` of expected incidents.

    Non-emergency volume is unchanged; the emergency types keep their
    proportions to each other and their intraday shapes.
    """
    lo, hi = EMERGENCY_SHARE_BOUNDS
    if not lo <= share <= hi:
        raise ValueError(f"emergency share must be between {lo} and {hi}, got {share}")
    volume = expected_incidents(scenario)
    em = sum(volume[c.id] for c in scenario.contact_types if c.emergency)
    rest = sum(volume[c.id] for c in scenario.contact_types if not c.emergency)
    if em <= 0 or rest <= 0:
        raise ValueError("the emergency share can only be changed when there are emergency and other contact types")
    factor = share * rest / ((1.0 - share) * em)
    data = _dump(scenario)
    for ct in data["contact_types"]:
        if not ct["emergency"]:
            continue
        v = ct["volume"]
        if v.get("per_day") is not None:
            v["per_day"] = v["per_day"] * factor
        if v.get("table") is not None:
            v["table"] = [x * factor for x in v["table"]]
    return _rebuild(data)


def half_life(scenario: Scenario) -> float | None:
    """Volume-weighted mean drain half-life (minutes) of the emergency types on the half-life form; None if none.

    Types on a named or point curve (``loss.curve``) have no half-life; their
    uncertainty is their band (``loss_curve_bands``).
    """
    volume = expected_incidents(scenario)
    types = [c for c in scenario.contact_types if c.emergency and c.loss.curve is None]
    if not types:
        return None
    return _weighted_mean([c.loss.half_life_min for c in types], [volume[c.id] for c in types])


def with_half_life(scenario: Scenario, minutes: float) -> Scenario:
    """Set the emergency types' (volume-weighted mean) drain half-life, each scaled in proportion."""
    current = half_life(scenario)
    if current is None:
        raise ValueError("the scenario has no emergency contact types")
    if not (isinstance(minutes, (int, float)) and math.isfinite(minutes)):
        raise ValueError(f"half-life must be a finite number of minutes, got {minutes!r}")
    data = _dump(scenario)
    for ct in data["contact_types"]:
        if ct["emergency"] and ct["loss"]["curve"] is None:
            ct["loss"]["half_life_min"] = ct["loss"]["half_life_min"] * minutes / current
    return _rebuild(data)


def loss_curve_band(scenario: Scenario, name: str) -> float:
    """Where the named loss curve ``name`` sits in its bootstrap band (0.5: the fitted curve)."""
    return scenario.loss_curve_bands[name]


def with_loss_curve_band(scenario: Scenario, name: str, band: float) -> Scenario:
    """Move the named loss curve ``name`` to position ``band`` of its band, for every type that uses it."""
    if name not in scenario.loss_curve_bands:
        raise ValueError(f"no contact type uses the loss curve {name!r}")
    data = _dump(scenario)
    data["loss_curve_bands"][name] = band
    return _rebuild(data)


def liability(scenario: Scenario) -> float:
    """The share of a loss the scenario's liability rule pays (policies may override it; the knob sets them all)."""
    return scenario.economics.liability_rule.share


def with_liability(scenario: Scenario, share: float) -> Scenario:
    """Set the share the platform pays in the scenario's economics and every policy's override.

    A liability rule keeps its cap and conditions (a preset is written out,
    with the new share); without a rule, ``liability_share`` is set.
    """
    data = _dump(scenario)
    for econ, model in [(data["economics"], scenario.economics)] + [
        (p["economics"], q.economics) for p, q in zip(data["policies"], scenario.policies) if q.economics is not None
    ]:
        if model.liability is None:
            econ["liability_share"] = share
        else:
            econ["liability"] = {**model.liability_rule.model_dump(mode="python"), "share": share}
    return _rebuild(data)


def with_run_settings(scenario: Scenario, replications: int | None = None, seed: int | None = None) -> Scenario:
    """Set the scenario's replication count and seed (kept with the scenario for provenance)."""
    data = _dump(scenario)
    if replications is not None:
        data["replications"] = replications
    if seed is not None:
        data["seed"] = seed
    return _rebuild(data)


# ------------------------------------------------------------------ changes


def flatten(obj: Any, path: str = "", out: list[tuple[str, Any]] | None = None) -> list[tuple[str, Any]]:
    """(field path, value) leaves of plain scenario data; distributions and number lists stay whole."""
    out = [] if out is None else out
    if isinstance(obj, dict) and "dist" not in obj:
        for key, value in obj.items():
            flatten(value, f"{path}.{key}" if path else str(key), out)
    elif isinstance(obj, list) and obj and all(isinstance(x, dict) and "dist" not in x for x in obj):
        for i, value in enumerate(obj):
            flatten(value, f"{path}[{i}]", out)
    else:
        out.append((path, obj))
    return out


def parameters(scenario: Scenario) -> list[tuple[str, Any]]:
    """Every parameter of the scenario as (field path, JSON value), source notes left out.

    Policies are listed as ``effective_policies`` (a scenario without policies
    runs one implicit baseline), so making that baseline explicit to edit it
    is not itself a change.
    """
    data = scenario.model_dump(mode="json", exclude={"sources"})
    data["policies"] = [p.model_dump(mode="json") for p in scenario.effective_policies]
    return flatten(data)


def changes(base: Scenario, edited: Scenario) -> list[dict]:
    """Parameters whose value in ``edited`` differs from ``base``: [{parameter, before, after}]."""
    before, after = dict(parameters(base)), dict(parameters(edited))
    missing = object()
    out = []
    for path, value in after.items():
        old = before.get(path, missing)
        if old != value:
            out.append({"parameter": path, "before": None if old is missing else old, "after": value})
    out.extend({"parameter": p, "before": v, "after": None} for p, v in before.items() if p not in after)
    return out
