"""Erlang curves and the knee: the playground queue for a range of agent counts.

``erlang_sweep``: the playground queue for a range of agent counts N around
the one chosen (``sweep_servers``), each N a policy of one scenario
(``with_headcounts``) so that every N meets the same callers in a
replication (common random numbers). Closed form as lines; simulation as
means with 95% intervals.

``knee``: the number of agents N of the sweep at which one agent fewer costs
the most service level by the closed form:
``argmax_N [SL(N) - SL(N - 1)]`` over the N of the sweep whose N - 1 is in it
too. An Erlang C queue with N - 1 <= load has no steady state: its queue grows
without end, so in the long run every caller waits longer than any target;
its service level is taken as its limit, 0 (and P(wait) as 1). Beside the
closed form's step, the simulation's paired difference SL(N) - SL(N - 1)
with its 95% interval (the same callers meet N and N - 1 agents).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from sim.errors import InputProblems
from sim.files.scenario_io import build_scenario
from sim.model.scenario import Scenario
from sim.runs.guard import run_checked
from sim.runs.settings import RunSettings
from sim.runs.stats import t_interval
from sim.studies.classroom.playground import REPLICATIONS, SEED, classroom_scenario, formulas


SWEEP_METRICS = ("p_delay", "service_level", "abandonment")


def sweep_servers(load_erlangs: float, servers: int, below: int = 5, above: int = 3) -> list[int]:
    """Agent counts around ``servers``: ``below`` fewer to ``above`` more, never under 1."""
    return list(range(max(1, servers - below), servers + above + 1))


def with_headcounts(scenario: Scenario, counts: Sequence[int]) -> Scenario:
    """``scenario`` with one policy per agent count (ids ``n<N>``, the first the baseline), all else equal.

    The scenario must have one shift (the playground, the classroom presets,
    the exercises); each policy replaces its headcount.
    """
    if scenario.agents.tables or len(scenario.agents.shifts) != 1:
        raise InputProblems(["agents: an agent-count sweep needs a scenario with exactly one shift"],
                            scenario.name)
    data = scenario.model_dump(mode="json", exclude={"policies"})
    shift = data["agents"]["shifts"][0]
    data["policies"] = [
        {"id": f"n{n}", "label": f"{n} agents", "baseline": i == 0,
         "agents": {**data["agents"], "shifts": [{**shift, "headcount": int(n)}]}}
        for i, n in enumerate(counts)
    ]
    return build_scenario(data, source=scenario.name)


@dataclass
class Knee:
    servers: int  # N: going from N to N - 1 agents costs the most service level (closed form)
    formula_drop: float  # SL(N) - SL(N - 1), closed form (unstable Erlang C taken at its limit 0)
    simulated_drop: float  # the simulation's paired mean of SL(N) - SL(N - 1)
    ci_low: float
    ci_high: float
    n: int


@dataclass
class Sweep:
    inputs: dict
    model: str
    servers: list[int]
    table: pd.DataFrame  # servers, metric, formula, simulated, ci_low, ci_high, n
    knee: Knee | None
    load_erlangs: float


def erlang_sweep(
    arrivals_per_hour: float,
    mean_handle_s: float,
    servers: Sequence[int],
    mean_patience_s: float | None = None,
    target_s: float = 20.0,
    days: int = 1,
    settings: RunSettings | None = None,
) -> Sweep:
    """P(wait), service level and abandonment against N: closed form and simulation (common random numbers).

    ``settings``: replications and seed (unset: ``REPLICATIONS``, ``SEED``), workers, progress.
    """
    servers = sorted(set(int(n) for n in servers))
    if not servers:
        raise ValueError("servers: give at least one agent count")
    settings = (settings or RunSettings()).or_defaults(REPLICATIONS, SEED)
    replications, seed = settings.replications, settings.seed
    base = classroom_scenario(arrivals_per_hour, mean_handle_s, servers[0], mean_patience_s, target_s, days,
                              replications, seed)
    scenario = with_headcounts(base, servers)
    results, _ = run_checked(scenario, settings=settings, keep_incidents="none")
    per_rep = results.per_replication(quantiles=False)
    per_rep = per_rep[per_rep["contact_type"] == "calls"]
    lam = arrivals_per_hour / 3600.0
    rows = []
    for n in servers:
        closed = formulas(lam, mean_handle_s, mean_patience_s, n, target_s)
        mine = per_rep[per_rep["policy"] == f"n{n}"]
        for metric in SWEEP_METRICS:
            mean, lo, hi, count = t_interval(mine[metric], feasible=(0.0, 1.0))
            rows.append({"servers": n, "metric": metric, "formula": closed[metric], "simulated": mean,
                         "ci_low": lo, "ci_high": hi, "n": count})
    table = pd.DataFrame(rows)
    return Sweep(
        inputs={"arrivals_per_hour": arrivals_per_hour, "mean_handle_s": mean_handle_s,
                "mean_patience_s": mean_patience_s, "target_s": target_s, "days": days,
                "replications": replications, "seed": seed},
        model="Erlang C" if mean_patience_s is None else "Erlang A",
        servers=servers, table=table, knee=knee(table, per_rep), load_erlangs=lam * mean_handle_s,
    )


def knee(table: pd.DataFrame, per_replication: pd.DataFrame | None = None) -> Knee | None:
    """The N whose one agent fewer costs most service level by the closed form (module docstring)."""
    sl = table[table["metric"] == "service_level"].set_index("servers")["formula"]
    limit = sl.fillna(0.0)  # an unstable Erlang C queue: its long-run service level is 0
    steps = {n: float(limit[n] - limit[n - 1]) for n in limit.index if n - 1 in limit.index}
    if not steps:
        return None
    best = max(steps, key=lambda n: (steps[n], -n))
    mean = lo = hi = math.nan
    count = 0
    if per_replication is not None:
        pivot = per_replication.pivot_table(index="replication", columns="policy", values="service_level")
        if f"n{best}" in pivot and f"n{best - 1}" in pivot:
            mean, lo, hi, count = t_interval(pivot[f"n{best}"] - pivot[f"n{best - 1}"], feasible=(-1.0, 1.0))
    return Knee(servers=int(best), formula_drop=steps[best], simulated_drop=mean, ci_low=lo, ci_high=hi, n=count)
