"""Loss curves: the share of an amount at risk gone after a delay, and where each comes from.

Three forms, all non-decreasing in the delay, 0 at no delay and never above 1:

- *exponential* (the half-life form, version 0.1's only one): ``1 - exp(-t/tau)``.
- *two-phase*: ``1 - [w exp(-t/tau_fast) + (1 - w) exp(-t/tau_slow)]``. A
  share ``w`` of the money leaves over minutes to hours (mule accounts on
  instant rails), the rest over days (what is still recoverable while a
  freeze is arranged).
- *points*: a scenario's own points (delay, share lost), joined by a
  monotone cubic (PCHIP, which never overshoots: between two points the
  share stays between theirs) from (0, 0); flat after the last point.

Named curves are fitted to the published points of
``sim/data/loss_evidence.csv`` by ``python -m sim loss-fit``
(sim.studies.loss_fit), which writes ``sim/model/loss_catalogue.py``: each
curve's form, fitted parameters, the evidence rows it rests on and its
bootstrap draws ranked from least to most severe. A scenario picks a named
curve by id; ``Scenario.loss_curve_bands`` says where in its band (0.5: the
fitted curve; 0 and 1: the least and most severe draws). Every draw is a
fit to perturbed evidence, so every band position is a valid curve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import PchipInterpolator

from sim.model.loss_catalogue import CATALOGUE

# The delays over which a curve's severity is averaged to rank bootstrap draws: from a minute to the
# default loss window (48 hours, Loss.window_h), the delays a wait for a human spans, evenly on a log
# scale so that the first minutes weigh as much as the last day.
SEVERITY_DELAYS_S = np.geomspace(60.0, 48 * 3600.0, 64)


def exponential_share(elapsed_s, tau_s: float) -> np.ndarray:
    elapsed = np.maximum(np.asarray(elapsed_s, dtype=float), 0.0)
    return -np.expm1(-elapsed / tau_s)


def two_phase_share(elapsed_s, fast_share: float, fast_s: float, slow_s: float) -> np.ndarray:
    elapsed = np.maximum(np.asarray(elapsed_s, dtype=float), 0.0)
    kept = fast_share * np.exp(-elapsed / fast_s) + (1.0 - fast_share) * np.exp(-elapsed / slow_s)
    return np.clip(1.0 - kept, 0.0, 1.0)


def points_share(elapsed_s, after_s, share_lost) -> np.ndarray:
    """Monotone cubic through (0, 0) and the points; flat after the last point."""
    x = np.concatenate([[0.0], np.asarray(after_s, dtype=float)])
    y = np.concatenate([[0.0], np.asarray(share_lost, dtype=float)])
    elapsed = np.clip(np.asarray(elapsed_s, dtype=float), 0.0, x[-1])
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # flat stretches: PCHIP sets slope 0
        share = PchipInterpolator(x, y, extrapolate=False)(elapsed)
    return np.clip(share, 0.0, 1.0)


@dataclass(frozen=True)
class Curve:
    """One loss curve: a form and its parameters (seconds)."""

    form: str  # "exponential" | "two_phase"
    params: tuple[float, ...]  # exponential: (tau_s,); two_phase: (fast_share, fast_s, slow_s)

    def share_lost(self, elapsed_s) -> np.ndarray:
        if self.form == "exponential":
            return exponential_share(elapsed_s, *self.params)
        return two_phase_share(elapsed_s, *self.params)

    def describe(self) -> str:
        if self.form == "exponential":
            return f"exponential, half-life {duration_text(self.params[0] * math.log(2))}"
        w, fast, slow = self.params
        return (f"two-phase: {w:.0%} drains with a half-life of {duration_text(fast * math.log(2))}, "
                f"the rest with {duration_text(slow * math.log(2))}")


def duration_text(seconds: float) -> str:
    """A delay in the unit a reader expects: minutes below 90, hours below 3 days, then days."""
    if seconds < 5400:
        return f"{seconds / 60:.3g} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.3g} h"
    return f"{seconds / 86400:.3g} days"


def severity(curve: Curve) -> float:
    """Mean share lost over delays from a minute to 48 hours (log-spaced): how bad a curve is, in one number."""
    return float(np.mean(curve.share_lost(SEVERITY_DELAYS_S)))


def named_curves() -> list[str]:
    return sorted(CATALOGUE)


def named_curve(name: str, band: float = 0.5) -> Curve:
    """Curve ``name`` at position ``band`` of its bootstrap band.

    0.5 is the fitted curve. Below it, ``band`` walks the draws less severe
    than the fit, from the least severe (0) up to the fit; above it, those
    more severe, up to the most severe (1). A band of 0.05 is thus near the
    5th percentile of the draws when the fit sits near their median.
    """
    entry = CATALOGUE[name]
    form = entry["form"]
    if band == 0.5:
        return Curve(form, tuple(entry["fit"]))
    draws = entry["draws"]
    below = entry["draws_below_fit"]
    if band < 0.5:
        index = min(int(band / 0.5 * below), below - 1) if below else None
    else:
        above = len(draws) - below
        index = below + min(int((band - 0.5) / 0.5 * above), above - 1) if above else None
    if index is None:
        return Curve(form, tuple(entry["fit"]))
    return Curve(form, tuple(draws[index]))


def band_at(name: str, elapsed_s, low: float = 0.05, high: float = 0.95,
            catalogue: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise quantiles of the curve's bootstrap draws at ``elapsed_s``: the band a chart shades.

    ``catalogue``: a refit's entries instead of the stored ones.
    """
    entry = (CATALOGUE if catalogue is None else catalogue)[name]
    values = np.array([Curve(entry["form"], tuple(d)).share_lost(elapsed_s) for d in entry["draws"]])
    return np.quantile(values, low, axis=0), np.quantile(values, high, axis=0)
