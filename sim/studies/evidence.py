"""What the evidence report rests on, computed once and handed over as tidy tables.

``gather_evidence(scenario)`` makes every figure the report shows: the
comparison of every policy (``sim.runs.guard.run_checked``) with its compare,
summary and non-emergency service tables (``sim.studies.comparison``), the
cost-of-cutting frontier of the baseline on the coarse grid
(``cost_of_cutting_frontier``: the break-even search without bisection), the
validation record (``sim.studies.validation``), the ContactCenters part of the
agreement table (``sim.studies.agreement``), the points each named loss curve
rests on (``sim.studies.loss_fit``), and section 5's experiment: the tables of
a folder the user gives (``read_experiment``, through the experiment store) or
else a small one-at-a-time experiment (``sim.studies.uncertainty.defaults``).
The result, ``Evidence``, is what ``sim.present.report`` renders; it computes
nothing of its own.

The command line (``python -m sim report``), the app and ``sim.report`` call
this one study; the app's Cost of cutting page and its What matters page call
``cost_of_cutting_frontier`` and ``read_experiment`` as the report does.

Progress: through ``RunSettings.progress``, one ``ProgressEvent`` per step,
its ``stage`` the part running in words (``total`` 0 when it starts, or where
its runs are not counted).
"""

from __future__ import annotations

import functools
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.files.export import git_commit, scenario_hash
from sim.files.scenario_io import scenario_to_yaml
from sim.model.loss_catalogue import CATALOGUE
from sim.model.scenario import Scenario
from sim.runs.guard import run_checked
from sim.runs.results import Results
from sim.runs.settings import RunSettings
from sim.runs.workers import capped_workers
from sim.studies.agreement import AgreementTable, agreement_table
from sim.studies.breakeven import CRITERIA, BreakEven, BreakEvenError, breakeven, share_meaning
from sim.studies.comparison import CONFIDENCE, ComparisonTables, comparison_tables
from sim.studies.sweep import COARSE_STAFFING
from sim.studies.validation import Z, validation_record

AGREEMENT_REPLICATIONS = 200  # days per ContactCenters case: about a second each; docs/validation.md has 1,000
OAT_REPLICATIONS = 2  # per point of the report's own one-at-a-time experiment: quick, and said to be rough


@dataclass
class ExperimentRead:
    """An experiment folder (``sim.studies.uncertainty.store``) analysed, and what it was."""

    folder: str
    name: str
    scenario: str  # the base scenario's name
    policies: list[str]
    baseline: str
    factors: list[str]  # the design's columns
    replications: int
    seed: int | None
    design: str | None  # the design's kind
    currency: str
    tables: dict[str, pd.DataFrame]


@dataclass
class Evidence:
    """Everything the evidence report shows, computed (module docstring)."""

    scenario: Scenario
    results: Results  # the comparison as run: the app and callers building on it keep it
    comparison: ComparisonTables
    frontier: BreakEven | None
    frontier_note: str  # why there is no frontier ("" when there is one)
    frontier_meaning: str  # what 1.0 means on the staffing scale (sim.studies.breakeven.share_meaning)
    frontier_questions: dict[str, tuple[str, str]]  # criterion -> (metric judged, the question in words)
    frontier_grid: tuple[float, ...]
    validation: pd.DataFrame  # sim.studies.validation.validation_record
    validation_z: float  # |z| at most this agrees
    agreement: AgreementTable
    what_if: dict  # what section 5 comes from: kind "folder", "quick" or "none", with its facts
    what_if_tables: dict[str, pd.DataFrame] | None  # sim.studies.uncertainty.analyse, or None
    loss_evidence: pd.DataFrame  # the published points (sim.studies.loss_fit.read_evidence); empty if unused
    loss_curve_points: dict[str, pd.DataFrame]  # named curve -> the points it rests on, fit and band (curve_table)
    scenario_yaml: str
    scenario_sha256: str
    commit: str | None  # the code's git commit, None outside a checkout
    timings: dict[str, float] = field(default_factory=dict)


def gather_evidence(
    scenario: Scenario,
    *,
    experiment: str | Path | None = None,
    settings: RunSettings | None = None,
    oat_replications: int = OAT_REPLICATIONS,
    results: Results | None = None,
    frontier: BreakEven | None = None,
) -> Evidence:
    """Run what the report needs (module docstring), with the scenario's replications and seed.

    ``settings``: the workers and the progress callback (replications and seed
    are the scenario's, which the report shows: set them on the scenario).

    ``experiment``: a folder of ``sim.experiment`` for section 5 (without it a
    small one-at-a-time experiment of ``oat_replications`` per point is run).
    ``results`` and ``frontier``: runs already made (the app's comparison, and
    its frontier of the baseline on ``COARSE_STAFFING``), used instead of
    running them again when they are of this very scenario, seed and
    replications; otherwise they are ignored and the runs are made.
    """
    settings = (settings or RunSettings()).counts_from("the scenario the report shows")
    timings: dict[str, float] = {}

    def stage(text: str) -> RunSettings:
        settings.tell(0, 0, text)
        return settings.in_stage(text)

    t = time.perf_counter()
    if not _same_run(results, scenario):
        # the guards of every run: the size limits before it, finite figures after it
        results, _ = run_checked(scenario, settings=stage("comparing the policies"), keep_incidents="emergency")
    workers = capped_workers(settings.workers)[0]
    settings = settings.replace(workers=workers)
    timings["comparison_s"] = time.perf_counter() - t

    t = time.perf_counter()
    frontier_note = ""
    if frontier is None or not _same_frontier(frontier, scenario):
        try:
            frontier = cost_of_cutting_frontier(scenario, scenario.baseline_policy.id,
                                                settings=stage("tracing the cost-of-cutting frontier"))
        except BreakEvenError as exc:
            frontier, frontier_note = None, f"The frontier could not be traced: {exc.detail}."
    timings["frontier_s"] = time.perf_counter() - t

    t = time.perf_counter()
    stage("validating against the published Erlang cases")
    validation = _validation(workers).copy()
    timings["validation_s"] = time.perf_counter() - t

    t = time.perf_counter()
    stage("setting humanline beside the published ContactCenters cases")
    agreement = _agreement()
    timings["agreement_s"] = time.perf_counter() - t

    t = time.perf_counter()
    tables, what_if = _what_if(scenario, experiment, oat_replications, stage("asking what could change the verdict"))
    timings["what_if_s"] = time.perf_counter() - t

    loss_evidence, points = _loss_curve_points(scenario)
    return Evidence(
        scenario=scenario, results=results, comparison=comparison_tables(results), frontier=frontier,
        frontier_note=frontier_note, frontier_meaning=share_meaning(scenario, scenario.baseline_policy.id),
        frontier_questions={c: (metric, question) for c, (metric, _, question) in CRITERIA.items()},
        frontier_grid=COARSE_STAFFING, validation=validation, validation_z=Z, agreement=agreement,
        what_if=what_if, what_if_tables=tables, loss_evidence=loss_evidence, loss_curve_points=points,
        scenario_yaml=scenario_to_yaml(scenario), scenario_sha256=scenario_hash(scenario), commit=git_commit(),
        timings=timings,
    )


def cost_of_cutting_frontier(scenario: Scenario, template: str, values: Sequence[float] = COARSE_STAFFING,
                             settings: RunSettings | None = None) -> BreakEven:
    """``template``'s roster scaled over ``values`` (the break-even search on this grid, no bisection), at the
    report's confidence; raises ``BreakEvenError`` where the model refuses (one replication, say).

    ``settings``: replications and seed (unset: the scenario's), workers, progress after each run."""
    return breakeven(scenario, "staffing", template, values=list(values), max_rounds=0,
                     settings=(settings or RunSettings()).replace(confidence=CONFIDENCE))


def read_experiment(folder: str | Path, *, write_analysis: bool = False) -> ExperimentRead:
    """A finished (or partly finished) experiment folder analysed (``sim.studies.uncertainty.analyse``); its
    record and design read through the store. Raises ``ExperimentError`` when it is none.

    ``write_analysis``: also write the tables into the folder's ``analysis/``, as ``python -m sim analyse`` does."""
    from sim.studies.uncertainty import analyse
    from sim.studies.uncertainty.store import read_design, read_record

    folder = Path(folder)
    tables = analyse(folder, write=write_analysis)
    record, design = read_record(folder), read_design(folder)
    kind = record.get("design")
    return ExperimentRead(
        folder=str(folder), name=record.get("name", folder.name), scenario=record.get("scenario", ""),
        policies=list(record.get("policies", [])), baseline=record.get("baseline", ""), factors=list(design.columns),
        replications=int(record.get("replications", 0)), seed=record.get("seed"),
        design=kind.get("kind") if isinstance(kind, dict) else kind, currency=record.get("currency", ""),
        tables=tables,
    )


def _same_run(results: Results | None, scenario: Scenario) -> bool:
    """Whether ``results`` are the comparison this report would run: every policy of this scenario, as run."""
    return (results is not None and results.scenario == scenario and results.seed == scenario.seed
            and results.n_replications == scenario.replications and results.precision is None
            and list(results.policies) == [p.id for p in scenario.effective_policies])


def _same_frontier(search: BreakEven, scenario: Scenario) -> bool:
    """Whether ``search`` is the frontier the report would trace (the caller vouches it is of this scenario)."""
    return (search.kind == "staffing" and search.template == scenario.baseline_policy.id
            and search.replications == scenario.replications and search.seed == scenario.seed
            and search.confidence == CONFIDENCE
            and sorted(search.members["value"]) == sorted(COARSE_STAFFING))


@functools.lru_cache(maxsize=2)
def _validation(workers: int) -> pd.DataFrame:
    """The validation record: the same cases and seed for every report, so made once per process."""
    return validation_record(RunSettings(workers=workers))


@functools.lru_cache(maxsize=1)
def _agreement() -> AgreementTable:
    """The ContactCenters part of the agreement table: the same cases and seed for every report, so made once
    per process."""
    return agreement_table(RunSettings(replications=AGREEMENT_REPLICATIONS), erlang=False, time_varying_case=False)


def _what_if(scenario: Scenario, folder, replications: int, settings: RunSettings) -> tuple[dict | None, dict]:
    """Section 5's tables (``sim.studies.uncertainty.analyse``) and what they come from."""
    from sim.studies.uncertainty import analyse, run_experiment
    from sim.studies.uncertainty.defaults import default_experiment_all

    if folder is not None:
        read = read_experiment(folder)
        return read.tables, {"kind": "folder", "folder": read.folder, "name": read.name,
                             "replications": read.replications, "seed": read.seed, "design": read.design}
    spec = default_experiment_all(scenario, replications=replications)
    if spec is None:
        why = ("the scenario has a single policy, so there is no verdict to change"
               if len(scenario.effective_policies) < 2 else "no uncertain input of the usual kind applies")
        return None, {"kind": "none", "why": why}
    with tempfile.TemporaryDirectory(prefix="humanline-report-") as tmp:
        # the experiment's own replications and seed: the run settings give only the workers and progress
        run_experiment(spec, tmp, settings=RunSettings(workers=settings.workers, progress=settings.progress))
        tables = analyse(tmp, write=False)
    return tables, {"kind": "quick", "name": spec.spec.name, "replications": replications, "seed": spec.spec.seed,
                    "factors": [f.path for f in spec.spec.factors]}


def _loss_curve_points(scenario: Scenario) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The published points and, for each named loss curve the scenario uses, the rows it rests on."""
    if not scenario.loss_curve_bands:
        return pd.DataFrame(), {}
    from sim.studies.loss_fit import curve_table, read_evidence

    evidence = read_evidence()
    return evidence, {name: curve_table(name, CATALOGUE, evidence) for name in scenario.loss_curve_bands}
