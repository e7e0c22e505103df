"""The agreement table: every published case humanline can express, beside humanline's own figures.

A reader who doubts the simulator should not have to take it on trust. This
study simulates each published case with the case's own protocol and
measure definitions and writes, per case and measure, the published value
with its interval, humanline's mean with its interval, the z-score of the
difference in standard errors of the combined uncertainty, and a verdict
(``sim.studies.agreement.estimates``: *agrees* within 4 standard errors).
Cases humanline cannot express yet are listed with the reason, not left out.
``python -m sim agreement`` runs it; docs/validation.md holds the table as
last generated.

Sources, one module each:

- ``sim.studies.validation``: the Erlang C and Erlang A closed forms
  (docs/reference/erlang_cases.md), exact values, one stationary day;
- ``contactcenters``: ContactCenters' published examples (MMC, MMCAb,
  MMCBlocked, MMCClrQ, CallCC, Telethon), 1,000 simulated days each, with
  their intervals;
- ``erlang_x``: Erlang X (finite lines, abandonment, redials; its exact
  Markov chain) beside the simulation of the same centre, stationary;
- ``time_varying``: Feldman, Mandelbaum, Massey & Whitt (2008): the
  iterative staffing algorithm against per-interval Erlang C on a
  sinusoidal day (a claim about a pattern, judged per interval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from sim.runs.settings import RunSettings
from sim.studies.agreement import erlang_x, time_varying
from sim.studies.agreement.contactcenters import CASES, COMMIT, NOT_EXPRESSIBLE, REPOSITORY, PublishedCase
from sim.studies.agreement.estimates import (
    Z,
    Estimate,
    Published,
    mean_estimate,
    ratio_estimate,
    verdict,
    t_limit,
    z_limit,
    z_score,
)
from sim.studies.agreement.logs import per_replication
from sim.studies.validation import CASES as ERLANG_CASES
from sim.studies.validation import LABELS as ERLANG_LABELS
from sim.studies.validation import validation_record

DEFAULT_REPLICATIONS = 1000  # as the published ContactCenters runs (NUMDAYS = 1000)
DEFAULT_SEED = 2023
# The slower cases run fewer: a stationary 24-hour Erlang day costs ~50 ContactCenters days, and the
# time-varying case runs the ISA first (its fit on ISA_SHARE of the replications, at least 20).
ERLANG_SHARE = 0.1
# A stationary Erlang X day costs ~5 ContactCenters days; more of them make the check of lines and redials sharper.
ERLANG_X_SHARE = 0.2
TIME_VARYING_SHARE = 0.2
ISA_SHARE = 0.1

COLUMNS = (
    "case", "source", "reference", "measure", "label", "unit", "definition",
    "published", "published_ci_low", "published_ci_high", "published_se", "published_decimals",
    "humanline", "humanline_ci_low", "humanline_ci_high", "humanline_se", "replications",
    "z", "z_limit", "verdict", "note",
)


TIME_VARYING_COLUMNS = (
    "method", "label", "phase", "time_in_cycle", "calls_per_h", "agents", "p_delay", "ci_low", "ci_high", "n",
    "z_vs_alpha", "share_delayed", "share_delayed_ci_low", "share_delayed_ci_high",
)


@dataclass
class AgreementTable:
    """The study's result: ``rows`` (COLUMNS), the cases not expressible, and the time-varying detail."""

    rows: pd.DataFrame
    not_expressible: pd.DataFrame
    time_varying: pd.DataFrame
    replications: int
    seed: int
    notes: list[str] = field(default_factory=list)


def _share(replications: int, share: float, floor: int) -> int:
    return max(floor, min(replications, int(math.ceil(replications * share))))


def _estimate(case_rows: pd.DataFrame, estimator: tuple[str, ...], confidence: float) -> Estimate:
    if estimator[0] == "mean":
        return mean_estimate(case_rows[estimator[1]], confidence)
    return ratio_estimate(case_rows[estimator[1]], case_rows[estimator[2]], confidence)


def _row(case: str, source: str, reference: str, measure: str, label: str, unit: str, definition: str,
         published: Published, ours: Estimate, note: str) -> dict:
    """One row of the table (COLUMNS): the published figure, ours, and the verdict between them."""
    z, limit = z_score(ours, published), z_limit(ours, published)
    return {
        "case": case, "source": source, "reference": reference, "measure": measure, "label": label, "unit": unit,
        "definition": definition,
        "published": published.value,
        "published_ci_low": math.nan if published.ci_low is None else published.ci_low,
        "published_ci_high": math.nan if published.ci_high is None else published.ci_high,
        "published_se": published.se, "published_decimals": published.decimals,
        "humanline": ours.mean, "humanline_ci_low": ours.ci_low, "humanline_ci_high": ours.ci_high,
        "humanline_se": ours.se, "replications": ours.n, "z": z, "z_limit": limit, "verdict": verdict(z, limit),
        "note": note,
    }


def published_case_rows(case: PublishedCase, replications: int, seed: int, workers: int = 1) -> list[dict]:
    """One row per measure of a ContactCenters case; our interval at the published confidence level."""
    days = pd.DataFrame(per_replication(case.scenario, case.counter, replications, seed, workers))
    note = f"{int(case.confidence * 100)}% intervals, as published"
    return [_row(case.case, f"{REPOSITORY} {case.source}; {case.settings}", m.source, m.key, m.label, m.unit,
                 m.definition, m.published, _estimate(days, m.estimator, case.confidence), note)
            for m in case.measures]


def erlang_rows(replications: int, seed: int, workers: int = 1) -> list[dict]:
    """The closed-form Erlang C and A cases (sim.studies.validation): exact published values, no interval."""
    record = validation_record(RunSettings(replications=replications, seed=seed, workers=workers))
    sources = {c.case: c.source for c in ERLANG_CASES}
    rows = []
    for r in record.itertuples():
        half = (r.ci_high - r.ci_low) / 2
        se = half / float(stdtrit(r.n - 1, 0.975)) if r.n > 1 else math.nan
        label, kind = ERLANG_LABELS[r.metric]
        rows.append(_row(
            f"{r.case} ({r.model})", f"docs/reference/erlang_cases.md: {sources[r.case]}",
            f"docs/reference/erlang_cases.md, {r.model} table, case {r.case}", r.metric, label,
            "seconds" if kind == "seconds" else kind,
            ("stationary: one 24-hour day of constant rate and 24-hour shift, the first hour left "
             "out as warm-up; answered within 20 s over all offered, abandons against it"
             if r.metric == "service_level" else "stationary day, first hour left out"),
            Published(r.published), Estimate(r.simulated, se, r.ci_low, r.ci_high, r.n),
            "closed form (exact): the combined uncertainty is humanline's alone"))
    return rows


def erlang_x_rows(replications: int, seed: int, workers: int = 1) -> list[dict]:
    """Erlang X (exact chain) beside the simulation of the same centre with lines and redials (``erlang_x``)."""
    rows = []
    for case in erlang_x.CASES:
        exact = case.formula()
        counter = partial(erlang_x.counts, agents=case.agents)
        days = pd.DataFrame(per_replication(erlang_x.case_scenario(case), counter, replications, seed, workers))
        method = ("exact Markov chain" if exact.method == "exact chain"
                  else "exact birth-death chain (no redials)" if not case.redial_probability else exact.method)
        for m in erlang_x.measures_of(case):
            ours = _estimate(days, m.estimator, 0.95)
            note = f"formula exact ({method}): the combined uncertainty is humanline's alone"
            if exact.fixed_point is not None:
                fixed = Published(erlang_x.formula_value(exact.fixed_point, m.key))
                note += (f"; Erlang X's fixed point (redials taken as fresh Poisson calls) gives "
                         f"{fixed.value:.4g}, z = {z_score(ours, fixed):+.1f}")
            rows.append(_row(
                f"{case.case} (Erlang X)", f"{erlang_x.CITATION}; {case.title}: {case.settings}",
                f"sim.analytic.erlang.erlang_x_metrics, case {case.case}", m.key, m.label,
                "calls" if m.key == "attempts_per_call" else "share",
                f"{m.definition}; stationary: one 24-hour day, the first {erlang_x.WARMUP_H:g} h left out",
                Published(erlang_x.formula_value(exact, m.key)), ours, note))
    return rows


def time_varying_rows(result: time_varying.TimeVaryingResult) -> list[dict]:
    rows = []
    detail = result.per_interval
    for s in result.summary.itertuples():
        worst = detail[(detail.method == s.method) & (detail.phase == s.worst_phase)].iloc[0]
        claim = ("P(delay) at most alpha in every interval (not significantly above)" if s.method == "isa"
                 else "P(delay) significantly above alpha in some interval")
        rows.append({
            "case": "FMMW 2008 sinusoidal", "source": f"{time_varying.CITATION}; settings ours: {time_varying.SETTINGS}",
            "reference": "the paper's abstract: the ISA yields time-stable delay probabilities (M_t/M/s_t+M)",
            "measure": f"max_p_delay_{s.method}", "label": f"{s.label}: worst interval's P(delay)",
            "unit": "share",
            "definition": ("time-average of 1[L(t) >= s(t)] in the interval (L: calls waiting or in service), "
                           f"cycles 2-{time_varying.CYCLES} pooled by phase; worst phase {worst.time_in_cycle} "
                           f"of the cycle; over the cycle {s.min_p_delay:.3f} to {s.max_p_delay:.3f}"),
            "published": time_varying.ALPHA, "published_ci_low": math.nan, "published_ci_high": math.nan,
            "published_se": 0.0,
            "humanline": worst.p_delay, "humanline_ci_low": worst.ci_low, "humanline_ci_high": worst.ci_high,
            "humanline_se": (worst.p_delay - time_varying.ALPHA) / worst.z_vs_alpha if worst.z_vs_alpha else math.nan,
            "replications": int(worst.n), "z": float(s.max_z_above_alpha), "z_limit": float(s.z_limit),
            "verdict": "agrees" if s.holds else "differs",
            "note": f"the paper's claim: {claim}; published value = the target alpha, not an estimate",
        })
    return rows


def agreement_table(settings: RunSettings | None = None, *, erlang: bool = True,
                    time_varying_case: bool = True) -> AgreementTable:
    """Run every expressible case as ``settings`` say (unset: ``DEFAULT_REPLICATIONS``, ``DEFAULT_SEED``).

    ``settings.replications`` is the ContactCenters cases' count (the others get a share). Progress is
    reported before each case (``stage``: the case). ``erlang=False`` leaves out the closed-form cases (Erlang
    C, A and X; the evidence report has the C and A ones already) and ``time_varying_case=False`` the
    time-varying one (the report cannot wait for it); the notes then say so.
    """
    settings = (settings or RunSettings()).or_defaults(DEFAULT_REPLICATIONS, DEFAULT_SEED)
    replications, seed, workers = settings.replications, settings.seed, settings.workers
    erlang_reps = _share(replications, ERLANG_SHARE, 10)
    erlang_x_reps = _share(replications, ERLANG_X_SHARE, 10)
    tv_reps = _share(replications, TIME_VARYING_SHARE, 10)
    isa_reps = _share(replications, ISA_SHARE, 20)
    steps = [(c.case, lambda c=c: published_case_rows(c, replications, seed, workers)) for c in CASES]
    if erlang:
        steps.append(("Erlang C and A", lambda: erlang_rows(erlang_reps, seed, workers)))
        steps.append(("Erlang X with lines and redials", lambda: erlang_x_rows(erlang_x_reps, seed, workers)))
    tv_holder: dict = {}

    def tv() -> list[dict]:
        tv_holder["result"] = time_varying.time_varying_case(tv_reps, seed, isa_reps, workers)
        return time_varying_rows(tv_holder["result"])

    if time_varying_case:
        steps.append(("FMMW 2008 sinusoidal day", tv))
    rows: list[dict] = []
    for i, (label, step) in enumerate(steps):
        settings.tell(i, len(steps), label)
        rows.extend(step())
    settings.tell(len(steps), len(steps), "done")
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    missing = pd.DataFrame(list(NOT_EXPRESSIBLE), columns=["case", "published", "source", "reason"])
    missing["source"] = np.where(missing["source"].str.startswith("doc/"), REPOSITORY + " " + missing["source"],
                                 missing["source"])
    tv_result = tv_holder.get("result")
    notes = [
        f"ContactCenters figures: {REPOSITORY} at commit {COMMIT[:12]}, doc/examples/*.res (1,000 days each); "
        "published standard error = printed standard deviation / sqrt(1000), plus the printed rounding "
        "(unit^2/12) in the combined uncertainty.",
        f"A row agrees when |z| <= {Z:g}: z = (humanline - published) / sqrt(se_humanline^2 + se_published^2 "
        "+ rounding^2); with few replications the limit (column z_limit) is the Student t quantile with the "
        f"same false-alarm rate (about 1 in 16,000 per row), e.g. {t_limit(99):.2f} at 100 replications.",
        f"Replications: {replications} days per ContactCenters case"
        + (f", {erlang_reps} stationary days per Erlang C and A case, {erlang_x_reps} per Erlang X case" if erlang
           else " (Erlang C, A and X cases not run here)")
        + (f", {tv_reps} sinusoidal days per staffing in the time-varying case (ISA fitted on {isa_reps} "
           f"others; converged: {tv_result.isa_converged}, {tv_result.isa_iterations} iterations)."
           if tv_result else " (time-varying case not run here)."),
    ]
    if erlang:
        notes.append(
            "Erlang X: the formula's exact Markov chain (sim.analytic.erlang.erlang_x_metrics with a redial delay) "
            "against the simulation of the same centre, every measure per attempt (fresh calls and redials) over "
            f"the hours after a {erlang_x.WARMUP_H:g}-hour warm-up. Where they cannot agree: humanline caps an "
            f"incident's attempts at {erlang_x.MAX_ATTEMPTS} (Erlang X has no cap; the share reaching it is below "
            "1e-40 here), and the loss per fresh call leaves out incidents starting in the last "
            f"{erlang_x.TAIL_H:g} hours (their redials meet a centre that takes no more fresh calls). Erlang X's "
            "fixed point, which takes redials for fresh Poisson calls, is not what the rows compare with; each "
            "redial row's note gives its value and z, which show where that assumption fails (short redial "
            "delays, congestion).")
    if tv_result:
        notes.append(
            "Time-varying case: humanline's agents finish the call in hand when their slot ends, so the share of "
            "arrivals who find no free agent (column share_delayed of the detail) is lower than P(L >= s) where "
            "staffing falls; the paper's measure is P(L(t) >= s(t)).")
    detail = tv_result.per_interval if tv_result else pd.DataFrame(columns=TIME_VARYING_COLUMNS)
    return AgreementTable(frame, missing, detail, replications, seed, notes)
