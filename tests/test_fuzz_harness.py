"""The fuzz harness (benchmarks/fuzz_scenarios.py) reaches what issue 24 item 13 says it missed.

It fuzzes YAML text through the funnel, not only dictionaries; its random
valid scenarios use callbacks, overflow and chats; its alarm counts CPU time,
so a loaded machine does not read as a hang; and a big run is judged by its
attempts per CPU second instead of being skipped.
"""

from __future__ import annotations

import argparse
import queue
import signal
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

import sim

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import fuzz_scenarios as fuzz  # noqa: E402

LIMITS = argparse.Namespace(time_limit_s=60.0, min_attempts_per_cpu_s=10_000, judge_from_attempts=20_000)


@pytest.fixture(scope="module")
def presets():
    return fuzz._presets()


def test_every_generator_hands_the_funnel_yaml_text(presets):
    kinds = {}
    for index in range(8):
        text = fuzz.generate(index, 1, presets)
        assert isinstance(text, str)
        kinds[fuzz.GENERATORS[index % len(fuzz.GENERATORS)]] = text
    assert "mutated text" in kinds


def test_text_mutations_make_the_hostile_forms_and_the_funnel_refuses_them():
    """Over a few hundred text mutations, the hostile forms the issue names all come up, and are refused."""
    base = fuzz._yaml(fuzz.SMALL_EVERY_SECTION)
    texts, messages = [], []
    for index in range(200):
        text = fuzz._mutate_text(np.random.default_rng([7, index]), base)
        texts.append(text)
        try:
            sim.parse_scenario(text, read_csv=fuzz._no_csv, source="fuzz")
        except sim.ScenarioError as exc:
            messages.append(str(exc))
    made = "\n".join(texts)
    for form in (": 3:20", "9" * 5000, "[" * 1000, "&l8", "<<: *item", "\t"):
        assert form in made, form
    refused = "\n".join(messages)
    for refusal in ("written twice", "nested deeper than", "aliases", "not valid YAML"):
        assert refusal in refused, refusal


def test_random_valid_scenarios_use_callbacks_overflow_and_chats():
    used = {"callbacks": 0, "overflow": 0, "chats": 0, "valid": 0}
    for index in range(0, 400, len(fuzz.GENERATORS)):
        data = yaml.safe_load(fuzz.generate(index, 5, []))
        try:
            scenario = sim.build_scenario(data)
        except sim.ScenarioError:
            continue
        used["valid"] += 1
        for policy in scenario.effective_policies:
            resolved = scenario.for_policy(policy.id)
            used["callbacks"] += resolved.front_door.callback.enabled
            used["overflow"] += bool(resolved.routing.overflow)
            used["chats"] += bool(resolved.chat.types)
    assert used["valid"] >= 50 and min(used["callbacks"], used["overflow"], used["chats"]) >= 5, used


def _classify_with(monkeypatch, run, limits=LIMITS):
    monkeypatch.setattr(fuzz, "run_checked", run)
    old = signal.signal(signal.SIGPROF, fuzz._on_alarm)
    try:
        text = yaml.safe_dump({"contact_types": [{"id": "c", "volume": {"per_day": 10},
                                                   "handle_time_s": {"dist": "exponential", "mean": 60},
                                                   "patience_s": {"dist": "exponential", "mean": 60}}],
                               "agents": {"shifts": [{"id": "a", "start": "00:00", "length_h": 24, "headcount": 1}]}})
        return fuzz._classify(text, limits, queue.Queue(), 0)
    finally:
        signal.signal(signal.SIGPROF, old)


def test_the_alarm_counts_cpu_time_so_waiting_is_not_a_hang(monkeypatch):
    real = fuzz.run_checked

    def waits(scenario):  # a process that is not scheduled (a loaded machine) spends clock time, not CPU
        time.sleep(1.0)
        return real(scenario)

    limits = argparse.Namespace(**{**vars(LIMITS), "time_limit_s": 0.3})
    assert _classify_with(monkeypatch, waits, limits)[0] == "successful runs"


def test_a_run_that_spins_past_its_cpu_limit_is_a_hang(monkeypatch):
    def spins(scenario):
        while True:
            pass

    limits = argparse.Namespace(**{**vars(LIMITS), "time_limit_s": 0.3})
    assert _classify_with(monkeypatch, spins, limits)[0] == "hangs"


def test_a_big_run_is_judged_by_attempts_per_cpu_second_not_skipped(monkeypatch):
    real = fuzz.run_checked
    clock = iter([0.0, 100.0])  # CPU seconds before and after the run: 100 s for what follows

    def big(scenario):
        results, warnings = real(scenario)
        results.replications["attempts"] = 50_000 // len(results.replications)  # as if 50,000 attempts
        return results, warnings

    monkeypatch.setattr(fuzz, "_cpu_s", lambda: next(clock))
    monkeypatch.setattr(fuzz, "invariant_violations", lambda results: [])
    kind, detail = _classify_with(monkeypatch, big)
    assert kind == "too slow" and "500 a second" in detail
