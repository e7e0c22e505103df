"""Erlang X: finite lines, abandonment and redials (Koole), against Erlang A, Erlang B and the simulation."""

from __future__ import annotations

import math

import pytest
from support import contact_type, scenario, shift

import sim
from sim.analytic.erlang import ErlangInputError, erlang_a_metrics, erlang_b, erlang_x_metrics

CASES = [(200 / 3600, 180.0, 300.0, 14), (0.5, 120.0, 200.0, 60), (0.02, 300.0, 60.0, 3), (0.1, 240.0, 120.0, 20)]


@pytest.mark.parametrize("lam, aht, patience, n", CASES)
def test_without_redials_and_with_unlimited_lines_erlang_x_is_erlang_a(lam, aht, patience, n):
    x = erlang_x_metrics(lam, aht, patience, n)
    a = erlang_a_metrics(lam, aht, patience, n)
    for field in ("p_wait", "p_abandon", "mean_wait_s", "answered_within_target", "occupancy"):
        assert getattr(x.queue, field) == pytest.approx(getattr(a, field), rel=1e-9, abs=1e-12), field
    assert x.p_block == 0 and x.total_rate_per_s == lam


@pytest.mark.parametrize("lam, aht, patience, n", CASES)
def test_many_spare_lines_change_nothing_but_few_lines_block(lam, aht, patience, n):
    a = erlang_a_metrics(lam, aht, patience, n)
    wide = erlang_x_metrics(lam, aht, patience, n, lines=n + 2000)
    assert wide.queue.p_abandon == pytest.approx(a.p_abandon, rel=1e-9, abs=1e-15)
    assert wide.queue.answered_within_target == pytest.approx(a.answered_within_target, rel=1e-9)
    narrow = erlang_x_metrics(lam, aht, patience, n, lines=n + 1)
    answered = narrow.queue.occupancy * n / (lam * aht)
    assert answered + narrow.queue.p_abandon + narrow.p_block == pytest.approx(1.0, abs=1e-12)


def test_lines_equal_to_agents_block_as_erlang_b():
    x = erlang_x_metrics(10 / 180, 180.0, 300.0, 14, lines=14)
    assert x.p_block == pytest.approx(erlang_b(14, 10.0), rel=1e-12)
    assert x.queue.p_wait == 0 and x.queue.p_abandon == 0


def test_redials_raise_the_offered_load_to_a_fixed_point():
    x = erlang_x_metrics(110 / 3600, 300.0, 120.0, 10, lines=14, redial_probability=0.6)
    lost = x.p_block + x.queue.p_abandon
    assert x.total_rate_per_s == pytest.approx(x.fresh_rate_per_s + 0.6 * x.total_rate_per_s * lost, rel=1e-10)
    assert x.total_rate_per_s > x.fresh_rate_per_s and 0 < x.p_lost < lost


def test_a_certain_redial_is_refused_as_the_load_would_never_settle():
    with pytest.raises(ErlangInputError, match="redial_probability"):
        erlang_x_metrics(0.1, 120.0, 60.0, 5, redial_probability=1.0)


@pytest.mark.slow
def test_erlang_x_with_redials_matches_the_simulation_within_four_standard_errors():
    lam_h, aht, patience, n, r = 110.0, 300.0, 120.0, 10, 0.5
    x = erlang_x_metrics(lam_h / 3600, aht, patience, n, redial_probability=r)
    ct = contact_type(volume={"per_day": lam_h * 24}, handle_time_s={"dist": "exponential", "mean": aht},
                      patience_s={"dist": "exponential", "mean": patience},
                      redial={"probability": r, "max_attempts": 50, "delay_s": {"dist": "exponential", "mean": 1800}})
    sc = scenario(types=[ct], shifts=[shift(headcount=n)], days=6, warmup_h=24)
    reps = sim.run(sc, settings=sim.RunSettings(replications=20, seed=5, workers=2), keep_incidents="none").replications
    for observed, expected in (
        (reps["abandoned"] / reps["offered"], x.queue.p_abandon),
        (reps["delayed"] / reps["offered"], x.queue.p_wait),
        (reps["attempts"] / (5 * 86400), x.total_rate_per_s),
    ):
        se = observed.std(ddof=1) / math.sqrt(observed.size)
        assert abs(observed.mean() - expected) <= 4 * se, (observed.mean(), expected, se)


def test_the_erlang_command_gives_erlang_x_figures_for_lines_and_redials(tmp_path):
    from sim.cli import main

    out = tmp_path / "x"
    assert main(["erlang", "--calls-per-hour", "110", "--aht-s", "300", "--agents", "10", "--patience-s", "120",
                 "--lines", "14", "--redial-probability", "0.5", "--out", str(out)]) == 0
    import pandas as pd

    table = pd.read_csv(out / "erlang.csv").set_index("agents")
    x = erlang_x_metrics(110 / 3600, 300.0, 120.0, 10, lines=14, redial_probability=0.5)
    assert table.loc[10, "p_block"] == pytest.approx(x.p_block)
    assert table.loc[10, "attempts_per_hour"] == pytest.approx(x.total_rate_per_s * 3600)
    assert table.index.max() <= 14  # no row with more agents than lines


@pytest.mark.parametrize(
    "extra, message",
    [(["--agents", "10", "--lines", "14"], "needs --patience-s"),
     (["--service-level", "0.8", "--patience-s", "120", "--redial-probability", "0.5"], "needs --patience-s and --agents"),
     (["--agents", "10", "--patience-s", "120", "--lines", "8"], "--lines: 8 lines cannot hold 10")],
)
def test_erlang_x_options_that_cannot_work_are_refused_naming_the_option(extra, message, capsys):
    from sim.cli import main

    assert main(["erlang", "--calls-per-hour", "110", "--aht-s", "300", *extra]) == 2
    assert message in capsys.readouterr().err


# ------------------------------------------------- the exact chain (redial delays)

ISSUE_CASE = dict(arrival_rate_per_s=200 / 3600, mean_service_s=180.0, mean_patience_s=300.0, servers=14, lines=20,
                  redial_probability=0.5)


@pytest.mark.parametrize("lines", [16, 20, None])
@pytest.mark.parametrize("lam, aht, patience, n", CASES[:3])
def test_the_exact_chain_without_redials_is_the_closed_form_of_its_lines(lam, aht, patience, n, lines):
    """No redials: the chain is M/M/N/L+M (Erlang A with lines), or with unlimited lines Erlang A itself."""
    if lines is not None and lines < n:
        lines = n + 4
    exact = erlang_x_metrics(lam, aht, patience, n, lines=lines, redial_delay_s=60.0)
    assert exact.method == "exact chain" and exact.states > 0
    closed = erlang_a_metrics(lam, aht, patience, n) if lines is None else erlang_x_metrics(
        lam, aht, patience, n, lines=lines).queue
    for field in ("p_wait", "p_abandon", "mean_wait_s", "mean_wait_answered_s", "answered_within_target",
                  "virtual_wait_within_target", "abandoned_within_target", "occupancy"):
        assert getattr(exact.queue, field) == pytest.approx(getattr(closed, field), rel=1e-9, abs=1e-13), field
    if lines is not None:
        assert exact.p_block == pytest.approx(erlang_x_metrics(lam, aht, patience, n, lines=lines).p_block, rel=1e-9)


@pytest.mark.parametrize("lines", [20, None])
@pytest.mark.parametrize("delay_s", [60.0, 1800.0])
def test_the_exact_chain_sends_into_the_orbit_what_comes_back_out_of_it(lines, delay_s):
    """Balance of the orbit: redials per second = redial share x failed attempts per second, and fresh calls
    are answered or lost in the end."""
    case = {**ISSUE_CASE, "lines": lines}
    x = erlang_x_metrics(**case, redial_delay_s=delay_s)
    failed = x.total_rate_per_s * (x.p_block + x.queue.p_abandon)
    assert x.retrial_rate_per_s == pytest.approx(0.5 * failed, rel=1e-9)
    answered = x.total_rate_per_s * (1 - x.p_block - x.queue.p_abandon)
    assert answered + x.fresh_rate_per_s * x.p_lost == pytest.approx(x.fresh_rate_per_s, rel=1e-9)


def test_the_fixed_point_is_the_limit_of_long_redial_delays():
    errors = []
    for delay_s in (60.0, 300.0, 1800.0, 86400.0):
        x = erlang_x_metrics(**ISSUE_CASE, redial_delay_s=delay_s)
        errors.append(abs(x.fixed_point.p_block / x.p_block - 1))
    assert errors == sorted(errors, reverse=True)  # shrinks as the delay grows
    assert errors[-1] < 0.005


def test_the_fixed_point_understates_blocking_at_short_redial_delays_by_the_figures_its_docs_give():
    """Issue 24's independent check (a chain of its own): -41% at 60 s, within 4.5% at 30 minutes."""
    short = erlang_x_metrics(**ISSUE_CASE, redial_delay_s=60.0)
    assert short.fixed_point.p_block / short.p_block - 1 == pytest.approx(-0.41, abs=0.005)
    assert short.fixed_point.p_lost / short.p_lost - 1 == pytest.approx(-0.18, abs=0.005)
    long = erlang_x_metrics(**ISSUE_CASE, redial_delay_s=1800.0)
    assert -0.05 < long.fixed_point.p_block / long.p_block - 1 < -0.04
    assert "does not change the stationary rates" not in erlang_x_metrics.__doc__  # the claim the issue refuted


def test_a_chain_too_large_for_the_solver_falls_back_to_the_fixed_point_and_says_so():
    x = erlang_x_metrics(**ISSUE_CASE, redial_delay_s=60.0, max_states=100)
    assert x.method == "fixed point" and x.redial_delay_s == 60.0
    assert x.p_block == erlang_x_metrics(**ISSUE_CASE).p_block


@pytest.mark.slow
def test_the_exact_chain_matches_the_simulation_at_a_short_redial_delay_where_the_fixed_point_does_not():
    lam_h, aht, patience, n, r, delay_s = 110.0, 300.0, 120.0, 10, 0.5, 60.0
    x = erlang_x_metrics(lam_h / 3600, aht, patience, n, redial_probability=r, redial_delay_s=delay_s)
    ct = contact_type(volume={"per_day": lam_h * 24}, handle_time_s={"dist": "exponential", "mean": aht},
                      patience_s={"dist": "exponential", "mean": patience},
                      redial={"probability": r, "max_attempts": 50,
                              "delay_s": {"dist": "exponential", "mean": delay_s}})
    sc = scenario(types=[ct], shifts=[shift(headcount=n)], days=6, warmup_h=24)
    reps = sim.run(sc, settings=sim.RunSettings(replications=20, seed=7, workers=2), keep_incidents="none").replications
    observed = reps["abandoned"] / reps["offered"]
    se = observed.std(ddof=1) / math.sqrt(observed.size)
    assert abs(observed.mean() - x.queue.p_abandon) <= 4 * se, (observed.mean(), x.queue.p_abandon, se)
    assert abs(observed.mean() - x.fixed_point.queue.p_abandon) > 4 * se  # the approximation is visibly off here


def test_the_erlang_command_solves_the_exact_chain_for_a_redial_delay_and_shows_the_fixed_points_error(
    tmp_path, capsys
):
    from sim.cli import main

    import pandas as pd

    out = tmp_path / "x"
    assert main(["erlang", "--calls-per-hour", "200", "--aht-s", "180", "--agents", "14", "--patience-s", "300",
                 "--lines", "20", "--redial-probability", "0.5", "--redial-delay-s", "60", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "exact chain (redial delays exponential, mean 60 s)" in printed
    assert "(-41%)" in printed  # the fixed point's P(block) at 14 agents, against the exact chain's
    table = pd.read_csv(out / "erlang.csv").set_index("agents")
    x = erlang_x_metrics(**ISSUE_CASE, redial_delay_s=60.0)
    assert table.loc[14, "method"] == "exact chain"
    assert table.loc[14, "p_block"] == pytest.approx(x.p_block)
    assert table.loc[14, "p_block_fixed_point"] == pytest.approx(x.fixed_point.p_block)


def test_the_erlang_command_states_the_fixed_points_range_when_no_redial_delay_is_given(capsys):
    from sim.cli import main

    assert main(["erlang", "--calls-per-hour", "200", "--aht-s", "180", "--agents", "14", "--patience-s", "300",
                 "--lines", "20", "--redial-probability", "0.5"]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "redials treated as fresh Poisson calls" in printed
    assert "-41% at a 60-s delay" in printed and "--redial-delay-s" in printed
