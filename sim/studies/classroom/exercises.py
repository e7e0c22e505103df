"""Exercises: a small YAML file beside a scenario, and the rule that judges a student's answer.

``Exercise``, ``load_exercise``, ``check_answer``: a small YAML file beside a
scenario file in ``scenarios/exercises/``. Two kinds: ``value`` (predict a
metric of the scenario) and ``fewest_agents`` (the smallest N that reaches a
target). A predicted value is accepted when it lies within
``max(tolerance, half-width of the 95% interval)`` of the simulated mean: the
interval says what the simulation cannot tell apart, and the tolerance keeps
a very precise simulation from demanding more digits than a classroom
estimate can have. For the fewest agents, N is accepted unless the
simulation shows N clearly failing the target (the whole interval on the
wrong side) or N - 1 clearly meeting it: every N the simulation cannot rule
out is a fair answer, and the true minimum is accepted unless a 95% interval
misses — about one time in twenty per N checked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator

from sim.analytic.erlang import ErlangInputError
from sim.errors import InputProblems
from sim.files.scenario_io import ScenarioError, load_scenario, read_yaml_file, validate
from sim.model.scenario import Scenario
from sim.runs.guard import run_checked
from sim.runs.results import Results
from sim.runs.settings import RunSettings
from sim.runs.stats import t_interval
from sim.studies.classroom.erlang_curves import with_headcounts
from sim.studies.classroom.playground import formulas, queue_of


METRIC_LABELS = {"service_level": "service level", "abandonment": "abandonment", "p_delay": "P(wait > 0)"}
HIGHER_IS_BETTER = {"service_level": True, "abandonment": False, "p_delay": False}


class ExerciseError(InputProblems):
    heading = "invalid exercise"


class Exercise(BaseModel):
    """An exercise file: a task about one scenario, and how the app checks the answer (module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=120)
    scenario: str = Field(min_length=1, description="the scenario file, relative to the exercise file")
    task: str = Field(min_length=1, description="what the student reads (Markdown)")
    kind: Literal["value", "fewest_agents"]
    metric: Literal["service_level", "abandonment", "p_delay"]
    target: float | None = Field(None, ge=0, le=1, description="fewest_agents: the share the metric must reach")
    agents: tuple[int, int] | None = Field(None, description="fewest_agents: the agent counts simulated, lo and hi")
    tolerance: float = Field(0.03, ge=0, le=0.5, description="value: accepted within max(this, CI half-width)")
    replications: PositiveInt = Field(10, le=200)
    explanation: str = Field("", description="shown after checking (Markdown)")

    @model_validator(mode="after")
    def _fields_of_the_kind(self):
        if self.kind == "fewest_agents":
            if self.target is None:
                raise ValueError("target: a fewest_agents exercise needs the target the metric must reach")
            if self.agents is None or not 0 <= self.agents[0] < self.agents[1] or self.agents[1] - self.agents[0] > 30:
                raise ValueError("agents: give [lo, hi] agent counts to simulate, 0 <= lo < hi, at most 30 apart")
        return self


def load_exercise(path: str | Path) -> tuple[Exercise, Scenario]:
    """An exercise file and its scenario; ``ExerciseError`` naming the field if either is wrong."""
    path = Path(path)
    data, lines = read_yaml_file(path, "exercise", ExerciseError)
    exercise = validate(Exercise, data, lines, source=str(path), error=ExerciseError, root="exercise")
    try:
        scenario = load_scenario(path.parent / exercise.scenario)
    except ScenarioError as exc:
        raise ExerciseError([f"scenario: {p}" for p in exc.problems], str(path)) from None
    if len(scenario.contact_types) != 1 or len(scenario.agents.shifts) != 1 or scenario.agents.tables:
        raise ExerciseError(["scenario: an exercise's scenario has one contact type and one shift"], str(path))
    return exercise, scenario


@dataclass
class Check:
    accepted: bool
    answer: float
    message: str  # one sentence for the student
    table: pd.DataFrame  # what was simulated: value -> metric, mean, ci_low, ci_high, n (+ formula)
    accepted_range: tuple[float, float]  # value: [lo, hi] of accepted predictions; agents: [lo, hi] accepted N


def check_answer(exercise: Exercise, scenario: Scenario, answer: float,
                 settings: RunSettings | None = None) -> Check:
    """Simulate the exercise's scenario and judge ``answer`` by the rule of the module docstring.

    The replications are the exercise's and the seed its scenario's; ``settings`` gives workers and progress.
    """
    if not math.isfinite(answer):
        raise ExerciseError(["answer: give a number"])
    settings = (settings or RunSettings()).counts_from("the exercise and its scenario").replace(
        replications=exercise.replications)
    metric, label = exercise.metric, METRIC_LABELS[exercise.metric]
    q = queue_of(scenario)
    patience = q["mean_patience_s"]
    lam = q.get("arrivals_per_hour", math.nan) / 3600.0 if q["markov"] else math.nan
    if exercise.kind == "value":
        results, _ = run_checked(scenario, policies=[scenario.baseline_policy.id], settings=settings,
                                 keep_incidents="none")
        values = _metric_by_policy(results, metric)[scenario.baseline_policy.id]
        mean, lo, hi, n = t_interval(values, feasible=(0.0, 1.0))
        half = (hi - lo) / 2 if n >= 2 else math.inf
        tol = max(exercise.tolerance, half)
        accepted = bool(abs(answer - mean) <= tol)
        closed = _closed(lam, q["mean_handle_s"], patience, q["servers"], q["target_s"], metric)
        table = pd.DataFrame([{"agents": q["servers"], "mean": mean, "ci_low": lo, "ci_high": hi, "n": n,
                               "formula": closed}])
        verdict = "Right" if accepted else "Not quite"
        message = (f"{verdict}: you said {answer:.1%}; the simulation gives {mean:.1%} "
                   f"(95% interval {lo:.1%} to {hi:.1%}, {n} replications), so answers within "
                   f"{tol * 100:.1f} points of it, {mean - tol:.1%} to {mean + tol:.1%}, count as right.")
        return Check(accepted, answer, message, table, (mean - tol, mean + tol))

    lo_n, hi_n = exercise.agents
    counts = list(range(lo_n, hi_n + 1))
    swept = with_headcounts(scenario, counts)
    results, _ = run_checked(swept, settings=settings, keep_incidents="none")
    by_policy = _metric_by_policy(results, metric)
    higher = HIGHER_IS_BETTER[metric]
    rows, clearly_meets, clearly_fails = [], {}, {}
    for n in counts:
        mean, lo, hi, count = t_interval(by_policy[f"n{n}"], feasible=(0.0, 1.0))
        rows.append({"agents": n, "mean": mean, "ci_low": lo, "ci_high": hi, "n": count,
                     "formula": _closed(lam, q["mean_handle_s"], patience, n, q["target_s"], metric)})
        if count < 2:  # no interval: only the mean can decide
            lo = hi = mean
        clearly_meets[n] = lo >= exercise.target if higher else hi <= exercise.target
        clearly_fails[n] = hi < exercise.target if higher else lo > exercise.target
    fair = [n for n in counts if not clearly_fails[n] and not clearly_meets.get(n - 1, False)]
    table = pd.DataFrame(rows)
    whole = int(round(answer))
    accepted = bool(whole == answer and whole in fair)
    if not fair:
        message = (f"The agent counts simulated ({lo_n} to {hi_n}) do not bracket the target: "
                   "the exercise file needs a wider range.")
        return Check(False, answer, message, table, (math.nan, math.nan))
    span = f"{fair[0]}" if len(fair) == 1 else f"{fair[0]} to {fair[-1]}"
    want = "at least" if higher else "at most"
    verdict = "Right" if accepted else "Not quite"
    message = (f"{verdict}: you said {answer:g} agents. For a {label} of {want} {exercise.target:.0%} the "
               f"simulation ({exercise.replications} replications each) cannot rule out {span} agents as the "
               "fewest, so that is what counts as right.")
    return Check(accepted, answer, message, table, (float(fair[0]), float(fair[-1])))


def _metric_by_policy(results: Results, metric: str) -> dict[str, np.ndarray]:
    per_rep = results.per_replication(quantiles=False)
    per_rep = per_rep[per_rep["contact_type"] == "all"]
    return {p: per_rep.loc[per_rep["policy"] == p, metric].to_numpy(dtype=float) for p in results.policies}


def _closed(lam, mean_handle_s, patience, servers, target_s, metric) -> float:
    if not math.isfinite(lam):
        return math.nan
    try:
        return formulas(lam, mean_handle_s, patience, servers, target_s)[metric]
    except ErlangInputError:
        return math.nan
