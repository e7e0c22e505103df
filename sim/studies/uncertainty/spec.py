"""The experiment file: a base scenario, the policies to compare, the factors and the design.

One pydantic model validates it, in the error style of scenarios: every
problem names its field, and a factor's problems name the factor by its path.
A factor is a field path into the scenario, addressed by ids where the
scenario has them::

    contact_types[fraud].loss.half_life_min
    policies[bot_cut40].front_door.human_option_found_probability
    economics.liability_share
    agents.shifts[night].headcount

with either a range (``low``, ``high``; optionally ``base``, the value of
one-at-a-time designs, and a sampling ``distribution``) or a list of
``levels``. A path into a policy's override that the policy does not set
(say, its ``front_door`` when it keeps the scenario's) starts from the
scenario's own value, so varying it changes that policy only.

Every factor is checked when the file is loaded: its path must lead to a
number, and the scenario must validate at its extreme values, so a level
outside the field's own bounds is refused before any run, naming the factor
and the field's rule.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator

from sim.errors import InputProblems
from sim.files.scenario_io import Lines, load_scenario, read_input_text, read_yaml_text, validate
from sim.model.scenario import Scenario, repeated
from sim.model.validation import ScenarioError, build_scenario

DesignKind = Literal["full_factorial", "one_at_a_time", "lhs", "sobol", "morris"]
_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]+)\])?$")
# Policy fields that override a scenario field of the same name.
_OVERRIDES = ("agents", "front_door", "economics")


class ExperimentError(InputProblems):
    """An experiment that cannot be run; ``problems`` has one line per field or factor."""

    heading = "invalid experiment"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Factor(_Model):
    path: str = Field(description="field path into the scenario, by ids, e.g. contact_types[fraud].loss.half_life_min")
    low: float | None = None
    high: float | None = None
    base: float | None = Field(None, description="value held by one-at-a-time designs; default: the scenario's")
    levels: list[float] | None = Field(None, min_length=2, description="explicit levels instead of a range")
    distribution: Literal["uniform", "triangular"] = Field(
        "uniform", description="how sampling designs spread points over [low, high]; triangular peaks at base"
    )
    integer: bool = Field(False, description="round sampled values (headcounts, attempts)")

    @model_validator(mode="after")
    def _range_or_levels(self):
        has_range = self.low is not None or self.high is not None
        if self.levels is not None and has_range:
            raise ValueError("give either low/high or levels, not both")
        if self.levels is None:
            if self.low is None or self.high is None:
                raise ValueError("give low and high (or a list of levels)")
            if not self.low < self.high:
                raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
            if self.base is not None and not self.low <= self.base <= self.high:
                raise ValueError(f"base ({self.base:g}) must lie within [{self.low:g}, {self.high:g}]")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        if self.levels is not None:
            return (min(self.levels), max(self.levels))
        return (float(self.low), float(self.high))


class Design(_Model):
    kind: DesignKind
    samples: PositiveInt = Field(
        16, le=100_000, description="lhs: points; sobol: base samples N (N*(k+2) points); morris: trajectories"
    )
    grid_levels: PositiveInt = Field(
        3, ge=2, le=20, description="full factorial: levels per factor given by a range; morris: grid levels"
    )


class ExperimentSpec(_Model):
    name: str = "experiment"
    description: str = ""
    scenario: str = Field(description="the base scenario file, relative to the experiment file")
    policies: list[str] | None = Field(None, min_length=1, description="policies to compare; default all")
    factors: list[Factor] = Field(min_length=1)
    design: Design
    replications: PositiveInt = Field(3, le=1000)
    seed: int = Field(2020, ge=0)

    @model_validator(mode="after")
    def _distinct_paths(self):
        dupes = repeated(f.path for f in self.factors)
        if dupes:
            raise ValueError(f"factors: each path once, repeated: {', '.join(dupes)}")
        if self.design.kind in ("lhs", "sobol", "morris"):
            listed = [f.path for f in self.factors if f.levels is not None and f.low is None]
            if listed and self.design.kind != "lhs":
                raise ValueError(f"design {self.design.kind} samples ranges; give low/high for: {', '.join(listed)}")
        return self


class Experiment:
    """A validated experiment: its spec, the base scenario, and what identifies it."""

    def __init__(self, spec: ExperimentSpec, scenario: Scenario, source_text: str):
        self.spec = spec
        self.scenario = scenario
        self.source_text = source_text
        self.policies = spec.policies or [p.id for p in scenario.effective_policies]
        self.baseline = (
            scenario.baseline_policy.id if scenario.baseline_policy.id in self.policies else self.policies[0]
        )

    @property
    def fingerprint(self) -> str:
        """A hash of everything that decides the numbers: the spec and the base scenario as validated."""
        canonical = json.dumps(
            {"spec": self.spec.model_dump(mode="json"), "scenario": self.scenario.model_dump(mode="json")},
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    def base_value(self, factor: Factor) -> float:
        if factor.base is not None:
            return factor.base
        return float(_get(self.scenario.model_dump(mode="python"), _parse(factor.path), factor.path))

    def scenario_at(self, values: dict[str, float]) -> Scenario:
        """The base scenario with each factor path set to its value (validated)."""
        data = self.scenario.model_dump(mode="python")
        for factor in self.spec.factors:
            if factor.path in values:
                value = values[factor.path]
                _set(data, _parse(factor.path), round(value) if factor.integer else value, factor.path)
        return build_scenario(data)


def load_experiment(path: str | Path) -> Experiment:
    """Read and check an experiment file; every problem is an ExperimentError naming its field or factor."""
    path = Path(path)
    return parse_experiment(read_input_text(path, "experiment", ExperimentError), path.parent, str(path))


def parse_experiment(text: str, folder: Path, source: str | None = None, scenario: Scenario | None = None) -> Experiment:
    """An experiment from its file's text; its scenario file is read relative to ``folder`` unless given.

    Read and validated through the one input funnel (``sim.files.scenario_io``): problems name the
    field, a factor by its path, and the line.
    """
    data, lines = read_yaml_text(text, source, ExperimentError)
    spec = validate(ExperimentSpec, data, lines, source=source, error=ExperimentError, root="experiment",
                    id_keys=("path",))
    if scenario is None:
        try:
            scenario = load_scenario(folder / spec.scenario)
        except ScenarioError as exc:
            raise ExperimentError([f"scenario{_at(lines, ('scenario',))}: {line}" for line in exc.problems],
                                  source) from None
    experiment = Experiment(spec, scenario, text)
    problems = _check_policies(experiment, lines) + [
        p for i, f in enumerate(spec.factors) for p in check_factor(experiment, f, _at(lines, ("factors", i)))
    ]
    if problems:
        raise ExperimentError(problems, source)
    return experiment


def _at(lines: Lines, path: tuple) -> str:
    line = lines.get(path)
    return f" (line {line})" if line else ""


def _check_policies(experiment: Experiment, lines: Lines) -> list[str]:
    problem = experiment.scenario.unknown_policies(experiment.spec.policies or [])
    return [f"policies{_at(lines, ('policies',))}: {problem}"] if problem else []


def check_factor(experiment: Experiment, factor: Factor, at: str = "") -> list[str]:
    """What is wrong with ``factor`` in ``experiment``, one line per problem naming it (``at``: its file line)."""
    where = f"factors[{factor.path}]{at}"
    try:
        segments = _parse(factor.path)
        current = _get(experiment.scenario.model_dump(mode="python"), segments, factor.path)
    except ExperimentError as exc:
        return [f"{where}: {p}" for p in exc.problems]
    if isinstance(current, bool) or not isinstance(current, (int, float)):
        return [f"{where}: the path leads to {type(current).__name__} {current!r}, not a number"]
    problems = []
    for value in {*factor.bounds, *([factor.base] if factor.base is not None else [])}:
        try:
            experiment.scenario_at({factor.path: value})
        except ScenarioError as exc:
            problems += [f"{where}: the value {value:g} is out of the field's bounds: {p}" for p in exc.problems]
    return problems


# ------------------------------------------------------------------ field paths


def _parse(path: str) -> list[tuple[str, str | None]]:
    segments = []
    for part in path.split("."):
        match = _SEGMENT.match(part.strip())
        if not match:
            raise ExperimentError([f"cannot read the path segment {part!r} (expected name or name[id])"])
        segments.append((match.group(1), match.group(2)))
    return segments


def _get(data: dict, segments, path: str) -> Any:
    node = data
    for name, key in segments:
        node = _child(node, name, key, path, create=False, root=data)
    return node


def _set(data: dict, segments, value: float, path: str) -> None:
    node = data
    for name, key in segments[:-1]:
        node = _child(node, name, key, path, create=True, root=data)
    name, key = segments[-1]
    if key is not None:
        raise ExperimentError([f"{path}: the last segment must be a field, not {name}[{key}]"])
    node[name] = value


def _child(node: Any, name: str, key: str | None, path: str, create: bool, root: dict) -> Any:
    if not isinstance(node, dict) or name not in node:
        raise ExperimentError([f"{path}: no field {name!r} there"])
    value = node[name]
    if value is None and name in _OVERRIDES and create:
        # A policy override it does not set starts from the scenario's own value.
        value = node[name] = copy.deepcopy(root[name])
    if value is None and name in _OVERRIDES:
        value = root[name]
    if key is None:
        return value
    if not isinstance(value, list):
        raise ExperimentError([f"{path}: {name} is not a list, so [{key}] does not apply"])
    for item in value:
        if isinstance(item, dict) and item.get("id") == key:
            return item
    ids = [str(item.get("id")) for item in value if isinstance(item, dict)]
    raise ExperimentError([f"{path}: no {name} with id {key!r} (there are: {', '.join(ids) or 'none'})"])
