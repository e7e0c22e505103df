"""What the app computes, without Streamlit: plain functions of a scenario YAML.

The app caches these (``ui.cached_runs``) keyed on the scenario YAML as edited by
the knobs — which carries the replication count and the seed — so one
scenario text always means one set of numbers. Everything returned is a
plain dataclass of DataFrames, so it pickles into ``st.cache_data`` and the
pages only format it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

import sim
from sim.files.export import code_fingerprint, provenance
from sim.model import knobs
from sim.present.formatting import fmt_change
from sim.runs.guard import NonFiniteResult, run_checked
from sim.runs.settings import Progress, ProgressEvent, RunSettings  # progress: one ProgressEvent a step
from sim.runs.size_guard import RunTooLarge
from sim.runs.workers import capped_workers, keep_workers
from sim.studies import classroom as classroom_study
from sim.studies import roster_table
from sim.studies.breakeven import BreakEven, BreakEvenError
from sim.studies.evidence import cost_of_cutting_frontier
from sim.studies.sweep import COARSE_STAFFING

# The app is one long-lived process: its worker processes start with the first parallel run and serve every
# later one, of every session (sim.runs.workers), instead of being started, and the model imported in them,
# per run.
keep_workers()


# ------------------------------------------------------- failures of a run
# A scenario that validates can still fail to run (too large, or a defect of the
# model). The app must then say so in one clear sentence and keep what it showed
# before; the traceback goes to the server log, never to the page.

_log = logging.getLogger("humanline.app")


class RunFailed(RuntimeError):
    """A run the app could not complete; ``str()`` is for the user: no traceback, no server paths."""


class RunCancelled(RuntimeError):
    """The run was stopped because ``should_stop()`` said so (its session is gone)."""


def guarded(what: str, should_stop: Callable[[], bool] | None, progress: Progress | None, fn):
    """Call ``fn(progress)``; turn any failure into ``RunFailed`` and a stop request into ``RunCancelled``.

    ``should_stop`` is checked at every progress report (after each replication).
    """

    def report(event: ProgressEvent) -> None:
        if should_stop is not None and should_stop():
            raise RunCancelled(f"{what}: stopped, nobody is waiting for it")
        if progress is not None:
            progress(event)

    try:
        return fn(report)
    except RunCancelled:
        raise
    except (RunTooLarge, NonFiniteResult, sim.ScenarioError) as exc:
        shown = exc.message(None) if isinstance(exc, RunTooLarge) else exc  # the app has no way to allow it
        raise RunFailed(f"{what} could not run: {shown}") from None
    except Exception as exc:  # a defect of the model: log it in full, show one sentence
        _log.exception("%s failed", what)
        raise RunFailed(
            f"{what} failed on this scenario ({type(exc).__name__}); the details are in the server log"
        ) from None



# The frontier runs on a coarser grid than the break-even search (no bisection), with the
# replications and seed of the comparison, so that it is ready a few seconds after it.
FRONTIER_VALUES: tuple[float, ...] = COARSE_STAFFING

def scenario_from_yaml(text: str) -> sim.Scenario:
    """A scenario YAML as written by ``sim.scenario_to_yaml`` (CSV tables already inlined)."""

    def no_csv(name: str) -> str:
        raise FileNotFoundError(name)

    return sim.parse_scenario(text, read_csv=no_csv, source="app")


def policy_labels(scenario: sim.Scenario, changes: Sequence[dict] = ()) -> dict[str, str]:
    """Policy id -> label; a policy the app edited says so, since its label may describe the file's version."""
    policies = scenario.effective_policies
    # A policy added in the app (its id is new) is not an edited one: its label says what it is.
    added = {i for i, _ in enumerate(policies) for c in changes
             if c["parameter"] == f"policies[{i}].id" and c["before"] is None}
    edited = {i for i, _ in enumerate(policies) for c in changes
              if c["parameter"].startswith(f"policies[{i}].") and i not in added}
    return {p.id: (p.label or p.id) + (" (edited)" if i in edited else "") for i, p in enumerate(policies)}


def policy_changes(scenario: sim.Scenario, changes: Sequence[dict]) -> dict[str, list[dict]]:
    """Policy id -> the changes that touch it (its own fields, with the 'policies[i].' prefix removed)."""
    out: dict[str, list[dict]] = {p.id: [] for p in scenario.effective_policies}
    for i, p in enumerate(scenario.effective_policies):
        prefix = f"policies[{i}]."
        out[p.id] = [{**c, "parameter": c["parameter"][len(prefix):]} for c in changes
                     if c["parameter"].startswith(prefix)]
    return out


@dataclass
class Comparison:
    """The default comparison: every policy of the scenario against its baseline."""

    scenario_yaml: str
    name: str
    currency: str
    days: int
    start_weekday_index: int
    guarantee_s: float
    guarantee_share: float
    baseline: str
    policies: list[str]
    labels: dict[str, str]
    descriptions: dict[str, str]
    emergency_types: list[str]
    replications_n: int
    seed: int
    workers: int
    source: str  # "preset: x.yaml" / "upload: x.yaml"
    changes: list[dict]  # sim.model.knobs.changes(loaded, run): what the app changed, parameter by parameter
    headcounts: dict[str, float]  # agents on each policy's roster as run
    replications: pd.DataFrame  # DESIGN §4: policy x replication x contact type
    per_replication: pd.DataFrame
    summary: pd.DataFrame
    compare: pd.DataFrame
    intervals: pd.DataFrame  # per policy x interval, types together, mean over replications (Results.interval_means)
    interval_rows: pd.DataFrame  # per policy x replication x type x interval, as the CLI writes intervals.csv
    incidents: pd.DataFrame  # emergency incidents
    agents: pd.DataFrame
    provenance: dict
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # Scenario.warnings and the worker cap's, to show
    # every policy's roster size in one unit: agent-hours a week, peak agents (sim.studies.roster_table.roster_sizes)
    roster_sizes: pd.DataFrame = field(default_factory=pd.DataFrame)
    # The run itself (its tables are those above, shared, not copied): the evidence report builds on it.
    results: sim.Results | None = None


@dataclass
class Frontier:
    """The cost-of-cutting frontier: one policy's roster scaled from 100% down to 0%."""

    scenario_yaml: str
    template: str
    template_label: str
    baseline: str
    values: list[float]
    replications_n: int
    seed: int
    template_scale: float  # the template's own staffing scale, a point on the curve
    full_headcount: float  # agents at share 1.0 (the template's roster before any scale)
    guarantee_s: float
    guarantee_share: float
    has_emergency: bool
    currency: str
    table: pd.DataFrame  # sim.studies.sweep.sweep output
    search: BreakEven  # the break-even search on this grid (no bisection): findings and members
    timings: dict[str, float] = field(default_factory=dict)


def run_comparison(scenario_yaml: str, base_yaml: str | None = None, source: str = "", workers: int = 1,
                   progress: Progress | None = None, should_stop: Callable[[], bool] | None = None) -> Comparison:
    """Run every policy of the scenario (its own replications and seed) and tabulate.

    ``base_yaml``: the scenario as loaded, before the app's edits; the edits
    (``sim.model.knobs.changes``) go into the labels and the provenance record.
    Raises ``RunFailed`` (a message for the user) if it cannot, ``RunCancelled`` if ``should_stop()``.
    """
    t0 = time.perf_counter()
    scenario = scenario_from_yaml(scenario_yaml)
    base = scenario_from_yaml(base_yaml) if base_yaml is not None else scenario
    changes = knobs.changes(base, scenario)
    results, warnings = guarded(
        "The comparison", should_stop, progress,
        lambda report: run_checked(scenario, settings=RunSettings(workers=workers, progress=report)),
    )
    t1 = time.perf_counter()
    per_rep = results.per_replication()
    summary = results.summary()
    compare = results.compare()
    prov = provenance(results, command="streamlit run app.py (humanline app)")
    prov["app_scenario_source"] = source
    prov["in_app_edits"] = changes
    t2 = time.perf_counter()
    return Comparison(
        scenario_yaml=scenario_yaml,
        name=scenario.name,
        currency=scenario.economics.currency,
        days=scenario.days,
        start_weekday_index=scenario.start_weekday_index,
        guarantee_s=scenario.guarantee_s,
        guarantee_share=scenario.guarantee_share,
        baseline=scenario.baseline_policy.id,
        policies=list(results.policies),
        labels=policy_labels(scenario, changes),
        descriptions={p.id: p.description for p in scenario.effective_policies},
        emergency_types=[c.id for c in scenario.contact_types if c.emergency],
        replications_n=results.n_replications,
        seed=results.seed,
        workers=workers,
        source=source,
        changes=changes,
        headcounts={p.id: knobs.roster_headcount(scenario, p.id) for p in scenario.effective_policies},
        replications=results.replications,
        per_replication=per_rep,
        summary=summary,
        compare=compare,
        intervals=results.interval_means(),
        interval_rows=results.intervals,
        incidents=results.incidents,
        agents=results.agents,
        provenance=prov,
        timings={"simulate_s": t1 - t0, "statistics_s": t2 - t1},
        warnings=warnings,
        roster_sizes=roster_table.roster_sizes(scenario),
        results=results,
    )


def run_frontier(
    scenario_yaml: str,
    template: str,
    values: Sequence[float] = FRONTIER_VALUES,
    workers: int = 1,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Frontier | str:
    """Scale ``template``'s roster over ``values`` with the scenario's replications and seed.

    It is the report's frontier (``sim.studies.evidence.cost_of_cutting_frontier``:
    the break-even search on this grid without bisection), so the break point is
    stated as ``breakeven`` states it.
    Returns the model's message (a str) when it refuses, e.g. one replication;
    raises ``RunFailed`` / ``RunCancelled`` as ``run_comparison`` does.
    """
    t0 = time.perf_counter()
    scenario = scenario_from_yaml(scenario_yaml)

    def search_grid(report):
        try:
            return cost_of_cutting_frontier(scenario, template, values,
                                            settings=RunSettings(workers=capped_workers(workers)[0], progress=report))
        except BreakEvenError as exc:  # the model refuses (one replication, say): its message is the answer
            return str(exc)

    search = guarded("The frontier", should_stop, progress, search_grid)
    if isinstance(search, str):
        return search
    return Frontier(
        scenario_yaml=scenario_yaml,
        template=template,
        template_label=policy_labels(scenario)[template],
        baseline=scenario.baseline_policy.id,
        values=list(values),
        replications_n=search.replications,
        seed=search.seed,
        template_scale=scenario.policy(template).staffing_scale,
        full_headcount=knobs.roster_headcount(scenario, template, 1.0),
        guarantee_s=scenario.guarantee_s,
        guarantee_share=scenario.guarantee_share,
        has_emergency=any(c.emergency for c in scenario.contact_types),
        currency=scenario.economics.currency,
        table=search.runs.drop(columns=["batch"]),
        search=search,
        timings={"total_s": time.perf_counter() - t0},
    )


def scenario_as_run(comparison: Comparison) -> str:
    """The run's scenario YAML, headed by where it came from and every change the app made to it."""
    lines = [f"# humanline scenario as run in the app, from {comparison.source or 'the app'};"]
    if comparison.changes:
        lines.append("# changed in the app (file value -> value run):")
        lines += [f"#   {c['parameter']}: {fmt_change(c['before'], c['after']).replace(' → ', ' -> ')}"
                  for c in comparison.changes]  # as the sidebar lists them, without float noise
    else:
        lines.append("# no changes: exactly the file as loaded.")
    return "\n".join(lines) + "\n" + comparison.scenario_yaml


def export_tables(comparison: Comparison, frontier: "Frontier | None" = None) -> dict[str, pd.DataFrame]:
    """Every table of a run by file stem, as the downloads offer them."""
    tables = {
        "replications": comparison.replications,
        "summary": comparison.summary,
        "compare": comparison.compare,
        "intervals": comparison.interval_rows,
        "interval_means": comparison.intervals,
        "incidents": comparison.incidents,
        "agents": comparison.agents,
    }
    if frontier is not None:
        members = frontier.search.members.set_index("value")["headcount"]
        tables["frontier"] = frontier.table.assign(agents=frontier.table["value"].map(members),
                                                   template=frontier.template)
    return tables


# ---------------------------------------------------------------- classroom
# The classroom's computations live in sim.studies.classroom; here only the app's failure handling.

CLASSROOM_PRESETS = ("classroom_mmc.yaml", "classroom_mmcm.yaml")
EXERCISES_DIR = "exercises"  # under the presets folder
Classroom = classroom_study.Classroom


def classroom_defaults(presets_dir) -> dict:
    """Playground defaults read from the classroom presets (Erlang cases C1 and A1)."""
    out = {"arrivals_per_hour": 200.0, "mean_handle_s": 180.0, "servers": 14, "mean_patience_s": 300.0,
           "target_s": 20.0}
    mmc, mmcm = (Path(presets_dir) / name for name in CLASSROOM_PRESETS)
    if mmc.exists():
        q = classroom_study.queue_of(sim.load_scenario(mmc))
        out.update({k: q[k] for k in ("arrivals_per_hour", "mean_handle_s", "servers", "target_s") if k in q})
    if mmcm.exists():
        out["mean_patience_s"] = classroom_study.queue_of(sim.load_scenario(mmcm))["mean_patience_s"]
    return out


def run_classroom(arrivals_per_hour: float, mean_handle_s: float, servers: int, mean_patience_s: float | None = None,
                  target_s: float = 20.0, days: int = 1, replications: int = 5, seed: int = 1,
                  progress: Progress | None = None, should_stop: Callable[[], bool] | None = None) -> Classroom:
    return guarded("The classroom run", should_stop, progress, lambda report: classroom_study.formulas_vs_simulation(
        arrivals_per_hour, mean_handle_s, servers, mean_patience_s, target_s, days,
        RunSettings(replications=replications, seed=seed, progress=report)))


def run_replay(scenario_yaml: str, policy: str, replication: int = 0,
               max_frames: int = classroom_study.DEFAULT_MAX_FRAMES) -> classroom_study.Replay:
    """One replication of the scenario, frame by frame (sim.studies.classroom.replay)."""
    from sim.runs.size_guard import check_run_size

    scenario = scenario_from_yaml(scenario_yaml)

    def replay(_report):
        check_run_size(scenario, [policy], 1, 1)  # RunTooLarge: one sentence, before the run
        return classroom_study.replay(scenario, policy, replication, max_frames=max_frames)

    return guarded("The replay", None, None, replay)


def run_erlang_sweep(progress: Progress | None = None, should_stop: Callable[[], bool] | None = None,
                     **params) -> classroom_study.Sweep:
    settings = _settings_of(params)
    return guarded("The agent-count sweep", should_stop, progress,
                   lambda report: classroom_study.erlang_sweep(**params, settings=settings.replace(progress=report)))


def run_replications_demo(progress: Progress | None = None, should_stop: Callable[[], bool] | None = None,
                          **params) -> classroom_study.ReplicationsDemo:
    settings = _settings_of(params, classroom_study.DEMO_SETTINGS)
    return guarded("The replications demo", should_stop, progress,
                   lambda report: classroom_study.replications_demo(**params,
                                                                    settings=settings.replace(progress=report)))


def _settings_of(params: dict, base: RunSettings | None = None) -> RunSettings:
    """The run settings among a page's parameters, taken out of them (the rest describe the queue)."""
    fields = {name: params.pop(name) for name in ("replications", "seed", "workers", "precision", "max_replications")
              if name in params}
    return (base or RunSettings()).replace(**fields)


def exercises(presets_dir) -> dict[str, classroom_study.Exercise]:
    """Exercise file name -> exercise, for every valid file in the exercises folder (broken ones left out)."""
    out = {}
    for path in sorted((Path(presets_dir) / EXERCISES_DIR).glob("*.exercise.yaml")):
        try:
            out[path.name] = classroom_study.load_exercise(path)[0]
        except classroom_study.ExerciseError:
            _log.exception("exercise %s does not load", path.name)  # the tests catch it; the page goes on
    return out


def check_exercise(presets_dir, name: str, answer: float, progress: Progress | None = None,
                   should_stop: Callable[[], bool] | None = None) -> classroom_study.Check:
    exercise, scenario = classroom_study.load_exercise(Path(presets_dir) / EXERCISES_DIR / name)
    return guarded("The check", should_stop, progress,
                   lambda report: classroom_study.check_answer(exercise, scenario, answer,
                                                               RunSettings(progress=report)))


# ------------------------------------------------------------- what matters


@dataclass
class WhatMatters:
    """The tables of an experiment (``sim.studies.uncertainty.analyse``) and what it was."""

    name: str
    description: str
    policies: list[str]
    baseline: str
    factors: list[str]
    replications_n: int
    folder: str
    tables: dict[str, pd.DataFrame]
    currency: str


def run_what_matters(scenario_yaml: str, policy: str, replications: int = 2, workers: int = 1,
                     progress: Progress | None = None, should_stop: Callable[[], bool] | None = None) -> WhatMatters:
    """The default one-at-a-time experiment for ``policy`` (sim.studies.uncertainty.defaults), run and analysed.

    Its folder lives in the user's own cache folder (``ui.cache``), named by
    the scenario and policy, so a run the server stopped half-way resumes.
    """
    from sim.studies.uncertainty import run_experiment
    from sim.studies.uncertainty.defaults import default_experiment

    from .cache import what_matters_root

    scenario = scenario_from_yaml(scenario_yaml)
    experiment = default_experiment(scenario, policy, replications=replications)
    # Keyed by the code too: a folder from another model version is never resumed (sim.studies.uncertainty.store).
    folder = what_matters_root() / f"{experiment.fingerprint[:16]}-{code_fingerprint()[:8]}"
    guarded("The experiment", should_stop, progress,
            lambda report: run_experiment(experiment, folder,
                                          settings=RunSettings(workers=capped_workers(workers)[0], progress=report)))
    return _what_matters(folder, scenario.economics.currency)


def open_experiment(folder: str) -> WhatMatters:
    """A finished (or partly finished) experiment folder, analysed. Raises RunFailed with the reason if it is none."""
    from sim.studies.uncertainty import ExperimentError

    path = Path(folder).expanduser()
    try:
        return _what_matters(path, None)
    except (ExperimentError, OSError) as exc:
        raise RunFailed(f"Cannot open {folder!r} as an experiment folder: {exc}") from None


def _what_matters(folder: Path, currency: str | None) -> WhatMatters:
    from sim.studies.evidence import read_experiment

    read = read_experiment(folder, write_analysis=True)  # its analysis/ tables, as `python -m sim analyse` writes
    return WhatMatters(
        name=read.name, description=read.scenario, policies=read.policies, baseline=read.baseline,
        factors=read.factors, replications_n=read.replications, folder=read.folder, tables=read.tables,
        currency=currency or read.currency,
    )


def export_provenance(result: Comparison) -> dict:
    """The run's provenance as of this export: ``created_utc`` now, ``simulated_utc`` when the run was made.

    Runs are cached across sessions, so the time in the cached record is
    whichever session first ran these settings, not when this file was made.
    """
    from datetime import datetime, timezone

    record = dict(result.provenance)
    record["simulated_utc"] = record.get("created_utc")
    record["created_utc"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return record


# ---------------------------------------------------------- evidence report


def evidence_report(scenario_yaml: str, base_yaml: str | None = None, source: str = "", workers: int = 1,
                    progress: Progress | None = None, should_stop: Callable[[], bool] | None = None,
                    comparison: Comparison | None = None, frontier: Frontier | None = None) -> str:
    """The evidence report of the scenario as run in the app, its edits listed; the HTML text.

    The same study as ``sim.report`` (``sim.studies.evidence.gather_evidence``), rendered by
    ``sim.present.report``.

    ``comparison`` and ``frontier``: what the app already ran; the report uses
    them instead of running them again when they are of this scenario text (the
    frontier only when it is the baseline's, the one the report draws).
    Raises ``RunFailed`` / ``RunCancelled`` as ``run_comparison`` does.
    """
    from sim.present.report import render_report
    from sim.studies.evidence import gather_evidence

    scenario = scenario_from_yaml(scenario_yaml)
    base = scenario_from_yaml(base_yaml) if base_yaml is not None else None
    results = comparison.results if comparison is not None and comparison.scenario_yaml == scenario_yaml else None
    search = (frontier.search if frontier is not None and frontier.scenario_yaml == scenario_yaml
              and frontier.template == scenario.baseline_policy.id else None)

    def build(report):
        settings = RunSettings(workers=capped_workers(workers)[0], progress=report)
        evidence = gather_evidence(scenario, settings=settings, results=results, frontier=search)
        return render_report(evidence, version=sim.__version__, base=base, source=source,
                             command="streamlit run app.py (humanline app): Compare policies, evidence report")

    return guarded("The evidence report", should_stop, progress, build)
