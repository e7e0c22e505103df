"""The agreement table: humanline beside published cases, each with its own protocol and definitions.

The published figures are ContactCenters' (umontreal-simul/contactcenters,
doc/examples/*.res, 1,000 days each) and the Erlang closed forms; a row agrees
within 4 standard errors of the combined uncertainty (sim.studies.agreement).
These tests run the cases at a few hundred days; `python -m sim agreement`
runs 1,000 and docs/validation.md is its output.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.cli.commands import main
from sim.model.engine import ANSWERED, ATTEMPT_COLUMNS
from sim.model.scenario import Scenario
from sim.studies import agreement
from sim.studies.agreement import contactcenters, erlang_x, time_varying
from sim.studies.agreement.estimates import (
    Estimate,
    Published,
    mean_estimate,
    ratio_estimate,
    t_limit,
    z_limit,
    z_score,
)
from sim.studies.agreement.logs import busy_seconds, per_replication

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def published_rows():
    return {case.case: agreement.published_case_rows(case, 300, seed=11) for case in contactcenters.CASES}


@pytest.mark.parametrize("case", [c.case for c in contactcenters.CASES])
def test_every_contactcenters_figure_agrees_within_four_standard_errors(published_rows, case):
    rows = published_rows[case]
    assert rows, case
    for row in rows:
        assert row["replications"] == 300
        assert abs(row["z"]) <= row["z_limit"] < 4.2, (case, row["measure"], row["published"], row["humanline"],
                                                       row["z"])
        assert row["verdict"] == "agrees"


def test_a_model_a_few_percent_off_is_told_apart_from_the_published_mmc():
    # handle times 5% longer: the study must say "differs", or its agreement means nothing
    data = contactcenters.MMC.scenario.model_dump()
    data["contact_types"][0]["handle_time_s"] = {"dist": "exponential", "mean": 126.0}
    case = replace(contactcenters.MMC, scenario=Scenario.model_validate(data))
    rows = {r["measure"]: r for r in agreement.published_case_rows(case, 300, seed=5)}
    assert rows["occupancy"]["verdict"] == "differs" and rows["occupancy"]["z"] > rows["occupancy"]["z_limit"]
    assert rows["service_level"]["verdict"] == "differs" and rows["service_level"]["z"] < 0


@pytest.mark.parametrize("case", contactcenters.CASES, ids=lambda c: c.case)
def test_each_published_interval_is_the_one_its_printed_standard_deviation_gives(case):
    # catches a figure copied wrong from a .res file: value, interval and sd must tell the same story
    from scipy.special import stdtrit

    for m in case.measures:
        p = m.published
        unit = 10.0 ** -p.decimals
        assert p.ci_low - unit <= p.value <= p.ci_high + unit, m.key
        half = float(stdtrit(contactcenters.DAYS - 1, 0.5 + case.confidence / 2)) * p.sd / math.sqrt(p.n)
        # the sd is printed to 2-5 significant digits, the bounds to ``decimals``
        assert abs((p.ci_high - p.ci_low) / 2 - half) <= unit + 0.02 * half, (m.key, p, half)


def test_the_mmc_day_starts_empty_stops_arrivals_at_480_minutes_and_serves_the_queue_left():
    scenario = contactcenters.MMC.scenario
    assert scenario.warmup_h == 0
    runs = list(per_replication(scenario, _raw, 3, seed=2))
    for attempts in runs:
        arrive = attempts[:, ATTEMPT_COLUMNS.index("arrive_s")]
        assert arrive.max() < contactcenters.MMC_DAY_S
        assert (attempts[:, ATTEMPT_COLUMNS.index("outcome")] == ANSWERED).all()  # nobody abandons, all served
        end = attempts[:, ATTEMPT_COLUMNS.index("leave_queue_s")] + attempts[:, ATTEMPT_COLUMNS.index("service_s")]
        assert end.max() > contactcenters.MMC_DAY_S  # service runs past the end of the day ...
        counts = contactcenters.mmc_counts(attempts)
        assert counts["busy_min"] < 12 * 480  # ... but occupancy counts [0, 480 min) only


def _raw(attempts):
    return attempts


def test_busy_time_is_clipped_at_the_end_of_the_day():
    cols = {name: n for n, name in enumerate(ATTEMPT_COLUMNS)}
    attempts = np.zeros((3, len(ATTEMPT_COLUMNS)))
    attempts[:, cols["outcome"]] = [ANSWERED, ANSWERED, 1]
    attempts[:, cols["leave_queue_s"]] = [10.0, 90.0, 50.0]
    attempts[:, cols["service_s"]] = [30.0, 30.0, 0.0]
    assert busy_seconds(attempts, 100.0) == pytest.approx(30.0 + 10.0)


def test_a_ratio_of_means_differs_from_the_mean_of_ratios_and_has_the_delta_method_error():
    x, y = np.array([1.0, 9.0, 5.0, 5.0]), np.array([2.0, 10.0, 5.0, 7.0])
    est = ratio_estimate(x, y)
    assert est.mean == pytest.approx(20.0 / 24.0)
    assert est.mean != pytest.approx(np.mean(x / y))
    r = 20.0 / 24.0
    assert est.se == pytest.approx(np.std(x - r * y, ddof=1) / (6.0 * 2.0))


@given(st.floats(-1e3, 1e3), st.floats(1e-3, 10.0), st.floats(0.0, 10.0), st.integers(0, 4))
def test_z_counts_every_uncertainty_and_is_antisymmetric(diff, se_ours, se_pub, decimals):
    published = Published(100.0, sd=se_pub * 10.0, n=100, decimals=decimals)
    up = z_score(Estimate(100.0 + diff, se_ours, math.nan, math.nan, 10), published)
    down = z_score(Estimate(100.0 - diff, se_ours, math.nan, math.nan, 10), published)
    assert up == pytest.approx(-down)
    combined = math.sqrt(se_ours**2 + se_pub**2 + (10.0 ** -decimals) ** 2 / 12)
    assert up == pytest.approx(diff / combined)
    assert abs(up) <= abs(diff) / se_ours + 1e-9  # more uncertainty never makes a difference look larger


def test_the_limit_is_four_standard_errors_when_they_are_well_known_and_wider_when_rough():
    published = Published(1.0, sd=1.0, n=1000, decimals=3)
    many = Estimate(1.0, 0.03, math.nan, math.nan, 1000)
    few = Estimate(1.0, 0.3, math.nan, math.nan, 4)
    assert agreement.Z <= z_limit(many, published) < 4.05
    assert z_limit(few, published) > 20  # 3 degrees of freedom: |t| > 4 is a 3% event, not 1 in 16,000
    assert z_limit(few, Published(1.0)) == pytest.approx(t_limit(3))


def test_a_single_replication_has_no_standard_error():
    assert math.isnan(mean_estimate([3.0]).se)


def test_cases_humanline_cannot_express_are_listed_with_their_reason():
    listed = " ".join(case for case, *_ in contactcenters.NOT_EXPRESSIBLE)
    for case in ("TelethonMsg", "Bank", "Blend"):
        assert case in listed
    expressed = {c.case for c in contactcenters.CASES}
    assert {"MMCBlocked", "MMCClrQ", "Telethon"} <= expressed
    assert not expressed & set(listed.replace(",", " ").split())  # a case is in the table or listed, not both
    for _, _, _, reason in contactcenters.NOT_EXPRESSIBLE:
        assert "not in the model" in reason


def test_the_new_contactcenters_cases_carry_the_examples_limits():
    blocked = contactcenters.MMCBLOCKED.scenario
    assert blocked.capacity.queue_places == 5 and blocked.capacity.lines is None
    clear = contactcenters.MMCCLRQ.scenario.contact_types[0]
    assert clear.at_closing == "disconnect" and clear.hours == ["00:00-08:00"]
    tele = contactcenters.TELETHON.scenario
    assert tele.capacity.lines == 24 and tele.days == 5
    donors = tele.contact_types[0]
    assert (donors.max_wait_s, donors.at_closing, donors.hours) == (120.0, "disconnect", ["06:00-10:00"])
    assert sum(donors.volume.table) * tele.days == contactcenters.TELETHON_EXPECTED_CALLS


def test_telethon_week_ends_every_call_one_way_and_divides_by_the_expectations():
    # every arrival ends served, blocked, abandoned, as a message or disconnected: the example's own identity
    for week in per_replication(contactcenters.TELETHON.scenario, contactcenters.telethon_counts, 5, seed=4):
        parts = ("served", "blocked", "abandoned", "messages", "disconnected")
        assert week["arrivals"] == sum(week[k] for k in parts)
        assert week["service_level_pct"] == pytest.approx(100 * week["in_target"] / 1000)


def test_the_sinusoid_rates_average_to_the_mean_rate_over_a_cycle():
    rates = time_varying.interval_rates_per_h()
    per_cycle = int(time_varying.CYCLE_H * 60 // time_varying.INTERVAL_MIN)
    assert rates[:per_cycle].mean() == pytest.approx(time_varying.MEAN_RATE_PER_H)
    assert rates.max() <= time_varying.MEAN_RATE_PER_H * (1 + time_varying.RELATIVE_AMPLITUDE)


def test_per_interval_erlang_c_meets_the_target_in_each_interval_by_its_own_formula():
    from sim.analytic.erlang import erlang_c

    staffing = time_varying.sipp_staffing()
    for n, rate in zip(staffing, time_varying.interval_rates_per_h()):
        load = rate * time_varying.MEAN_SERVICE_S / 3600
        assert erlang_c(int(n), load) <= time_varying.ALPHA < erlang_c(int(n) - 1, load)


@pytest.mark.slow
def test_the_isa_keeps_p_delay_near_its_target_where_per_interval_erlang_c_does_not():
    result = time_varying.time_varying_case(replications=60, seed=3, isa_replications=40)
    summary = result.summary.set_index("method")
    assert bool(summary.loc["isa", "holds"]), summary
    assert bool(summary.loc["erlang_c", "holds"]), summary
    isa = result.per_interval[result.per_interval.method == "isa"]
    assert isa.p_delay.between(0.1, 0.3).all(), isa.p_delay.tolist()


def test_the_command_rejects_a_bad_out_folder_before_running(tmp_path, capsys):
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    assert main(["agreement", "--replications", "20", "--out", str(target)]) == 2
    assert "--out" in capsys.readouterr().err
    assert (target / "notes.txt").read_text() == "mine"


@pytest.mark.slow
def test_the_command_writes_the_table_and_the_markdown(tmp_path, capsys):
    out, md = tmp_path / "agreement", tmp_path / "validation.md"
    assert main(["agreement", "--replications", "20", "--out", str(out), "--markdown", str(md)]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"agreement.csv", "not_expressible.csv", "time_varying.csv", "provenance.json"} <= names
    text = md.read_text()
    assert "python -m sim agreement --replications 20" in text
    assert "| MMC | service level |" in text and "MMCBlocked" in text


def test_docs_validation_md_is_the_output_of_the_command_for_the_cases_of_the_code():
    text = (ROOT / "docs" / "validation.md").read_text()
    assert re.search(r"Generated by `python -m sim agreement[^`]*`", text)
    for case in contactcenters.CASES:
        for m in case.measures:
            assert f"| {case.case} | {m.label} |" in text, (case.case, m.label)
    for case in erlang_x.CASES:
        for m in erlang_x.measures_of(case):
            assert f"| {case.case} (Erlang X) | {m.label} |" in text, (case.case, m.label)
    for case, *_ in contactcenters.NOT_EXPRESSIBLE:
        assert case in text
    assert "FMMW 2008 sinusoidal" in text
