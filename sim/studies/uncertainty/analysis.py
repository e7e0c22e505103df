"""What an experiment says: which factors move the verdict, and which ranges flip it.

For every policy and each headline figure — the net effect for society
(``net_saving``) and for the platform (``net_saving_platform``), both paired
against the baseline, and the share of emergencies reached within the
guarantee — ``analyse`` returns tidy tables (and writes them as CSV):

- ``points``: per point x policy x figure, the mean over replications with
  its t interval, and the factor values;
- ``tornado`` (one-at-a-time designs): each factor's low and high swing from
  the base point, paired replication by replication (the same incidents at
  both ends), with intervals, sorted by the size of the swing;
- ``loss_curve_share`` (one-at-a-time designs): how much of those swings
  the loss curve's factors make (their squared swings over all);
- ``morris`` (Morris designs): mu*, mu, sigma and mu*'s interval (SALib);
- ``sobol`` (Sobol designs): first-order and total indices with intervals
  (SALib, Saltelli's scheme);
- ``verdict``: per point and policy whether it saves society money and
  whether the guarantee holds, and ``verdict_boxes``: where the verdict
  flips. With two factors the grid itself is the map; with more, a
  classification tree (CART, the other standard scenario-discovery method
  beside PRIM) finds the box of factor ranges where the minority verdict
  lives, with its coverage and density.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.files.dictionary import data_dictionary
from sim.files.scenario_io import load_scenario
from sim.runs.stats import t_interval
from sim.studies.uncertainty.designs import salib_problem
from sim.studies.uncertainty.spec import ExperimentError, parse_experiment
from sim.studies.uncertainty.store import read_design, read_record, read_runs

FIGURES = ("net_saving", "net_saving_platform", "share_within_guarantee")
PAIRED_FIGURES = ("net_saving", "net_saving_platform")


def analyse(folder: str | Path, write: bool = True) -> dict[str, pd.DataFrame]:
    folder = Path(folder)
    record = read_record(folder)
    # The base scenario as it was validated when the experiment ran: its own file may have moved or changed since.
    experiment = parse_experiment((folder / "experiment.yaml").read_text(encoding="utf-8"), folder,
                                  str(folder / "experiment.yaml"), scenario=load_scenario(folder / "scenario.yaml"))
    design = read_design(folder)
    runs = read_runs(folder)
    if runs.empty:
        raise ExperimentError([f"{folder}: no finished runs yet"])
    baseline = record["baseline"]
    guarantee_share = experiment.scenario.guarantee_share
    figures = _figures(runs, baseline)
    tables: dict[str, pd.DataFrame] = {"points": point_means(runs, design, figures)}
    kind = experiment.spec.design.kind
    problem = salib_problem(experiment)
    if kind == "one_at_a_time":
        tables["tornado"] = tornado(runs, design, experiment, figures)
        tables["loss_curve_share"] = loss_curve_share(tables["tornado"])
    if kind == "morris":
        tables["morris"] = _per_policy(tables["points"], design, figures,
                                       lambda x, y: morris_indices(problem, x, y, experiment.spec.design.grid_levels))
    if kind == "sobol":
        tables["sobol"] = _per_policy(tables["points"], design, figures, lambda x, y: sobol_indices(problem, y))
    tables["verdict"], tables["verdict_boxes"] = verdict_map(tables["points"], design, guarantee_share)
    if write:
        out = folder / "analysis"
        out.mkdir(exist_ok=True)
        for name, table in tables.items():
            table.to_csv(out / f"{name}.csv", index=False)
        # every column described, as in every other folder a command writes
        data_dictionary(tables, experiment.scenario.economics.currency).to_csv(out / "data_dictionary.csv",
                                                                               index=False)
    return tables


def _figures(runs: pd.DataFrame, baseline: str) -> list[tuple[str, str]]:
    """(policy, figure) pairs that mean something: paired figures for non-baseline policies only."""
    out = []
    for policy in runs["policy"].unique():
        for figure in FIGURES:
            if figure in PAIRED_FIGURES and policy == baseline:
                continue
            if runs.loc[runs["policy"] == policy, figure].notna().any():
                out.append((policy, figure))
    return out


def point_means(runs: pd.DataFrame, design: pd.DataFrame, figures) -> pd.DataFrame:
    rows = []
    for (point, policy), group in runs.groupby(["point", "policy"], sort=True):
        for figure in (f for p, f in figures if p == policy):
            mean, low, high, n = t_interval(group[figure], feasible=_range(figure))
            rows.append({"point": point, "policy": policy, "figure": figure, "mean": mean, "ci_low": low,
                         "ci_high": high, "n": n})
    out = pd.DataFrame(rows)
    return out.merge(design.reset_index(), on="point", how="left")


def tornado(runs: pd.DataFrame, design: pd.DataFrame, experiment, figures) -> pd.DataFrame:
    """One-at-a-time swings: point 0 is the base, points 2j+1 and 2j+2 move factor j to its low and high."""
    indexed = runs.set_index(["point", "policy", "replication"]).sort_index()
    rows = []
    for j, factor in enumerate(experiment.spec.factors):
        low_point, high_point = 2 * j + 1, 2 * j + 2
        for policy, figure in figures:
            base = indexed.loc[(0, policy), figure]
            low = indexed.loc[(low_point, policy), figure]
            high = indexed.loc[(high_point, policy), figure]
            d_low = t_interval((low - base).dropna())
            d_high = t_interval((high - base).dropna())
            rows.append({
                "policy": policy, "figure": figure, "factor": factor.path,
                "low_value": design.loc[low_point, factor.path], "high_value": design.loc[high_point, factor.path],
                "base_mean": float(base.mean()),
                "low_change": d_low[0], "low_ci_low": d_low[1], "low_ci_high": d_low[2],
                "high_change": d_high[0], "high_ci_low": d_high[1], "high_ci_high": d_high[2],
                "swing": d_high[0] - d_low[0],
            })
    out = pd.DataFrame(rows)
    out["order"] = out["swing"].abs()
    out = out.sort_values(["policy", "figure", "order"], ascending=[True, True, False]).drop(columns="order")
    return out.reset_index(drop=True)


def is_loss_curve_factor(path: str) -> bool:
    """Whether a factor moves a loss curve: a named curve's band position, a half-life, or a curve's points."""
    return path.startswith("loss_curve_bands.") or path.endswith(".loss.half_life_min") or ".loss.curve" in path


def loss_curve_share(tornado_table: pd.DataFrame) -> pd.DataFrame:
    """Per policy and figure, how much of the one-at-a-time swings is the loss curve's.

    ``share`` is the loss-curve factors' squared swings over all factors'
    squared swings: for effects that add up (what a one-at-a-time design
    assumes), the share of the figure's variance across the ranges explored
    that the loss curve explains. ``swing`` is the largest loss-curve swing.
    """
    rows = []
    for (policy, figure), part in tornado_table.groupby(["policy", "figure"], sort=False):
        curve = part["factor"].map(is_loss_curve_factor)
        squares = part["swing"].astype(float) ** 2
        total = float(squares.sum())
        rows.append({
            "policy": policy, "figure": figure,
            "loss_curve_factors": int(curve.sum()),
            "swing": float(part.loc[curve, "swing"].abs().max()) if curve.any() else 0.0,
            "share": float(squares[curve].sum() / total) if total > 0 else float("nan"),
        })
    return pd.DataFrame(rows, columns=["policy", "figure", "loss_curve_factors", "swing", "share"])


def sobol_indices(problem: dict, y: np.ndarray) -> pd.DataFrame:
    """First-order and total Sobol indices of ``y`` over Saltelli's points (SALib), one row per factor."""
    from SALib.analyze import sobol

    result = sobol.analyze(problem, np.asarray(y, dtype=float), calc_second_order=False, seed=1)
    return pd.DataFrame({
        "factor": problem["names"], "S1": result["S1"], "S1_conf": result["S1_conf"],
        "ST": result["ST"], "ST_conf": result["ST_conf"],
    })


def morris_indices(problem: dict, x: np.ndarray, y: np.ndarray, levels: int) -> pd.DataFrame:
    """Morris elementary effects of ``y`` (SALib): mu*, mu, sigma and mu*'s interval, one row per factor."""
    from SALib.analyze import morris

    result = morris.analyze(problem, np.asarray(x, dtype=float), np.asarray(y, dtype=float), num_levels=levels,
                            seed=1)
    return pd.DataFrame({
        "factor": problem["names"], "mu_star": result["mu_star"], "mu": result["mu"],
        "sigma": result["sigma"], "mu_star_conf": result["mu_star_conf"],
    })


def _per_policy(points: pd.DataFrame, design: pd.DataFrame, figures, compute) -> pd.DataFrame:
    frames = []
    for policy, figure in figures:
        mine = points[(points["policy"] == policy) & (points["figure"] == figure)].set_index("point")
        mine = mine.reindex(design.index)
        if mine["mean"].isna().any():
            continue  # the experiment has not finished every point yet
        table = compute(design.to_numpy(dtype=float), mine["mean"].to_numpy())
        frames.append(table.assign(policy=policy, figure=figure))
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    return out[["policy", "figure", *[c for c in out.columns if c not in ("policy", "figure")]]]


def verdict_map(points: pd.DataFrame, design: pd.DataFrame, guarantee_share: float):
    """Per point x policy: does it save society money, does the guarantee hold; and where that flips."""
    wide = points.pivot_table(index=["point", "policy"], columns="figure", values="mean").reset_index()
    wide = wide.merge(design.reset_index(), on="point", how="left")
    # Nullable booleans: the baseline has no net effect against itself, a scenario without emergencies no guarantee.
    if "net_saving" in wide:
        wide["saves_money"] = (wide["net_saving"] > 0).astype("boolean").mask(wide["net_saving"].isna())
    if "share_within_guarantee" in wide:
        holds = wide["share_within_guarantee"] >= guarantee_share
        wide["guarantee_holds"] = holds.astype("boolean").mask(wide["share_within_guarantee"].isna())
    boxes = []
    factors = list(design.columns)
    for policy, group in wide.groupby("policy", sort=False):
        for verdict in ("saves_money", "guarantee_holds"):
            if verdict not in group or group[verdict].isna().all():
                continue
            known = group[verdict].notna()
            y = group.loc[known, verdict].to_numpy(dtype=bool)
            boxes.extend(_flip_box(policy, verdict, group.loc[known, factors], y))
    return wide, pd.DataFrame(boxes, columns=["policy", "verdict", "value", "where", "factor", "low", "high",
                                              "coverage", "density", "points"])


def _flip_box(policy: str, verdict: str, x: pd.DataFrame, y: np.ndarray) -> list[dict]:
    """The factor ranges where the minority verdict lives, or one row saying it never flips."""
    share = y.mean()
    if share in (0.0, 1.0):
        return [{"policy": policy, "verdict": verdict, "value": bool(share),
                 "where": f"never flips: {verdict} is {bool(share)} at every point", "factor": None, "low": np.nan, "high": np.nan, "coverage": np.nan, "density": np.nan,
                 "points": int(y.size)}]
    minority = ~y if share > 0.5 else y
    value = not (share > 0.5)  # the minority's verdict, which the box locates
    label = f"{verdict} is {value}"
    if x.shape[1] <= 2:
        # Two factors: the grid itself is the map; state the hull of the minority points.
        rows = []
        for factor in x.columns:
            values = x.loc[minority, factor]
            rows.append({"policy": policy, "verdict": verdict, "value": value, "where": label, "factor": factor,
                         "low": float(values.min()), "high": float(values.max()), "coverage": 1.0,
                         "density": float(minority[(x[factor] >= values.min()) & (x[factor] <= values.max())].mean()),
                         "points": int(minority.sum())})
        return rows
    return [dict(row, value=value) for row in _cart_box(policy, verdict, label, x, minority)]


def _cart_box(policy: str, verdict: str, label: str, x: pd.DataFrame, minority: np.ndarray) -> list[dict]:
    """Scenario discovery with a classification tree (CART, scikit-learn), as Lempert, Bryant & Bankes (2008).

    The tree splits the factor space into boxes; the leaf densest in minority
    points (breaking ties by how many it holds) is the box reported, its
    limits read off the splits on the way to it. CART and PRIM are the two
    standard scenario-discovery methods; the tree needs no tuning beyond its
    depth and is in a permissively licensed, well-kept library.
    """
    from sklearn.tree import DecisionTreeClassifier

    n = len(minority)
    tree = DecisionTreeClassifier(max_depth=3, min_samples_leaf=max(2, n // 20), random_state=0)
    tree.fit(x.to_numpy(dtype=float), minority)
    leaves = tree.apply(x.to_numpy(dtype=float))
    best, best_key = None, (-1.0, -1)
    for leaf in np.unique(leaves):
        inside = leaves == leaf
        key = (float(minority[inside].mean()), int(minority[inside].sum()))
        if key > best_key:
            best, best_key = leaf, key
    inside = leaves == best
    limits = {factor: [float(x[factor].min()), float(x[factor].max())] for factor in x.columns}
    t = tree.tree_
    parent_of = {int(child): (parent, child == t.children_left[parent])
                 for parent in range(t.node_count)
                 for child in (t.children_left[parent], t.children_right[parent]) if child >= 0}
    node = int(best)
    while node in parent_of:  # from the leaf up to the root, narrowing the box at every split
        parent, went_left = parent_of[node]
        factor, threshold = x.columns[t.feature[parent]], float(t.threshold[parent])
        if went_left:
            limits[factor][1] = min(limits[factor][1], threshold)
        else:
            limits[factor][0] = max(limits[factor][0], threshold)
        node = parent
    coverage = float(minority[inside].sum() / minority.sum())
    density = float(minority[inside].mean())
    return [
        {"policy": policy, "verdict": verdict, "where": label, "factor": factor, "low": low, "high": high,
         "coverage": coverage, "density": density, "points": int(minority.sum())}
        for factor, (low, high) in limits.items()
        if low > x[factor].min() or high < x[factor].max()  # only the factors the box restricts
    ]


def _range(figure: str):
    return (0.0, 1.0) if figure == "share_within_guarantee" else (-np.inf, np.inf)
