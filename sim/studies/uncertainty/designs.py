"""The points of an experiment's design.

Sampling designs come from SALib (Latin hypercube, Sobol/Saltelli, Morris),
so the points are exactly those its analysis methods expect; the two
deterministic designs are written out here:

- full factorial: every combination of every factor's levels (its own list,
  or ``grid_levels`` evenly spaced over its range);
- one at a time: the base point (every factor at its base), then each
  factor alone at its low and at its high value — the tornado's design.

A design is a table: one row per point, one column per factor path, in the
order SALib produced them (its analyses rely on that order).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from sim.studies.uncertainty.spec import Experiment, Factor

POINT = "point"


def salib_problem(experiment: Experiment) -> dict:
    """The factors as SALib describes a problem: names, bounds and distributions."""
    factors = experiment.spec.factors
    bounds, dists = [], []
    for f in factors:
        low, high = f.bounds
        if f.distribution == "triangular":
            peak = (experiment.base_value(f) - low) / (high - low)
            bounds.append([low, high, peak])
            dists.append("triang")
        else:
            bounds.append([low, high])
            dists.append("unif")
    return {"num_vars": len(factors), "names": [f.path for f in factors], "bounds": bounds, "dists": dists}


def design_points(experiment: Experiment) -> pd.DataFrame:
    """One row per point (index ``point``), one column per factor path."""
    spec = experiment.spec
    factors = spec.factors
    kind = spec.design.kind
    if kind == "full_factorial":
        grids = [_levels(f, spec.design.grid_levels) for f in factors]
        values = np.array(list(itertools.product(*grids)), dtype=float)
    elif kind == "one_at_a_time":
        base = np.array([experiment.base_value(f) for f in factors])
        rows = [base]
        for j, f in enumerate(factors):
            for value in f.bounds:
                row = base.copy()
                row[j] = value
                rows.append(row)
        values = np.array(rows)
    else:
        values = _salib_sample(experiment)
    for j, f in enumerate(factors):
        if f.integer:
            values[:, j] = np.round(values[:, j])
    frame = pd.DataFrame(values, columns=[f.path for f in factors])
    frame.index.name = POINT
    return frame


def _levels(factor: Factor, count: int) -> list[float]:
    if factor.levels is not None:
        return list(factor.levels)
    return list(np.linspace(factor.low, factor.high, count))


def _salib_sample(experiment: Experiment) -> np.ndarray:
    spec = experiment.spec
    problem = salib_problem(experiment)
    n, seed = spec.design.samples, spec.seed
    if spec.design.kind == "lhs":
        from SALib.sample import latin

        return latin.sample(problem, n, seed=seed)
    if spec.design.kind == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, n, calc_second_order=False, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, n, num_levels=spec.design.grid_levels, seed=seed)
