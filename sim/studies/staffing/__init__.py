"""Staffing requirements per interval: how many agents each interval needs, next to the roster.

A planner's question is "how many agents do I need from 10:00 to 10:30 on
Monday?", and the classical answers apply a stationary queueing formula to
each interval on its own. This module gives those answers and one that does
not lean on stationarity, for a scenario as a policy would run it.

- ``analytic``: Erlang C or A per interval (SIPP and lagged PSA), per type
  or pooled, first attempts only.
- ``iterative``: the iterative staffing algorithm, which simulates the
  policy as it is (bot, redials, priorities) and staffs one pool of agents.
- ``inputs``: what both start from (the interval grid, rates, service
  times, the agents the roster puts on duty).

``staffing_requirements`` runs any mix of them into one tidy frame
(``python -m sim staff``; the text it prints is ``sim.present.terminal``'s).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sim.model.scenario import Scenario
from sim.runs.settings import RunSettings
from sim.studies.staffing.analytic import requirements
from sim.studies.staffing.inputs import (
    ANALYTIC_METHODS,
    DEFAULT_SERVICE_LEVEL,
    METHODS,
    POOLED,
    StaffingError,
    arrival_rates_per_s,
    lagged_rates_per_s,
    mean_service_s,
    rostered_per_interval,
)
from sim.studies.staffing.iterative import IterativeStaffing, iterative_staffing

__all__ = [
    "ANALYTIC_METHODS",
    "METHODS",
    "DEFAULT_SERVICE_LEVEL",
    "POOLED",
    "IterativeStaffing",
    "StaffingError",
    "arrival_rates_per_s",
    "iterative_staffing",
    "lagged_rates_per_s",
    "mean_service_s",
    "requirements",
    "rostered_per_interval",
    "staffing_requirements",
]



def staffing_requirements(
    scenario: Scenario,
    policy: str | None = None,
    *,
    methods: Sequence[str] = ("erlang_c", "erlang_c_lagged"),
    by: str = "pooled",
    target_s: float | None = None,
    service_level: float | None = None,
    max_occupancy: float | None = None,
    max_agents: int = 5000,
    settings: RunSettings | None = None,
    isa_options: dict | None = None,
) -> tuple[pd.DataFrame, IterativeStaffing | None]:
    """Every requested method in one tidy frame (analytic rows, then 'isa'), and the ISA result if run.

    ``settings`` are the ISA's run settings (``iterative_staffing``); ``isa_options`` its other arguments.
    """
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise StaffingError(f"unknown {', '.join(map(repr, unknown))}; choose from: {', '.join(METHODS)}", "method")
    if not methods:
        raise StaffingError("choose at least one", "method")
    analytic = [m for m in methods if m in ANALYTIC_METHODS]
    frames = []
    if analytic:
        frames.append(
            requirements(
                scenario, policy, methods=analytic, by=by, target_s=target_s, service_level=service_level,
                max_occupancy=max_occupancy, max_agents=max_agents,
            )
        )
    isa = None
    if "isa" in methods:
        isa = iterative_staffing(scenario, policy, max_agents=max_agents, settings=settings, **(isa_options or {}))
        frames.append(isa.table)
    table = pd.concat(frames, ignore_index=True)
    table.attrs["policy"] = (isa.policy if isa else frames[0].attrs["policy"])
    return table, isa
