"""Erlang B (M/M/N/N, loss) and Erlang C (M/M/N, delay, nobody abandons).

With the smallest staffing that meets a service level (``erlang_c_servers_needed``) and the search it
shares with Erlang A (``smallest_passing``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from scipy import special

from sim.analytic.arguments import (
    ErlangInputError,
    TargetUnreachable,
    check_count,
    check_fraction,
    check_non_negative,
    check_positive,
)
from sim.analytic.numerics import log_idle_ratio

def erlang_b(servers: int, load_erlangs: float) -> float:
    """Blocking probability of M/M/N/N: fraction of arrivals finding all N agents busy.

    ``servers = 0`` gives 1.0 (every call is blocked). Accurate for tiny values
    (e.g. B(200, 50) ~ 1e-57) and for thousands of servers.
    """
    n = check_count("servers", servers, 0)
    a = check_non_negative("load_erlangs", load_erlangs)
    if n == 0:
        return 1.0
    if a == 0:
        return 0.0
    return float(special.expit(-log_idle_ratio(n, a)))


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
    return float(special.expit(-(log_idle_ratio(n, a) + math.log1p(-a / n))))


def erlang_c(servers: int, load_erlangs: float) -> float:
    """P(wait > 0) in M/M/N (the Erlang C formula). Requires load_erlangs < servers."""
    n = check_count("servers", servers, 0)
    a = check_non_negative("load_erlangs", load_erlangs)
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
    lam = check_non_negative("arrival_rate_per_s", arrival_rate_per_s)
    aht = check_positive("mean_service_s", mean_service_s)
    n = check_count("servers", servers, 0)
    t = check_non_negative("target_s", target_s)
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
    lam = check_non_negative("arrival_rate_per_s", arrival_rate_per_s)
    aht = check_positive("mean_service_s", mean_service_s)
    t = check_non_negative("target_s", target_s)
    sl = check_fraction("service_level", service_level, allow_zero=True, allow_one=lam == 0)
    n_max = check_count("max_servers", max_servers, 1)
    occ = None
    if max_occupancy is not None:
        occ = check_fraction("max_occupancy", max_occupancy, allow_zero=False, allow_one=True)
    a = lam * aht
    n_min = max(1, int(math.floor(a)) + 1)
    if occ is not None:
        # Slack so that 14 / 0.7 = 20.000000000000004 does not cost an agent;
        # the check below still enforces the cap exactly.
        n_min = max(n_min, int(math.ceil(a / occ * (1.0 - 1e-12))))

    def passes(n: int) -> ErlangC | None:
        res = _erlang_c_result(lam, aht, n, t)
        return res if res.service_level >= sl and (occ is None or res.occupancy <= occ) else None

    best = smallest_passing(n_min, n_max, passes) if n_min <= n_max else None
    if best is None:
        what = f"service_level {sl!r} within {t!r} s"
        if occ is not None:
            what += f" with occupancy <= {occ!r}"
        raise TargetUnreachable(f"{what} not reachable with max_servers={n_max} (offered load {a!r} Erlangs)")
    return best


def smallest_passing(lo: int, hi: int, passes: Callable[[int], object]):
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
