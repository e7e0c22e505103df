"""Precision on demand: add replications until the headline figures are known well enough.

Guessing a replication count is how a study ends up quoting "96% (84% to
100%)" from three runs. Instead a user states a target: the 95% interval's
half-width, relative to the mean, on the figures a verdict rests on — each
non-baseline policy's net effect for society (``net_saving``, paired against
the baseline) and each policy's share of emergencies reached within the
guarantee. Replications are added in batches until every one of them meets
the target or a maximum count is reached, and what was reached is reported
either way (ContactCenters and Herzog's simulator work the same way).

Common random numbers survive the batches: replication ``r`` always runs on
the ``r``-th child of the seed, so a study that stops at 37 replications has
exactly the first 37 replications of one that ran 100, and policies keep
meeting the same customers. The next batch size is the classical estimate
n * (half-width / target)^2 of the replications still needed, so a study
needs few rounds.

A figure whose mean is 0 meets a relative target only if its half-width is 0
too (a twin of the baseline, a guarantee never met in any replication);
otherwise it cannot be pinned down relative to 0 and the study stops at the
maximum, saying so.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import stdtrit

NET_EFFECT = "net_saving"
GUARANTEE_SHARE = "share_within_guarantee"


@dataclass(frozen=True)
class Figure:
    """How well one headline figure is known after ``n`` replications."""

    policy: str
    metric: str
    contact_type: str
    mean: float
    half_width: float
    n: int

    @property
    def relative_half_width(self) -> float:
        if self.half_width == 0:
            return 0.0
        return self.half_width / abs(self.mean) if self.mean != 0 else math.inf


@dataclass(frozen=True)
class Precision:
    target: float  # relative half-width asked for
    confidence: float
    max_replications: int
    replications: int  # run in the end
    met: bool
    figures: tuple[Figure, ...]

    def as_record(self) -> dict:
        """For provenance and exports: plain JSON-able values."""
        return {
            "target_relative_half_width": self.target,
            "confidence": self.confidence,
            "max_replications": self.max_replications,
            "replications": self.replications,
            "met": self.met,
            "figures": [
                {**asdict(f), "relative_half_width": _finite_or_none(f.relative_half_width)} for f in self.figures
            ],
        }

    def describe(self) -> str:
        worst = max(self.figures, key=lambda f: f.relative_half_width)
        verdict = "met" if self.met else "NOT met"
        return (
            f"precision: target +/-{self.target:.1%} ({self.confidence:.0%} CI, relative) on the net effect and the "
            f"guarantee share: {verdict} after {self.replications} replications "
            f"(max {self.max_replications}); least precise: {worst.policy} {worst.metric} "
            f"+/-{_percent(worst.relative_half_width)}"
        )


def headline_figures(results, confidence: float = 0.95) -> list[Figure]:
    """The figures a precision target applies to, as known from ``results`` (a sim.runs.results.Results) so far.

    Not imported here: Results holds the Precision this module computes, so the import goes that way only.
    """
    figures: list[Figure] = []
    table = results.per_replication()
    emergency = table[table["contact_type"] == "emergency"]
    if not emergency.empty:
        # From the replications, not summary(): a half-width clipped at 100% would flatter the precision.
        for policy in results.policies:
            values = emergency.loc[emergency["policy"] == policy, GUARANTEE_SHARE]
            figures.append(_figure(policy, GUARANTEE_SHARE, "emergency", values, confidence))
    if len(results.policies) > 1:
        baseline = results.default_baseline()
        compare = results.compare(baseline=baseline, confidence=confidence)
        net = compare[(compare["metric"] == NET_EFFECT) & (compare["contact_type"] == "all")]
        for row in net[net["policy"] != baseline].itertuples():
            half = (row.ci_high - row.ci_low) / 2 if row.n >= 2 else math.inf  # net effect is never clipped
            figures.append(Figure(row.policy, NET_EFFECT, "all", float(row.difference), float(half), int(row.n)))
    return figures


def _figure(policy: str, metric: str, scope: str, values, confidence: float) -> Figure:
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    mean = float(x.mean()) if n else math.nan
    if n < 2:
        half = math.inf
    else:
        half = float(stdtrit(n - 1, 0.5 + confidence / 2)) * float(x.std(ddof=1)) / math.sqrt(n)
    return Figure(policy=policy, metric=metric, contact_type=scope, mean=mean, half_width=half, n=n)


def assess(results, target: float, confidence: float, max_replications: int) -> Precision:
    """How precise ``results`` (a Results) are against a relative ``target``, figure by figure."""
    figures = tuple(headline_figures(results, confidence))
    met = all(f.relative_half_width <= target for f in figures)
    return Precision(target, confidence, max_replications, results.n_replications, met, figures)


def replications_still_needed(precision: Precision, minimum_batch: int) -> int:
    """How many more replications the least precise figure needs, by the n * (hw / target)^2 rule."""
    n = precision.replications
    needed = n
    for f in precision.figures:
        ratio = f.relative_half_width / precision.target
        if math.isfinite(ratio):
            needed = max(needed, math.ceil(n * ratio**2))
        else:
            needed = max(needed, 2 * n)  # nothing to extrapolate from: double
    more = max(needed - n, minimum_batch)
    return min(more, precision.max_replications - n)


def _finite_or_none(value: float):
    return value if math.isfinite(value) else None


def _percent(value: float) -> str:
    return f"{value:.1%}" if math.isfinite(value) else "unbounded (mean 0)"
