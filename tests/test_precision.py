"""Precision on demand: replications are added until the headline figures are known to the target."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.runs.precision import GUARANTEE_SHARE, NET_EFFECT

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def flagship():
    return sim.load_scenario(ROOT / "scenarios" / "payment_platform.yaml").model_copy(update={"days": 2})


def test_a_precision_target_is_met_on_every_headline_figure(flagship):
    results = sim.run(flagship, policies=["today", "emergency_line"],
                      settings=sim.RunSettings(replications=3, seed=5, precision=0.1, max_replications=80, workers=2))
    reached = results.precision
    assert reached.met and reached.replications == results.n_replications >= 5
    assert {(f.policy, f.metric) for f in reached.figures} == {
        ("today", GUARANTEE_SHARE), ("emergency_line", GUARANTEE_SHARE), ("emergency_line", NET_EFFECT)
    }
    # The figures agree with the tables users read.
    compare = results.compare()
    net = compare.query("policy == 'emergency_line' and metric == @NET_EFFECT and contact_type == 'all'").iloc[0]
    figure = next(f for f in reached.figures if f.metric == NET_EFFECT)
    assert figure.half_width == pytest.approx((net["ci_high"] - net["ci_low"]) / 2)
    assert figure.half_width <= 0.1 * abs(figure.mean)
    assert results.meta["precision"]["met"] is True


def test_batches_keep_common_random_numbers_so_a_longer_study_extends_a_shorter_one(flagship):
    fixed = sim.run(flagship, settings=sim.RunSettings(replications=12, seed=8), policies=["today", "bot_cut40"])
    adaptive = sim.run(flagship, policies=["today", "bot_cut40"], settings=sim.RunSettings(
        replications=5, seed=8, precision=0.001, max_replications=12, workers=2))
    assert not adaptive.precision.met and adaptive.n_replications == 12
    pd.testing.assert_frame_equal(fixed.replications, adaptive.replications)


def test_a_twin_of_the_baseline_still_differs_by_exactly_zero_under_a_precision_target(flagship):
    twin = flagship.policies[0].model_copy(update={"id": "twin", "baseline": False})
    sc = flagship.model_copy(update={"policies": [flagship.policies[0], twin]})
    results = sim.run(sc, settings=sim.RunSettings(replications=5, seed=2, precision=0.05, max_replications=10))
    rows = results.compare().query("policy == 'twin'").dropna(subset=["difference"])
    assert (rows["difference"] == 0).all()
    net = next(f for f in results.precision.figures if f.metric == NET_EFFECT)
    assert net.half_width == 0 and net.relative_half_width == 0


def test_the_cli_reports_what_precision_was_reached():
    done = subprocess.run(
        [sys.executable, "-m", "sim", "compare", "scenarios/classroom_mmcm.yaml", "--precision", "0.5",
         "--max-replications", "6"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "precision: target +/-50.0%" in done.stdout and "replications" in done.stdout


@pytest.mark.parametrize("bad", ["0", "1.5", "five"])
def test_a_precision_outside_zero_and_one_is_refused_naming_the_option(bad):
    done = subprocess.run([sys.executable, "-m", "sim", "run", "scenarios/classroom_mmc.yaml", "--precision", bad],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--precision" in done.stderr and "Traceback" not in done.stderr
