"""What the app computes, without Streamlit: plain functions of a scenario YAML.

The app caches these (``ui.state``) keyed on the scenario YAML as edited by
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

import numpy as np
import pandas as pd

import sim
from sim.export import provenance
from sim.run_guard import NonFiniteResult, run_checked
from sim.size_guard import RunTooLarge
from sim.sweep import sweep
from sim.workers import capped_workers


Progress = Callable[[int, int], None]

# The frontier runs on a coarser grid and with fewer replications than the
# comparison, so that it is ready a few seconds after the comparison is.
FRONTIER_VALUES: tuple[float, ...] = (1.0, 0.8, 0.6, 0.4, 0.2, 0.0)
FRONTIER_MAX_REPLICATIONS = 2

# Counts calls that actually simulate (cache misses), so tests can check that
# switching pages does not rerun anything.
SIMULATION_CALLS = {"comparison": 0, "frontier": 0, "classroom": 0}


# ------------------------------------------------------- failures of a run
# A scenario that validates can still fail to run (too large, or a defect of the
# model). The app must then say so in one clear sentence and keep what it showed
# before; the traceback goes to the server log, never to the page.

_log = logging.getLogger("humanline.app")


class RunFailed(RuntimeError):
    """A run the app could not complete; ``str()`` is for the user: no traceback, no server paths."""


class RunCancelled(RuntimeError):
    """The run was stopped because ``should_stop()`` said so (its session is gone)."""


def _guarded(what: str, should_stop: Callable[[], bool] | None, progress: Progress | None, fn):
    """Call ``fn(progress)``; turn any failure into ``RunFailed`` and a stop request into ``RunCancelled``.

    ``should_stop`` is checked at every progress report (after each replication).
    """

    def report(done: int, total: int, *label) -> None:
        if should_stop is not None and should_stop():
            raise RunCancelled(f"{what}: stopped, nobody is waiting for it")
        if progress is not None:
            progress(done, total)

    try:
        return fn(report)
    except RunCancelled:
        raise
    except (RunTooLarge, NonFiniteResult, sim.ScenarioError) as exc:
        raise RunFailed(f"{what} could not run: {exc}") from None
    except Exception as exc:  # a defect of the model: log it in full, show one sentence
        _log.exception("%s failed", what)
        raise RunFailed(
            f"{what} failed on this scenario ({type(exc).__name__}); the details are in the server log"
        ) from None


def scenario_from_yaml(text: str) -> sim.Scenario:
    """A scenario YAML as written by ``sim.scenario_to_yaml`` (CSV tables already inlined)."""

    def no_csv(name: str) -> str:
        raise FileNotFoundError(name)

    return sim.parse_scenario(text, read_csv=no_csv, source="app")


def policy_labels(scenario: sim.Scenario) -> dict[str, str]:
    return {p.id: (p.label or p.id) for p in scenario.effective_policies}


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
    replications: pd.DataFrame  # DESIGN §4: policy x replication x contact type
    per_replication: pd.DataFrame
    summary: pd.DataFrame
    compare: pd.DataFrame
    intervals: pd.DataFrame  # per policy x interval, summed over types, mean over replications
    incidents: pd.DataFrame  # emergency incidents
    agents: pd.DataFrame
    provenance: dict
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # Scenario.warnings and the worker cap's, to show


@dataclass
class Frontier:
    """The cost-of-cutting frontier: one policy's roster scaled from 100% down to 0%."""

    scenario_yaml: str
    template: str
    template_label: str
    baseline: str
    values: list[float]
    replications_n: int
    template_scale: float  # the template's own staffing scale, a point on the curve
    guarantee_s: float
    guarantee_share: float
    currency: str
    table: pd.DataFrame  # sim.sweep.sweep output
    timings: dict[str, float] = field(default_factory=dict)


def run_comparison(
    scenario_yaml: str,
    workers: int = 1,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Comparison:
    """Run every policy of the scenario (its own replications and seed) and tabulate.

    Raises ``RunFailed`` (a message for the user) if it cannot, ``RunCancelled`` if ``should_stop()``.
    """
    SIMULATION_CALLS["comparison"] += 1
    t0 = time.perf_counter()
    scenario = scenario_from_yaml(scenario_yaml)
    results, warnings = _guarded(
        "The comparison", should_stop, progress,
        lambda report: run_checked(scenario, workers=workers, progress=report),
    )
    t1 = time.perf_counter()
    per_rep = results.per_replication()
    summary = results.summary()
    compare = results.compare()
    prov = provenance(results, command="streamlit run app.py (humanline app)")
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
        labels=policy_labels(scenario),
        descriptions={p.id: p.description for p in scenario.effective_policies},
        emergency_types=[c.id for c in scenario.contact_types if c.emergency],
        replications_n=results.n_replications,
        seed=results.seed,
        workers=workers,
        replications=results.replications,
        per_replication=per_rep,
        summary=summary,
        compare=compare,
        intervals=interval_means(results.intervals),
        incidents=results.incidents,
        agents=results.agents,
        provenance=prov,
        timings={"simulate_s": t1 - t0, "statistics_s": t2 - t1},
        warnings=warnings,
    )


def frontier_replications(comparison_replications: int) -> int:
    return max(1, min(FRONTIER_MAX_REPLICATIONS, comparison_replications))


def run_frontier(
    scenario_yaml: str,
    template: str,
    values: Sequence[float] = FRONTIER_VALUES,
    replications: int | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Frontier:
    """Sweep the share of ``template``'s human agents kept, paired against the baseline.

    Raises ``RunFailed`` / ``RunCancelled`` as ``run_comparison`` does.
    """
    SIMULATION_CALLS["frontier"] += 1
    t0 = time.perf_counter()
    scenario = scenario_from_yaml(scenario_yaml)
    reps = replications if replications is not None else frontier_replications(scenario.replications)
    table = _guarded(
        "The frontier", should_stop, progress,
        lambda report: sweep(
            scenario,
            "staffing",
            values=list(values),
            template=template,
            replications=reps,
            seed=scenario.seed,
            workers=capped_workers(workers)[0],
            progress=report,
        ),
    )
    return Frontier(
        scenario_yaml=scenario_yaml,
        template=template,
        template_label=policy_labels(scenario)[template],
        baseline=scenario.baseline_policy.id,
        values=list(values),
        replications_n=reps,
        template_scale=scenario.policy(template).staffing_scale,
        guarantee_s=scenario.guarantee_s,
        guarantee_share=scenario.guarantee_share,
        currency=scenario.economics.currency,
        table=table,
        timings={"total_s": time.perf_counter() - t0},
    )


def interval_means(intervals: pd.DataFrame) -> pd.DataFrame:
    """Per policy x interval: counts summed over contact types, averaged over replications."""
    if intervals.empty:
        return intervals
    frame = intervals.copy()
    frame["wait_sum_s"] = (frame["mean_wait_s"] * frame["offered"]).fillna(0.0)
    counts = ["incidents", "attempts", "offered", "answered", "abandoned", "answered_within_target", "wait_sum_s"]
    keys = ["policy", "replication", "interval", "interval_start_s", "day"]
    per_rep = frame.groupby(keys, sort=False)[counts].sum()
    # agents_on_duty is interval-level, repeated on each contact type's row
    per_rep["agents_on_duty"] = frame.groupby(keys, sort=False)["agents_on_duty"].first()
    out = per_rep.reset_index().groupby(["policy", "interval", "interval_start_s", "day"], sort=False)
    out = out[[*counts, "agents_on_duty"]].mean().reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        offered = out["offered"].to_numpy(dtype=float)
        out["service_level"] = np.where(offered > 0, out["answered_within_target"] / offered, np.nan)
        out["abandonment"] = np.where(offered > 0, out["abandoned"] / offered, np.nan)
        out["mean_wait_s"] = np.where(offered > 0, out["wait_sum_s"] / offered, np.nan)
    return out


# ---------------------------------------------------------------- classroom

CLASSROOM_PRESETS = ("classroom_mmc.yaml", "classroom_mmcm.yaml")


def classroom_defaults(presets_dir) -> dict:
    """Playground defaults read from the classroom presets (Erlang cases C1 and A1)."""
    from pathlib import Path

    out = {"arrivals_per_hour": 200.0, "mean_handle_s": 180.0, "servers": 14, "mean_patience_s": 300.0,
           "target_s": 20.0}
    for i, name in enumerate(CLASSROOM_PRESETS):
        path = Path(presets_dir) / name
        if not path.exists():
            continue
        sc = sim.load_scenario(path)
        ct = sc.contact_types[0]
        if i == 0:
            if ct.volume.per_day is not None:
                out["arrivals_per_hour"] = ct.volume.per_day / 24
            out["mean_handle_s"] = ct.handle_time_s.expectation()
            out["servers"] = sum(s.headcount for s in sc.agents.shifts)
            out["target_s"] = ct.target_s
        else:
            out["mean_patience_s"] = ct.patience_s.expectation()
    return out



@dataclass
class Classroom:
    """An M/M/c (or M/M/c+M) run beside the Erlang C (or A) formulas."""

    inputs: dict
    table: pd.DataFrame  # metric, label, simulated, ci_low, ci_high, formula
    model: str  # "Erlang C" or "Erlang A"
    load_erlangs: float
    stable: bool
    note: str


def classroom_scenario(
    arrivals_per_hour: float,
    mean_handle_s: float,
    servers: int,
    mean_patience_s: float | None,
    target_s: float,
    days: int,
    replications: int,
    seed: int,
) -> sim.Scenario:
    """One queue, Poisson arrivals at a flat rate, exponential handle time, ``servers`` agents all day.

    ``mean_patience_s`` None means nobody hangs up (M/M/c); the patience is then
    far longer than any wait (30 days), as in the classroom presets.
    """
    patience = (
        {"dist": "exponential", "mean": mean_patience_s}
        if mean_patience_s is not None
        else {"dist": "deterministic", "value": 30 * 86400}
    )
    return sim.build_scenario(
        {
            "name": "Classroom playground",
            "days": days,
            "interval_min": 60,
            "warmup_h": 1.0,  # skip the empty-system start
            "contact_types": [
                {
                    "id": "calls",
                    "label": "Calls",
                    "target_s": target_s,
                    "volume": {"per_day": arrivals_per_hour * 24},
                    "handle_time_s": {"dist": "exponential", "mean": mean_handle_s},
                    "patience_s": patience,
                }
            ],
            "agents": {
                "shifts": [
                    {"id": "agents", "start": "00:00", "length_h": 24, "headcount": servers, "cost_per_hour": 0}
                ]
            },
            "replications": replications,
            "seed": seed,
        },
        source="classroom",
    )


def run_classroom(
    arrivals_per_hour: float,
    mean_handle_s: float,
    servers: int,
    mean_patience_s: float | None = None,
    target_s: float = 20.0,
    days: int = 1,
    replications: int = 5,
    seed: int = 1,
) -> Classroom:
    from sim.erlang import ErlangInputError, erlang_a_metrics, erlang_c_metrics

    SIMULATION_CALLS["classroom"] += 1
    scenario = classroom_scenario(
        arrivals_per_hour, mean_handle_s, servers, mean_patience_s, target_s, days, replications, seed
    )
    lam = arrivals_per_hour / 3600.0
    load = lam * mean_handle_s
    results, _ = _guarded("The classroom run", None, None, lambda report: run_checked(scenario, progress=report))
    summary = results.summary()

    def simulated(metric: str) -> tuple[float, float, float]:
        scope = "all" if metric == "occupancy" else "calls"  # occupancy is the agents', on 'all' rows
        row = summary[(summary.contact_type == scope) & (summary.metric == metric)].iloc[0]
        return float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])

    rows = []
    note = ""
    if mean_patience_s is None:
        model = "Erlang C"
        stable = load < servers
        formula: dict[str, float] = {}
        if stable:
            c = erlang_c_metrics(lam, mean_handle_s, servers, target_s)
            formula = {"p_delay": c.p_wait, "asa_s": c.asa_s, "service_level": c.service_level,
                       "occupancy": c.occupancy}
        else:
            note = (f"The load ({load:.1f} Erlangs) is not below the number of agents ({servers}): "
                    "with nobody hanging up the queue grows without limit, so Erlang C has no answer. "
                    "The simulation shows what one finite day looks like.")
        spec = [("p_delay", "P(wait > 0)"), ("asa_s", "Mean wait, s (ASA)"),
                ("service_level", f"Answered within {target_s:g} s"), ("occupancy", "Agent occupancy")]
    else:
        model = "Erlang A"
        stable = True
        try:
            a = erlang_a_metrics(lam, mean_handle_s, mean_patience_s, servers, target_s)
            formula = {"p_delay": a.p_wait, "abandonment": a.p_abandon, "mean_wait_s": a.mean_wait_s,
                       "service_level": a.answered_within_target, "occupancy": a.occupancy}
        except ErlangInputError as exc:  # pragma: no cover - inputs are validated by the widgets
            formula, note = {}, str(exc)
        spec = [("p_delay", "P(wait > 0)"), ("abandonment", "P(abandon)"),
                ("mean_wait_s", "Mean wait of all callers, s"),
                ("service_level", f"Answered within {target_s:g} s"), ("occupancy", "Agent occupancy")]
    for metric, label in spec:
        mean, lo, hi = simulated(metric)
        rows.append({"metric": metric, "label": label, "simulated": mean, "ci_low": lo, "ci_high": hi,
                     "formula": formula.get(metric, float("nan"))})
    return Classroom(
        inputs={"arrivals_per_hour": arrivals_per_hour, "mean_handle_s": mean_handle_s, "servers": servers,
                "mean_patience_s": mean_patience_s, "target_s": target_s, "days": days,
                "replications": replications, "seed": seed},
        table=pd.DataFrame(rows),
        model=model,
        load_erlangs=load,
        stable=stable,
        note=note,
    )
