"""A small experiment for any scenario: the uncertain inputs that usually decide a bot-first verdict.

The app's "What matters" page, and anyone without an experiment file, start
here: for one policy against the baseline, a one-at-a-time design over the
inputs that a verdict on cutting human agents leans on and that nobody knows
well — how fast stolen money drains (each named loss curve's position in
its bootstrap band, one factor per curve, or a half-life), how
often the bot really resolves a contact, how many customers find the human
option, the churn cost of an abandoned contact and the liability share.
Each moves from a low to a high value around the scenario's own (a named
curve from its 5th to its 95th band position, a third to three times a
half-life or a cost, +-0.3 on a share, half to one and a half
times a resolve rate), within the field's bounds; a factor the scenario
does not use (no bot in the policy, no churn cost) is left out. At most
``MAX_FACTORS`` factors keep it to a minute on two cores.
"""

from __future__ import annotations

import yaml
from pydantic import ValidationError

from sim.model.scenario import Scenario
from sim.studies.uncertainty.spec import Design, Experiment, ExperimentSpec, Factor, check_factor

MAX_FACTORS = 6
# A named loss curve moves from its 5th to its 95th band position (sim.model.loss_curves.named_curve):
# every position is a refit of the evidence, so the factor never makes an impossible curve.
BAND = (0.05, 0.95)


def default_experiment(scenario: Scenario, policy: str, replications: int = 2, seed: int | None = None) -> Experiment:
    baseline = scenario.baseline_policy.id
    resolved = scenario.for_policy(policy)
    door = resolved.front_door
    bot = door.bot_enabled or bool(door.bot_only_hours)
    factors: list[Factor] = []
    for name in scenario.loss_curve_bands:
        if any(ct.emergency and ct.loss.amount_at_risk is not None and ct.loss.curve == name
               for ct in scenario.contact_types):
            now = scenario.loss_curve_bands[name]
            factors.append(Factor(path=f"loss_curve_bands.{name}", low=min(BAND[0], now), high=max(BAND[1], now)))
    for ct in scenario.contact_types:
        if ct.emergency and ct.loss.amount_at_risk is not None and ct.loss.curve is None:
            h = ct.loss.half_life_min
            factors.append(Factor(path=f"contact_types[{ct.id}].loss.half_life_min", low=max(h / 3, 1.0), high=3 * h))
    if bot:
        for ct in scenario.contact_types:
            p, false = ct.bot.resolve_probability, ct.bot.false_resolution_probability
            if p > 0:
                factors.append(Factor(path=f"contact_types[{ct.id}].bot.resolve_probability", low=p / 2,
                                      high=min(1.5 * p, 1.0 - false)))
        found = door.human_option_found_probability
        if found < 1 and policy != baseline and scenario.policy(policy).front_door is not None:
            factors.append(Factor(path=f"policies[{policy}].front_door.human_option_found_probability",
                                  low=max(found - 0.3, 0.05), high=min(found + 0.3, 1.0)))
    for ct in scenario.contact_types:
        c = ct.loss.churn_cost_per_abandoned
        if c > 0:
            factors.append(Factor(path=f"contact_types[{ct.id}].loss.churn_cost_per_abandoned", low=c / 3, high=3 * c))
            break  # the largest churn term is usually the first type's; one churn factor keeps the design small
    share = scenario.economics.liability_share
    if 0 < share < 1 and scenario.policy(policy).economics is None:
        factors.append(Factor(path="economics.liability_share", low=max(share - 0.3, 0.0), high=min(share + 0.3, 1.0)))
    factors = [f.model_copy(update={"low": _round(f.low), "high": _round(f.high)}) for f in factors]
    factors = [f for f in factors if f.low < f.high][:MAX_FACTORS]
    spec = ExperimentSpec(
        name=f"What matters for {policy}",
        description=f"{scenario.name}: {policy} against {baseline}, one factor at a time",
        scenario="(the scenario as loaded in the app)",
        policies=list(dict.fromkeys([baseline, policy])),
        factors=factors,
        design=Design(kind="one_at_a_time"),
        replications=replications,
        seed=scenario.seed if seed is None else seed,
    )
    experiment = Experiment(spec, scenario, yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False))
    # A range the field's own bounds refuse (three times a half-life past its limit, say) is dropped, not run.
    kept = [f for f in factors if not check_factor(experiment, f)]
    if len(kept) < len(factors):
        spec = spec.model_copy(update={"factors": kept})
        experiment = Experiment(spec, scenario, yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False))
    return experiment


def _round(value: float) -> float:
    return float(f"{value:.4g}")


def default_experiment_all(scenario: Scenario, replications: int = 2, seed: int | None = None) -> Experiment | None:
    """One one-at-a-time experiment for every policy against the baseline (the evidence report's).

    The factors are those ``default_experiment`` picks for each policy, those
    shared by most policies first, at most ``MAX_FACTORS``: one design that
    runs every policy at every point costs far less than one per policy. A
    factor of one policy's own front door moves that policy only. None when
    the scenario has a single policy or no factor applies.
    """
    baseline = scenario.baseline_policy.id
    others = [p.id for p in scenario.effective_policies if p.id != baseline]
    if not others:
        return None
    seen: dict[str, list[Factor]] = {}
    for policy in others:
        try:
            own = default_experiment(scenario, policy, replications=replications, seed=seed).spec.factors
        except ValidationError:  # no factor applies to this policy (an experiment needs at least one)
            continue
        for factor in own:
            seen.setdefault(factor.path, []).append(factor)
    ranked = sorted(seen.values(), key=lambda same: -len(same))  # stable: first-seen order among equals
    factors = [same[0] for same in ranked][:MAX_FACTORS]
    if not factors:
        return None
    spec = ExperimentSpec(
        name="What could change the verdict",
        description=f"{scenario.name}: every policy against {baseline}, one factor at a time",
        scenario="(the scenario of the report)",
        policies=[baseline, *others],
        factors=factors,
        design=Design(kind="one_at_a_time"),
        replications=replications,
        seed=scenario.seed if seed is None else seed,
    )
    return Experiment(spec, scenario, yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False))
