"""Break-even search: how far can a policy family go before it breaks?

"We can cut 30% of the agents and emergencies are still answered in time" is a
claim about the *deepest* member of a family (``sim.studies.sweep``: a template policy
with its staffing scaled down, or with its bot deflecting more) that still
meets a criterion. This module finds that member by simulation, for four
criteria at once:

``guarantee_confident``
    the emergency guarantee holds with the stated confidence: the lower bound
    of the member's own t interval for the emergency share within
    ``guarantee_s`` is at least ``guarantee_share``;
``guarantee_mean``
    the same on the mean (the point estimate meets the target);
``saving_confident``
    the net saving against the baseline (wages and bot costs saved minus
    added customer losses and churn, ``Results.compare``) is positive with
    confidence: the lower bound of its paired interval is above 0;
``saving_mean``
    the net saving is positive on the mean.

Search: a coarse grid first (staffing 1.0, 0.9, ..., 0.0; bot deflection from
1 up to the multiplier at which every type's deflection is saturated), then
bisection inside each criterion's bracket (the last passing and first
failing value) until it is narrower than ``resolution``. Every batch is one
``sim.studies.sweep.sweep`` call with the same seed and replications, so every member
of every batch meets the same customers (common random numbers): neighbours
differ because of the policy, not the noise. Values that give the same
simulated scenario (``staffing_scale`` 0.66 and 0.67 may round to the same
headcounts) are run once and share their results.

Assumptions, stated because the bisection relies on them and reported when
the runs contradict them:

* the guarantee gets no easier as the change deepens, so the members that
  meet it form a run starting at the shallowest value; if the shallowest
  already fails, there is no break-even point (the template itself misses);
* the members with a positive net saving form one run (the saving grows while
  wages saved outpace added losses, then falls); the answer is the deep end
  of the first such run.

A member that passes deeper than a failing one is listed in ``violations``;
the answer stays the conservative one (the end of the first run).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pydantic import ValidationError

from sim.errors import ArgumentError
from sim.model.knobs import roster_headcount
from sim.model.scenario import Scenario
from sim.runs.settings import RunSettings
from sim.studies.sweep import KINDS, family, sweep

__all__ = ["CRITERIA", "BreakEven", "BreakEvenError", "Finding", "breakeven", "default_values"]


class BreakEvenError(ArgumentError):
    """Bad input to a break-even search."""


# criterion -> (metric it is judged on, starts at the shallowest value?, what it asks). The description
# names the test, not its outcome, so that "not met" after it never reads as a contradiction.
CRITERIA: dict[str, tuple[str, bool, str]] = {
    "guarantee_confident": ("share_within_guarantee", True, "emergency guarantee met with confidence (lower bound)"),
    "guarantee_mean": ("share_within_guarantee", True, "emergency guarantee met on the mean"),
    "saving_confident": ("net_saving", False, "net saving above 0 with confidence (lower bound)"),
    "saving_mean": ("net_saving", False, "net saving above 0 on the mean"),
}
# Metrics carried from the sweep into the per-member table.
MEMBER_METRICS = (
    "share_within_guarantee",
    "mean_time_to_human_s",
    "unreached",
    "net_saving",
    "net_saving_platform",
    "wages_saved",
    "bot_cost_saved",
    "added_customer_loss",
    "added_liability",
    "added_churn",
    "service_level",
    "abandonment",
)
DEFAULT_RESOLUTION = {"staffing": 0.01, "bot_resolve": 0.05}

SweepFn = Callable[..., pd.DataFrame]


@dataclass(frozen=True)
class Finding:
    """The answer for one criterion, with the bracket that pins it down.

    ``value``: the deepest member meeting the criterion (None: none does).
    ``next_value``: the shallowest tested member deeper than ``value`` that
    fails (None: every member tested deeper passes, so the true break-even
    may lie beyond the range tried). ``mean``/``ci_low``/``ci_high`` (and the
    ``next_`` ones) are the judged metric at those members: for the guarantee
    the member's own t interval, for the saving the paired interval against
    the baseline.
    """

    criterion: str
    metric: str
    value: float | None
    headcount: float | None
    mean: float
    ci_low: float
    ci_high: float
    next_value: float | None
    next_headcount: float | None
    next_mean: float
    next_ci_low: float
    next_ci_high: float
    message: str

    @property
    def bracketed(self) -> bool:
        return self.value is not None and self.next_value is not None


@dataclass
class BreakEven:
    kind: str
    template: str
    baseline: str
    replications: int
    seed: int
    confidence: float
    resolution: float
    guarantee_s: float
    guarantee_share: float
    findings: dict[str, Finding]
    members: pd.DataFrame  # one row per value tested (or resolved by an equivalent member)
    runs: pd.DataFrame  # every sweep row behind the answer, with the batch it came from
    violations: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)

    @property
    def deeper_is_smaller(self) -> bool:
        return self.kind == "staffing"

    def findings_table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{k: getattr(f, k) for k in Finding.__dataclass_fields__} for f in self.findings.values()]
        )


# ------------------------------------------------------------------ grid


def default_values(scenario: Scenario, kind: str, template: str) -> list[float]:
    """The coarse grid: staffing 1.0 down to 0.0 by 0.1; bot deflection from 1 to saturation."""
    if kind == "staffing":
        return [round(1.0 - 0.1 * i, 10) for i in range(11)]
    resolved = scenario.for_policy(template)
    caps = [
        (1.0 - ct.bot.false_resolution_probability) / ct.bot.resolve_probability
        for ct in resolved.contact_types
        if ct.bot.resolve_probability > 0
    ]
    top = min(max(caps), 100.0)
    return [round(v, 3) for v in np.linspace(1.0, top, 9)]


def _check(scenario: Scenario, kind: str, template: str, values, replications: int) -> None:
    if kind not in KINDS:
        raise BreakEvenError(f"must be one of {', '.join(KINDS)}, got {kind!r}", "kind")
    problem = scenario.unknown_policies([template])
    if problem:
        raise BreakEvenError(problem, "template")
    if replications < 2:
        raise BreakEvenError(f"must be at least 2 for a confidence interval, got {replications}", "replications")
    if kind == "bot_resolve":
        resolved = scenario.for_policy(template)
        door = resolved.front_door
        if not door.bot_can_be_in_front:
            raise BreakEvenError(
                f"{template!r} has no bot front door, so scaling bot deflection changes nothing; "
                "name a policy with a bot as the template",
                "template",
            )
        if not any(ct.bot.resolve_probability > 0 for ct in resolved.contact_types):
            raise BreakEvenError(
                "no contact type has a bot resolve probability above 0, so scaling it changes nothing"
            )
    if values is not None:
        if len(values) == 0:
            raise BreakEvenError("give at least one value", "values")
        bad = [v for v in values if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0)]
        if bad:
            raise BreakEvenError(f"must be finite numbers >= 0, got {bad[0]!r}", "values")


# ---------------------------------------------------------------- search


class _Members:
    """Simulated members, keyed by the scenario they resolve to."""

    def __init__(self, scenario, kind, template, settings: RunSettings, sweep_fn):
        self.scenario = scenario
        self.kind = kind
        self.template = template
        self.settings = settings
        self.sweep_fn = sweep_fn
        self.by_key: dict[str, dict] = {}  # scenario key -> record of the member actually simulated
        self.records: dict[float, dict] = {}  # every value tested -> its record
        self.runs: list[pd.DataFrame] = []
        self.batches = 0

    def key(self, value: float) -> tuple[str, float]:
        try:
            member = family(self.scenario, self.template, self.kind, [value])[0]
            resolved = self.scenario.for_policy(member)
        except ValidationError as exc:
            problem = exc.errors()[0]["msg"]
            raise BreakEvenError(f"{value:g} is not a valid {self.kind} value ({problem})", "values") from None
        share = value if self.kind == "staffing" else None
        headcount = roster_headcount(self.scenario, self.template, share)
        digest = hashlib.sha256(resolved.model_dump_json().encode()).hexdigest()
        return digest, headcount

    def evaluate(self, values: Sequence[float], label: str) -> None:
        fresh: dict[str, float] = {}
        keys = {}
        for v in values:
            if v in self.records:
                continue
            keys[v] = self.key(v)
            digest = keys[v][0]
            if digest not in self.by_key and digest not in fresh:
                fresh[digest] = v
        if fresh:
            self.batches += 1
            batch = f"{self.batches}: {label}"
            table = self.sweep_fn(
                self.scenario,
                self.kind,
                values=sorted(fresh.values()),
                template=self.template,
                settings=self.settings.in_stage(f"batch {batch}"),
            )
            table = table.assign(batch=batch)
            self.runs.append(table)
            for digest, v in fresh.items():
                self.by_key[digest] = _record(table[table["value"] == v], v, batch)
        for v, (digest, headcount) in keys.items():
            rec = dict(self.by_key[digest])
            rec["headcount"] = headcount
            # A value whose scenario was already simulated under another value shares those runs.
            rec["simulated_as"] = rec["value"]
            rec["value"] = v
            rec["stage"] = label
            self.records[v] = rec

    def ordered(self, deeper_is_smaller: bool) -> list[dict]:
        return sorted(self.records.values(), key=lambda r: -r["value"] if deeper_is_smaller else r["value"])


def _record(rows: pd.DataFrame, value: float, batch: str) -> dict:
    rec: dict = {"value": value, "batch": batch}  # batch: the sweep call that simulated it
    for metric in MEMBER_METRICS:
        hit = rows[rows["metric"] == metric]
        if len(hit):
            rec[metric] = float(hit["mean"].iloc[0])
            rec[f"{metric}_ci_low"] = float(hit["ci_low"].iloc[0])
            rec[f"{metric}_ci_high"] = float(hit["ci_high"].iloc[0])
        else:
            rec[metric] = rec[f"{metric}_ci_low"] = rec[f"{metric}_ci_high"] = np.nan
    for column in ("guarantee_holds_mean", "guarantee_holds_confident"):
        flag = rows[column].dropna() if column in rows else pd.Series(dtype=object)
        rec[column] = bool(flag.iloc[0]) if len(flag) else False
    rec["saving_positive_mean"] = bool(rec["net_saving"] > 0)
    rec["saving_positive_confident"] = bool(rec["net_saving_ci_low"] > 0)
    return rec


_PASSES: dict[str, Callable[[dict], bool]] = {
    "guarantee_confident": lambda r: r["guarantee_holds_confident"],
    "guarantee_mean": lambda r: r["guarantee_holds_mean"],
    "saving_confident": lambda r: r["saving_positive_confident"],
    "saving_mean": lambda r: r["saving_positive_mean"],
}


def _walk(ordered: list[dict], criterion: str) -> tuple[dict | None, dict | None, list[dict]]:
    """(last passing, first failing after it, members passing beyond that failure) along depth."""
    passes = [_PASSES[criterion](r) for r in ordered]
    from_start = CRITERIA[criterion][1]
    if from_start:
        if not passes or not passes[0]:
            return None, (ordered[0] if ordered else None), []
        start = 0
    else:
        start = next((i for i, p in enumerate(passes) if p), None)
        if start is None:
            return None, None, []
    j = start
    while j + 1 < len(passes) and passes[j + 1]:
        j += 1
    fail = ordered[j + 1] if j + 1 < len(ordered) else None
    beyond = [r for r, p in zip(ordered[j + 2 :], passes[j + 2 :]) if p]
    return ordered[j], fail, beyond


def breakeven(
    scenario: Scenario,
    kind: str = "staffing",
    template: str | None = None,
    values: Sequence[float] | None = None,
    *,
    settings: RunSettings | None = None,
    resolution: float | None = None,
    max_rounds: int = 8,
    sweep_fn: SweepFn = sweep,
) -> BreakEven:
    """Deepest member of the ``kind`` family of ``template`` meeting each criterion (see the module docstring).

    ``values``: the coarse grid (default: ``default_values``); bisection then
    refines each bracket to ``resolution`` (staffing 0.01, bot 0.05), at most
    ``max_rounds`` rounds. ``settings``: replications (at least 2) and seed
    (default: the scenario's), workers, the findings' confidence, and
    progress, reported per batch of members (``stage`` "batch 1: grid", ...).
    ``sweep_fn`` is ``sim.studies.sweep.sweep`` (tests pass a stand-in).
    """
    baseline = scenario.baseline_policy.id
    template = template or baseline
    settings = (settings or RunSettings()).for_scenario(scenario)
    n_reps, seed, confidence = settings.replications, settings.seed, settings.confidence
    _check(scenario, kind, template, values, n_reps)
    resolution = DEFAULT_RESOLUTION[kind] if resolution is None else float(resolution)
    if not resolution > 0:
        raise BreakEvenError(f"must be > 0, got {resolution!r}", "resolution")
    coarse = values if values is not None else default_values(scenario, kind, template)
    grid = sorted({round(float(v), 4) for v in coarse})
    members = _Members(scenario, kind, template, settings, sweep_fn)
    members.evaluate(grid, "grid")
    smaller = kind == "staffing"

    for round_no in range(1, max_rounds + 1):
        ordered = members.ordered(smaller)
        mids = []
        for criterion in CRITERIA:
            last, fail, _ = _walk(ordered, criterion)
            if last is None or fail is None:
                continue
            if abs(last["value"] - fail["value"]) > resolution:
                mid = round((last["value"] + fail["value"]) / 2, 4)
                if mid not in (last["value"], fail["value"]):
                    mids.append(mid)
        if not mids:
            break
        members.evaluate(sorted(set(mids)), f"refine {round_no}")

    ordered = members.ordered(smaller)
    findings, violations = {}, []
    for criterion in CRITERIA:
        last, fail, beyond = _walk(ordered, criterion)
        findings[criterion] = (last, fail)
        for r in beyond:
            violations.append(
                f"{criterion}: {kind} {r['value']:g} passes although {fail['value']:g}, a shallower value, fails "
                "(not monotone; the answer is the end of the first passing run)"
            )
    result_findings = {
        criterion: _finding(criterion, last, fail, scenario, kind) for criterion, (last, fail) in findings.items()
    }
    table = pd.DataFrame(ordered)
    first = ["value", "headcount", "stage", "simulated_as", "batch"]
    table = table[[*first, *(c for c in table.columns if c not in first)]]
    runs = pd.concat(members.runs, ignore_index=True) if members.runs else pd.DataFrame()
    assumptions = [
        "the emergency guarantee gets no easier as the change deepens: members meeting it form one run "
        "from the shallowest value",
        "members with a positive net saving form one run; the answer is its deep end",
        f"every batch ran {n_reps} replications with seed {seed} (common random numbers across all members "
        "and batches); the baseline is re-run with each batch and gives identical results",
    ]
    if not any(ct.emergency for ct in scenario.contact_types):
        assumptions.append("the scenario has no emergency contact type: the guarantee criteria do not apply")
    return BreakEven(
        kind=kind,
        template=template,
        baseline=baseline,
        replications=n_reps,
        seed=seed,
        confidence=confidence,
        resolution=resolution,
        guarantee_s=scenario.guarantee_s,
        guarantee_share=scenario.guarantee_share,
        findings=result_findings,
        members=table,
        runs=runs,
        violations=violations,
        assumptions=assumptions,
    )


def _finding(criterion, last, fail, scenario: Scenario, kind: str) -> Finding:
    metric, _, description = CRITERIA[criterion]
    guarantee = metric == "share_within_guarantee"

    def stats(rec):
        if rec is None:
            return (np.nan, np.nan, np.nan)
        return (rec[metric], rec[f"{metric}_ci_low"], rec[f"{metric}_ci_high"])

    mean, low, high = stats(last)
    n_mean, n_low, n_high = stats(fail)
    def at(rec) -> str:
        where = f"{what(kind)} {rec['value']:g}"
        return where + (f" ({rec['headcount']:g} agents)" if kind == "staffing" else "")

    if guarantee and not any(ct.emergency for ct in scenario.contact_types):
        message = "does not apply: no emergency contact type"
    elif last is None and guarantee:
        message = f"not met even at the shallowest value tested, {at(fail)}" if fail is not None else "nothing tested"
    elif last is None:
        message = "not met at any value tested"
    elif fail is None:
        message = f"met at every value tested, down to {at(last)}: the break-even lies beyond"
    else:
        message = f"met down to {at(last)}; not met at {at(fail)}"
    return Finding(
        criterion=criterion,
        metric=metric,
        value=None if last is None else float(last["value"]),
        headcount=None if last is None else float(last["headcount"]),
        mean=float(mean),
        ci_low=float(low),
        ci_high=float(high),
        next_value=None if fail is None else float(fail["value"]),
        next_headcount=None if fail is None else float(fail["headcount"]),
        next_mean=float(n_mean),
        next_ci_low=float(n_low),
        next_ci_high=float(n_high),
        message=f"{description}: {message}",
    )


# -------------------------------------------------------------- rendering


def what(kind: str) -> str:
    return "share of the roster kept" if kind == "staffing" else "bot deflection multiplier"


def share_meaning(scenario: Scenario, template: str) -> str:
    """What 1.0 means on the staffing scale, in agents: the same meaning as the app's "share of the roster kept"."""
    policy = scenario.policy(template)
    full = roster_headcount(scenario, template, 1.0)
    own = roster_headcount(scenario, template)
    # the policy's name stands alone, never quoted with a possessive after it ("'today''s roster")
    name = policy.label or policy.id
    return (f"share of the roster kept = the policy's staffing_scale: 1.0 = the roster of {name} before any "
            f"scale ({full:g} agents); as written it keeps {policy.staffing_scale:g} ({own:g} agents)")
