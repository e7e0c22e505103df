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
  CallCC), 1,000 simulated days each, with their intervals;
- ``time_varying``: Feldman, Mandelbaum, Massey & Whitt (2008): the
  iterative staffing algorithm against per-interval Erlang C on a
  sinusoidal day (a claim about a pattern, judged per interval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from sim.runs.settings import RunSettings
from sim.studies.agreement import time_varying
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


def published_case_rows(case: PublishedCase, replications: int, seed: int, workers: int = 1) -> list[dict]:
    """One row per measure of a ContactCenters case; our interval at the published confidence level."""
    days = pd.DataFrame(per_replication(case.scenario, case.counter, replications, seed, workers))
    rows = []
    for m in case.measures:
        ours = _estimate(days, m.estimator, case.confidence)
        z, limit = z_score(ours, m.published), z_limit(ours, m.published)
        rows.append({
            "case": case.case, "source": f"{REPOSITORY} {case.source}; {case.settings}",
            "reference": m.source, "measure": m.key, "label": m.label, "unit": m.unit, "definition": m.definition,
            "published": m.published.value, "published_ci_low": m.published.ci_low,
            "published_ci_high": m.published.ci_high, "published_se": m.published.se,
            "published_decimals": m.published.decimals,
            "humanline": ours.mean, "humanline_ci_low": ours.ci_low, "humanline_ci_high": ours.ci_high,
            "humanline_se": ours.se, "replications": ours.n, "z": z, "z_limit": limit,
            "verdict": verdict(z, limit), "note": f"{int(case.confidence * 100)}% intervals, as published",
        })
    return rows


def erlang_rows(replications: int, seed: int, workers: int = 1) -> list[dict]:
    """The closed-form Erlang C and A cases (sim.studies.validation): exact published values, no interval."""
    record = validation_record(RunSettings(replications=replications, seed=seed, workers=workers))
    sources = {c.case: c.source for c in ERLANG_CASES}
    rows = []
    for r in record.itertuples():
        half = (r.ci_high - r.ci_low) / 2
        se = half / float(stdtrit(r.n - 1, 0.975)) if r.n > 1 else math.nan
        ours = Estimate(r.simulated, se, r.ci_low, r.ci_high, r.n)
        z, limit = z_score(ours, Published(r.published)), z_limit(ours, Published(r.published))
        label, kind = ERLANG_LABELS[r.metric]
        rows.append({
            "case": f"{r.case} ({r.model})", "source": f"docs/reference/erlang_cases.md: {sources[r.case]}",
            "reference": f"docs/reference/erlang_cases.md, {r.model} table, case {r.case}", "measure": r.metric, "label": label, "unit": "seconds" if kind == "seconds" else kind,
            "definition": ("stationary: one 24-hour day of constant rate and 24-hour shift, the first hour left "
                           "out as warm-up; answered within 20 s over all offered, abandons against it"
                           if r.metric == "service_level" else "stationary day, first hour left out"),
            "published": r.published, "published_ci_low": math.nan, "published_ci_high": math.nan,
            "published_se": 0.0,
            "humanline": r.simulated, "humanline_ci_low": r.ci_low, "humanline_ci_high": r.ci_high,
            "humanline_se": se, "replications": r.n, "z": z, "z_limit": limit, "verdict": verdict(z, limit),
            "note": "closed form (exact): the combined uncertainty is humanline's alone",
        })
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
    reported before each case (``stage``: the case). ``erlang=False`` or
    ``time_varying_case=False`` leave those cases out (the evidence report has the Erlang ones already
    and cannot wait for the time-varying one); the notes then say so.
    """
    settings = (settings or RunSettings()).or_defaults(DEFAULT_REPLICATIONS, DEFAULT_SEED)
    replications, seed, workers = settings.replications, settings.seed, settings.workers
    erlang_reps = _share(replications, ERLANG_SHARE, 10)
    tv_reps = _share(replications, TIME_VARYING_SHARE, 10)
    isa_reps = _share(replications, ISA_SHARE, 20)
    steps = [(c.case, lambda c=c: published_case_rows(c, replications, seed, workers)) for c in CASES]
    if erlang:
        steps.append(("Erlang C and A", lambda: erlang_rows(erlang_reps, seed, workers)))
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
        + (f", {erlang_reps} stationary days per Erlang case" if erlang else " (Erlang cases not run here)")
        + (f", {tv_reps} sinusoidal days per staffing in the time-varying case (ISA fitted on {isa_reps} "
           f"others; converged: {tv_result.isa_converged}, {tv_result.isa_iterations} iterations)."
           if tv_result else " (time-varying case not run here)."),
    ]
    if tv_result:
        notes.append(
            "Time-varying case: humanline's agents finish the call in hand when their slot ends, so the share of "
            "arrivals who find no free agent (column share_delayed of the detail) is lower than P(L >= s) where "
            "staffing falls; the paper's measure is P(L(t) >= s(t)).")
    detail = tv_result.per_interval if tv_result else pd.DataFrame(columns=TIME_VARYING_COLUMNS)
    return AgreementTable(frame, missing, detail, replications, seed, notes)
