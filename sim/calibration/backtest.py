"""The backtest: does the fitted model reproduce the centre it was fitted to?

The fitted model is run over the log's own days with each day's observed
staffing (``fitted_scenario.log_horizon``), and the simulated calls are put
through the same measures as the log's, per weekday and hour over the kept
days (``hour_metrics``):

- ``offered``: calls that reached the agents' queue, per hour of arrival,
  summed over the kept days of that weekday (a month's count); a call the
  centre ended while it waited (disconnected at closing, a message) was
  offered, a call not admitted (busy tone, full queue, closed line) was not;
- ``abandonment``: share of the offered that hung up in the queue (a call
  the centre ended is not an abandonment);
- ``p_wait``: share of the offered that waited at least ``WAITED_S``
  (the log stamps to the second, so shorter waits read as none);
- ``asa_s``: mean wait of the answered;
- ``service_level``: share of the offered answered within the target.

Each replication is one possible month; the simulation's interval for a
cell is the 95% band of the replications' values (mean +- 1.96 sd), the
range within which the real month should fall if the model is right. A
cell *misses* when the log's value lies outside it. The verdict weighs each
cell's error by the log's offered calls in it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibration.arrivals import WEEKDAY_NAMES

WAITED_S = 1.0
METRICS = ("offered", "abandonment", "p_wait", "asa_s", "service_level")
MIN_OFFERED_CELL = 20  # hours with fewer offered calls in the log are shown but not judged


def hour_metrics(calls: pd.DataFrame, kept_days, target_s: float) -> pd.DataFrame:
    """weekday, hour and the five measures, from a table of calls (sim.calibration.calllog columns)."""
    c = calls[calls["day"].isin(kept_days) & calls["enqueue_s"].notna() & (calls["outcome"] != "not_admitted")]
    hour = ((c["arrival_s"] % 86400.0) // 3600).astype(int)
    answered = c["outcome"] == "answered"
    frame = pd.DataFrame({
        "weekday": c["weekday"].to_numpy(), "hour": hour.to_numpy(),
        "offered": 1, "abandoned": (c["outcome"] == "abandoned").to_numpy(),
        "waited": (c["wait_s"] >= WAITED_S).to_numpy(),
        "answered": answered.to_numpy(), "answered_wait_s": np.where(answered, c["wait_s"], 0.0),
        "in_target": (answered & (c["wait_s"] <= target_s)).to_numpy(),
    })
    g = frame.groupby(["weekday", "hour"]).sum()
    return pd.DataFrame({
        "offered": g["offered"],
        "abandonment": g["abandoned"] / g["offered"],
        "p_wait": g["waited"] / g["offered"],
        "asa_s": g["answered_wait_s"] / g["answered"].where(g["answered"] > 0),
        "service_level": g["in_target"] / g["offered"],
    }).reset_index()


@dataclass
class Backtest:
    table: pd.DataFrame  # weekday, hour, metric, observed, simulated, sim_low, sim_high, offered_observed, inside
    summary: pd.DataFrame  # metric, weighted_error, unit, cells, cells_inside
    verdict: str
    replications: int


def compare(observed: pd.DataFrame, simulated: list[pd.DataFrame], target_s: float) -> Backtest:
    sims = pd.concat([s.assign(replication=r) for r, s in enumerate(simulated)], ignore_index=True)
    keys = ["weekday", "hour"]
    cells = observed[keys].drop_duplicates()
    rows = []
    n = len(simulated)
    for metric in METRICS:
        wide = sims.pivot_table(index=keys, columns="replication", values=metric, aggfunc="first")
        wide = wide.reindex(columns=range(n))
        if metric == "offered":
            wide = wide.fillna(0.0)
        mean = wide.mean(axis=1)
        sd = wide.std(axis=1, ddof=1)
        sim = pd.DataFrame({"simulated": mean, "sim_low": mean - 1.96 * sd, "sim_high": mean + 1.96 * sd})
        base = observed.set_index(keys)
        obs = pd.DataFrame({"observed": base[metric], "offered_observed": base["offered"]})
        merged = cells.set_index(keys).join(obs).join(sim)
        merged["metric"] = metric
        rows.append(merged.reset_index())
    table = pd.concat(rows, ignore_index=True)
    low = table["sim_low"].clip(lower=0)
    table["sim_low"] = low
    if "service_level" in METRICS:
        rate = table["metric"].isin(["abandonment", "p_wait", "service_level"])
        table.loc[rate, "sim_high"] = table.loc[rate, "sim_high"].clip(upper=1)
    table["judged"] = table["offered_observed"] >= MIN_OFFERED_CELL
    table["inside"] = (table["observed"] >= table["sim_low"] - 1e-9) & (table["observed"] <= table["sim_high"] + 1e-9)
    table["weekday"] = table["weekday"].map(lambda w: WEEKDAY_NAMES[int(w)])
    summary, verdict = _verdict(table, target_s, n)
    return Backtest(table=table, summary=summary, verdict=verdict, replications=n)


_UNITS = {"offered": "% of the log's count", "abandonment": "percentage points", "p_wait": "percentage points",
          "asa_s": "seconds", "service_level": "percentage points"}


def _verdict(table: pd.DataFrame, target_s: float, n: int) -> tuple[pd.DataFrame, str]:
    rows, lines = [], []
    judged = table[table["judged"]]
    for metric in METRICS:
        t = judged[(judged["metric"] == metric) & judged["observed"].notna() & judged["simulated"].notna()]
        w = t["offered_observed"].to_numpy(float)
        diff = (t["simulated"] - t["observed"]).to_numpy(float)
        if metric == "offered":
            err = 100 * np.sum(np.abs(diff)) / np.sum(t["observed"]) if len(t) else np.nan
            bias = 100 * np.sum(diff) / np.sum(t["observed"]) if len(t) else np.nan
        else:
            scale = 1.0 if metric == "asa_s" else 100.0
            err = scale * np.average(np.abs(diff), weights=w) if len(t) else np.nan
            bias = scale * np.average(diff, weights=w) if len(t) else np.nan
        misses = t[~t["inside"]]
        rows.append({"metric": metric, "weighted_abs_error": err, "weighted_bias": bias, "unit": _UNITS[metric],
                     "cells": len(t), "cells_inside": int(t["inside"].sum()),
                     "missed_hours": ", ".join(f"{d} {h:02d}h" for d, h in zip(misses["weekday"], misses["hour"]))})
    summary = pd.DataFrame(rows)
    for r in summary.itertuples():
        lines.append(f"{r.metric}: weighted error {r.weighted_abs_error:.1f} {r.unit} (bias {r.weighted_bias:+.1f}), "
                     f"{r.cells_inside} of {r.cells} weekday-hours inside the simulation's 95% band.")
    worst = summary.loc[summary["cells"] > 0].assign(out=lambda s: s["cells"] - s["cells_inside"])
    verdict = (f"Backtest over the kept days, per weekday and hour with at least {MIN_OFFERED_CELL} offered calls "
               f"in the log, {n} replications, service level = answered within {target_s:g} s / offered. "
               + " ".join(lines))
    if not worst.empty and worst["out"].sum() > 0:
        verdict += (" Where it misses, likely reasons: the staffing is a lower bound read from who served calls "
                    "(agents on duty before their first or after their last call are invisible, so simulated waits run "
                    "long at the edges of the day), one "
                    "pool serves every type (real agents often have specialities), priority is strict (a centre may "
                    "give a head start instead), and patience beyond the longest observed waits is extrapolated.")
    return summary, verdict
