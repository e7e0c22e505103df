"""The playground queue: one queue beside its formulas.

``classroom_scenario`` builds it: one contact type, Poisson arrivals at a
flat rate, exponential handle time, ``servers`` agents all day, no bot, no
redials. Without patience it is M/M/c (Erlang C); with an exponential
patience M/M/c+M (Erlang A). ``formulas_vs_simulation`` puts the
simulation's means and 95% intervals beside the closed forms (``formulas``);
``queue_of`` reads such a queue back from a scenario file. Where no run
settings are given, the playground runs ``REPLICATIONS`` days from ``SEED``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from sim.analytic.erlang import ErlangInputError, erlang_a_metrics, erlang_c_metrics
from sim.files.scenario_io import build_scenario
from sim.model.scenario import Scenario
from sim.runs.guard import run_checked
from sim.runs.settings import RunSettings


# The playground's own run settings where none are given: a quick, seeded classroom run.
REPLICATIONS, SEED = 5, 1


def classroom_scenario(
    arrivals_per_hour: float,
    mean_handle_s: float,
    servers: int,
    mean_patience_s: float | None,
    target_s: float,
    days: int = 1,
    replications: int = 5,
    seed: int = 1,
    emergency: bool = False,
) -> Scenario:
    """One queue, Poisson arrivals at a flat rate, exponential handle time, ``servers`` agents all day.

    ``mean_patience_s`` None means nobody hangs up (M/M/c); the patience is then
    far longer than any wait (30 days), as in the classroom presets.
    ``emergency`` marks the type as an emergency with the guarantee equal to
    the target, so the guarantee share is the service level (``replications_demo``).
    """
    patience = (
        {"dist": "exponential", "mean": mean_patience_s}
        if mean_patience_s is not None
        else {"dist": "deterministic", "value": 30 * 86400}
    )
    data = {
        "name": "Classroom playground",
        "days": days,
        "interval_min": 60,
        "warmup_h": 1.0,  # skip the empty-system start
        "contact_types": [
            {
                "id": "calls",
                "label": "Calls",
                "emergency": emergency,
                "target_s": target_s,
                "volume": {"per_day": arrivals_per_hour * 24},
                "handle_time_s": {"dist": "exponential", "mean": mean_handle_s},
                "patience_s": patience,
            }
        ],
        "agents": {
            "shifts": [{"id": "agents", "start": "00:00", "length_h": 24, "headcount": servers, "cost_per_hour": 0}]
        },
        "replications": replications,
        "seed": seed,
    }
    if emergency:
        data["guarantee_s"] = target_s
    return build_scenario(data, source="classroom")


def queue_of(scenario: Scenario) -> dict:
    """The playground's parameters read from a one-queue scenario (a classroom preset or an exercise).

    ``mean_patience_s`` is None for callers who never hang up (a fixed patience
    of a day or more, as the presets write it); ``markov`` says whether the
    Erlang formulas describe the queue (exponential handle time and patience).
    """
    ct = scenario.contact_types[0]
    patience = ct.patience_s
    never = patience.dist == "deterministic" and patience.expectation() >= 86400
    out = {
        "mean_handle_s": ct.handle_time_s.expectation(),
        "servers": int(sum(s.headcount for s in scenario.agents.shifts)),
        "target_s": ct.target_s,
        "mean_patience_s": None if never else patience.expectation(),
        "markov": ct.handle_time_s.dist == "exponential" and (never or patience.dist == "exponential"),
    }
    if ct.volume.per_day is not None:
        out["arrivals_per_hour"] = ct.volume.per_day / 24
    return out


def formulas(arrival_rate_per_s: float, mean_handle_s: float, mean_patience_s: float | None, servers: int,
             target_s: float) -> dict[str, float]:
    """Closed-form p_delay, service_level, abandonment, asa_s, mean_wait_s, occupancy of the playground queue.

    Erlang C without patience (all NaN when load >= servers: no steady state),
    Erlang A with it. Probabilities are over all arrivals, as the simulation's.
    """
    if mean_patience_s is None:
        if arrival_rate_per_s * mean_handle_s >= servers:
            return dict.fromkeys(("p_delay", "service_level", "abandonment", "asa_s", "mean_wait_s", "occupancy"),
                                 math.nan)
        c = erlang_c_metrics(arrival_rate_per_s, mean_handle_s, servers, target_s)
        return {"p_delay": c.p_wait, "service_level": c.service_level, "abandonment": 0.0, "asa_s": c.asa_s,
                "mean_wait_s": c.asa_s, "occupancy": c.occupancy}
    a = erlang_a_metrics(arrival_rate_per_s, mean_handle_s, mean_patience_s, servers, target_s)
    return {"p_delay": a.p_wait, "service_level": a.answered_within_target, "abandonment": a.p_abandon,
            "asa_s": a.mean_wait_answered_s, "mean_wait_s": a.mean_wait_s, "occupancy": a.occupancy}


@dataclass
class Classroom:
    """An M/M/c (or M/M/c+M) run beside the Erlang C (or A) formulas."""

    inputs: dict
    table: pd.DataFrame  # metric, label, simulated, ci_low, ci_high, formula
    model: str  # "Erlang C" or "Erlang A"
    load_erlangs: float
    stable: bool
    note: str


def formulas_vs_simulation(
    arrivals_per_hour: float,
    mean_handle_s: float,
    servers: int,
    mean_patience_s: float | None = None,
    target_s: float = 20.0,
    days: int = 1,
    settings: RunSettings | None = None,
) -> Classroom:
    """The playground queue simulated as ``settings`` say (unset: ``REPLICATIONS``, ``SEED``) beside its formulas."""
    settings = (settings or RunSettings()).or_defaults(REPLICATIONS, SEED)
    replications, seed = settings.replications, settings.seed
    scenario = classroom_scenario(
        arrivals_per_hour, mean_handle_s, servers, mean_patience_s, target_s, days, replications, seed
    )
    lam = arrivals_per_hour / 3600.0
    load = lam * mean_handle_s
    results, _ = run_checked(scenario, settings=settings)
    summary = results.summary()

    def simulated(metric: str) -> tuple[float, float, float]:
        scope = "all" if metric == "occupancy" else "calls"  # occupancy is the agents', on 'all' rows
        row = summary[(summary.contact_type == scope) & (summary.metric == metric)].iloc[0]
        return float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])

    note = ""
    stable = True
    formula: dict[str, float] = {}
    if mean_patience_s is None:
        model = "Erlang C"
        stable = load < servers
        if stable:
            formula = formulas(lam, mean_handle_s, None, servers, target_s)
        else:
            note = (f"The load ({load:.1f} Erlangs) is not below the number of agents ({servers}): "
                    "with nobody hanging up the queue grows without limit, so Erlang C has no answer. "
                    "The simulation shows what one finite day looks like.")
        spec = [("p_delay", "P(wait > 0)"), ("asa_s", "Mean wait, s (ASA)"),
                ("service_level", f"Answered within {target_s:g} s"), ("occupancy", "Agent occupancy")]
    else:
        model = "Erlang A"
        try:
            formula = formulas(lam, mean_handle_s, mean_patience_s, servers, target_s)
        except ErlangInputError as exc:  # pragma: no cover - inputs are validated by the widgets
            note = str(exc)
        spec = [("p_delay", "P(wait > 0)"), ("abandonment", "P(abandon)"),
                ("mean_wait_s", "Mean wait of all callers, s"),
                ("service_level", f"Answered within {target_s:g} s"), ("occupancy", "Agent occupancy")]
    rows = []
    for metric, label in spec:
        mean, lo, hi = simulated(metric)
        rows.append({"metric": metric, "label": label, "simulated": mean, "ci_low": lo, "ci_high": hi,
                     "formula": formula.get(metric, math.nan)})
    return Classroom(
        inputs={"arrivals_per_hour": arrivals_per_hour, "mean_handle_s": mean_handle_s, "servers": servers,
                "mean_patience_s": mean_patience_s, "target_s": target_s, "days": days,
                "replications": replications, "seed": seed},
        table=pd.DataFrame(rows), model=model, load_erlangs=load, stable=stable, note=note,
    )
