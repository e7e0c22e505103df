"""Probability distributions for durations, in seconds.

Every random duration in a scenario (handle time, after-contact work,
patience, redial delay, bot time) and every random amount (money at risk) is
one of these. They are pydantic models so that a scenario file can state them
as ``{dist: lognormal, mean: 240, cv: 0.8}`` and get a validated object back;
each one knows how to draw a numpy array from a given generator and what its
mean is (the Erlang formulas and the staffing search need the mean).

Parameterising lognormal and gamma by mean and coefficient of variation
(rather than by their native mu/sigma or shape/scale) is deliberate: planners
know the average handle time and roughly how variable it is, not the log-scale
parameters.

Bounds. A parameter must mean something in a contact centre and keep every
draw finite: no value above ``MAX_VALUE`` (1e9, the largest amount at risk
allowed; durations are bounded tighter where they are used, see
``Duration``), a coefficient of variation between 1e-3 (as good as constant)
and 20 (a lognormal whose median is 0.2% of its mean), a Weibull shape
between 0.1 and 100 (below 0.1 the mean is over 3.6 million times the scale
and one draw can keep an agent busy for centuries). Patience may be longer
than other durations (``Patience``): "never hangs up" is a huge patience. Outside them numpy's
samplers overflow to inf or divide by zero.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from scipy.special import gamma as gamma_fn

MAX_VALUE = 1e9
MAX_DURATION_S = 30 * 86400.0  # a month: longer than any wait, call or redial gap a contact centre sees
MAX_EMPIRICAL_VALUES = 100_000  # a year of one queue's handle times, more than enough to resample from

Mean = Annotated[float, Field(gt=0, le=MAX_VALUE, description="the mean (same unit as the draws)")]
Cv = Annotated[float, Field(ge=1e-3, le=20.0, description="standard deviation / mean")]
Value = Annotated[float, Field(ge=0, le=MAX_VALUE)]


class _Distribution(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        raise NotImplementedError

    def expectation(self) -> float:
        """The distribution's mean (same unit as its samples)."""
        raise NotImplementedError


class Exponential(_Distribution):
    """Memoryless; the M in M/M/c. Only the mean is needed."""

    dist: Literal["exponential"]
    mean: Mean

    def sample(self, rng, size):
        return rng.exponential(self.mean, size)

    def expectation(self) -> float:
        return float(self.mean)


class Lognormal(_Distribution):
    """Right-skewed; Brown et al. (2005) found call handle times lognormal."""

    dist: Literal["lognormal"]
    mean: Mean
    cv: Cv

    def sample(self, rng, size):
        sigma2 = math.log1p(self.cv**2)
        mu = math.log(self.mean) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), size)

    def expectation(self) -> float:
        return float(self.mean)


class Gamma(_Distribution):
    dist: Literal["gamma"]
    mean: Mean
    cv: Cv

    def sample(self, rng, size):
        shape = 1.0 / self.cv**2
        return rng.gamma(shape, self.mean / shape, size)

    def expectation(self) -> float:
        return float(self.mean)


class Weibull(_Distribution):
    """shape < 1 gives many very impatient customers and a long tail."""

    dist: Literal["weibull"]
    shape: float = Field(ge=0.1, le=100.0, description="below 1: many short values and a long tail")
    scale: float = Field(gt=0, le=MAX_VALUE)

    def sample(self, rng, size):
        return self.scale * rng.weibull(self.shape, size)

    def expectation(self) -> float:
        return self.scale * float(gamma_fn(1.0 + 1.0 / self.shape))


class Deterministic(_Distribution):
    dist: Literal["deterministic"]
    value: Value

    def sample(self, rng, size):
        return np.full(size, float(self.value))

    def expectation(self) -> float:
        return float(self.value)


class Empirical(_Distribution):
    """Resamples observed values (a bootstrap), e.g. handle times from a log."""

    dist: Literal["empirical"]
    values: list[Value] = Field(min_length=1, max_length=MAX_EMPIRICAL_VALUES)

    def sample(self, rng, size):
        return rng.choice(np.asarray(self.values, dtype=float), size=size, replace=True)

    def expectation(self) -> float:
        return float(np.mean(self.values))


Distribution = Annotated[
    Union[Exponential, Lognormal, Gamma, Weibull, Deterministic, Empirical],
    Field(discriminator="dist"),
]


def _mean_at_most(limit: float, meaning: str):
    def check(distribution):
        mean = distribution.expectation()
        if not math.isfinite(mean) or mean > limit:
            raise ValueError(f"its mean ({mean:.4g}) must be at most {limit:g} ({meaning})")
        return distribution

    return AfterValidator(check)


Duration = Annotated[Distribution, _mean_at_most(MAX_DURATION_S, "30 days, in seconds")]
"""A random duration in seconds; its mean is at most 30 days."""

Patience = Annotated[Distribution, _mean_at_most(MAX_VALUE, "about 32 years, in seconds")]
"""How long a customer waits before hanging up. "Never hangs up" (M/M/c) is written as a huge
patience, so the bound is MAX_VALUE rather than 30 days: patience only ends a wait, it never
keeps an agent busy, so a long one cannot make a run hang."""

Amount = Annotated[Distribution, _mean_at_most(MAX_VALUE, "currency units")]
"""A random amount of money; its mean is at most 1e9 currency units."""
