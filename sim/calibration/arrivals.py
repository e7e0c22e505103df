"""Arrivals from a call log: expected first attempts per contact type, weekday and interval, and busyness.

The model's arrivals (``sim.model.arrivals``) are Poisson given a daily gamma
busyness factor with mean 1 that multiplies every type's rate. So:

- **Days that do not fit** are found first, on the days' totals: a day
  whose total is under ``LOW_DAY`` or over ``HIGH_DAY`` times the median of
  the same weekday's days (a holiday, a short day, an outage) is flagged and
  left out of every fit, not averaged in. A weekday with fewer than two days
  in the log has no median to compare with and is kept.
- **Busyness** is estimated from the kept days' totals with the weekday
  pattern taken out: a negative binomial (NB2) regression of the daily
  totals on the weekday (``statsmodels``), whose dispersion ``alpha`` is
  exactly the squared cv of a gamma factor on a Poisson mean; its 95%
  confidence interval comes with it. A dispersion indistinguishable from 0
  gives plain Poisson days.
- **The expected count** of a type in an interval of a weekday is the mean
  over the kept days of that weekday of the calls that arrived then,
  multiplied by the type's share of first attempts (``sim.calibration.redials``):
  redials and returns are made by the model, so they are not arrivals.

The evidence table puts each weekday-interval's observed mean and standard
deviation over days next to the fitted mean and the standard deviation the
model implies (Poisson plus busyness).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

LOW_DAY, HIGH_DAY = 0.5, 1.5
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class DayCheck:
    days: pd.DataFrame  # day, date, weekday, calls, weekday_median, ratio, kept, reason
    rule: str

    @property
    def kept(self) -> np.ndarray:
        return self.days.loc[self.days["kept"], "day"].to_numpy()


def check_days(calls: pd.DataFrame, n_days: int, start_date) -> DayCheck:
    totals = calls.groupby("day").size().reindex(range(n_days), fill_value=0)
    weekday = (np.arange(n_days) + start_date.weekday()) % 7
    table = pd.DataFrame({"day": np.arange(n_days), "date": pd.date_range(start_date, periods=n_days).date,
                          "weekday": [WEEKDAY_NAMES[w] for w in weekday], "calls": totals.to_numpy()})
    table["weekday_median"] = table.groupby("weekday")["calls"].transform("median")
    table["ratio"] = table["calls"] / table["weekday_median"].where(table["weekday_median"] > 0)
    counts = table.groupby("weekday")["calls"].transform("size")
    low = (table["ratio"] < LOW_DAY) & (counts >= 2)
    high = (table["ratio"] > HIGH_DAY) & (counts >= 2)
    table["kept"] = ~(low | high)
    table["reason"] = np.where(low, f"under {LOW_DAY:g} x its weekday's median",
                               np.where(high, f"over {HIGH_DAY:g} x its weekday's median", ""))
    rule = (f"a day whose total is under {LOW_DAY:g} or over {HIGH_DAY:g} times the median of the same weekday's "
            "days is left out of every fit (a holiday, a short day, an outage)")
    return DayCheck(days=table, rule=rule)


@dataclass
class Busyness:
    cv: float
    ci: tuple[float, float]
    alpha: float
    table: pd.DataFrame  # day, weekday, calls, expected, ratio
    note: str


def fit_busyness(day_check: DayCheck) -> Busyness:
    """The gamma busyness cv from the kept days' totals, weekday pattern taken out (NB2, statsmodels)."""
    from statsmodels.discrete.discrete_model import NegativeBinomial

    days = day_check.days[day_check.days["kept"] & (day_check.days["calls"] > 0)].copy()
    exog = pd.get_dummies(days["weekday"], dtype=float)
    note_extra = ""
    alpha, lo, hi = 0.0, 0.0, 0.0
    if len(days) > exog.shape[1] + 1:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                model = NegativeBinomial(days["calls"].to_numpy(float), exog.to_numpy(), loglike_method="nb2")
                # Started from the weekday means and a small dispersion: from statsmodels' default start
                # Newton's method wanders off on a handful of large counts.
                means = days.groupby("weekday")["calls"].mean()[exog.columns].to_numpy()
                result = model.fit(start_params=np.r_[np.log(means), 0.01], method="bfgs", maxiter=500, disp=0)
                ci = result.conf_int()[-1]
                if not (result.mle_retvals.get("converged") and np.all(np.isfinite(ci))):
                    raise RuntimeError("no convergence")
                alpha = float(result.params[-1])
                lo, hi = float(max(ci[0], 0.0)), float(max(ci[1], 0.0))
                days["expected"] = result.predict()
            except Exception as exc:  # statsmodels' convergence failures
                note_extra = f" (the regression did not converge: {type(exc).__name__}; plain Poisson days)"
                alpha = 0.0
        if "expected" not in days:
            days["expected"] = days.groupby("weekday")["calls"].transform("mean")
    else:
        note_extra = " (too few days to separate busyness from the weekday pattern; plain Poisson days)"
        days["expected"] = days.groupby("weekday")["calls"].transform("mean")
    alpha = max(alpha, 0.0)
    cv = float(np.sqrt(alpha))
    if cv < 1e-3:
        cv = 0.0
    days["ratio"] = days["calls"] / days["expected"]
    note = (f"busyness_cv: negative binomial (NB2) regression of {len(days)} kept days' totals on the weekday "
            f"(statsmodels); alpha = cv^2 = {alpha:.4g} (95% CI {lo:.4g}..{hi:.4g}), cv {cv:.3f} "
            f"(95% CI {np.sqrt(lo):.3f}..{np.sqrt(hi):.3f}){note_extra}")
    return Busyness(cv=cv, ci=(float(np.sqrt(lo)), float(np.sqrt(hi))), alpha=alpha,
                    table=days[["day", "date", "weekday", "calls", "expected", "ratio"]], note=note)


@dataclass
class ArrivalFit:
    expected: dict[str, np.ndarray]  # type id -> 7 x intervals_per_day expected first attempts (mon..sun)
    table: pd.DataFrame  # the evidence, one row per type, weekday and interval (columns in fit_arrivals)
    notes: dict[str, str]


def fit_arrivals(calls: pd.DataFrame, day_check: DayCheck, start_weekday: int, interval_min: int,
                 first_share: dict[str, float], busyness_cv: float) -> ArrivalFit:
    per_day = 1440 // interval_min
    kept = day_check.days[day_check.days["kept"]]
    kept_days = kept["day"].to_numpy()
    kept_weekday = ((kept_days + start_weekday) % 7)
    c = calls[calls["day"].isin(kept_days)]
    slot = ((c["arrival_s"] % 86400.0) // (interval_min * 60)).astype(int).clip(0, per_day - 1)
    grid = np.zeros((len(first_share), len(kept_days), per_day))
    day_index = {d: n for n, d in enumerate(kept_days)}
    type_ids = list(first_share)
    type_index = {t: n for n, t in enumerate(type_ids)}
    np.add.at(grid, (c["type_id"].map(type_index).to_numpy(), c["day"].map(day_index).to_numpy(), slot.to_numpy()), 1)
    expected, rows, notes = {}, [], {}
    for k, tid in enumerate(type_ids):
        week = np.zeros((7, per_day))
        for w in range(7):
            mine = grid[k, kept_weekday == w]
            if mine.shape[0] == 0:
                continue
            mean = mine.mean(axis=0)
            sd = mine.std(axis=0, ddof=1) if mine.shape[0] > 1 else np.full(per_day, np.nan)
            fitted = mean * first_share[tid]
            week[w] = fitted
            # What the model implies for all calls in the interval over days: Poisson plus the day's busyness.
            model_sd = np.sqrt(mean + (busyness_cv * mean) ** 2)
            for i in range(per_day):
                rows.append((tid, WEEKDAY_NAMES[w], i, f"{i * interval_min // 60:02d}:{i * interval_min % 60:02d}",
                             mine.shape[0], mean[i], sd[i], fitted[i], model_sd[i]))
        expected[tid] = week
        n_days = {WEEKDAY_NAMES[w]: int(np.sum(kept_weekday == w)) for w in range(7)}
        notes[tid] = (f"volume.table: mean calls per {interval_min}-minute interval over the kept days of each weekday "
                      f"({', '.join(f'{d} {n}' for d, n in n_days.items())}), times the share of first attempts "
                      f"{first_share[tid]:.3f} (redials and returns are made by the model)")
    table = pd.DataFrame(rows, columns=["contact_type", "weekday", "interval", "start", "days", "observed_mean",
                                        "observed_sd", "fitted_first_attempts", "model_sd_all_calls"])
    return ArrivalFit(expected=expected, table=table, notes=notes)
