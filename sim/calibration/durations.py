"""Fitting durations to the distributions the model supports, each fit with its evidence.

``fit_duration`` fits every candidate the model can sample (exponential,
lognormal, gamma, Weibull: ``sim.model.distributions``) by maximum
likelihood (``scipy.stats``, location fixed at 0), chooses the one with the
lowest AIC, and reports the goodness of fit: the Kolmogorov-Smirnov distance
of each candidate and the empirical quantiles against the chosen one's. A
chosen fit whose distance exceeds ``GOOD_FIT_KS`` is flagged: no candidate
describes the data (the bank's handle times have a spike of very short
calls); the model still gets the AIC-best candidate, whose mean matches the
data's, and the flag says where it is wrong.

``fit_patience`` estimates patience from queue waits, where only
abandonments are observed and the patience of a caller who was served, or
whose wait the centre ended (disconnected at closing, sent to a message),
is censored at its wait: a Kaplan-Meier curve and exponential, Weibull
and lognormal parametric fits (``lifelines``), chosen by AIC, with each parameter's 95%
confidence interval and the two survival curves side by side.

Durations are logged to the second: a recorded 0 is taken as half a
second, so that every candidate's likelihood is finite.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

GOOD_FIT_KS = 0.05  # largest Kolmogorov-Smirnov distance called a fit: 5 percentage points off anywhere
QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)
MIN_RESOLUTION_S = 0.5
MIN_SAMPLE = 30  # fewer observations than this: pooled with the other types (stated in the fit)


@dataclass
class DurationFit:
    """The chosen distribution (as scenario data), the candidates compared and the quantile check."""

    spec: dict  # e.g. {"dist": "lognormal", "mean": 180.2, "cv": 1.1}
    n: int
    candidates: pd.DataFrame  # dist, params, aic, ks_distance, chosen
    quantiles: pd.DataFrame  # quantile, empirical_s, fitted_s
    fits: bool  # the chosen candidate is within GOOD_FIT_KS
    note: str

    @property
    def dist(self) -> str:
        return self.spec["dist"]


def _spec(name: str, params: tuple) -> dict:
    if name == "exponential":
        return {"dist": "exponential", "mean": float(params[-1])}
    if name == "lognormal":
        s, _, scale = params
        cv = math.sqrt(math.expm1(s * s))
        return {"dist": "lognormal", "mean": float(scale * math.exp(s * s / 2)), "cv": float(cv)}
    if name == "gamma":
        a, _, scale = params
        return {"dist": "gamma", "mean": float(a * scale), "cv": float(1 / math.sqrt(a))}
    c, _, scale = params
    return {"dist": "weibull", "shape": float(c), "scale": float(scale)}


_SCIPY = {"exponential": stats.expon, "lognormal": stats.lognorm, "gamma": stats.gamma, "weibull": stats.weibull_min}
_PARAMS = {"exponential": 1, "lognormal": 2, "gamma": 2, "weibull": 2}


def _in_model_bounds(spec: dict) -> bool:
    cv = spec.get("cv")
    shape = spec.get("shape")
    return (cv is None or 1e-3 <= cv <= 20) and (shape is None or 0.1 <= shape <= 100)


def fit_duration(values, what: str) -> DurationFit:
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    x = np.maximum(x, MIN_RESOLUTION_S)
    rows, fitted = [], {}
    for name, dist in _SCIPY.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            params = dist.fit(x, floc=0)
        loglik = float(np.sum(dist.logpdf(x, *params)))
        ks = float(stats.kstest(x, dist.cdf, args=params).statistic)
        spec = _spec(name, params)
        ok = np.isfinite(loglik) and _in_model_bounds(spec)
        rows.append({"dist": name, "parameters": _describe(spec), "aic": 2 * _PARAMS[name] - 2 * loglik,
                     "ks_distance": ks, "usable": ok})
        fitted[name] = (dist, params, spec)
    table = pd.DataFrame(rows)
    usable = table[table["usable"]]
    best = usable.loc[usable["aic"].idxmin(), "dist"] if not usable.empty else "exponential"
    table["chosen"] = table["dist"] == best
    dist, params, spec = fitted[best]
    q = np.asarray(QUANTILES)
    quantiles = pd.DataFrame({"quantile": q, "empirical_s": np.quantile(x, q), "fitted_s": dist.ppf(q, *params)})
    ks = float(table.loc[table["chosen"], "ks_distance"].iloc[0])
    fits = ks <= GOOD_FIT_KS
    note = (f"{what}: {len(x):,} values; maximum likelihood (scipy.stats, location 0) over exponential, lognormal, "
            f"gamma and Weibull; {best} has the lowest AIC; Kolmogorov-Smirnov distance {ks:.3f}")
    if not fits:
        short = float(np.mean(x <= 10))
        note += (f" > {GOOD_FIT_KS}: no candidate fits well ({short:.1%} of values are 10 s or less); "
                 f"the {best} keeps the mean ({np.mean(x):.0f} s) and is wrong where the quantiles differ")
    return DurationFit(spec=spec, n=int(len(x)), candidates=table, quantiles=quantiles, fits=fits, note=note)


def _describe(spec: dict) -> str:
    return ", ".join(f"{k}={v:.4g}" for k, v in spec.items() if k != "dist")


@dataclass
class PatienceFit:
    spec: dict
    n_waited: int
    n_abandoned: int
    candidates: pd.DataFrame  # dist, parameters, aic, chosen, ci
    survival: pd.DataFrame  # time_s, kaplan_meier, km_lower, km_upper, fitted
    note: str


def fit_patience(wait_s, abandoned, what: str) -> PatienceFit:
    """Patience from queue waits: abandonments are events, every other wait censored (lifelines).

    ``abandoned`` marks the events; a wait that ended otherwise (answered, or ended by the centre) only says the
    caller's patience was longer.
    """
    from lifelines import ExponentialFitter, KaplanMeierFitter, LogNormalFitter, WeibullFitter

    t = np.maximum(np.asarray(wait_s, dtype=float), MIN_RESOLUTION_S)
    e = np.asarray(abandoned, dtype=bool)
    km = KaplanMeierFitter().fit(t, e)
    rows, models = [], {}
    for name, fitter in (("exponential", ExponentialFitter), ("weibull", WeibullFitter),
                         ("lognormal", LogNormalFitter)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                model = fitter().fit(t, e)
            except Exception as exc:  # lifelines raises its own convergence errors
                rows.append({"dist": name, "parameters": f"did not converge ({type(exc).__name__})",
                             "aic": np.inf, "usable": False, "ci": ""})
                continue
        spec = _patience_spec(name, model)
        summary = model.summary
        ci = "; ".join(f"{p} {row['coef']:.4g} ({row['coef lower 95%']:.4g}..{row['coef upper 95%']:.4g})"
                       for p, row in summary.iterrows())
        rows.append({"dist": name, "parameters": _describe(spec), "aic": float(model.AIC_),
                     "usable": _in_model_bounds(spec), "ci": ci})
        models[name] = (model, spec)
    table = pd.DataFrame(rows)
    usable = table[table["usable"]]
    best = usable.loc[usable["aic"].idxmin(), "dist"] if not usable.empty else "exponential"
    table["chosen"] = table["dist"] == best
    model, spec = models[best]
    grid = np.unique(np.quantile(t, np.linspace(0, 1, 41)))
    band = km.confidence_interval_survival_function_
    survival = pd.DataFrame({
        "time_s": grid,
        "kaplan_meier": km.survival_function_at_times(grid).to_numpy(),
        "km_lower": np.interp(grid, band.index.to_numpy(), band.iloc[:, 0].to_numpy()),
        "km_upper": np.interp(grid, band.index.to_numpy(), band.iloc[:, 1].to_numpy()),
        "fitted": model.survival_function_at_times(grid).to_numpy(),
    })
    # Compared where the risk set is large (up to the 95th percentile of waits): past it Kaplan-Meier
    # steps on a handful of calls and drops to 0 at the longest wait if that one abandoned.
    inside = survival["time_s"] <= np.quantile(t, 0.95)
    gap = float(np.max(np.abs(survival["kaplan_meier"] - survival["fitted"])[inside]))
    note = (f"{what}: {len(t):,} queued calls, {int(e.sum()):,} abandoned (events), the rest (answered, or ended by "
            f"the centre) censored at their wait; Kaplan-Meier and exponential/Weibull/lognormal fits (lifelines), "
            f"{best} has the lowest AIC; "
            f"largest gap to Kaplan-Meier up to the 95th percentile of waits {gap:.3f}")
    return PatienceFit(spec=spec, n_waited=int(len(t)), n_abandoned=int(e.sum()), candidates=table,
                       survival=survival, note=note)


def _patience_spec(name: str, model) -> dict:
    if name == "exponential":
        return {"dist": "exponential", "mean": float(model.lambda_)}  # lifelines' lambda_ is the mean
    if name == "weibull":
        return {"dist": "weibull", "shape": float(model.rho_), "scale": float(model.lambda_)}
    sigma = float(model.sigma_)
    mean = math.exp(float(model.mu_) + sigma * sigma / 2)
    return {"dist": "lognormal", "mean": mean, "cv": math.sqrt(math.expm1(sigma * sigma))}
