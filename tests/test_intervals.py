"""Confidence intervals never leave the range of what they measure, and few replications are flagged rough."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.runs.results import SHARES
from sim.runs.stats import ROUGH_BELOW, t_interval

ROOT = Path(__file__).resolve().parent.parent
PRESETS = sorted((ROOT / "scenarios").glob("*.yaml"))


@lru_cache(maxsize=None)
def _two_replications(path: Path):
    return sim.run(sim.load_scenario(path), settings=sim.RunSettings(replications=2, seed=3, workers=2))


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=8),
    confidence=st.sampled_from([0.9, 0.95, 0.99]),
)
def test_an_interval_of_shares_stays_inside_zero_and_one(values, confidence):
    mean, low, high, _ = t_interval(values, confidence, feasible=(0.0, 1.0))
    assert 0.0 <= low <= mean <= high <= 1.0


def test_clipping_keeps_the_side_of_the_interval_that_was_feasible():
    # 0.9 and 1.0: the t interval with 1 degree of freedom reaches far past 1.
    mean, low, high, _ = t_interval([0.9, 1.0], feasible=(0.0, 1.0))
    unbounded = t_interval([0.9, 1.0])
    assert high == 1.0 < unbounded[2]
    assert low == max(unbounded[1], 0.0)


@pytest.mark.parametrize("path", PRESETS, ids=[p.stem for p in PRESETS])
def test_no_summary_interval_of_a_preset_leaves_its_feasible_range(path):
    summary = _two_replications(path).summary()
    bounded = summary.dropna(subset=["ci_low", "ci_high"])
    assert len(bounded), "two replications give intervals"
    assert (bounded["ci_low"] >= 0).all(), bounded[bounded["ci_low"] < 0][["policy", "metric", "ci_low"]]
    shares = bounded[bounded["metric"].isin(SHARES)]
    assert (shares["ci_high"] <= 1).all(), shares[shares["ci_high"] > 1][["policy", "metric", "ci_high"]]
    assert (bounded["ci_low"] <= bounded["mean"] + 1e-9).all() and (bounded["mean"] <= bounded["ci_high"] + 1e-9).all()


@pytest.mark.parametrize("path", PRESETS, ids=[p.stem for p in PRESETS])
def test_no_compared_share_differs_by_more_than_one(path):
    results = _two_replications(path)
    if len(results.policies) < 2:
        pytest.skip("a single policy has nothing to compare")
    compare = results.compare()
    shares = compare[compare["metric"].isin(SHARES)].dropna(subset=["ci_low"])
    assert (shares["ci_low"] >= -1).all() and (shares["ci_high"] <= 1).all()


def test_intervals_from_fewer_than_five_replications_are_marked_rough():
    results = _two_replications(PRESETS[0])
    assert results.summary()["rough"].all()
    scenario = sim.load_scenario(ROOT / "scenarios" / "classroom_mmc.yaml")
    summary = sim.run(scenario, settings=sim.RunSettings(replications=ROUGH_BELOW, seed=1)).summary()
    assert not summary.loc[summary["n"] >= ROUGH_BELOW, "rough"].any()
    assert np.all(summary.loc[summary["n"] < ROUGH_BELOW, "rough"])
