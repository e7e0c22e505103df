"""Estimates with standard errors, and the agreement verdict between a published figure and ours.

Two estimators, the two that ContactCenters' examples print:

- the mean of a per-day value (SSJ ``Tally``): the sample mean, its
  standard error sd / sqrt(n), a Student t interval;
- a ratio of means (SSJ ``FunctionOfMultipleMeansTally`` with a
  ``RatioFunction``, e.g. service level = mean calls in target / mean calls
  served): R = mean(x) / mean(y), with the delta-method standard error
  sd(x - R y) / (mean(y) sqrt(n)) and a normal interval, as SSJ's
  ``reportAndCIDelta``. This is not the mean of the daily ratios, which is a
  different (and, on small days, biased) quantity.

A published figure comes with its printed standard deviation over n days,
so its standard error is sd / sqrt(n); it is printed rounded (0.902), which
adds a uniform rounding error of variance unit^2 / 12. The difference is
judged in standard errors of the combined uncertainty:

    z = (ours - published) / sqrt(se_ours^2 + se_published^2 + unit^2 / 12)

and the row *agrees* when |z| <= ``Z`` = 4 (the tolerance of
``sim.studies.validation``: a false alarm for a correct model is about 1 in
16,000 per row). That holds when the standard errors are well known; with
few replications our standard error is itself a rough estimate and |z|
beyond 4 is common for a correct model (with 4 replications, about 3% of
rows). So the limit is the Student t quantile with the same false-alarm
rate, at the Welch-Satterthwaite degrees of freedom of the combined
uncertainty (``z_limit``): 4.02 at 1,000 replications, 4.18 at 100, 7.0 at 10.
A published value that is exact (a closed form) has no standard error and
no rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri, stdtrit

Z = 4.0  # standard errors of the combined uncertainty: see the module docstring
FALSE_ALARM = 2 * ndtr(-Z)  # two-sided, per row: about 1 in 16,000


@dataclass(frozen=True)
class Estimate:
    mean: float
    se: float
    ci_low: float
    ci_high: float
    n: int


def mean_estimate(values, confidence: float = 0.95) -> Estimate:
    x = np.asarray(values, dtype=float)
    n = x.size
    mean = float(x.mean()) if n else math.nan
    if n < 2:
        return Estimate(mean, math.nan, math.nan, math.nan, n)
    se = float(x.std(ddof=1) / math.sqrt(n))
    half = float(stdtrit(n - 1, 0.5 + confidence / 2)) * se
    return Estimate(mean, se, mean - half, mean + half, n)


def ratio_estimate(numerator, denominator, confidence: float = 0.95) -> Estimate:
    x = np.asarray(numerator, dtype=float)
    y = np.asarray(denominator, dtype=float)
    n = x.size
    if n == 0 or y.mean() == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, n)
    ratio = float(x.mean() / y.mean())
    if n < 2:
        return Estimate(ratio, math.nan, math.nan, math.nan, n)
    se = float(np.std(x - ratio * y, ddof=1) / (y.mean() * math.sqrt(n)))
    half = float(ndtri(0.5 + confidence / 2)) * se
    return Estimate(ratio, se, ratio - half, ratio + half, n)


@dataclass(frozen=True)
class Published:
    """A published figure: the printed value, its printed standard deviation over ``n`` days, and its interval.

    ``decimals``: how many decimals the value is printed with (its rounding
    unit). ``sd`` None: an exact value (a closed form).
    """

    value: float
    ci_low: float | None = None
    ci_high: float | None = None
    sd: float | None = None
    n: int | None = None
    decimals: int | None = None

    @property
    def se(self) -> float:
        return 0.0 if self.sd is None or not self.n else self.sd / math.sqrt(self.n)

    @property
    def rounding_sd(self) -> float:
        return 0.0 if self.decimals is None else 10.0 ** (-self.decimals) / math.sqrt(12.0)


def z_score(ours: Estimate, published: Published) -> float:
    """Difference in standard errors of the combined uncertainty (module docstring); inf if there is none."""
    combined = math.sqrt(
        (ours.se if math.isfinite(ours.se) else 0.0) ** 2 + published.se**2 + published.rounding_sd**2
    )
    diff = ours.mean - published.value
    if combined > 0:
        return diff / combined
    return 0.0 if diff == 0 else math.copysign(math.inf, diff)


def z_limit(ours: Estimate, published: Published) -> float:
    """|z| allowed: Z for well-known errors, the t quantile of the same false-alarm rate for rough ones.

    Degrees of freedom by Welch-Satterthwaite over the two estimated variances;
    the rounding term is known exactly, so leaving it out of the count errs
    towards a wider limit.
    """
    parts = [(ours.se**2, ours.n - 1)] if math.isfinite(ours.se) and ours.n > 1 else []
    if published.se > 0:
        parts.append((published.se**2, published.n - 1))
    estimated = sum(v for v, _ in parts)
    if estimated == 0:
        return Z
    return t_limit(estimated**2 / sum(v**2 / d for v, d in parts))


def t_limit(df: float) -> float:
    """The Student t quantile (``df`` degrees of freedom) with the false-alarm rate of Z normal standard errors."""
    return max(Z, float(stdtrit(df, 1 - FALSE_ALARM / 2)))


def verdict(z: float, limit: float = Z) -> str:
    """'agrees' within ``limit`` standard errors, else 'differs'; 'n/a' when there is no z."""
    if math.isnan(z):
        return "n/a"
    return "agrees" if abs(z) <= limit else "differs"
