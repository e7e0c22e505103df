"""Terminal wording of results (sim.present.terminal): sentences a reader can quote without a sign error."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.present.terminal import NET_TERMS, comparison_sentence


def compare_rows(**differences) -> pd.DataFrame:
    rows = [{"policy": "cut", "contact_type": "all", "metric": m, "difference": d, "ci_low": d - 10,
             "ci_high": d + 10} for m, d in differences.items()]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("loss", [0.0, -0.0, -0.2, 0.3])
def test_a_loss_change_that_rounds_to_nothing_reads_as_no_change_not_minus_zero(loss):
    frame = compare_rows(wages_saved=1200.0, bot_cost_saved=0.0, added_customer_loss=loss, added_churn=0.0,
                         net_saving=1200.0 - loss)
    line = comparison_sentence(frame, "cut", days=1, guarantee_s=60, has_emergency=False)
    assert "no change in customer losses" in line
    assert "-0" not in line and "saves customers" not in line


def test_a_loss_reads_as_added_and_a_gain_as_spared():
    added = comparison_sentence(compare_rows(wages_saved=100.0, bot_cost_saved=0.0, added_customer_loss=250.0,
                                             added_churn=0.0, net_saving=-150.0), "cut", 7, 60, False)
    assert "saves 100 in wages" in added and "adds 250 in customer losses" in added and "net -150" in added
    spared = comparison_sentence(compare_rows(wages_saved=-100.0, bot_cost_saved=0.0, added_customer_loss=-40.0,
                                              added_churn=0.0, net_saving=-60.0), "cut", 7, 60, False)
    assert "costs 100 in wages" in spared and "spares customers 40 in customer losses" in spared


def test_net_terms_are_the_ones_results_compare_sums():
    from sim.runs.results import SAVINGS

    for net, terms in NET_TERMS.items():
        assert net in SAVINGS and all(metric in SAVINGS for metric, _, _ in terms)
    assert [m for m, _, _ in NET_TERMS["net_saving"]] == ["wages_saved", "bot_cost_saved", "added_customer_loss",
                                                          "added_churn"]
    assert "added_liability" in [m for m, _, _ in NET_TERMS["net_saving_platform"]]
