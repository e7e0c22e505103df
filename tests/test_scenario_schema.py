"""A property test over the whole scenario schema (issue 8: "what must hold after").

A scenario using every section is dumped to plain data; hypothesis then sets
one to three of its fields (any field: every leaf of the dump, defaults
included) to valid, boundary, invalid or extreme values: edge floats (0, -0.0,
subnormals, 1e308, inf, nan), huge or negative integers, wrong types, long
strings, or another distribution. Whatever it draws:

- the loader answers with a Scenario or a ScenarioError whose every line names
  a field — never another exception;
- a Scenario it accepts has warnings, an estimated size, a YAML form that
  loads back equal, and, when small, runs to tables that satisfy every
  accounting identity with nothing negative, NaN or inf where a figure is due.

The budget is bounded (``max_examples``) so it runs in CI in about a minute;
benchmarks/fuzz_scenarios.py runs the same kind of generation for 10,000+
scenarios.
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.runs.guard import invariant_violations, run_checked
from sim.runs.size_guard import RunTooLarge, estimate_run_size

EVERY_SECTION: dict[str, Any] = {
    "name": "every section",
    "days": 1,
    "interval_min": 60,
    "warmup_h": 1,
    "busyness_cv": 0.1,
    "contact_types": [
        {
            "id": "fraud", "emergency": True, "priority": 10, "target_s": 30,
            "volume": {"per_day": 30, "profile": [1] * 24},
            "handle_time_s": {"dist": "lognormal", "mean": 400, "cv": 0.8},
            "after_contact_work_s": {"dist": "gamma", "mean": 30, "cv": 0.5},
            "patience_s": {"dist": "weibull", "shape": 0.8, "scale": 600},
            "balk_probability": 0.05,
            "redial": {"probability": 0.5, "delay_s": {"dist": "exponential", "mean": 120}, "max_attempts": 3},
            "bot": {"resolve_probability": 0.1, "time_s": {"dist": "deterministic", "value": 60},
                    "recognise_emergency_probability": 0.5, "false_resolution_probability": 0.2,
                    "return_delay_s": {"dist": "empirical", "values": [600, 1800, 3600]}},
            "loss": {"amount_at_risk": {"dist": "lognormal", "mean": 2000, "cv": 1.5}, "half_life_min": 60,
                     "window_h": 48, "churn_cost_per_abandoned": 5, "churn_cost_per_false_resolution": 2},
        },
        {
            "id": "general", "skill": "service",
            "volume": {"table": [5] * 24},
            "handle_time_s": {"dist": "exponential", "mean": 240},
            "patience_s": {"dist": "exponential", "mean": 300},
        },
    ],
    "agents": {
        "shifts": [{"id": "day", "start": "07:00", "length_h": 10, "weekdays": ["mon", "tue"], "headcount": 3,
                    "skills": ["fraud", "service"], "cost_per_hour": 25,
                    "breaks": [{"after_h": 4, "length_min": 30}]}],
        "tables": [{"id": "night", "agents": [1] * 7 + [0] * 15 + [1] * 2, "reserved_for": ["fraud"],
                    "cost_per_hour": 30}],
        "absence_probability": 0.05,
    },
    "front_door": {"bot_enabled": False, "bot_only_hours": [], "menu_s": 10, "human_option_found_probability": 1,
                   "attempts_before_human": 1, "emergency_line": {"enabled": False, "share_of_emergency_callers": 1}},
    "economics": {"currency": "EUR", "liability_share": 0.5, "bot_cost_per_session": 0.1,
                  "bot_fixed_cost_per_day": 10, "night_premium": 0.25, "night_hours": "22:00-06:00"},
    "policies": [
        {"id": "today", "baseline": True},
        {"id": "bot", "staffing_scale": 0.5, "bot_resolve_scale": 2,
         "front_door": {"bot_enabled": True, "bot_only_hours": ["22:00-06:00"], "menu_s": 30,
                        "human_option_found_probability": 0.7, "attempts_before_human": 2,
                        "emergency_line": {"enabled": True, "share_of_emergency_callers": 0.6}},
         "economics": {"liability_share": 1.0}},
        {"id": "roster", "agents": {"shifts": [{"id": "all", "start": "00:00", "length_h": 24, "headcount": 2}]}},
    ],
    "replications": 2,
    "seed": 7,
    "sources": {"contact_types[fraud].volume.per_day": "a guess"},
}

BASE = sim.build_scenario(EVERY_SECTION).model_dump(mode="json")


def _leaves(node: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        out = [path] if path else []
        for key, value in node.items():
            out += _leaves(value, (*path, key))
        return out
    if isinstance(node, list):
        out = [path]
        for i, value in enumerate(node):
            out += _leaves(value, (*path, i))
        return out
    return [path]


PATHS = _leaves(BASE)

EDGE_FLOATS = st.sampled_from([0.0, -0.0, 5e-324, 1e-300, 1e-160, 1e-6, 1e-3, 0.5, 1.0, 1.5, 20.0, 366.0, 1e7,
                               1e9, 1e12, 1e19, 1e200, 1e308, -1.0, -1e308, math.inf, -math.inf, math.nan])
DISTRIBUTIONS = st.one_of(
    st.fixed_dictionaries({"dist": st.just("exponential"), "mean": EDGE_FLOATS}),
    st.fixed_dictionaries({"dist": st.sampled_from(["lognormal", "gamma"]), "mean": EDGE_FLOATS, "cv": EDGE_FLOATS}),
    st.fixed_dictionaries({"dist": st.just("weibull"), "shape": EDGE_FLOATS, "scale": EDGE_FLOATS}),
    st.fixed_dictionaries({"dist": st.just("deterministic"), "value": EDGE_FLOATS}),
    st.fixed_dictionaries({"dist": st.just("empirical"), "values": st.lists(EDGE_FLOATS, max_size=4)}),
    st.fixed_dictionaries({"dist": st.just("normal"), "mean": EDGE_FLOATS}),
)
VALUES = st.one_of(
    EDGE_FLOATS,
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, 2, 23, 24, 25, 50, 51, 96, 365, 366, 367, 10_000, 10_001, 100_000, 2**53, 2**63]),
    st.booleans(),
    st.none(),
    st.text(max_size=30),
    st.sampled_from(["", "00:00", "23:59", "24:00", "22:00-06:00", "09:00-09:00", "1:30", "x" * 300, "mon",
                     "fraud", "fruad", "USD"]),
    st.lists(EDGE_FLOATS, max_size=30),
    st.lists(st.integers(min_value=-3, max_value=5), min_size=24, max_size=24),
    DISTRIBUTIONS,
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _set(data: dict, path: tuple, value: Any) -> None:
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


_FIELD_LINE = re.compile(r"^(scenario|[A-Za-z_][\w]*)([\[.]|: | \(line)")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(edits=st.lists(st.tuples(st.sampled_from(PATHS), VALUES), min_size=1, max_size=3))
def test_any_edit_of_any_field_is_a_scenario_or_a_clean_error_and_valid_ones_run_clean(edits):
    data = copy.deepcopy(BASE)
    for path, value in edits:
        try:
            _set(data, path, copy.deepcopy(value))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit replaced a parent of this path
    try:
        scenario = sim.build_scenario(data)
    except sim.ScenarioError as exc:
        assert exc.problems
        for line in exc.problems:
            assert _FIELD_LINE.match(line), line
        return
    assert isinstance(scenario.warnings, list)
    assert sim.parse_scenario(sim.scenario_to_yaml(scenario), read_csv=lambda name: "") == scenario
    size = estimate_run_size(scenario, replications=1)
    assert math.isfinite(size.memory_bytes) and size.attempts >= 0
    if size.attempts > 3000 or size.agent_shifts > 500:
        return  # the fuzz harness runs the large ones; keep this test's budget bounded
    try:
        results, _ = run_checked(scenario, settings=sim.RunSettings(replications=1))
    except RunTooLarge:  # pragma: no cover - excluded by the size test above
        return
    assert invariant_violations(results) == []


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 1e308, -1.0])
def test_every_numeric_leaf_refuses_nan_inf_and_out_of_range_extremes(value):
    """Deterministic sweep of the property above: every number of the schema, each extreme, one at a time."""
    accepted = []
    for path in PATHS:
        original = _get(BASE, path)
        if isinstance(original, bool) or not isinstance(original, (int, float)):
            continue
        data = copy.deepcopy(BASE)
        _set(data, path, value)
        try:
            sim.build_scenario(data)
        except sim.ScenarioError:
            continue
        accepted.append(path)
    # -1 is legal nowhere; nan/inf nowhere; 1e308 nowhere (every number has a finite bound).
    assert accepted == []


def _get(data: Any, path: tuple) -> Any:
    for key in path:
        data = data[key]
    return data
