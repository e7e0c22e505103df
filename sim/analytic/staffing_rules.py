"""Rules of thumb for staffing: square-root staffing, the Halfin-Whitt limit of P(wait), and shrinkage."""

from __future__ import annotations

import math

from scipy import special

from sim.analytic.arguments import check_count, check_fraction, check_non_negative, check_real
from sim.analytic.numerics import LOG_2PI

def square_root_staffing(load_erlangs: float, beta: float) -> int:
    """ceil(A + beta sqrt(A)), never below 0. beta < 0 is allowed (meaningful with abandonment)."""
    a = check_non_negative("load_erlangs", load_erlangs)
    b = check_real("beta", beta)
    raw = a + b * math.sqrt(a)
    # Slack of a few ulps so that 100 + 1*10 = 110.00000000000001 stays 110.
    return max(0, int(math.ceil(raw - 1e-12 * max(1.0, abs(raw)))))


def halfin_whitt_p_wait(beta: float) -> float:
    """Halfin-Whitt limit of P(wait) for N = A + beta sqrt(A): [1 + beta Phi(beta)/phi(beta)]^-1.

    beta must be >= 0 (the limit needs a stable M/M/N); beta = 0 gives 1.
    """
    b = check_non_negative("beta", beta)
    if b == 0:
        return 1.0
    # In logs: phi(beta) underflows past beta ~ 38 while the answer is merely tiny.
    log_ratio = math.log(b) + float(special.log_ndtr(b)) + 0.5 * b * b + 0.5 * LOG_2PI
    return float(special.expit(-log_ratio))


def agents_to_schedule(servers: int, shrinkage: float) -> int:
    """Agents to roster so that ``servers`` are on the phones after shrinkage (breaks, absence, training).

    ceil(N / (1 - shrinkage)); e.g. 14 agents at 30 % shrinkage -> 20.
    """
    n = check_count("servers", servers, 0)
    s = check_fraction("shrinkage", shrinkage, allow_zero=True, allow_one=False)
    raw = n / (1.0 - s)
    # 14 / 0.7 is 20.000000000000004 in binary floating point.
    return int(math.ceil(raw - 1e-12 * max(1.0, raw)))
