"""Log-space building blocks of the Erlang formulas: Poisson pmfs, windows of stationary mass, idle ratios.

Factorials are never formed. Sums of a stationary distribution are done in
log space with the Poisson-pmf "saddle point" expansion of Loader (2000) and
only over the states that carry mass (a window around the mode).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
from scipy import special

from sim.analytic.arguments import ErlangInputError

LOG_2PI = math.log(2.0 * math.pi)
# Largest number of queue states summed explicitly. Reached only when
# arrival_rate * mean_patience is ~1e9 or more (a queue a year long); beyond
# it the evaluation would take seconds and the model means nothing anyway.
MAX_WINDOW = 1_000_000


class WindowTooWide(Exception):
    """The mass of a stationary distribution spans more than MAX_WINDOW states."""


_STIRLING = (1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188)


def log_poisson_pmf(a, w: float):
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
            special.gammaln(b + 1.0) - (b + 0.5) * np.log(b) + b - 0.5 * LOG_2PI,
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
        out[big] = -stirlerr - bd0 - 0.5 * (LOG_2PI + np.log(b))
    return out


def _log_poisson_pmf_scalar(a: float, w: float) -> float:
    if a < 1.0:
        return (a * math.log(w) if a > 0 else 0.0) - w - math.lgamma(a + 1.0)
    if a > 15.0:
        c0, c1, c2, c3, c4 = _STIRLING
        s2 = 1.0 / (a * a)
        stirlerr = (c0 - (c1 - (c2 - (c3 - c4 * s2) * s2) * s2) * s2) / a
    else:
        stirlerr = math.lgamma(a + 1.0) - (a + 0.5) * math.log(a) + a - 0.5 * LOG_2PI
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
    return -stirlerr - bd0 - 0.5 * (LOG_2PI + math.log(a))


def unimodal_window(
    log_term: Callable[[np.ndarray], np.ndarray],
    log_step: Callable[[np.ndarray], np.ndarray],
    lo: int,
    hi: float,
    mode: int,
    spread: float,
    ref: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and log terms of a unimodal sequence covering all but ~1e-18 of its sum.

    ``log_term(k)`` is log of term k, computed as ``log_poisson_pmf(...) - ref``;
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
    if right - left > MAX_WINDOW:
        raise WindowTooWide(right - left)
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


def log_idle_ratio(servers: int, load: float) -> float:
    """log( P(fewer than N in system) / P(exactly N) ) = log(1/B(N, A) - 1).

    Shared by Erlang B, C and A: it is the weight of the "an agent is free"
    states relative to the "all busy, nobody waiting" state, and the same for
    all three models because they differ only above N.
    """
    if servers == 0:
        return -math.inf
    ref = float(log_poisson_pmf(servers, load))

    def log_term(n: np.ndarray) -> np.ndarray:
        return log_poisson_pmf(n, load) - ref

    def log_step(n: np.ndarray) -> np.ndarray:
        return np.log(load / n)

    mode = min(servers - 1, int(math.floor(load)))
    try:
        _, lt = unimodal_window(log_term, log_step, 0, servers - 1, mode, load, ref)
    except WindowTooWide:
        raise ErlangInputError(
            f"offered load {load!r} Erlangs on {servers} servers is beyond what these formulas evaluate"
        ) from None
    return float(special.logsumexp(lt))


def clip01(p: float) -> float:
    # Sums of probabilities can round a hair past 1 (e.g. occupancy 1 + 1e-15
    # in overload); callers are entitled to values in [0, 1].
    return min(1.0, max(0.0, p))
