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
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PositiveFloat
from scipy.special import gamma as gamma_fn


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
    mean: PositiveFloat

    def sample(self, rng, size):
        return rng.exponential(self.mean, size)

    def expectation(self) -> float:
        return float(self.mean)


class Lognormal(_Distribution):
    """Right-skewed; Brown et al. (2005) found call handle times lognormal."""

    dist: Literal["lognormal"]
    mean: PositiveFloat
    cv: PositiveFloat = Field(description="standard deviation / mean")

    def sample(self, rng, size):
        sigma2 = math.log1p(self.cv**2)
        mu = math.log(self.mean) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), size)

    def expectation(self) -> float:
        return float(self.mean)


class Gamma(_Distribution):
    dist: Literal["gamma"]
    mean: PositiveFloat
    cv: PositiveFloat = Field(description="standard deviation / mean")

    def sample(self, rng, size):
        shape = 1.0 / self.cv**2
        return rng.gamma(shape, self.mean / shape, size)

    def expectation(self) -> float:
        return float(self.mean)


class Weibull(_Distribution):
    """shape < 1 gives many very impatient customers and a long tail."""

    dist: Literal["weibull"]
    shape: PositiveFloat
    scale: PositiveFloat

    def sample(self, rng, size):
        return self.scale * rng.weibull(self.shape, size)

    def expectation(self) -> float:
        return self.scale * float(gamma_fn(1.0 + 1.0 / self.shape))


class Deterministic(_Distribution):
    dist: Literal["deterministic"]
    value: float = Field(ge=0)

    def sample(self, rng, size):
        return np.full(size, float(self.value))

    def expectation(self) -> float:
        return float(self.value)


class Empirical(_Distribution):
    """Resamples observed values (a bootstrap), e.g. handle times from a log."""

    dist: Literal["empirical"]
    values: list[Annotated[float, Field(ge=0)]] = Field(min_length=1)

    def sample(self, rng, size):
        return rng.choice(np.asarray(self.values, dtype=float), size=size, replace=True)

    def expectation(self) -> float:
        return float(np.mean(self.values))


Distribution = Annotated[
    Union[Exponential, Lognormal, Gamma, Weibull, Deterministic, Empirical],
    Field(discriminator="dist"),
]
