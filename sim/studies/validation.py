"""The model's validation record: published queueing cases against a short simulation, computed on demand.

A reader who doubts the simulation can check it where the answer is known.
``validation_record`` simulates the published Erlang C (M/M/N) and Erlang A
(M/M/N+M) cases of docs/reference/erlang_cases.md — one stationary day, the
first hour left out as warm-up, a 24-hour shift so there are no hand-overs —
and sets each simulated figure (mean over replications with its 95% t
interval) beside the published value and the value of humanline's own
formulas (``sim.analytic.erlang``). It runs when it is asked for (the
evidence report builds it every time), so the record describes the code that
produced the report, not a run from some earlier version.

A figure *agrees* when the published value lies within ``Z`` standard errors
of the simulated mean, the tolerance of tests/test_validation_erlang.py: for
a correct model a false alarm is about 1 in 16,000 per figure, while a model
a few percent off fails once replications are many. With the report's few
replications the check is coarse; the test suite runs the same cases at 30
replications.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analytic.erlang import erlang_a_metrics, erlang_c_metrics
from sim.model.scenario import Scenario
from sim.runs.runner import run
from sim.runs.settings import RunSettings
from sim.runs.stats import t_interval

Z = 4.0  # standard errors: see the module docstring


@dataclass(frozen=True)
class Case:
    """A published case: its inputs and the published values (docs/reference/erlang_cases.md)."""

    case: str
    model: str  # "Erlang C" or "Erlang A"
    calls_per_day: float
    aht_s: float
    servers: int
    mean_patience_s: float | None
    published: dict[str, float]  # metric -> value
    source: str


CASES: tuple[Case, ...] = (
    Case("C1", "Erlang C", 4800, 180, 14, None,
         {"p_delay": 0.17413, "asa_s": 7.84, "service_level": 0.8884, "occupancy": 10 / 14},
         "100 calls per 30 min, AHT 180 s, 14 agents (A = 10 Erlangs)"),
    Case("A1", "Erlang A", 4800, 180, 14, 300.0,
         {"p_delay": 0.14526, "abandonment": 0.013984, "mean_wait_s": 4.195, "service_level": 0.916792,
          "occupancy": 0.704297},
         "100 calls per 30 min, AHT 180 s, mean patience 5 min, 14 agents; Mandelbaum & Zeltyn (2005)"),
)
LABELS = {
    "p_delay": ("P(wait > 0)", "share"),
    "asa_s": ("mean wait (ASA)", "seconds"),
    "abandonment": ("P(abandon)", "share"),
    "mean_wait_s": ("mean wait, all callers", "seconds"),
    "service_level": ("answered within 20 s", "share"),
    "occupancy": ("agent occupancy", "share"),
}


def case_scenario(case: Case, replications: int, seed: int) -> Scenario:
    """One stationary day of ``case``: exponential handle times, one 24-hour shift, nobody redials."""
    patience = ({"dist": "exponential", "mean": case.mean_patience_s} if case.mean_patience_s
                else {"dist": "deterministic", "value": 1e9})
    return Scenario.model_validate({
        "name": f"validation {case.case}",
        "days": 1,
        "warmup_h": 1.0,
        "contact_types": [{
            "id": "calls", "target_s": 20.0, "volume": {"per_day": case.calls_per_day},
            "handle_time_s": {"dist": "exponential", "mean": case.aht_s}, "patience_s": patience,
            "redial": {"max_attempts": 1},
        }],
        "agents": {"shifts": [{"id": "all", "start": "00:00", "length_h": 24, "headcount": case.servers}]},
        "replications": replications,
        "seed": seed,
    })


def _formula(case: Case) -> dict[str, float]:
    rate = case.calls_per_day / 86400.0
    if case.mean_patience_s is None:
        c = erlang_c_metrics(rate, case.aht_s, case.servers, 20.0)
        return {"p_delay": c.p_wait, "asa_s": c.asa_s, "service_level": c.service_level, "occupancy": c.occupancy}
    a = erlang_a_metrics(rate, case.aht_s, case.mean_patience_s, case.servers, 20.0)
    return {"p_delay": a.p_wait, "abandonment": a.p_abandon, "mean_wait_s": a.mean_wait_s,
            "service_level": a.answered_within_target, "occupancy": a.occupancy}


DEFAULT_REPLICATIONS, DEFAULT_SEED = 16, 2005  # the record's own: its cases have no scenario file


def validation_record(settings: RunSettings | None = None, cases: tuple[Case, ...] = CASES) -> pd.DataFrame:
    """One row per case x metric: published, formula, simulated mean with its 95% interval, z, agrees.

    ``settings``: replications and seed (unset: ``DEFAULT_REPLICATIONS``, ``DEFAULT_SEED``), workers.

    Columns: case, model, inputs, metric, label, kind (for the formatter), published, formula,
    simulated, ci_low, ci_high, n, z (simulated minus published, in standard errors), agrees (|z| <= Z).
    """
    settings = (settings or RunSettings()).or_defaults(DEFAULT_REPLICATIONS, DEFAULT_SEED)
    rows = []
    for case in cases:
        scenario = case_scenario(case, settings.replications, settings.seed)
        results = run(scenario, settings=settings, keep_incidents="none")
        table = results.per_replication(quantiles=False)
        per_rep = table[table.contact_type == "calls"].set_index("replication")
        occupancy = table[table.contact_type == "all"].set_index("replication")["occupancy"]
        formula = _formula(case)
        for metric, published in case.published.items():
            values = (occupancy if metric == "occupancy" else per_rep[metric]).to_numpy(dtype=float)
            mean, low, high, n = t_interval(values)
            se = float(np.std(values, ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
            z = (mean - published) / se if se > 0 else (0.0 if mean == published else float("inf"))
            label, kind = LABELS[metric]
            rows.append({"case": case.case, "model": case.model, "inputs": case.source, "metric": metric,
                         "label": label, "kind": kind, "published": published, "formula": formula[metric],
                         "simulated": mean, "ci_low": low, "ci_high": high, "n": n, "z": z,
                         "agrees": bool(abs(z) <= Z)})
    return pd.DataFrame(rows)
