"""Erlang A (M/M/N+M, "Palm", exponential patience), also with a finite number of lines (M/M/N/N+W+M).

Exact conditional formulas, not approximations: a customer who finds ``k``
others waiting moves forward through phases while its own patience runs;
these are mixed over the stationary distribution of ``k`` (Mandelbaum &
Zeltyn 2005; sim.analytic.erlang explains the formulas and the service-level
definitions).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from sim.analytic.arguments import (
    ErlangInputError,
    TargetUnreachable,
    check_count,
    check_fraction,
    check_non_negative,
    check_positive,
)
from sim.analytic.erlang_bc import erlang_b, smallest_passing
from sim.analytic.numerics import WindowTooWide, clip01, log_idle_ratio, log_poisson_pmf, unimodal_window

@dataclass(frozen=True)
class ErlangA:
    """Stationary M/M/N+M results (exponential patience). Probabilities are over all arrivals.

    p_wait: P(wait > 0) = P(all agents busy on arrival).
    p_abandon: P(hang up before being answered).
    mean_wait_s: mean time in queue over all arrivals, abandoned ones included
        (= p_abandon * mean_patience_s exactly).
    mean_wait_answered_s: mean wait of answered calls (ASA); nan when nobody is
        ever answered (servers = 0).
    answered_within_target: answered with wait <= target_s -- the service level.
    virtual_wait_within_target: P(the wait one would have had with infinite
        patience <= target_s); >= answered_within_target.
    abandoned_within_target: abandoned with wait <= target_s.
    occupancy: mean busy agents / servers (0.0 when servers = 0).
    """

    servers: int
    load_erlangs: float
    p_wait: float
    p_abandon: float
    mean_wait_s: float
    mean_wait_answered_s: float
    answered_within_target: float
    virtual_wait_within_target: float
    abandoned_within_target: float
    occupancy: float
    target_s: float

    @property
    def service_level(self) -> float:
        """Answered within target over all arrivals (the definition used throughout humanline)."""
        return self.answered_within_target


def _phase_sum_cdf(a: float, k1: np.ndarray, u: float) -> tuple[np.ndarray, np.ndarray]:
    """(I_{1-e^-u}(k1, a), I_{e^-u}(a, k1)): the two complementary regularised incomplete betas.

    With a = x this is (P(S <= t), P(S > t)) for S the sum of exponential
    phases with rates theta (x + j), j = 0..k1-1, and u = theta t. Each side is
    evaluated from the argument that is not close to 1: for short patience
    e^-u underflows while 1 - e^-u rounds to exactly 1, and either would wipe
    out the answer.
    """
    z = math.exp(-u)
    if z > 0.5:
        v = -math.expm1(-u)
        return special.betainc(k1, a, v), special.betaincc(k1, a, v)
    if z > 0.0:
        return special.betaincc(a, k1, z), special.betainc(a, k1, z)
    # z < 1e-308: I_z(a, b) = z^a / (a B(a, b)) (1 + O(b z)), the O(b z) far below 1 ulp.
    log_upper = -u * a + special.gammaln(a + k1) - special.gammaln(a + 1.0) - special.gammaln(k1)
    upper = np.exp(np.minimum(log_upper, 0.0))
    return 1.0 - upper, upper


def erlang_a_with_waiting_places(lam: float, aht: float, patience: float, n: int, t: float,
                     waiting_places: float = math.inf) -> tuple[ErlangA, float]:
    """(results over all arrivals, P(blocked)) for M/M/N/N+W+M; W = ``waiting_places`` (inf: Erlang A).

    A blocked arrival (all N + W lines busy) is turned away at once: it is
    neither answered nor abandoned, so with finite W the probabilities of
    answered, abandoned and blocked add up to 1.
    """
    if math.isinf(waiting_places):
        return _erlang_a_unblocked(lam, aht, patience, n, t), 0.0
    return _erlang_a_with_lines(lam, aht, patience, n, t, int(waiting_places))


def _erlang_a_unblocked(lam: float, aht: float, patience: float, n: int, t: float) -> ErlangA:
    a = lam * aht
    if n == 0:
        # Nobody is ever answered: everyone waits until patience runs out.
        return ErlangA(
            servers=0,
            load_erlangs=a,
            p_wait=1.0,
            p_abandon=1.0,
            mean_wait_s=patience,
            mean_wait_answered_s=math.nan,
            answered_within_target=0.0,
            virtual_wait_within_target=0.0,
            abandoned_within_target=1.0 if patience == 0 else -math.expm1(-t / patience),
            occupancy=0.0,
            target_s=t,
        )
    if lam == 0:
        # Limit lambda -> 0: an arrival finds the system empty.
        return ErlangA(
            servers=n,
            load_erlangs=a,
            p_wait=0.0,
            p_abandon=0.0,
            mean_wait_s=0.0,
            mean_wait_answered_s=0.0,
            answered_within_target=1.0,
            virtual_wait_within_target=1.0,
            abandoned_within_target=0.0,
            occupancy=0.0,
            target_s=t,
        )
    if patience == 0:
        # Limit theta -> infinity: the Erlang B loss system; the queue is always
        # empty, so a blocked caller's virtual wait is one service completion.
        b = erlang_b(n, a)
        return ErlangA(
            servers=n,
            load_erlangs=a,
            p_wait=b,
            p_abandon=b,
            mean_wait_s=0.0,
            mean_wait_answered_s=0.0,
            answered_within_target=1.0 - b,
            virtual_wait_within_target=1.0 - b * math.exp(-n * t / aht),
            abandoned_within_target=b,
            occupancy=a * (1.0 - b) / n,
            target_s=t,
        )

    mu = 1.0 / aht
    theta = 1.0 / patience
    x = n * mu / theta
    y = lam / theta

    # Weight of "N + k in system" relative to "N in system" is
    # prod_{j=1..k} lambda / (N mu + j theta) = pmf(x + k; y) / pmf(x; y).
    ref = float(log_poisson_pmf(x, y))

    def log_term(k: np.ndarray) -> np.ndarray:
        return log_poisson_pmf(x + k, y) - ref

    def log_step(k: np.ndarray) -> np.ndarray:
        return np.log(y / (x + k))

    mode = max(0, int(math.floor(y - x)))
    try:
        ks, lt = unimodal_window(log_term, log_step, 0, math.inf, mode, max(x, y), ref)
    except WindowTooWide as exc:
        raise ErlangInputError(
            f"arrival_rate_per_s x mean_patience_s = {y:.3g} (with {n} servers, {a:.3g} Erlangs) "
            f"spreads the queue over {float(exc.args[0]):.3g} states; Erlang A is not evaluated that far out"
        ) from None
    log_busy = float(special.logsumexp(lt))
    w = np.exp(lt - log_busy)  # distribution of k = customers ahead, given a wait
    log_idle = log_idle_ratio(n, a)
    p_wait = float(special.expit(log_busy - log_idle))
    p_no_wait = float(special.expit(log_idle - log_busy))  # not 1 - p_wait: keeps digits when p_wait ~ 1

    p_ans_k, p_ab_k, ans_le_t, virt_le_t, ab_le_t, wait_ans_k = _given_ahead(ks, x, theta, t)

    p_ab = p_wait * float(np.dot(w, p_ab_k))
    # Summed, not 1 - p_ab, so that a nearly-all-abandon queue keeps its digits.
    p_answered = p_no_wait + p_wait * float(np.dot(w, p_ans_k))
    wait_answered_sum = p_wait * float(np.dot(w, wait_ans_k))
    mean_wait_answered = wait_answered_sum / p_answered if p_answered > 0 else math.nan
    return ErlangA(
        servers=n,
        load_erlangs=a,
        p_wait=p_wait,
        p_abandon=clip01(p_ab),
        mean_wait_s=p_ab * patience,
        mean_wait_answered_s=mean_wait_answered,
        answered_within_target=clip01(p_no_wait + p_wait * float(np.dot(w, ans_le_t))),
        virtual_wait_within_target=clip01(p_no_wait + p_wait * float(np.dot(w, virt_le_t))),
        abandoned_within_target=clip01(p_wait * float(np.dot(w, ab_le_t))),
        occupancy=clip01(a * p_answered / n),
        target_s=t,
    )


def _given_ahead(ks: np.ndarray, x: float, theta: float, t: float):
    """Per number ``k`` of customers ahead (consecutive ks): P(answered), P(abandoned), P(answered, wait <= t),
    P(virtual wait <= t), P(abandoned, wait <= t) and E[wait; answered]."""
    k1 = ks + 1.0
    p_ans_k = x / (x + k1)
    p_ab_k = k1 / (x + k1)  # computed directly, not 1 - p_ans_k, so tiny values keep their digits

    u = theta * t
    virt_le_t, virt_gt_t = _phase_sum_cdf(x, k1, u)
    shifted_le_t, shifted_gt_t = _phase_sum_cdf(x + 1.0, k1, u)
    ans_le_t = p_ans_k * shifted_le_t
    # P(abandoned, wait > t | k) = e^-u I_{e^-u}(x, k+1) - P(ans|k) I_{e^-u}(x+1, k+1);
    # subtracting it from p_ab_k keeps relative accuracy when abandonment is rare.
    ab_gt_t = math.exp(-u) * virt_gt_t - p_ans_k * shifted_gt_t
    ab_le_t = np.clip(p_ab_k - ab_gt_t, 0.0, p_ab_k)

    # Answered iff the phase sum S beats patience tau, so E[wait; answered | k] =
    # E[S e^(-theta S)] = -d/ds of the phases' Laplace transform at s = theta:
    # P(ans | k) * sum_{j=0..k} 1 / (N mu + (j+1) theta). No closed form mixes this over k.
    first = int(ks[0])
    offset = (special.digamma(x + 1.0 + first) - special.digamma(x + 1.0)) if first else 0.0
    harmonic = offset + np.cumsum(1.0 / (x + k1))
    wait_ans_k = p_ans_k * harmonic / theta
    return p_ans_k, p_ab_k, ans_le_t, virt_le_t, ab_le_t, wait_ans_k


def _erlang_a_with_lines(lam: float, aht: float, patience: float, n: int, t: float,
                         waiting: int) -> tuple[ErlangA, float]:
    """M/M/N/N+W+M: the birth-death chain on 0..N+W summed in log space, then the same conditional formulas.

    An arrival that finds n < N is answered at once, N <= n < N+W waits with
    k = n - N ahead, n = N + W is blocked (PASTA: arrivals see the
    time-stationary distribution).
    """
    if n < 1 or patience <= 0 or lam <= 0:
        raise ErlangInputError("finite lines need servers >= 1, mean_patience_s > 0 and arrival_rate_per_s > 0")
    a = lam * aht
    mu, theta = 1.0 / aht, 1.0 / patience
    x, y = n * mu / theta, lam / theta
    below = np.arange(n + 1)
    log_low = below * math.log(a) - special.gammaln(below + 1.0)  # log pi_j / pi_0, j = 0..N
    ks = np.arange(waiting + 1)  # k = n - N = 0..W
    log_high = log_low[-1] + np.concatenate([[0.0], np.cumsum(np.log(y / (x + ks[1:])))])
    log_all = np.concatenate([log_low[:-1], log_high])
    pi = np.exp(log_all - special.logsumexp(log_all))
    queue = erlang_a_from_what_arrivals_find(a, n, x, theta, patience, t, float(pi[:n].sum()), pi[n:-1])
    return queue, float(pi[-1])


def erlang_a_from_what_arrivals_find(a: float, n: int, x: float, theta: float, patience: float, t: float,
                                     p_no_wait: float, w: np.ndarray) -> ErlangA:
    """Results over all arrivals from what they find: a free agent (``p_no_wait``), or ``w[k]``: k callers
    ahead in the queue (the rest find every line busy and are blocked).

    A caller's own wait depends only on those ahead of it (service completions at N mu, their
    abandonments, its own patience): the conditional formulas hold whatever brings the arrivals.
    """
    ks = np.arange(w.size)
    p_ans_k, p_ab_k, ans_le_t, virt_le_t, ab_le_t, wait_ans_k = _given_ahead(ks, x, theta, t) if w.size else (
        np.zeros(0),) * 6
    p_ab = float(np.dot(w, p_ab_k))
    p_answered = p_no_wait + float(np.dot(w, p_ans_k))
    mean_wait_answered = float(np.dot(w, wait_ans_k)) / p_answered if p_answered > 0 else math.nan
    return ErlangA(
        servers=n,
        load_erlangs=a,
        p_wait=clip01(float(w.sum())),
        p_abandon=clip01(p_ab),
        mean_wait_s=p_ab * patience,
        mean_wait_answered_s=mean_wait_answered,
        answered_within_target=clip01(p_no_wait + float(np.dot(w, ans_le_t))),
        virtual_wait_within_target=clip01(p_no_wait + float(np.dot(w, virt_le_t))),
        abandoned_within_target=clip01(float(np.dot(w, ab_le_t))),
        occupancy=clip01(a * p_answered / n),
        target_s=t,
    )


def erlang_a_metrics(
    arrival_rate_per_s: float,
    mean_service_s: float,
    mean_patience_s: float,
    servers: int,
    target_s: float = 20.0,
) -> ErlangA:
    """Exact stationary M/M/N+M results. servers = 0 and mean_patience_s = 0 are allowed.

    mean_patience_s = 0 is the loss-system limit (Erlang B): whoever finds all
    agents busy hangs up at once.
    """
    return _erlang_a_unblocked(*checked_erlang_a_inputs(arrival_rate_per_s, mean_service_s, mean_patience_s, servers,
                                                 target_s))


def checked_erlang_a_inputs(arrival_rate_per_s, mean_service_s, mean_patience_s, servers, target_s):
    return (
        check_non_negative("arrival_rate_per_s", arrival_rate_per_s),
        check_positive("mean_service_s", mean_service_s),
        check_non_negative("mean_patience_s", mean_patience_s),
        check_count("servers", servers, 0),
        check_non_negative("target_s", target_s),
    )


def erlang_a_servers_needed(
    arrival_rate_per_s: float,
    mean_service_s: float,
    mean_patience_s: float,
    target_s: float,
    service_level: float,
    max_servers: int = 5000,
    max_abandon: float | None = None,
) -> ErlangA:
    """Smallest N with answered_within_target >= service_level (and p_abandon <= max_abandon).

    Service level here is answered within target over all arrivals. Raises
    TargetUnreachable if no N <= max_servers qualifies.
    """
    lam = check_non_negative("arrival_rate_per_s", arrival_rate_per_s)
    aht = check_positive("mean_service_s", mean_service_s)
    patience = check_non_negative("mean_patience_s", mean_patience_s)
    t = check_non_negative("target_s", target_s)
    sl = check_fraction("service_level", service_level, allow_zero=True, allow_one=lam == 0)
    n_max = check_count("max_servers", max_servers, 0)
    # 0 is excluded: with calls arriving and finite patience someone always abandons.
    cap = None
    if max_abandon is not None:
        cap = check_fraction("max_abandon", max_abandon, allow_zero=False, allow_one=True)

    def ok(n: int) -> ErlangA | None:
        res = _erlang_a_unblocked(lam, aht, patience, n, t)
        good = res.answered_within_target >= sl and (cap is None or res.p_abandon <= cap)
        return res if good else None

    best = smallest_passing(0, n_max, ok)
    if best is None:
        what = f"service_level {sl!r} within {t!r} s"
        if cap is not None:
            what += f" with p_abandon <= {cap!r}"
        raise TargetUnreachable(f"{what} not reachable with max_servers={n_max} (offered load {lam * aht!r} Erlangs)")
    return best
