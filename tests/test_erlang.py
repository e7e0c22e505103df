"""Erlang B / C / A formulas against published figures and independent computations.

Expected values come from three places, never from sim.analytic.erlang itself:
the published cases in docs/reference/erlang_cases.md, textbook formulas
re-implemented here in the simplest possible way (Erlang B recursion, exact
decimal arithmetic, a dense birth-death chain with matrix exponentials), and
the Mandelbaum-Zeltyn incomplete-gamma closed forms.
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import linalg, special

from sim.analytic.erlang import (
    ErlangA,
    ErlangC,
    ErlangInputError,
    agents_to_schedule,
    erlang_a_metrics,
    erlang_a_servers_needed,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    erlang_c_servers_needed,
    halfin_whitt_p_wait,
    square_root_staffing,
)

# ---------------------------------------------------------------------------
# independent reference implementations


def recursion_erlang_b(servers: int, load: float) -> float:
    """B0 = 1, Bk = A B(k-1) / (k + A B(k-1)) -- the formula printed in the reference file."""
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return b


def recursion_erlang_c(servers: int, load: float) -> float:
    b = recursion_erlang_b(servers, load)
    return servers * b / (servers - load * (1.0 - b))


def decimal_erlang_b(servers: int, load: str, digits: int = 50) -> Decimal:
    """Erlang B in 50-digit decimal arithmetic: no underflow, no float rounding."""
    with localcontext() as ctx:
        ctx.prec = digits
        a = Decimal(load)
        b = Decimal(1)
        for k in range(1, servers + 1):
            b = a * b / (k + a * b)
        return +b


@functools.cache
def birth_death_erlang_a(lam: float, aht: float, patience: float, servers: int, target_s: float) -> dict:
    """M/M/N+M by brute force: a dense truncated birth-death chain plus, for waits,
    the tagged customer's absorbing Markov chain solved with expm / linear algebra.

    Deliberately naive float64 so that it shares no code or derivation with
    sim.analytic.erlang (which mixes incomplete-beta closed forms in log space).
    """
    mu, theta = 1.0 / aht, 1.0 / patience
    weights = [1.0]
    n = 0
    # Truncate once past N and the terms are negligible (they then only shrink).
    while n < servers or weights[-1] > 1e-22 * max(weights):
        n += 1
        death = min(n, servers) * mu + max(n - servers, 0) * theta
        weights.append(weights[-1] * lam / death)
    weights = np.array(weights)
    size = weights.size
    pi = weights / weights.sum()
    n = np.arange(size)
    queue = np.maximum(n - servers, 0)
    busy = np.minimum(n, servers)
    p_wait = pi[servers:].sum()
    mean_queue = float(pi @ queue)

    # Tagged customer finding k waiting sits at position j = k + 1. Transient
    # states j = 1..K; from j it moves to j-1 at N mu + (j-1) theta (j=1:
    # answered) and abandons at theta (only in the chain with own patience).
    big_k = size - servers

    def absorbing(own_patience: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        m = big_k + 2  # transient 0..K-1 (position j = index+1), then answered, abandoned
        q = np.zeros((m, m))
        for idx in range(big_k):
            j = idx + 1
            forward = servers * mu + (j - 1) * theta
            if idx == 0:
                q[idx, big_k] = forward
            else:
                q[idx, idx - 1] = forward
            if own_patience:
                q[idx, big_k + 1] = theta
            q[idx, idx] = -q[idx].sum()
        probs = linalg.expm(q * target_s)
        transient = q[:big_k, :big_k]
        into_answered = q[:big_k, big_k]
        p_ans = np.linalg.solve(-transient, into_answered)
        time_ans = np.linalg.solve(-transient, p_ans)  # E[T; answered] = (-Q)^-2 r
        return probs[:big_k, big_k], probs[:big_k, big_k + 1], np.vstack([p_ans, time_ans])

    ans_by_t, ab_by_t, ans_stats = absorbing(True)
    virt_by_t, _, _ = absorbing(False)
    found_queue = pi[servers:]  # k = 0..K-1 customers ahead
    p_ab = theta * mean_queue / lam
    return {
        "p_wait": p_wait,
        "p_abandon": p_ab,
        "mean_wait_little": mean_queue / lam,
        "mean_wait_answered": float(found_queue @ ans_stats[1]) / (1.0 - p_ab),
        "answered_within": (1.0 - p_wait) + float(found_queue @ ans_by_t),
        "virtual_within": (1.0 - p_wait) + float(found_queue @ virt_by_t),
        "abandoned_within": float(found_queue @ ab_by_t),
        "occupancy": float(pi @ busy) / servers,
    }


def mandelbaum_zeltyn(lam: float, aht: float, patience: float, servers: int, target_s: float) -> dict:
    """Closed forms of Mandelbaum & Zeltyn (2005) in terms of the incomplete gamma function.

    x = N mu / theta, y = lambda / theta, A(x, y) = x e^y y^-x gamma(x, y);
    P(W>0) = A E / (1 + (A - 1) E) with E = Erlang B; P(Ab | W>0) = 1/(rho A) + 1 - 1/rho;
    P(V > t | W>0) = gamma(x, y e^-theta t) / gamma(x, y).
    Only valid for moderate x, y (nothing here guards against overflow).
    """
    mu, theta = 1.0 / aht, 1.0 / patience
    x, y = servers * mu / theta, lam / theta
    rho = lam / (servers * mu)
    a_xy = x * math.exp(y) * y ** (-x) * special.gamma(x) * special.gammainc(x, y)
    e = recursion_erlang_b(servers, lam * aht)
    p_wait = a_xy * e / (1.0 + (a_xy - 1.0) * e)
    p_ab = p_wait * (1.0 / (rho * a_xy) + 1.0 - 1.0 / rho)
    z = y * math.exp(-theta * target_s)
    virt_gt = special.gammainc(x, z) / special.gammainc(x, y)
    # P(answered, 0 < W <= t | W > 0) = [gamma(x+1, y) - gamma(x+1, z)] / (y gamma(x, y))
    ans = (x / y) * (special.gammainc(x + 1, y) - special.gammainc(x + 1, z)) / special.gammainc(x, y)
    return {
        "p_wait": p_wait,
        "p_abandon": p_ab,
        "virtual_within": 1.0 - p_wait * virt_gt,
        "answered_within": 1.0 - p_wait + p_wait * ans,
    }


def tolerance_of(printed: str) -> float:
    """Half a unit in the last printed digit: '0.3896' -> 5e-5, '122.8' -> 0.05."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return 0.5 * 10.0 ** (-decimals) * (1 + 1e-9)


def assert_printed(value: float, printed: str) -> None:
    assert abs(value - float(printed)) <= tolerance_of(printed), f"{value!r} does not round to {printed}"


# ---------------------------------------------------------------------------
# published cases (docs/reference/erlang_cases.md)

C1_RATE = 100 / 1800  # 100 calls per 30 min
C1_AHT = 180.0


@pytest.mark.parametrize(
    ("servers", "p_wait", "asa", "sl"),
    [
        (11, "0.68212", "122.8", "0.3896"),
        (12, "0.44939", "40.4", "0.6402"),
        (13, "0.28527", "17.1", "0.7956"),
        (14, "0.17413", "7.84", "0.8884"),
        (15, "0.10204", "3.67", "0.9415"),
    ],
)
def test_erlang_c_reproduces_published_case_c1(servers, p_wait, asa, sl):
    res = erlang_c_metrics(C1_RATE, C1_AHT, servers, target_s=20)
    assert res.load_erlangs == pytest.approx(10.0)
    assert_printed(res.p_wait, p_wait)
    assert_printed(res.asa_s, asa)
    assert_printed(res.service_level, sl)


def test_erlang_c_reproduces_published_case_c2():
    res = erlang_c_metrics(360 / 1800, 240, 55, target_s=20)
    assert res.load_erlangs == pytest.approx(48.0)
    assert_printed(res.p_wait, "0.23870")
    assert_printed(res.asa_s, "8.18")
    assert_printed(res.service_level, "0.8668")


@pytest.mark.parametrize(("servers", "p_wait"), [(3, "0.7022"), (4, "0.3199"), (5, "0.1304"), (6, "0.0474")])
def test_erlang_c_reproduces_published_case_c3(servers, p_wait):
    res = erlang_c_metrics(30 / 3600, 300, servers)
    assert res.load_erlangs == pytest.approx(2.5)
    assert_printed(res.p_wait, p_wait)
    assert_printed(erlang_c(servers, 2.5), p_wait)


def test_c1_with_14_agents_and_30_percent_shrinkage_schedules_20_at_occupancy_0714():
    assert agents_to_schedule(14, 0.30) == 20
    assert_printed(erlang_c_metrics(C1_RATE, C1_AHT, 14).occupancy, "0.714")


@pytest.mark.parametrize(
    ("servers", "load", "printed"), [(5, 2, "0.0367"), (14, 10, "0.0568"), (10, 5, "0.0184")]
)
def test_erlang_b_reproduces_published_checks(servers, load, printed):
    assert_printed(erlang_b(servers, load), printed)


@pytest.mark.parametrize(
    ("field", "printed"),
    [
        ("p_wait", "0.14526"),
        ("p_abandon", "0.013984"),
        ("mean_wait_s", "4.195"),
        ("answered_within_target", "0.916792"),
        ("occupancy", "0.704297"),
    ],
)
def test_erlang_a_reproduces_published_case_a1(field, printed):
    res = erlang_a_metrics(C1_RATE, C1_AHT, 300, 14, target_s=20)
    assert_printed(getattr(res, field), printed)


def test_erlang_a_service_level_is_answered_within_target_not_virtual_wait():
    res = erlang_a_metrics(C1_RATE, C1_AHT, 300, 14, target_s=20)
    assert res.service_level == res.answered_within_target
    # The virtual wait also counts callers who hung up before they would have
    # been answered in time, so it is larger -- by more than the published
    # precision, i.e. the two can not be confused.
    assert res.virtual_wait_within_target - res.answered_within_target > 1e-3
    assert abs(res.virtual_wait_within_target - 0.916792) > 1e-3


# ---------------------------------------------------------------------------
# Erlang B / C against the textbook recursion and exact arithmetic


@pytest.mark.parametrize(
    ("servers", "load"), [(1, 0.5), (2, 1.7), (10, 9.99), (50, 48.0), (300, 250.0), (1000, 1020.0)]
)
def test_erlang_b_matches_textbook_recursion(servers, load):
    assert erlang_b(servers, load) == pytest.approx(recursion_erlang_b(servers, load), rel=1e-12)


@pytest.mark.parametrize(("servers", "load"), [(1, 0.5), (3, 2.5), (55, 48.0), (300, 290.0), (2000, 1999.0)])
def test_erlang_c_matches_textbook_formula_from_erlang_b(servers, load):
    assert erlang_c(servers, load) == pytest.approx(recursion_erlang_c(servers, load), rel=1e-11)


@pytest.mark.parametrize(("servers", "load"), [(200, "50"), (300, "30"), (100, "1.5"), (60, "0.25")])
def test_erlang_b_tiny_probabilities_are_accurate_not_zero(servers, load):
    exact = decimal_erlang_b(servers, load)
    got = erlang_b(servers, float(load))
    assert got > 0 and math.isfinite(got)
    assert Decimal(repr(got)) == pytest.approx(exact, rel=Decimal("1e-12"))


def test_erlang_c_tiny_probability_is_accurate():
    b = decimal_erlang_b(200, "50")
    with localcontext() as ctx:
        ctx.prec = 50
        exact = 200 * b / (200 - 50 * (1 - b))
    assert Decimal(repr(erlang_c(200, 50))) == pytest.approx(exact, rel=Decimal("1e-12"))


def test_five_thousand_servers_at_4900_erlangs_give_accurate_finite_values():
    exact_b = float(decimal_erlang_b(5000, "4900"))
    assert erlang_b(5000, 4900) == pytest.approx(exact_b, rel=1e-11)
    c = erlang_c_metrics(4900 / 180, 180, 5000)
    a = erlang_a_metrics(4900 / 180, 180, 300, 5000)
    for v in (c.p_wait, c.service_level, c.occupancy, a.p_wait, a.p_abandon, a.answered_within_target,
              a.virtual_wait_within_target, a.abandoned_within_target, a.occupancy):
        assert math.isfinite(v) and 0.0 <= v <= 1.0
    assert 0 < c.p_wait < 1 and c.asa_s > 0 and math.isfinite(c.asa_s)
    assert 0 < a.p_abandon < a.p_wait < c.p_wait


def test_erlang_b_overloaded_single_server_is_a_over_one_plus_a():
    assert erlang_b(1, 5000.0) == pytest.approx(5000 / 5001, rel=1e-14)


def test_zero_servers_and_zero_load_edge_cases():
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_b(0, 0.0) == 1.0
    assert erlang_b(4, 0.0) == 0.0
    # True value ~1e-16326: below float64, so exactly 0.0 -- not nan, no exception.
    assert erlang_b(5000, 1.0) == 0.0
    assert erlang_c(4, 0.0) == 0.0
    c = erlang_c_metrics(0.0, 180, 1)
    assert (c.p_wait, c.asa_s, c.service_level, c.occupancy) == (0.0, 0.0, 1.0, 0.0)
    with pytest.raises(ErlangInputError, match="servers"):
        erlang_c(0, 0.0)


@settings(max_examples=60, deadline=None)
@given(
    servers=st.integers(min_value=1, max_value=500),
    load=st.floats(min_value=0.01, max_value=500.0),
    target=st.floats(min_value=0.0, max_value=120.0),
)
def test_more_servers_never_hurt_erlang_c(servers, load, target):
    aht = 180.0
    lam = load / aht
    load = lam * aht  # what the formulas will see after rounding
    if load >= servers:
        servers = int(load) + 1
    now, more = erlang_c_metrics(lam, aht, servers, target), erlang_c_metrics(lam, aht, servers + 1, target)
    for r in (now, more):
        assert 0.0 <= r.p_wait <= 1.0 and 0.0 <= r.service_level <= 1.0 and r.asa_s >= 0.0
    assert more.p_wait <= now.p_wait * (1 + 1e-12)
    assert more.asa_s <= now.asa_s * (1 + 1e-12)
    assert more.service_level >= now.service_level - 1e-12
    assert erlang_b(servers + 1, load) <= erlang_b(servers, load) * (1 + 1e-12)


# ---------------------------------------------------------------------------
# Erlang A against a brute-force birth-death chain and the closed forms

SMALL_A_CASES = [
    # (lambda /s, AHT s, patience s, N, target s)
    (C1_RATE, C1_AHT, 300.0, 14, 20.0),  # reference case A1
    (0.05, 100.0, 60.0, 3, 15.0),  # overloaded: 5 Erlangs on 3 agents
    (0.02, 240.0, 30.0, 1, 10.0),  # single agent, impatient callers
    (0.1, 60.0, 600.0, 8, 30.0),
    (0.03, 200.0, 120.0, 6, 0.0),  # target 0: only immediate answers count
]


@pytest.mark.parametrize(("lam", "aht", "patience", "servers", "target"), SMALL_A_CASES)
def test_erlang_a_matches_brute_force_birth_death_chain(lam, aht, patience, servers, target):
    got = erlang_a_metrics(lam, aht, patience, servers, target)
    ref = birth_death_erlang_a(lam, aht, patience, servers, target)
    assert got.p_wait == pytest.approx(ref["p_wait"], rel=1e-9)
    assert got.p_abandon == pytest.approx(ref["p_abandon"], rel=1e-9)
    assert got.occupancy == pytest.approx(ref["occupancy"], rel=1e-9)
    assert got.mean_wait_answered_s == pytest.approx(ref["mean_wait_answered"], rel=1e-8)
    assert got.answered_within_target == pytest.approx(ref["answered_within"], rel=1e-8, abs=1e-12)
    assert got.virtual_wait_within_target == pytest.approx(ref["virtual_within"], rel=1e-8, abs=1e-12)
    assert got.abandoned_within_target == pytest.approx(ref["abandoned_within"], rel=1e-8, abs=1e-12)


@pytest.mark.parametrize(("lam", "aht", "patience", "servers", "target"), SMALL_A_CASES)
def test_mean_wait_equals_abandonment_over_theta_and_littles_law(lam, aht, patience, servers, target):
    got = erlang_a_metrics(lam, aht, patience, servers, target)
    ref = birth_death_erlang_a(lam, aht, patience, servers, target)
    # E[W] = E[Q] / lambda (Little) computed from the chain, against P(Ab) / theta from the formula.
    assert got.p_abandon * patience == pytest.approx(ref["mean_wait_little"], rel=1e-9)
    assert got.mean_wait_s == pytest.approx(got.p_abandon * patience, rel=1e-12)
    # The wait of all arrivals splits into answered and abandoned; the abandoned part is positive.
    assert got.mean_wait_s > (1 - got.p_abandon) * got.mean_wait_answered_s


@pytest.mark.parametrize(
    ("lam", "aht", "patience", "servers", "target"),
    [
        (C1_RATE, C1_AHT, 300.0, 14, 20.0),
        (0.2, 240.0, 180.0, 45, 20.0),  # 48 Erlangs on 45 agents
        (0.2, 240.0, 90.0, 55, 30.0),
        (1.0, 200, 100, 150, 20),  # 200 Erlangs on 150 agents
    ],
)
def test_erlang_a_matches_mandelbaum_zeltyn_closed_forms(lam, aht, patience, servers, target):
    got = erlang_a_metrics(lam, aht, patience, servers, target)
    ref = mandelbaum_zeltyn(lam, aht, patience, servers, target)
    assert got.p_wait == pytest.approx(ref["p_wait"], rel=1e-9)
    assert got.p_abandon == pytest.approx(ref["p_abandon"], rel=1e-9)
    assert got.virtual_wait_within_target == pytest.approx(ref["virtual_within"], rel=1e-9)
    assert got.answered_within_target == pytest.approx(ref["answered_within"], rel=1e-9)


@pytest.mark.parametrize(("servers", "load"), [(14, 10.0), (55, 48.0), (3, 2.5), (500, 480.0)])
def test_erlang_a_tends_to_erlang_c_as_patience_grows(servers, load):
    aht = 180.0
    c = erlang_c_metrics(load / aht, aht, servers, 20)
    a = erlang_a_metrics(load / aht, aht, 1e12, servers, 20)
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-6)
    assert a.mean_wait_s == pytest.approx(c.asa_s, rel=1e-6)
    assert a.mean_wait_answered_s == pytest.approx(c.asa_s, rel=1e-6)
    assert a.answered_within_target == pytest.approx(c.service_level, rel=1e-6)
    assert a.virtual_wait_within_target == pytest.approx(c.service_level, rel=1e-6)
    assert a.occupancy == pytest.approx(c.occupancy, rel=1e-6)
    assert a.p_abandon < 1e-6


@pytest.mark.parametrize(("servers", "load"), [(14, 10.0), (3, 5.0), (1, 0.3), (200, 210.0)])
def test_erlang_a_tends_to_erlang_b_loss_as_patience_vanishes(servers, load):
    aht = 180.0
    b = erlang_b(servers, load)
    a = erlang_a_metrics(load / aht, aht, 1e-7, servers, 20)
    assert a.p_abandon == pytest.approx(a.p_wait, rel=1e-6)
    assert a.p_abandon == pytest.approx(b, rel=1e-6)
    assert a.answered_within_target == pytest.approx(1 - b, rel=1e-6)
    assert a.abandoned_within_target == pytest.approx(b, rel=1e-6)
    assert a.mean_wait_s < 1e-6
    # Virtual wait of a blocked caller: the next of N service completions.
    assert a.virtual_wait_within_target == pytest.approx(1 - b * math.exp(-servers * 20 / aht), rel=1e-6)
    exact_zero = erlang_a_metrics(load / aht, aht, 0.0, servers, 20)
    assert exact_zero.p_abandon == pytest.approx(b, rel=1e-12)
    assert exact_zero.virtual_wait_within_target == pytest.approx(a.virtual_wait_within_target, rel=1e-6)


def test_erlang_a_waiting_time_split_is_consistent_across_targets():
    lam, aht, patience, n = 0.05, 180.0, 150.0, 9
    at_zero = erlang_a_metrics(lam, aht, patience, n, 0.0)
    forever = erlang_a_metrics(lam, aht, patience, n, 1e7)
    assert at_zero.answered_within_target == pytest.approx(1 - at_zero.p_wait, rel=1e-12)
    assert at_zero.abandoned_within_target == pytest.approx(0.0, abs=1e-15)
    assert forever.answered_within_target == pytest.approx(1 - forever.p_abandon, rel=1e-12)
    assert forever.abandoned_within_target == pytest.approx(forever.p_abandon, rel=1e-12)
    assert forever.virtual_wait_within_target == pytest.approx(1.0, rel=1e-12)
    mid = erlang_a_metrics(lam, aht, patience, n, 20.0)
    # Answered in time => virtual wait in time; virtual in time but not answered => abandoned in time.
    assert mid.answered_within_target <= mid.virtual_wait_within_target
    assert mid.virtual_wait_within_target <= mid.answered_within_target + mid.abandoned_within_target


def test_erlang_a_with_no_agents_everyone_waits_and_abandons():
    res = erlang_a_metrics(0.05, 180, 120, 0, 20)
    assert (res.p_wait, res.p_abandon) == (1.0, 1.0)
    assert (res.answered_within_target, res.virtual_wait_within_target) == (0.0, 0.0)
    assert res.mean_wait_s == pytest.approx(120.0)
    assert res.abandoned_within_target == pytest.approx(1 - math.exp(-20 / 120))
    assert math.isnan(res.mean_wait_answered_s)
    assert res.occupancy == 0.0


def test_erlang_a_with_no_arrivals_answers_everyone_at_once():
    res = erlang_a_metrics(0.0, 180, 120, 3, 20)
    assert (res.p_wait, res.p_abandon, res.mean_wait_s, res.occupancy) == (0, 0, 0, 0)
    assert res.answered_within_target == 1.0 and res.virtual_wait_within_target == 1.0


def test_erlang_a_heavily_overloaded_stays_finite_and_abandons_the_excess():
    # 5,000 Erlangs on one agent: almost everyone waits and abandons; the one
    # agent is busy all but ~e^-5000 of the time, so throughput is mu and
    # P(Ab) = 1 - mu / lambda = 1 - 1/5000.
    res = erlang_a_metrics(5000 / 180, 180, 60, 1, 20)
    assert res.p_wait == pytest.approx(1.0)
    assert res.occupancy == pytest.approx(1.0, rel=1e-9)
    assert res.p_abandon == pytest.approx(1 - 1 / 5000, rel=1e-9)
    assert all(math.isfinite(v) for v in (res.mean_wait_s, res.mean_wait_answered_s))


def test_absurd_queues_are_refused_with_a_clear_error_instead_of_hanging():
    # 5,000 Erlangs on 4,000 agents with 30 years of patience: ~1e10 callers queue. (How fast the
    # formulas are is measured in benchmarks/bench_erlang.py, never asserted here.)
    with pytest.raises(ErlangInputError, match="mean_patience_s"):
        erlang_a_metrics(5000 / 180, 180, 1e9, 4000)


@settings(max_examples=40, deadline=None)
@given(
    servers=st.integers(min_value=1, max_value=500),
    load_per_server=st.floats(min_value=0.05, max_value=1.5),
    patience=st.floats(min_value=1.0, max_value=3600.0),
    target=st.floats(min_value=0.0, max_value=120.0),
)
def test_more_servers_never_hurt_erlang_a(servers, load_per_server, patience, target):
    aht = 180.0
    lam = servers * load_per_server / aht
    now = erlang_a_metrics(lam, aht, patience, servers, target)
    more = erlang_a_metrics(lam, aht, patience, servers + 1, target)
    for r in (now, more):
        for v in (r.p_wait, r.p_abandon, r.answered_within_target, r.virtual_wait_within_target,
                  r.abandoned_within_target, r.occupancy):
            assert 0.0 <= v <= 1.0
        assert r.p_abandon <= r.p_wait * (1 + 1e-12)
        assert r.mean_wait_s == pytest.approx(r.p_abandon * patience, rel=1e-12)
    slack = 1e-12
    assert more.p_wait <= now.p_wait * (1 + 1e-9) + slack
    assert more.p_abandon <= now.p_abandon * (1 + 1e-9) + slack
    assert more.mean_wait_answered_s <= now.mean_wait_answered_s * (1 + 1e-9) + slack
    assert more.answered_within_target >= now.answered_within_target - 1e-9


# ---------------------------------------------------------------------------
# staffing searches


@pytest.mark.parametrize(
    ("lam", "aht", "target", "sl", "occ"),
    [
        (C1_RATE, C1_AHT, 20, 0.80, None),
        (C1_RATE, C1_AHT, 20, 0.80, 0.70),
        (360 / 1800, 240, 20, 0.85, None),
        (4900 / 180, 180, 20, 0.95, None),
        (0.001, 300, 10, 0.5, None),
    ],
)
def test_erlang_c_servers_needed_returns_the_smallest_sufficient_staff(lam, aht, target, sl, occ):
    res = erlang_c_servers_needed(lam, aht, target, sl, max_occupancy=occ)
    assert isinstance(res, ErlangC)
    assert res.service_level >= sl and (occ is None or res.occupancy <= occ)
    fewer = res.servers - 1
    if fewer > lam * aht:
        worse = erlang_c_metrics(lam, aht, fewer, target)
        assert worse.service_level < sl or (occ is not None and worse.occupancy > occ)


def test_erlang_c_servers_needed_for_case_c1_is_14_or_15_with_occupancy_cap():
    # From the published table: 13 agents give 0.7956 < 0.80, 14 give 0.8884.
    assert erlang_c_servers_needed(C1_RATE, C1_AHT, 20, 0.80).servers == 14
    # 10 Erlangs at <= 70 % occupancy needs ceil(10 / 0.7) = 15.
    assert erlang_c_servers_needed(C1_RATE, C1_AHT, 20, 0.80, max_occupancy=0.7).servers == 15


@pytest.mark.parametrize(
    ("lam", "aht", "patience", "target", "sl", "cap"),
    [
        (C1_RATE, C1_AHT, 300, 20, 0.80, None),
        (C1_RATE, C1_AHT, 300, 20, 0.80, 0.005),
        (480 / 180, 180, 300, 20, 0.90, None),
        (0.05, 100, 60, 15, 0.0, None),
    ],
)
def test_erlang_a_servers_needed_returns_the_smallest_sufficient_staff(lam, aht, patience, target, sl, cap):
    res = erlang_a_servers_needed(lam, aht, patience, target, sl, max_abandon=cap)
    assert isinstance(res, ErlangA)
    assert res.answered_within_target >= sl and (cap is None or res.p_abandon <= cap)
    if res.servers > 0:
        worse = erlang_a_metrics(lam, aht, patience, res.servers - 1, target)
        assert worse.answered_within_target < sl or (cap is not None and worse.p_abandon > cap)
    else:
        assert sl == 0.0


def test_erlang_a_case_a1_needs_14_agents_for_90_percent_in_20_seconds():
    # A1 publishes SL(20 s) = 0.916792 at 14 agents; 13 must therefore fall short
    # for the search to be right, which the birth-death chain confirms.
    assert birth_death_erlang_a(C1_RATE, C1_AHT, 300, 13, 20)["answered_within"] < 0.90
    assert erlang_a_servers_needed(C1_RATE, C1_AHT, 300, 20, 0.90).servers == 14


@pytest.mark.parametrize(
    "call",
    [
        lambda: erlang_c_servers_needed(C1_RATE, C1_AHT, 20, 0.8, max_servers=12),
        lambda: erlang_c_servers_needed(C1_RATE, C1_AHT, 20, 0.8, max_servers=9),  # not even stable
        lambda: erlang_a_servers_needed(C1_RATE, C1_AHT, 300, 20, 0.8, max_servers=10),
        # A1: 14 agents abandon 1.4 % > 1 %, although they meet SL 50 %.
        lambda: erlang_a_servers_needed(C1_RATE, C1_AHT, 300, 20, 0.5, max_servers=14, max_abandon=0.01),
    ],
)
def test_servers_needed_raises_when_target_is_unreachable(call):
    with pytest.raises(ErlangInputError, match="not reachable"):
        call()


def test_service_level_of_one_is_rejected_while_calls_arrive():
    with pytest.raises(ErlangInputError, match="service_level"):
        erlang_c_servers_needed(C1_RATE, C1_AHT, 20, 1.0)
    assert erlang_c_servers_needed(0.0, C1_AHT, 20, 1.0).servers == 1


# ---------------------------------------------------------------------------
# Halfin-Whitt square-root staffing


@pytest.mark.parametrize("beta", [0.1, 0.5, 1.0, 2.0, 3.0, 30.0])
def test_halfin_whitt_formula_matches_normal_cdf_and_pdf(beta):
    pdf = math.exp(-beta * beta / 2) / math.sqrt(2 * math.pi)
    expected = 1.0 / (1.0 + beta * special.ndtr(beta) / pdf)
    assert halfin_whitt_p_wait(beta) == pytest.approx(expected, rel=1e-12)


def test_halfin_whitt_limits():
    assert halfin_whitt_p_wait(0.0) == 1.0
    values = [halfin_whitt_p_wait(b) for b in (0.0, 0.01, 0.5, 1.0, 2.0, 5.0, 20.0, 40.0)]
    assert all(later < earlier for earlier, later in zip(values, values[1:-1]))
    # phi(40) ~ 1e-348 underflows: the answer is 0.0, not nan or an exception.
    assert values[-1] == 0.0


def test_halfin_whitt_approximates_erlang_c_at_large_load():
    # A = 4900, sqrt(A) = 70, beta = 1 -> N = 4970 exactly; the limit error is O(1/sqrt(A)).
    assert square_root_staffing(4900, 1.0) == 4970
    assert erlang_c(4970, 4900) == pytest.approx(halfin_whitt_p_wait(1.0), abs=0.01)


@pytest.mark.parametrize(
    ("load", "beta", "expected"),
    [
        (100, 1.0, 110),  # exactly 110: must not round up to 111
        (10, 1.0, 14),
        (10, 0.0, 10),
        (9.5, 0.0, 10),
        (0, 2.0, 0),
        (4, -3.0, 0),  # clamped at zero agents
        (100, -0.5, 95),
    ],
)
def test_square_root_staffing_rounds_up(load, beta, expected):
    assert square_root_staffing(load, beta) == expected


# ---------------------------------------------------------------------------
# bad inputs


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: erlang_b(-1, 2.0), "servers"),
        (lambda: erlang_b(2.5, 2.0), "servers"),
        (lambda: erlang_b(True, 2.0), "servers"),
        (lambda: erlang_b(3, -1.0), "load_erlangs"),
        (lambda: erlang_b(3, float("nan")), "load_erlangs"),
        (lambda: erlang_b(3, float("inf")), "load_erlangs"),
        (lambda: erlang_b(3, "2"), "load_erlangs"),
        (lambda: erlang_c(0, 0.5), "servers"),
        (lambda: erlang_c(10, 12.0), "unstable"),
        (lambda: erlang_c(10, 10.0), "unstable"),
        (lambda: erlang_c_metrics(-0.1, 180, 5), "arrival_rate_per_s"),
        (lambda: erlang_c_metrics(0.01, 0, 5), "mean_service_s"),
        (lambda: erlang_c_metrics(0.01, float("nan"), 5), "mean_service_s"),
        (lambda: erlang_c_metrics(0.01, 180, 5, target_s=-1), "target_s"),
        (lambda: erlang_c_metrics(0.01, 180, 5, target_s=float("inf")), "target_s"),
        (lambda: erlang_c_servers_needed(0.01, 180, 20, 1.5), "service_level"),
        (lambda: erlang_c_servers_needed(0.01, 180, 20, -0.1), "service_level"),
        (lambda: erlang_c_servers_needed(0.01, 180, 20, 0.8, max_servers=0), "max_servers"),
        (lambda: erlang_c_servers_needed(0.01, 180, 20, 0.8, max_occupancy=0.0), "max_occupancy"),
        (lambda: erlang_c_servers_needed(0.01, 180, 20, 0.8, max_occupancy=1.2), "max_occupancy"),
        (lambda: erlang_a_metrics(0.01, 180, -5, 3), "mean_patience_s"),
        (lambda: erlang_a_metrics(0.01, 180, float("inf"), 3), "mean_patience_s"),
        (lambda: erlang_a_metrics(float("nan"), 180, 60, 3), "arrival_rate_per_s"),
        (lambda: erlang_a_metrics(0.01, -180, 60, 3), "mean_service_s"),
        (lambda: erlang_a_metrics(0.01, 180, 60, -3), "servers"),
        (lambda: erlang_a_servers_needed(0.01, 180, 60, 20, 0.8, max_abandon=-0.1), "max_abandon"),
        (lambda: erlang_a_servers_needed(0.01, 180, 60, 20, 0.8, max_abandon=0.0), "max_abandon"),
        (lambda: erlang_a_servers_needed(0.01, 180, 60, 20, float("nan")), "service_level"),
        (lambda: square_root_staffing(-1, 1.0), "load_erlangs"),
        (lambda: square_root_staffing(10, float("nan")), "beta"),
        (lambda: halfin_whitt_p_wait(-0.5), "beta"),
        (lambda: agents_to_schedule(14, 1.0), "shrinkage"),
    ],
)
def test_bad_inputs_raise_erlang_input_error_naming_the_argument(call, name):
    with pytest.raises(ErlangInputError, match=name) as info:
        call()
    assert isinstance(info.value, ValueError)
    # callers name their own option from it, not from the text; instability is no one argument's fault
    assert info.value.argument == (None if name == "unstable" else name)


def test_instability_message_states_load_and_servers():
    with pytest.raises(ErlangInputError) as info:
        erlang_c(10, 12.0)
    assert str(info.value) == (
        "offered load 12.0 Erlangs >= 10 servers: the queue is unstable without abandonment, "
        "Erlang C has no steady state"
    )


def test_zero_servers_message_for_erlang_c():
    with pytest.raises(ErlangInputError, match=r"servers: must be >= 1.*got 0"):
        erlang_c_metrics(0.01, 180, 0)


def test_a_queue_too_wide_to_evaluate_is_refused_with_its_size_in_a_few_digits(capsys):
    """Issue 24 item 12: --patience-s 1e300 printed the number of states as a 283-digit integer."""
    import re

    from sim.cli import main

    assert main(["erlang", "--calls-per-hour", "200", "--aht-s", "180", "--agents", "14",
                 "--patience-s", "1e300"]) == 2
    err = capsys.readouterr().err
    assert "not evaluated that far out" in err
    assert not re.search(r"\d{16,}", err), err
