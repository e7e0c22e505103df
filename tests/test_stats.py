"""Confidence intervals: the vectorised form agrees with the one-group form, whatever the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.runs.stats import t_interval, t_intervals

VALUES = st.one_of(st.floats(-1e6, 1e6), st.just(float("nan")), st.just(float("inf")))


@settings(max_examples=80, deadline=None)
@given(
    groups=st.lists(st.lists(VALUES, min_size=1, max_size=6), min_size=1, max_size=4),
    confidence=st.sampled_from([0.9, 0.95, 0.99]),
)
def test_grouped_intervals_equal_the_single_group_interval(groups, confidence):
    frame = pd.DataFrame(
        [{"g": f"g{n}", "x": v} for n, values in enumerate(groups) for v in values]
    )
    got = t_intervals(frame, "g", confidence).set_index("g")
    for n, values in enumerate(groups):
        mean, low, high, count = t_interval(values, confidence)
        row = got.loc[f"g{n}"]
        assert row["n"] == count
        for name, want in (("mean", mean), ("ci_low", low), ("ci_high", high)):
            assert np.isclose(row[name], want, rtol=1e-9, atol=1e-6, equal_nan=True), (name, row[name], want)


def test_t_interval_matches_the_textbook_value():
    # mean 3.5, sd 2.6458, n 4: t(0.975, 3) = 3.1824
    mean, low, high, n = t_interval([1.0, 2.0, 4.0, 7.0])
    assert (mean, n) == (3.5, 4)
    assert np.isclose(high - mean, 3.182446 * np.std([1, 2, 4, 7], ddof=1) / 2, rtol=1e-6)


def test_one_replication_has_no_interval_rather_than_a_zero_width_one():
    assert np.isnan(t_interval([5.0])[1])
