"""Confidence intervals across independent replications.

Each replication is one independent draw of the whole horizon, so a metric's
per-replication values are i.i.d. and Student's t gives an interval for its
mean. Policies are compared on common random numbers: the difference between
a policy and the baseline is taken *within* each replication and the interval
is built on those paired differences, which is far tighter than comparing two
separate intervals when the policies see the same customers.

Intervals respect what they measure. A share lies in [0, 1], a count, a time
or an amount of money is never negative, so its mean is too; a t interval
knows nothing of that and with few replications reaches past the edge
("96% (84% to 109%)"). Each metric may carry its feasible range and the
interval is intersected with it. Because the true mean always lies inside
that range, the intersection keeps every true mean the t interval covered:
the coverage is exactly the t interval's, and no reported bound is
impossible. (A t interval on a transformed scale, e.g. logit, would estimate
a different quantity — the mean of logits — and fails at shares of exactly
0 or 1, which are common here: a night with no emergencies answered.)

With fewer than ``ROUGH_BELOW`` replications the t quantile is large and the
standard deviation itself poorly known; such intervals are flagged ``rough``
so every surface can say so.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.special import stdtrit  # Student t quantile; far lighter to import than scipy.stats

ROUGH_BELOW = 5  # replications; an interval from fewer is marked rough
UNBOUNDED = (-np.inf, np.inf)

Range = tuple[float, float]


def t_interval(
    values, confidence: float = 0.95, feasible: Range = UNBOUNDED
) -> tuple[float, float, float, int]:
    """(mean, lower, upper, n) of a t interval within ``feasible``; NaNs (undefined replications) are left out.

    With a single replication the interval is unknown (NaN), not zero width;
    so is it when a value is infinite (the mean is then infinite too).
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return (np.nan, np.nan, np.nan, 0)
    if not np.isfinite(x).all():
        # e.g. a percentile of time-to-human that some replications never reach
        with np.errstate(invalid="ignore"):
            return (float(x.mean()), np.nan, np.nan, n)
    mean = float(x.mean())
    if n == 1:
        return (mean, np.nan, np.nan, 1)
    sd = float(x.std(ddof=1))
    half = float(stdtrit(n - 1, 0.5 + confidence / 2)) * sd / np.sqrt(n)
    low, high = feasible
    return (mean, max(mean - half, low), min(mean + half, high), n)


def t_intervals(
    frame: pd.DataFrame,
    by: str | list[str],
    confidence: float = 0.95,
    feasible: Mapping[str, Range] | None = None,
) -> pd.DataFrame:
    """``t_interval`` for every group and column at once, in long format.

    One row per group x column: the ``by`` keys, ``metric`` (the column),
    mean, ci_low, ci_high, n, rough — with ``t_interval``'s rules for NaN,
    infinite values and single replications. ``feasible`` maps a column to
    its range (columns not named are unbounded). Groups keep their order of
    appearance.
    """
    keys = [by] if isinstance(by, str) else list(by)
    values = frame.set_index(keys).astype(float)
    grouped = values.groupby(level=keys, sort=False)
    n = grouped.count()
    with np.errstate(invalid="ignore"):
        mean = grouped.mean()
        sd = grouped.std(ddof=1)
    infinite = np.isinf(values).groupby(level=keys, sort=False).any()
    n_arr = n.to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        quantile = stdtrit(np.maximum(n_arr - 1, 1), 0.5 + confidence / 2)
        half = np.where((n_arr >= 2) & ~infinite.to_numpy(), quantile * sd.to_numpy(dtype=float) / np.sqrt(n_arr), np.nan)
    ranges = [(feasible or {}).get(column, UNBOUNDED) for column in mean.columns]
    lows = np.array([r[0] for r in ranges], dtype=float)
    highs = np.array([r[1] for r in ranges], dtype=float)
    m = mean.to_numpy(dtype=float)
    # np.maximum/minimum would turn a NaN bound (unknown interval) into the range's edge; keep NaN.
    ci_low = np.where(np.isnan(half), np.nan, np.maximum(m - half, lows))
    ci_high = np.where(np.isnan(half), np.nan, np.minimum(m + half, highs))
    parts = {
        "mean": mean,
        "ci_low": pd.DataFrame(ci_low, index=mean.index, columns=mean.columns),
        "ci_high": pd.DataFrame(ci_high, index=mean.index, columns=mean.columns),
        "n": n,
    }
    out = pd.DataFrame({name: part.stack(future_stack=True) for name, part in parts.items()})
    out.index.names = [*keys, "metric"]
    out = out.reset_index()
    out["n"] = out["n"].astype(int)
    out["rough"] = out["n"] < ROUGH_BELOW
    return out
