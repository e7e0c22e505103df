"""Non-emergency callers beside the emergency guarantee: their service per policy and the one collapse rule."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sim.present.tables import service_table
from sim.studies.service import (
    COLLAPSE_ABANDONMENT_ABOVE,
    COLLAPSE_RULE,
    COLLAPSE_SERVICE_LEVEL_BELOW,
    POOLED,
    collapsed_policies,
    non_emergency_service,
)

ROOT = Path(__file__).resolve().parent.parent
TYPES = [SimpleNamespace(id="routine", label="Routine", emergency=False),
         SimpleNamespace(id="refund", label="", emergency=False),
         SimpleNamespace(id="fraud", label="Fraud", emergency=True)]


def _rows(policy: str, ctype: str, offered, within, abandoned, answered, wait_sum):
    return [{"policy": policy, "replication": r, "contact_type": ctype, "offered": o, "answered_within_target": w,
             "abandoned": a, "answered": n, "answered_wait_sum_s": s}
            for r, (o, w, a, n, s) in enumerate(zip(offered, within, abandoned, answered, wait_sum))]


def _frame() -> pd.DataFrame:
    rows = []
    # 'fine' serves everyone well; 'cut' starves refunds only: the pool of both types stays above the rule
    rows += _rows("fine", "routine", [100, 100, 100], [90, 85, 95], [2, 3, 1], [98, 97, 99], [980, 970, 990])
    rows += _rows("fine", "refund", [20, 20, 20], [18, 17, 19], [1, 1, 0], [19, 19, 20], [190, 190, 200])
    rows += _rows("cut", "routine", [100, 100, 100], [88, 86, 90], [4, 4, 4], [96, 96, 96], [960, 960, 960])
    rows += _rows("cut", "refund", [20, 20, 20], [6, 8, 7], [7, 5, 6], [13, 15, 14], [6500, 7500, 7000])
    rows += _rows("fine", "fraud", [5, 5, 5], [0, 0, 0], [5, 5, 5], [0, 0, 0], [0, 0, 0])  # an emergency: ignored
    return pd.DataFrame(rows)


def test_each_non_emergency_type_and_their_pool_get_service_level_abandonment_and_asa_with_intervals():
    service = non_emergency_service(_frame(), TYPES, ["fine", "cut"])
    assert list(zip(service.policy, service.scope)) == [("fine", "routine"), ("fine", "refund"), ("fine", POOLED),
                                                        ("cut", "routine"), ("cut", "refund"), ("cut", POOLED)]
    assert "fraud" not in set(service.scope)
    pool = service[(service.policy == "cut") & (service.scope == POOLED)].iloc[0]
    # the pool sums counts within each replication, then takes the rate: (88+6)/120, (86+8)/120, (90+7)/120
    assert pool["service_level"] == pytest.approx(np.mean([94 / 120, 94 / 120, 97 / 120]))
    assert pool["asa_s"] == pytest.approx(np.mean([7460 / 109, 8460 / 111, 7960 / 110]))
    assert pool["service_level_ci_low"] < pool["service_level"] < pool["service_level_ci_high"]
    assert service.loc[service.scope == "refund", "label"].iloc[0] == "refund"  # no label: the id


def test_a_collapse_in_one_type_is_flagged_though_the_pool_looks_fine():
    service = non_emergency_service(_frame(), TYPES, ["fine", "cut"])
    refund = service[(service.policy == "cut") & (service.scope == "refund")].iloc[0]
    assert refund["service_level"] < COLLAPSE_SERVICE_LEVEL_BELOW and refund["abandonment"] > COLLAPSE_ABANDONMENT_ABOVE
    assert refund["collapsed"] and "service level below" in refund["why"] and "abandonment above" in refund["why"]
    assert not service[(service.policy == "cut") & (service.scope == POOLED)]["collapsed"].iloc[0]
    assert collapsed_policies(service) == {"cut": ["refund"]}


@pytest.mark.parametrize("sl, abandon, flagged", [
    (COLLAPSE_SERVICE_LEVEL_BELOW, 0.0, False), (COLLAPSE_SERVICE_LEVEL_BELOW - 0.01, 0.0, True),
    (1.0, COLLAPSE_ABANDONMENT_ABOVE, False), (1.0, COLLAPSE_ABANDONMENT_ABOVE + 0.01, True)])
def test_the_rule_flags_exactly_beyond_its_thresholds(sl, abandon, flagged):
    rows = _rows("p", "routine", [1000] * 2, [1000 * sl] * 2, [1000 * abandon] * 2, [900] * 2, [900] * 2)
    service = non_emergency_service(pd.DataFrame(rows), TYPES[:1], ["p"])
    assert bool(service["collapsed"].iloc[0]) is flagged


def test_a_scenario_of_emergencies_only_has_no_rows():
    assert non_emergency_service(_frame(), TYPES[2:], ["fine"]).empty


def test_the_table_names_the_collapse_and_marks_the_baseline():
    service = non_emergency_service(_frame(), TYPES, ["fine", "cut"])
    table = service_table(service, {"fine": "Fine", "cut": "Cut"}, baseline="fine")
    assert list(table.index.unique()) == ["Fine (baseline)", "Cut"]
    assert table.loc["Cut"].set_index("Callers").loc["refund", "Service collapse"].startswith("COLLAPSE: ")
    assert (table.loc["Fine (baseline)", "Service collapse"] == "").all()
    assert "%" in table["Service level (95% CI)"].iloc[0] and " to " in table["ASA (95% CI)"].iloc[0]
    assert not any("min" in t for t in table["ASA (95% CI)"])  # nobody waits 10 minutes: seconds
    # refunds waiting 25 minutes put the whole ASA column in minutes: one unit per column
    frame = _frame()
    frame.loc[(frame.policy == "cut") & (frame.contact_type == "refund"), "answered_wait_sum_s"] *= 3
    asa = service_table(non_emergency_service(frame, TYPES, ["fine", "cut"]), {}, "fine")["ASA (95% CI)"]
    assert all(re.fullmatch(r"[\d.,]+ min \([\d.,]+ min to [\d.,]+ min\)( rough)?", t) for t in asa), list(asa)
    assert "50%" in COLLAPSE_RULE and "20%" in COLLAPSE_RULE


@pytest.fixture(scope="module")
def callbacks_cut():
    """The payment platform's callbacks policy, one day: it keeps emergencies near the guarantee, routine callers not."""
    import sim

    data = sim.load_scenario(ROOT / "scenarios" / "payment_platform.yaml").model_dump(mode="json")
    data.update(days=1)
    scenario = sim.Scenario.model_validate(data)
    return sim.run(scenario, policies=["today", "callbacks_cut40"], settings=sim.RunSettings(replications=3, seed=11))


def test_cli_compare_prints_the_callers_table_the_rule_and_the_collapse(callbacks_cut):
    from sim.present.terminal import render_comparison
    from sim.studies.comparison import comparison_tables

    text = render_comparison(comparison_tables(callbacks_cut))
    assert "What non-emergency callers get" in text and f"Rule: {COLLAPSE_RULE}." in text
    assert "SERVICE COLLAPSE under callbacks_cut40" in text
    assert "SERVICE COLLAPSE under today" not in text


def test_the_reports_verdict_states_the_callers_service_and_the_collapse(callbacks_cut):
    from sim.present.report import verdict_paragraphs
    from sim.studies.comparison import comparison_tables

    (verdict,) = verdict_paragraphs(comparison_tables(callbacks_cut), {})
    assert 'class="service" data-scope="routine"' in verdict["html"]
    assert "Service collapse" in verdict["html"] and "answered within its target time" in verdict["html"]
