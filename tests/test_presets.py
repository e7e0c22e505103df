"""Every bundled preset loads, says what it is, and runs; the flagship runs from the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parent.parent
PRESETS = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_there_are_presets_for_the_classroom_and_the_flagship():
    names = {p.name for p in PRESETS}
    assert {"classroom_mmc.yaml", "classroom_mmcm.yaml", "payment_platform.yaml", "bank_hotline_day.yaml"} <= names


@pytest.mark.parametrize("path", PRESETS, ids=[p.stem for p in PRESETS])
def test_preset_opens_with_a_header_saying_what_it_shows_and_where_numbers_come_from(path):
    header = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    text = "\n".join(header).lower()
    assert len(header) >= 5
    assert "what it shows" in text
    assert "numbers" in text or "come from" in text
    assert sim.load_scenario(path).sources, "every preset lists its sources"


@pytest.mark.parametrize("path", PRESETS, ids=[p.stem for p in PRESETS])
def test_preset_runs_every_policy(path):
    scenario = sim.load_scenario(path)
    results = sim.run(scenario, settings=sim.RunSettings(replications=1, seed=1))
    assert set(results.replications["policy"]) == {p.id for p in scenario.effective_policies}
    assert (results.replications.groupby("policy")["incidents"].sum() > 0).all()


def test_flagship_preset_compares_its_policies_from_the_command_line():
    done = subprocess.run(
        [sys.executable, "-m", "sim", "compare", "scenarios/payment_platform.yaml", "--replications", "2",
         "--workers", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for policy in ("bot_cut40", "bot_day_humans", "bot_only_nights", "emergency_line"):
        assert f"{policy} (" in done.stdout
    assert "in wages" in done.stdout and "net " in done.stdout and "per week" in done.stdout
