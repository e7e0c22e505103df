"""Closed-form queueing formulas for call centres: Erlang B, Erlang C, Erlang A, Erlang X.

These are the stationary (steady-state) answers the simulation is checked
against, and the numbers a planner would get from a staffing calculator.
Everything here is a pure function of rates and times; units are in the names
(rates per second, times in seconds, offered load in Erlangs = arrival rate x
mean handle time).

The three models
----------------
Erlang B  (M/M/N/N, "loss")
    Calls that find all ``N`` agents busy are lost at once. ``erlang_b`` is the
    blocking probability: the fraction of arrivals that find every agent busy.

Erlang C  (M/M/N, "delay", nobody abandons)
    Calls that find all agents busy wait, forever if need be. Only defined when
    the offered load ``A`` is below ``N`` (otherwise the queue grows without
    bound). ``erlang_c`` is P(wait > 0). Service level:
    ``ErlangC.service_level = P(wait <= target_s)``; as everyone is answered
    this is also "answered within target over all arrivals". ``asa_s`` is the
    mean wait over all calls, those answered at once counted as 0 s.

Erlang A  (M/M/N+M, "Palm", exponential patience)
    Waiting customers hang up after an exponential patience with mean
    ``mean_patience_s``. Always stable, even with more load than agents or no
    agents at all. Here "service level" is ambiguous, because an abandoned
    call has no answer time; tools disagree (see
    docs/reference/erlang_cases.md). ``ErlangA`` therefore reports each
    candidate separately, all as fractions of *all arrivals*:

    * ``answered_within_target``: answered with wait <= target_s (including
      those answered at once). **This is the service level** used by
      ``erlang_a_servers_needed`` and by the simulator's metrics
      (answered_within_target / offered).
    * ``virtual_wait_within_target``: P(the wait a customer *would* have had
      had they never hung up <= target_s). Always >= the previous one, since it
      also counts customers who gave up before they would have been answered
      in time. Some tools call this the service level; it flatters.
    * ``abandoned_within_target``: abandoned with wait <= target_s ("short
      abandons"), for tools that leave them out of the denominator.
      ``answered_within_target / (1 - abandoned_within_target)`` gives that
      variant.

Numerics
--------
Factorials are never formed. Sums of the stationary distribution are done in
log space with the Poisson-pmf "saddle point" expansion of Loader (2000) and
only over the states that carry mass (a window around the mode), so results
keep ~1e-12 relative accuracy from 1 to 5,000+ servers, up to thousands of
Erlangs, and for probabilities far below 1e-100 (e.g. B(200, 50) ~ 1.5e-57),
until they underflow float64 (then 0.0, never nan).

Erlang A uses exact conditional formulas rather than approximations. With
``x = N mu / theta`` and ``y = lambda / theta`` (theta = 1 / mean patience), a
customer who arrives to find ``k`` others waiting moves forward through phases
with rates ``N mu + j theta`` (j = k, ..., 0) while its own patience runs; with
u = theta t the phase sum S_k satisfies P(S_k <= t) = I_{1-exp(-u)}(k+1, x)
(regularised incomplete beta), and P(answered, wait <= t | k) =
x/(x+k+1) I_{1-exp(-u)}(k+1, x+1). These are mixed over the stationary
distribution of ``k`` (Mandelbaum & Zeltyn 2005, "The Palm/Erlang-A queue, with
applications to call centers"; Garnett, Mandelbaum & Reiman 2002). Mean wait
over all arrivals obeys E[W] = P(abandon) / theta exactly.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
from scipy import special

from sim.errors import ArgumentError

__all__ = [
    "ErlangA",
    "ErlangC",
    "ErlangInputError",
    "TargetUnreachable",
    "ErlangX",
    "agents_to_schedule",
    "erlang_a_metrics",
    "erlang_a_servers_needed",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "erlang_c_servers_needed",
    "erlang_x_metrics",
    "halfin_whitt_p_wait",
    "square_root_staffing",
]


class ErlangInputError(ArgumentError):
    """An argument to an Erlang formula is out of its domain; ``argument`` names it where one argument is at fault."""


class TargetUnreachable(ErlangInputError):
    """No number of servers up to the cap meets the target: the cap (``max_servers``) is what binds."""

    def __init__(self, detail: str):
        super().__init__(detail, "max_servers")


# ---------------------------------------------------------------------------
# argument checks


def _number(name: str, value: object) -> float:
    # bool is an int subclass; True servers or True seconds is always a bug.
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ErlangInputError("must be a real number", name, value=value)
    v = float(value)
    if not math.isfinite(v):
        raise ErlangInputError("must be finite", name, value=v)
    return v


def _non_negative(name: str, value: object) -> float:
    v = _number(name, value)
    if v < 0:
        raise ErlangInputError("must be >= 0", name, value=v)
    return v


def _positive(name: str, value: object) -> float:
    v = _number(name, value)
    if v <= 0:
        raise ErlangInputError("must be > 0", name, value=v)
    return v


def _count(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        # Accept 14.0 from a spreadsheet but not 14.5: a fractional agent is a bug upstream.
        if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer():
            value = int(value)
        else:
            raise ErlangInputError("must be a whole number", name, value=value)
    n = int(value)
    if n < minimum:
        raise ErlangInputError(f"must be >= {minimum}", name, value=n)
    return n


def _fraction(name: str, value: object, *, allow_zero: bool, allow_one: bool) -> float:
    v = _number(name, value)
    low_ok = v > 0 or (allow_zero and v == 0)
    high_ok = v < 1 or (allow_one and v == 1)
    if not (low_ok and high_ok):
        lo = "[0" if allow_zero else "(0"
        hi = "1]" if allow_one else "1)"
        raise ErlangInputError(f"must be in {lo}, {hi}", name, value=v)
    return v


# ---------------------------------------------------------------------------
# log-space building blocks

_LOG_2PI = math.log(2.0 * math.pi)
# Largest number of queue states summed explicitly. Reached only when
# arrival_rate * mean_patience is ~1e9 or more (a queue a year long); beyond
# it the evaluation would take seconds and the model means nothing anyway.
_MAX_WINDOW = 1_000_000


class _TooWide(Exception):
    """The mass of a stationary distribution spans more than _MAX_WINDOW states."""


_STIRLING = (1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188)


def _log_poisson_pmf(a, w: float):
    """log(w^a e^-w / Gamma(a+1)) for real a >= 0, w > 0 (Loader 2000, "saddle point").

    Written as -stirlerr(a) - bd0(a, w) - log(2 pi a)/2, where stirlerr is the
    Stirling-series remainder and bd0 = a log(a/w) + w - a is summed as a series
    when a ~ w. Unlike gammaln differences this keeps full relative accuracy
    near the mode when a and w are ~1e9, which is where the stationary mass of
    a big or very patient queue sits. Scalars take a pure-Python path because
    the window search calls this dozens of times per formula evaluation.
    """
    if np.ndim(a) == 0:
        return _log_poisson_pmf_scalar(float(a), w)
    a = np.asarray(a, dtype=float)
    out = np.empty_like(a)
    small = a < 1.0
    if small.any():
        s = a[small]
        out[small] = special.xlogy(s, w) - w - special.gammaln(s + 1.0)
    big = ~small
    if big.any():
        b = a[big]
        c0, c1, c2, c3, c4 = _STIRLING
        s2 = 1.0 / (b * b)
        stirlerr = np.where(
            b > 15.0,
            (c0 - (c1 - (c2 - (c3 - c4 * s2) * s2) * s2) * s2) / b,
            special.gammaln(b + 1.0) - (b + 0.5) * np.log(b) + b - 0.5 * _LOG_2PI,
        )
        d = b - w
        bd0 = b * np.log(b / w) + w - b
        near = np.abs(d) < 0.1 * (b + w)
        if near.any():
            bn, dn = b[near], d[near]
            v = dn / (bn + w)
            v2 = v * v
            term = 2.0 * bn * v
            series = dn * v
            # |v| < 0.1, so ten terms take the series below 1e-20 of its value.
            for j in range(1, 11):
                term = term * v2
                series = series + term / (2 * j + 1)
            bd0[near] = series
        out[big] = -stirlerr - bd0 - 0.5 * (_LOG_2PI + np.log(b))
    return out


def _log_poisson_pmf_scalar(a: float, w: float) -> float:
    if a < 1.0:
        return (a * math.log(w) if a > 0 else 0.0) - w - math.lgamma(a + 1.0)
    if a > 15.0:
        c0, c1, c2, c3, c4 = _STIRLING
        s2 = 1.0 / (a * a)
        stirlerr = (c0 - (c1 - (c2 - (c3 - c4 * s2) * s2) * s2) * s2) / a
    else:
        stirlerr = math.lgamma(a + 1.0) - (a + 0.5) * math.log(a) + a - 0.5 * _LOG_2PI
    d = a - w
    if abs(d) < 0.1 * (a + w):
        v = d / (a + w)
        v2 = v * v
        term = 2.0 * a * v
        bd0 = d * v
        for j in range(1, 11):
            term *= v2
            bd0 += term / (2 * j + 1)
    else:
        bd0 = a * math.log(a / w) + w - a
    return -stirlerr - bd0 - 0.5 * (_LOG_2PI + math.log(a))


def _unimodal_window(
    log_term: Callable[[np.ndarray], np.ndarray],
    log_step: Callable[[np.ndarray], np.ndarray],
    lo: int,
    hi: float,
    mode: int,
    spread: float,
    ref: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and log terms of a unimodal sequence covering all but ~1e-18 of its sum.

    ``log_term(k)`` is log of term k, computed as ``_log_poisson_pmf(...) - ref``;
    ``log_step(k)`` is log(term k / term k-1).
    The stationary distributions here are unimodal, so we search outwards from
    the mode by doubling steps until a term is ``cut`` below the peak. The
    0.5 log(spread) allowance covers the geometric tail beyond the cut, whose
    ratio tends to 1 like 1 - 1/sqrt(spread) for bell-shaped sequences.
    """
    peak = float(log_term(mode))
    cut = peak - (42.0 + 0.5 * math.log1p(spread))

    def below(pos: int) -> bool:
        return float(log_term(pos)) < cut

    def edge(direction: int, bound: float) -> int:
        # Doubling steps find a term below the cut in O(log) scalar evaluations;
        # bisecting back towards the last term above it keeps the window (and the
        # vectorised work that follows) within a few percent of what is needed.
        inside, step = 0, 8
        while True:
            cand = mode + direction * step
            if (direction > 0 and cand >= bound) or (direction < 0 and cand <= bound):
                return int(bound)
            if below(cand):
                break
            inside, step = step, step * 2
        outside = step
        while outside - inside > max(8, outside // 32):
            mid = (inside + outside) // 2
            if below(mode + direction * mid):
                outside = mid
            else:
                inside = mid
        return mode + direction * outside

    left = edge(-1, lo) if mode > lo else lo
    right = edge(+1, hi) if mode < hi else int(hi)
    if right - left > _MAX_WINDOW:
        raise _TooWide(right - left)
    ks = np.arange(left, right + 1)
    # Each log_term carries ~1e-16 x |its log pmf| of independent noise: tiny
    # near the Poisson mode, but 1e-6 relative when the queue sits far from it
    # (light load with patience 1e12 s puts every term ~1e9 nats out).
    # Chaining exact one-step ratios from the mode instead costs
    # ~1e-16 x 50 x sqrt(window); pick whichever is smaller. (An error in ref
    # itself is common to all terms and cancels in the normalised weights.)
    if abs(peak + ref) < 50.0 * math.sqrt(ks.size):
        return ks, log_term(ks)
    at = mode - left
    lt = np.empty(ks.size)
    lt[at] = peak
    lt[at + 1 :] = peak + np.cumsum(log_step(ks[at + 1 :]))
    lt[:at] = peak - np.cumsum(log_step(ks[1 : at + 1])[::-1])[::-1]
    return ks, lt


def _log_idle_ratio(servers: int, load: float) -> float:
    """log( P(fewer than N in system) / P(exactly N) ) = log(1/B(N, A) - 1).

    Shared by Erlang B, C and A: it is the weight of the "an agent is free"
    states relative to the "all busy, nobody waiting" state, and the same for
    all three models because they differ only above N.
    """
    if servers == 0:
        return -math.inf
    ref = float(_log_poisson_pmf(servers, load))

    def log_term(n: np.ndarray) -> np.ndarray:
        return _log_poisson_pmf(n, load) - ref

    def log_step(n: np.ndarray) -> np.ndarray:
        return np.log(load / n)

    mode = min(servers - 1, int(math.floor(load)))
    try:
        _, lt = _unimodal_window(log_term, log_step, 0, servers - 1, mode, load, ref)
    except _TooWide:
        raise ErlangInputError(
            f"offered load {load!r} Erlangs on {servers} servers is beyond what these formulas evaluate"
        ) from None
    return float(special.logsumexp(lt))


# ---------------------------------------------------------------------------
# Erlang B and C


def erlang_b(servers: int, load_erlangs: float) -> float:
    """Blocking probability of M/M/N/N: fraction of arrivals finding all N agents busy.

    ``servers = 0`` gives 1.0 (every call is blocked). Accurate for tiny values
    (e.g. B(200, 50) ~ 1e-57) and for thousands of servers.
    """
    n = _count("servers", servers, 0)
    a = _non_negative("load_erlangs", load_erlangs)
    if n == 0:
        return 1.0
    if a == 0:
        return 0.0
    return float(special.expit(-_log_idle_ratio(n, a)))


def _check_stable(n: int, a: float) -> None:
    if n < 1:
        raise ErlangInputError("must be >= 1 for Erlang C (no abandonment)", "servers", value=n)
    if a >= n:
        raise ErlangInputError(
            f"offered load {a!r} Erlangs >= {n} servers: the queue is unstable without "
            "abandonment, Erlang C has no steady state"
        )


def _erlang_c_prob(n: int, a: float) -> float:
    if a == 0:
        return 0.0
    # C = 1 / (1 + (1/B - 1)(1 - A/N)); in logs so that tiny C stays accurate.
    return float(special.expit(-(_log_idle_ratio(n, a) + math.log1p(-a / n))))


def erlang_c(servers: int, load_erlangs: float) -> float:
    """P(wait > 0) in M/M/N (the Erlang C formula). Requires load_erlangs < servers."""
    n = _count("servers", servers, 0)
    a = _non_negative("load_erlangs", load_erlangs)
    _check_stable(n, a)
    return _erlang_c_prob(n, a)


@dataclass(frozen=True)
class ErlangC:
    """Stationary M/M/N results (nobody abandons, so every call is answered).

    p_wait: P(wait > 0). asa_s: mean wait over all calls (0 for those answered
    at once). service_level: P(wait <= target_s), i.e. answered within target
    over all arrivals. occupancy: mean busy agents / servers = load / servers.
    """

    servers: int
    load_erlangs: float
    p_wait: float
    asa_s: float
    service_level: float
    occupancy: float
    target_s: float


def _erlang_c_result(lam: float, aht: float, n: int, t: float) -> ErlangC:
    a = lam * aht
    _check_stable(n, a)
    c = _erlang_c_prob(n, a)
    # Waits of delayed calls are exponential with rate (N - A)/AHT.
    return ErlangC(
        servers=n,
        load_erlangs=a,
        p_wait=c,
        asa_s=c * aht / (n - a),
        service_level=1.0 - c * math.exp(-(n - a) * t / aht),
        occupancy=a / n,
        target_s=t,
    )


def erlang_c_metrics(
    arrival_rate_per_s: float, mean_service_s: float, servers: int, target_s: float = 20.0
) -> ErlangC:
    """Erlang C results for ``servers`` agents; raises if load >= servers."""
    lam = _non_negative("arrival_rate_per_s", arrival_rate_per_s)
    aht = _positive("mean_service_s", mean_service_s)
    n = _count("servers", servers, 0)
    t = _non_negative("target_s", target_s)
    return _erlang_c_result(lam, aht, n, t)


def erlang_c_servers_needed(
    arrival_rate_per_s: float,
    mean_service_s: float,
    target_s: float,
    service_level: float,
    max_servers: int = 5000,
    max_occupancy: float | None = None,
) -> ErlangC:
    """Smallest N with P(wait <= target_s) >= service_level (and load/N <= max_occupancy).

    Raises TargetUnreachable if no N <= max_servers qualifies.
    """
    lam = _non_negative("arrival_rate_per_s", arrival_rate_per_s)
    aht = _positive("mean_service_s", mean_service_s)
    t = _non_negative("target_s", target_s)
    sl = _fraction("service_level", service_level, allow_zero=True, allow_one=lam == 0)
    n_max = _count("max_servers", max_servers, 1)
    occ = None
    if max_occupancy is not None:
        occ = _fraction("max_occupancy", max_occupancy, allow_zero=False, allow_one=True)
    a = lam * aht
    n_min = max(1, int(math.floor(a)) + 1)
    if occ is not None:
        # Slack so that 14 / 0.7 = 20.000000000000004 does not cost an agent;
        # the check below still enforces the cap exactly.
        n_min = max(n_min, int(math.ceil(a / occ * (1.0 - 1e-12))))

    def passes(n: int) -> ErlangC | None:
        res = _erlang_c_result(lam, aht, n, t)
        return res if res.service_level >= sl and (occ is None or res.occupancy <= occ) else None

    best = _smallest_passing(n_min, n_max, passes) if n_min <= n_max else None
    if best is None:
        what = f"service_level {sl!r} within {t!r} s"
        if occ is not None:
            what += f" with occupancy <= {occ!r}"
        raise TargetUnreachable(f"{what} not reachable with max_servers={n_max} (offered load {a!r} Erlangs)")
    return best


def _smallest_passing(lo: int, hi: int, passes: Callable[[int], object]):
    """Smallest n in [lo, hi] with passes(n) not None (its result), or None.

    Relies on the criterion, once met, staying met for more agents (true of
    every criterion here: SL, occupancy, abandonment). Galloping up from lo and
    then bisecting costs O(log(answer - lo)) evaluations, and keeps them at
    small N, where each is cheapest.
    """
    last_fail, step, n = lo - 1, 1, lo
    while (res := passes(n)) is None:
        if n >= hi:
            return None
        last_fail, n, step = n, min(hi, n + step), step * 2
    while n - last_fail > 1:
        mid = (last_fail + n) // 2
        mid_res = passes(mid)
        if mid_res is None:
            last_fail = mid
        else:
            n, res = mid, mid_res
    return res


# ---------------------------------------------------------------------------
# Erlang A


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


def _erlang_a_result(lam: float, aht: float, patience: float, n: int, t: float,
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
    ref = float(_log_poisson_pmf(x, y))

    def log_term(k: np.ndarray) -> np.ndarray:
        return _log_poisson_pmf(x + k, y) - ref

    def log_step(k: np.ndarray) -> np.ndarray:
        return np.log(y / (x + k))

    mode = max(0, int(math.floor(y - x)))
    try:
        ks, lt = _unimodal_window(log_term, log_step, 0, math.inf, mode, max(x, y), ref)
    except _TooWide as exc:
        raise ErlangInputError(
            f"arrival_rate_per_s x mean_patience_s = {y:.3g} (with {n} servers, {a:.3g} Erlangs) "
            f"spreads the queue over {float(exc.args[0]):.3g} states; Erlang A is not evaluated that far out"
        ) from None
    log_busy = float(special.logsumexp(lt))
    w = np.exp(lt - log_busy)  # distribution of k = customers ahead, given a wait
    log_idle = _log_idle_ratio(n, a)
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
        p_abandon=_clip01(p_ab),
        mean_wait_s=p_ab * patience,
        mean_wait_answered_s=mean_wait_answered,
        answered_within_target=_clip01(p_no_wait + p_wait * float(np.dot(w, ans_le_t))),
        virtual_wait_within_target=_clip01(p_no_wait + p_wait * float(np.dot(w, virt_le_t))),
        abandoned_within_target=_clip01(p_wait * float(np.dot(w, ab_le_t))),
        occupancy=_clip01(a * p_answered / n),
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
    return _per_attempt(a, n, x, theta, patience, t, float(pi[:n].sum()), pi[n:-1]), float(pi[-1])


def _per_attempt(a: float, n: int, x: float, theta: float, patience: float, t: float, p_no_wait: float,
                 w: np.ndarray) -> ErlangA:
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
        p_wait=_clip01(float(w.sum())),
        p_abandon=_clip01(p_ab),
        mean_wait_s=p_ab * patience,
        mean_wait_answered_s=mean_wait_answered,
        answered_within_target=_clip01(p_no_wait + float(np.dot(w, ans_le_t))),
        virtual_wait_within_target=_clip01(p_no_wait + float(np.dot(w, virt_le_t))),
        abandoned_within_target=_clip01(float(np.dot(w, ab_le_t))),
        occupancy=_clip01(a * p_answered / n),
        target_s=t,
    )


@dataclass(frozen=True)
class ErlangX:
    """Erlang X (Koole): M/M/N/L+M with finite lines, abandonment and redials.

    ``queue`` is the Erlang A (lines: M/M/N/L+M) result for the *total*
    offered stream — fresh calls plus redials — so its probabilities are per
    attempt. ``p_block``: an attempt finds all ``lines`` busy. Per fresh call:
    ``p_lost`` — it gives up in the end (blocked or abandoned on its last
    try). ``retrial_rate_per_s`` = total - fresh.

    ``method``: ``"exact chain"`` — the continuous-time Markov chain on
    (callers on the lines, customers waiting to redial) with exponential
    redial delays of mean ``redial_delay_s``, solved for its stationary
    distribution (``states`` states); or ``"fixed point"`` — redials taken as
    fresh Poisson calls, the classical approximation and the limit of long
    redial delays (``iterations`` of it). ``fixed_point`` holds the fixed
    point's answer beside an exact one, so its error can be shown.
    """

    fresh_rate_per_s: float
    total_rate_per_s: float
    retrial_rate_per_s: float
    redial_probability: float
    lines: int | None
    queue: ErlangA
    p_block: float
    p_lost: float
    iterations: int
    method: str = "fixed point"
    redial_delay_s: float | None = None
    states: int = 0
    fixed_point: ErlangX | None = None


# The largest chain solved exactly (sparse LU); beyond it erlang_x_metrics answers with the fixed point.
# 14 agents on 20 lines at a 30-minute redial delay need under 1,000 states; 505 agents on 600 lines
# at 10,000 calls an hour about 330,000 (some 5 CPU seconds).
MAX_CHAIN_STATES = 400_000
_CHAIN_TAIL = 1e-12  # probability mass allowed at a truncation edge of the chain


def erlang_x_metrics(
    arrival_rate_per_s: float,
    mean_service_s: float,
    mean_patience_s: float,
    servers: int,
    lines: int | None = None,
    redial_probability: float = 0.0,
    target_s: float = 20.0,
    max_iterations: int = 100_000,
    redial_delay_s: float | None = None,
    max_states: int = MAX_CHAIN_STATES,
) -> ErlangX:
    """Erlang X: exactly, from its Markov chain, when ``redial_delay_s`` is given; else by the fixed point.

    An attempt that is blocked or abandons is redialled with probability
    ``redial_probability`` after an exponential delay of mean
    ``redial_delay_s``. The delay matters: a customer who just failed redials
    into the congestion that made it fail, so redials are not fresh Poisson
    calls. With ``redial_delay_s`` the chain on (callers on the lines,
    customers waiting to redial) is solved exactly (scipy.sparse, LU) when it
    has at most ``max_states`` states (the orbit, and with unlimited lines the
    queue, truncated where less than 1e-12 of the mass lies beyond); the
    fixed point's answer is kept beside it in ``fixed_point``.

    The fixed point (``redial_delay_s=None``, or a chain too large) solves
    ``total = fresh + redial_probability * total * (p_block + p_abandon)(total)``,
    treating redials as fresh Poisson calls; the map is increasing in
    ``total``, so iterating from ``fresh`` climbs monotonically to its least
    fixed point. It is the limit of long redial delays and errs at short
    ones: at 200 calls an hour, mean handle 180 s, patience 300 s, 14 agents,
    20 lines and 50% redial, its P(block) is 41% below the exact chain's at a
    60-second delay, 20% below at 5 minutes and 4.5% below at 30 minutes
    (P(lost): 18%, 8% and 1.8% below; tests/test_erlang_x.py).
    ``lines=None``: unlimited lines. With no redials and unlimited lines
    this is Erlang A exactly.
    """
    lam, aht, patience, n, t = _erlang_a_inputs(arrival_rate_per_s, mean_service_s, mean_patience_s, servers,
                                                target_s)
    r = _fraction("redial_probability", redial_probability, allow_zero=True, allow_one=False)
    if lines is not None:
        lines = _count("lines", lines, max(n, 1))
    fixed = _erlang_x_fixed_point(lam, aht, patience, n, t, lines, r, max_iterations)
    if redial_delay_s is None:
        return fixed
    delay = _positive("redial_delay_s", redial_delay_s)
    cap = _count("max_states", max_states, 1)
    if n < 1 or patience <= 0 or lam <= 0:
        raise ErlangInputError("the exact chain needs servers >= 1, mean_patience_s > 0 and arrival_rate_per_s > 0")
    exact = _erlang_x_chain(lam, aht, patience, n, t, lines, r, delay, cap, fixed)
    return exact if exact is not None else replace(fixed, redial_delay_s=delay)


def _erlang_x_fixed_point(lam, aht, patience, n, t, lines, r, max_iterations) -> ErlangX:
    waiting = math.inf if lines is None else lines - n
    total, iterations = lam, 0
    while True:
        queue, p_block = _erlang_a_result(total, aht, patience, n, t, waiting)
        lost = p_block + queue.p_abandon
        following = lam + r * total * lost
        iterations += 1
        if abs(following - total) <= 1e-12 * max(following, 1e-300) or iterations >= max_iterations:
            break
        total = following
    if iterations >= max_iterations:
        raise ErlangInputError(f"the Erlang X fixed point did not settle in {max_iterations} iterations")
    queue, p_block = _erlang_a_result(following, aht, patience, n, t, waiting)
    lost = p_block + queue.p_abandon
    # A fresh call is lost when every one of its tries is: lost on a try, and not redialled.
    p_lost = lost * (1 - r) / (1 - r * lost) if lost < 1 else 1.0
    return ErlangX(lam, following, following - lam, r, lines, queue, p_block, p_lost, iterations)


def _erlang_x_chain(lam, aht, patience, n, t, lines, r, delay, max_states, fixed) -> ErlangX | None:
    """The exact chain, truncated and grown until its edges hold less than _CHAIN_TAIL; None if too large."""
    # Start from the fixed point's sizes: its orbit (retrials x delay by Little's law) and queue.
    orbit = fixed.retrial_rate_per_s * delay
    top_orbit = int(orbit + 12.0 * math.sqrt(orbit) + 30)
    if lines is None:
        queue_mean = fixed.queue.mean_wait_s * fixed.total_rate_per_s
        top_line = n + int(queue_mean + 12.0 * math.sqrt(queue_mean) + 30)
    else:
        top_line = lines
    # A state of high probability anchors the solve: the fixed point's mean callers on the lines and in the orbit.
    on_lines = fixed.queue.occupancy * n + fixed.queue.mean_wait_s * fixed.total_rate_per_s
    while True:
        states = (top_line + 1) * (top_orbit + 1)
        if states > max_states:
            return None
        anchor = (min(top_line, round(on_lines)), min(top_orbit, round(orbit)))
        pi = _chain_stationary(lam, 1.0 / aht, 1.0 / patience, n, top_line, r, 1.0 / delay, top_orbit, anchor)
        grow_orbit = pi[-1, :].sum() > _CHAIN_TAIL and r > 0
        grow_line = lines is None and pi[:, -1].sum() > _CHAIN_TAIL
        if not (grow_orbit or grow_line):
            break
        top_orbit = top_orbit * 2 if grow_orbit else top_orbit
        top_line = n + 2 * (top_line - n) if grow_line else top_line

    nu = 1.0 / delay
    m = np.arange(top_orbit + 1)
    orbit_mean = float(pi.sum(axis=1) @ m)
    total = lam + nu * orbit_mean  # attempt rate: fresh calls and redials
    # What an attempt finds: fresh calls see the time-stationary distribution (PASTA), a redial
    # leaves the orbit at rate m nu, so it sees the states weighted by m.
    seen = (pi * (lam + nu * m)[:, None]).sum(axis=0) / total
    p_block = float(seen[-1]) if lines is not None else 0.0
    w = seen[n:-1] if lines is not None else seen[n:]
    queue = _per_attempt(total * aht, n, n * patience / aht, 1.0 / patience, patience, t, float(seen[:n].sum()), w)
    lost = p_block + queue.p_abandon
    p_lost = min(1.0, (1 - r) * total * lost / lam)
    return ErlangX(lam, total, total - lam, r, lines, queue, p_block, p_lost, 0, "exact chain", delay,
                   states, fixed)


def _chain_stationary(lam, mu, theta, n, top_line, r, nu, top_orbit, anchor) -> np.ndarray:
    """Stationary distribution pi[m, q] of (q callers on the lines, m customers waiting to redial).

    Fresh calls at lam; a caller finding q = top_line is blocked and joins the orbit with
    probability r; service min(q, n) mu; abandonment (q - n)+ theta, joining the orbit with
    probability r; each of the m in the orbit redials at nu and, blocked, stays with probability r.
    Joining a full orbit (m = top_orbit) is dropped: the truncation, whose mass is checked.
    ``anchor`` (q, m): a state of high probability, whose balance equation gives way to pi = 1 there.
    """
    lines, orbits = top_line + 1, top_orbit + 1
    q, m = np.meshgrid(np.arange(lines), np.arange(orbits))
    q, m = q.ravel(), m.ravel()
    here = m * lines + q
    rows, cols, rates = [], [], []

    def add(mask, dq, dm, rate):
        rate = np.broadcast_to(rate, q.shape)[mask]
        keep = rate > 0
        rows.append(here[mask][keep])
        cols.append(((m[mask] + dm) * lines + q[mask] + dq)[keep])
        rates.append(rate[keep])

    room, full, orbit_room = q < top_line, q == top_line, m < top_orbit
    add(room, 1, 0, lam)  # a fresh call is taken
    add(full & orbit_room, 0, 1, lam * r)  # blocked, will redial
    add(q > 0, -1, 0, np.minimum(q, n) * mu)  # served
    add((q > n) & orbit_room, -1, 1, (q - n) * theta * r)  # abandons, will redial
    add(q > n, -1, 0, (q - n) * theta * ((1 - r) + r * (m == top_orbit)))  # abandons for good
    add(room & (m > 0), 1, -1, m * nu)  # a redial is taken
    add(full & (m > 0), 0, -1, m * nu * (1 - r))  # a redial blocked, gives up
    size = lines * orbits
    # Imported here: only the exact chain needs them, and the erlang command starts faster without.
    from scipy import sparse
    from scipy.sparse.linalg import spsolve

    generator = sparse.coo_matrix((np.concatenate(rates), (np.concatenate(rows), np.concatenate(cols))),
                                  shape=(size, size)).tocsr()
    generator = generator - sparse.diags(np.asarray(generator.sum(axis=1)).ravel())
    # pi Q = 0, solved with one balance equation replaced by pi = 1 at the anchor, then normalised.
    # (Replacing it by sum(pi) = 1 instead puts a dense row in the matrix, and the LU fills in:
    # ten times the time at 150,000 states.)
    at = anchor[1] * lines + anchor[0]
    system = generator.T.tolil()
    system[at, :] = 0.0
    system[at, at] = 1.0
    rhs = np.zeros(size)
    rhs[at] = 1.0
    pi = np.clip(spsolve(system.tocsc(), rhs), 0.0, None)
    return (pi / pi.sum()).reshape(orbits, lines)


def _clip01(p: float) -> float:
    # Sums of probabilities can round a hair past 1 (e.g. occupancy 1 + 1e-15
    # in overload); callers are entitled to values in [0, 1].
    return min(1.0, max(0.0, p))


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
    return _erlang_a_unblocked(*_erlang_a_inputs(arrival_rate_per_s, mean_service_s, mean_patience_s, servers,
                                                 target_s))


def _erlang_a_inputs(arrival_rate_per_s, mean_service_s, mean_patience_s, servers, target_s):
    return (
        _non_negative("arrival_rate_per_s", arrival_rate_per_s),
        _positive("mean_service_s", mean_service_s),
        _non_negative("mean_patience_s", mean_patience_s),
        _count("servers", servers, 0),
        _non_negative("target_s", target_s),
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
    lam = _non_negative("arrival_rate_per_s", arrival_rate_per_s)
    aht = _positive("mean_service_s", mean_service_s)
    patience = _non_negative("mean_patience_s", mean_patience_s)
    t = _non_negative("target_s", target_s)
    sl = _fraction("service_level", service_level, allow_zero=True, allow_one=lam == 0)
    n_max = _count("max_servers", max_servers, 0)
    # 0 is excluded: with calls arriving and finite patience someone always abandons.
    cap = None
    if max_abandon is not None:
        cap = _fraction("max_abandon", max_abandon, allow_zero=False, allow_one=True)

    def ok(n: int) -> ErlangA | None:
        res = _erlang_a_unblocked(lam, aht, patience, n, t)
        good = res.answered_within_target >= sl and (cap is None or res.p_abandon <= cap)
        return res if good else None

    best = _smallest_passing(0, n_max, ok)
    if best is None:
        what = f"service_level {sl!r} within {t!r} s"
        if cap is not None:
            what += f" with p_abandon <= {cap!r}"
        raise TargetUnreachable(f"{what} not reachable with max_servers={n_max} (offered load {lam * aht!r} Erlangs)")
    return best


# ---------------------------------------------------------------------------
# Halfin-Whitt (quality-and-efficiency-driven) rules of thumb


def square_root_staffing(load_erlangs: float, beta: float) -> int:
    """ceil(A + beta sqrt(A)), never below 0. beta < 0 is allowed (meaningful with abandonment)."""
    a = _non_negative("load_erlangs", load_erlangs)
    b = _number("beta", beta)
    raw = a + b * math.sqrt(a)
    # Slack of a few ulps so that 100 + 1*10 = 110.00000000000001 stays 110.
    return max(0, int(math.ceil(raw - 1e-12 * max(1.0, abs(raw)))))


def halfin_whitt_p_wait(beta: float) -> float:
    """Halfin-Whitt limit of P(wait) for N = A + beta sqrt(A): [1 + beta Phi(beta)/phi(beta)]^-1.

    beta must be >= 0 (the limit needs a stable M/M/N); beta = 0 gives 1.
    """
    b = _non_negative("beta", beta)
    if b == 0:
        return 1.0
    # In logs: phi(beta) underflows past beta ~ 38 while the answer is merely tiny.
    log_ratio = math.log(b) + float(special.log_ndtr(b)) + 0.5 * b * b + 0.5 * _LOG_2PI
    return float(special.expit(-log_ratio))


def agents_to_schedule(servers: int, shrinkage: float) -> int:
    """Agents to roster so that ``servers`` are on the phones after shrinkage (breaks, absence, training).

    ceil(N / (1 - shrinkage)); e.g. 14 agents at 30 % shrinkage -> 20.
    """
    n = _count("servers", servers, 0)
    s = _fraction("shrinkage", shrinkage, allow_zero=True, allow_one=False)
    raw = n / (1.0 - s)
    # 14 / 0.7 is 20.000000000000004 in binary floating point.
    return int(math.ceil(raw - 1e-12 * max(1.0, raw)))
