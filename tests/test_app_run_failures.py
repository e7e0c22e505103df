"""The app's run functions under failure (issue 8, defect 9).

``ui.compute`` is what the app calls to simulate. A scenario that validates
but cannot run must come back as ``RunFailed`` whose message is one clear
sentence (no traceback, no server path) so the page can show it and keep the
previous results; a run nobody waits for any more stops at the next
replication (``RunCancelled``).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

import sim
from sim.runs import guard as run_guard
from ui import compute

ROOT = Path(__file__).resolve().parents[1]


def _yaml(data: dict) -> str:
    return sim.scenario_to_yaml(sim.build_scenario(data))


def test_a_scenario_that_validates_but_crashes_gives_a_clean_message(minimal_scenario, monkeypatch):
    def crash(*args, **kwargs):
        raise ValueError(f"cannot schedule in the past ({ROOT}/sim/engine.py line 1)")

    monkeypatch.setattr(run_guard, "run", crash)
    with pytest.raises(compute.RunFailed) as excinfo:
        compute.run_comparison(_yaml(minimal_scenario))
    message = str(excinfo.value)
    assert "ValueError" in message and "server log" in message
    assert str(ROOT) not in message and "Traceback" not in message and "/sim/" not in message
    assert excinfo.value.__cause__ is None and excinfo.value.__suppress_context__


def test_a_run_over_the_size_limits_gives_the_estimate(minimal_scenario):
    data = copy.deepcopy(minimal_scenario)
    data["contact_types"][0]["volume"]["per_day"] = 1e7
    data["days"] = 3  # 3e7 attempts: 1e7 fit in the limits (benchmarks/bench_memory.py)
    with pytest.raises(compute.RunFailed, match="too large.*GiB"):
        compute.run_comparison(_yaml(data))


def test_a_run_whose_session_is_gone_stops_at_the_next_replication(minimal_scenario):
    data = copy.deepcopy(minimal_scenario)
    data["replications"] = 5
    reports: list[tuple[int, int]] = []

    def progress(event: sim.ProgressEvent) -> None:
        reports.append((event.done, event.total))

    with pytest.raises(compute.RunCancelled):
        compute.run_comparison(_yaml(data), progress=progress, should_stop=lambda: len(reports) >= 2)
    assert reports == [(0, 5), (1, 5)]  # stopped after the first replication, not after all five


def test_the_comparison_carries_the_scenario_warnings(minimal_scenario):
    data = copy.deepcopy(minimal_scenario)
    data["replications"] = 1
    data["agents"]["shifts"][0]["skills"] = ["calls", "fruad"]
    comparison = compute.run_comparison(_yaml(data))
    assert comparison.warnings == ["agents.shifts[day].skills: 'fruad' is no contact type's skill (skills needed: calls)"]
