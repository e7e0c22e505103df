"""How many runs? A precision target on the playground queue, and the interval after each n runs.

``replications_demo`` runs the playground queue with a precision target
(``RunSettings.precision``; ``DEMO_SETTINGS`` by default), its contact type
marked as an emergency with a guarantee equal to the service-level target,
so the guarantee share the precision target watches is, in this one-queue
world with no bot and no redials, exactly the service level. The interval
after the first n replications, for every n, shows it narrowing like
1 / sqrt(n); a study that stops at n has exactly those n replications
(replication r always runs on child r of the seed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from sim.runs.guard import run_checked
from sim.runs.settings import RunSettings
from sim.runs.stats import t_interval
from sim.studies.classroom.playground import SEED, classroom_scenario, formulas


DEMO_SETTINGS = RunSettings(seed=SEED, precision=0.02, max_replications=60)


@dataclass
class ReplicationsDemo:
    precision_target: float
    max_replications: int
    reached: dict  # sim.runs.precision.Precision.as_record()
    table: pd.DataFrame  # n, mean, ci_low, ci_high, half_width, relative_half_width
    formula: float  # the closed-form service level (NaN for an unstable Erlang C queue)
    per_replication: list[float]  # each replication's service level, in order


def replications_demo(
    arrivals_per_hour: float,
    mean_handle_s: float,
    servers: int,
    mean_patience_s: float | None = None,
    target_s: float = 20.0,
    days: int = 1,
    settings: RunSettings | None = None,
) -> ReplicationsDemo:
    """A run with a precision target on the playground queue, and the interval after each n of its replications.

    ``settings``: the precision target and its cap (default ``DEMO_SETTINGS``: 2% with at most 60
    replications; settings without a target get the demo's), seed (unset: ``SEED``), workers, progress.
    The first batch is the runner's smallest (``sim.runs.stats.ROUGH_BELOW``).
    """
    settings = settings or DEMO_SETTINGS
    if settings.precision is None:
        settings = settings.replace(precision=DEMO_SETTINGS.precision)
    settings = settings.or_defaults(2, SEED)
    precision, max_replications = settings.precision, settings.max_replications
    scenario = classroom_scenario(arrivals_per_hour, mean_handle_s, servers, mean_patience_s, target_s, days,
                                  replications=settings.replications, seed=settings.seed, emergency=True)
    results, _ = run_checked(scenario, settings=settings, keep_incidents="none")
    per_rep = results.per_replication(quantiles=False)
    values = per_rep[per_rep["contact_type"] == "calls"].sort_values("replication")["service_level"].to_numpy()
    rows = []
    for n in range(2, values.size + 1):
        mean, lo, hi, _ = t_interval(values[:n])  # unclipped: the half-width is what the target is about
        rows.append({"n": n, "mean": mean, "ci_low": lo, "ci_high": hi, "half_width": (hi - lo) / 2,
                     "relative_half_width": (hi - lo) / 2 / abs(mean) if mean else math.inf})
    closed = formulas(arrivals_per_hour / 3600.0, mean_handle_s, mean_patience_s, servers, target_s)
    return ReplicationsDemo(
        precision_target=precision, max_replications=max_replications, reached=results.meta["precision"],
        table=pd.DataFrame(rows), formula=closed["service_level"], per_replication=[float(v) for v in values],
    )
