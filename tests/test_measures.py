"""The registry of measures (sim.model.measures) is the one description every layer reads.

A run's tables hold registered measures only, in the registry's order; every
metric of the summary and comparison is registered and described by the
data dictionary in the registry's words; a rate is the ratio of its summed
parts wherever it is formed; and the model refuses a figure that has no
entry, so a new measure cannot ship undescribed.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sim
from sim.files.dictionary import data_dictionary, describe
from sim.model import measures, metrics
from sim.model.measures import MEASURES
from sim.runs.guard import UNDEFINED_ALLOWED
from sim.runs.results import RATES, SAVINGS, SUMMED, level_range

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"policy", "replication", "contact_type", "interval", "interval_start_s", "day", "group", "incident",
        "arrival_s"}


@pytest.fixture(scope="module")
def results():
    scenario = sim.load_scenario(ROOT / "scenarios" / "bank_hotline_day.yaml")
    return sim.run(scenario, settings=sim.RunSettings(replications=2, seed=11))


def test_every_column_of_a_runs_tables_is_a_registered_measure_of_that_table(results):
    for table in ("replications", "intervals", "agents"):
        columns = [c for c in getattr(results, table).columns if c not in KEYS]
        unregistered = [c for c in columns if c not in MEASURES or table not in MEASURES[c].tables]
        assert not unregistered, f"{table}: {unregistered}"
    # the per-type and per-interval columns come in the registry's order
    assert [c for c in results.replications.columns if c not in KEYS] == list(measures.names(table="replications"))
    assert [c for c in results.intervals.columns if c not in KEYS] == list(measures.names(table="intervals"))


def test_every_metric_of_summary_and_compare_is_registered_and_described_in_the_registrys_words(results):
    summary, compare = results.summary(), results.compare()
    for frame, name in ((summary, "summary"), (compare, "compare")):
        unregistered = sorted(set(frame["metric"]) - set(MEASURES))
        assert not unregistered, f"{name}: {unregistered}"
    dictionary = data_dictionary({"summary": summary}, "USD").set_index("column")
    for metric in set(summary["metric"]):
        assert dictionary.loc[f"metric={metric}", "meaning"] == MEASURES[metric].meaning
    for name in ("replications", "intervals", "agents"):
        for column in getattr(results, name).columns:
            if column in MEASURES:
                assert describe(name, column) == (MEASURES[column].meaning, MEASURES[column].unit)


def test_compare_reports_exactly_the_compared_levels_and_the_savings(results):
    metrics_ = set(results.compare()["metric"])
    compared = {m.name for m in MEASURES.values() if m.compared}
    assert metrics_ == compared | set(SAVINGS)


def test_each_rate_on_the_all_rows_is_the_ratio_of_the_summed_counts(results):
    table = results.per_replication(quantiles=False)
    every = table[table.contact_type == "all"]
    sums = results.replications.groupby(["policy", "replication"], sort=False)[list(SUMMED)].sum()
    for name, (num, den) in RATES.items():
        if MEASURES[name].emergency_only:
            assert every[name].isna().all(), name  # the guarantee is not a figure of 'all'
            continue
        expected = np.where(sums[den] > 0, sums[num] / sums[den].where(sums[den] > 0), np.nan)
        np.testing.assert_allclose(every[name].to_numpy(dtype=float), expected, rtol=1e-12, err_msg=name)


def test_a_net_saving_is_the_signed_sum_of_its_terms(results):
    paired = results.paired()
    for name in ("net_saving", "net_saving_platform"):
        total = sum(sign * paired[term] for term, sign in MEASURES[name].terms)
        np.testing.assert_allclose(paired[name], total, rtol=1e-12, atol=1e-9)


def test_the_interval_means_rates_are_the_ratios_of_their_summed_parts(results):
    means = results.interval_means()
    for name in ("service_level", "abandonment", "mean_wait_s"):
        num, den = MEASURES[name].rate
        expected = measures.ratio(means[num], means[den])
        np.testing.assert_array_equal(means[name].to_numpy(), expected)


def test_the_model_refuses_a_figure_that_has_no_entry(monkeypatch):
    scenario = sim.load_scenario(ROOT / "scenarios" / "classroom_mmc.yaml")
    monkeypatch.setattr(metrics, "BY_TYPE_COLUMNS", tuple(n for n in metrics.BY_TYPE_COLUMNS if n != "balked"))
    with pytest.raises(KeyError, match="balked"):
        sim.run(scenario, settings=sim.RunSettings(replications=1, seed=1))


def test_the_guard_allows_nan_only_where_a_measure_says_when_it_is_undefined():
    assert UNDEFINED_ALLOWED["replications"] == set()
    assert UNDEFINED_ALLOWED["intervals"] == {"service_level", "mean_wait_s"}
    assert UNDEFINED_ALLOWED["agents"] == {"occupancy"}
    assert UNDEFINED_ALLOWED["incidents"] == {"time_to_human_s"}


def test_feasible_ranges_follow_the_unit():
    for m in MEASURES.values():
        low, high = level_range(m.name)
        if m.sums == "paired":
            assert (low, high) == (-math.inf, math.inf)
        elif m.unit == "share":
            assert (low, high) == (0.0, 1.0) and m.difference_range == (-1.0, 1.0)
        else:
            assert (low, high) == (0.0, math.inf)


def test_every_entry_says_what_it_means_and_what_people_call_it():
    for m in MEASURES.values():
        assert m.meaning.strip() and m.label.strip() and m.heading.strip(), m.name
        if m.sums == "ratio":
            assert m.undefined, m.name


counts = st.floats(min_value=0, max_value=1e9, allow_nan=False)
denominators = st.one_of(st.just(0.0), st.floats(min_value=1e-3, max_value=1e9))


@given(st.lists(st.tuples(counts, denominators), min_size=1, max_size=20))
def test_ratio_is_the_quotient_where_the_denominator_is_positive_and_undefined_elsewhere(pairs):
    num, den = (np.array(x, dtype=float) for x in zip(*pairs))
    out = measures.ratio(num, den)
    positive = den > 0
    assert np.array_equal(out[positive], num[positive] / den[positive])
    assert np.isnan(out[~positive]).all()


def test_with_rates_adds_the_named_rates_in_order():
    frame = pd.DataFrame({"answered_within_target": [3, 0], "offered": [4, 0], "abandoned": [1, 0]})
    out = measures.with_rates(frame, ["abandonment", "service_level"])
    assert list(out.columns)[-2:] == ["abandonment", "service_level"]
    assert out["service_level"].iloc[0] == 0.75 and math.isnan(out["service_level"].iloc[1])
