"""Confidence intervals across independent replications.

Each replication is one independent draw of the whole horizon, so a metric's
per-replication values are i.i.d. and Student's t gives an interval for its
mean. Policies are compared on common random numbers: the difference between
a policy and the baseline is taken *within* each replication and the interval
is built on those paired differences, which is far tighter than comparing two
separate intervals when the policies see the same customers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import stdtrit  # Student t quantile; far lighter to import than scipy.stats


def t_interval(values, confidence: float = 0.95) -> tuple[float, float, float, int]:
    """(mean, lower, upper, n) of a t interval; NaNs (undefined replications) are left out.

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
    return (mean, mean - half, mean + half, n)


def t_intervals(frame: pd.DataFrame, by: str | list[str], confidence: float = 0.95) -> pd.DataFrame:
    """``t_interval`` for every group and column at once, in long format.

    One row per group x column: the ``by`` keys, ``metric`` (the column),
    mean, ci_low, ci_high, n — with ``t_interval``'s rules for NaN, infinite
    values and single replications. Groups keep their order of appearance.
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
    m = mean.to_numpy(dtype=float)
    parts = {
        "mean": mean,
        "ci_low": pd.DataFrame(m - half, index=mean.index, columns=mean.columns),
        "ci_high": pd.DataFrame(m + half, index=mean.index, columns=mean.columns),
        "n": n,
    }
    out = pd.DataFrame({name: part.stack(future_stack=True) for name, part in parts.items()})
    out.index.names = [*keys, "metric"]
    out = out.reset_index()
    out["n"] = out["n"].astype(int)
    return out
