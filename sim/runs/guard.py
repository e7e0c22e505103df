"""A run that nothing a user typed can hang, crash or fill with inf: what the CLI and the app call.

``run_checked`` wraps ``sim.run`` with what must hold before and after it:

- before: the worker count is capped at the cores available
  (``sim.runs.workers``); ``sim.run`` itself estimates the run's size and
  refuses it above the documented limits unless ``allow_large``
  (``sim.runs.size_guard``: one guard for every entry);
- after: every figure of the tables is finite and none is negative
  (``check_finite``); a NaN is allowed only where a rate is undefined (an
  interval in which nothing was offered, an incident that never reached a
  human has no time-to-human, a group with no paid hours has no occupancy).

``invariant_violations`` lists the accounting identities a run must satisfy
(every attempt has one outcome, nobody is reached twice, no loss above the
amount at risk, ...); the schema's property test and the fuzz harness
(benchmarks/fuzz_scenarios.py) check them on every run.

It also returns the scenario's warnings (``Scenario.warnings``) with the
worker cap's, so every front end shows the same ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from sim.model.measures import MEASURES
from sim.model.metrics import LIMIT_OUTCOMES
from sim.model.scenario import Scenario
from sim.runs.results import Results
from sim.runs.runner import run
from sim.runs.settings import RunSettings
from sim.runs.workers import capped_workers

# Columns that may be NaN, meaning "undefined": the registry's measures that say when (a rate of nothing, a
# time to a human never reached; sim.model.measures). Nothing may be inf.
UNDEFINED_ALLOWED = {
    table: {m.name for m in MEASURES.values() if table in m.tables and m.undefined}
    for table in ("agents", "intervals", "incidents", "replications")
}


class NonFiniteResult(RuntimeError):
    """A table of a run holds inf, an unexpected NaN or a negative figure; names the table, column and policy."""

    def __init__(self, table: str, column: str, policies: list[str], kind: str):
        self.table, self.column, self.policies = table, column, policies
        super().__init__(
            f"the run produced {kind} in {table}.{column} (policies: {', '.join(policies)}); "
            "no table is written from it. This is a defect of the model, not of the scenario: please report it "
            "with the scenario file."
        )


def check_finite(results: Results) -> None:
    """Raise ``NonFiniteResult`` if a table holds inf, a NaN outside ``UNDEFINED_ALLOWED`` or a negative figure."""
    for name, allowed in UNDEFINED_ALLOWED.items():
        table: pd.DataFrame = getattr(results, name)
        for column in table.select_dtypes(include="number").columns:
            values = table[column].to_numpy(dtype=float)
            for kind, bad in (
                ("inf", np.isinf(values)),
                ("NaN", np.isnan(values) if column not in allowed else np.zeros(values.shape, dtype=bool)),
                ("a negative value", values < 0),
            ):
                if bad.any():
                    policies = sorted(set(table.loc[bad, "policy"])) if "policy" in table else []
                    raise NonFiniteResult(name, str(column), policies, kind)


_KEYS = ["policy", "replication", "contact_type"]
_TOLERANCE = 1e-6  # relative, for sums of money and time


def invariant_violations(results: Results) -> list[str]:
    """The accounting identities of a run that do not hold, one line each (empty: all hold)."""
    t = results.replications
    found: list[str] = []

    def check(name: str, ok) -> None:
        bad = ~np.asarray(ok, dtype=bool)
        if bad.any():
            rows = t.loc[bad, _KEYS].drop_duplicates().head(3).to_dict("records")
            found.append(f"{name} fails on {int(bad.sum())} row(s), e.g. {rows}")

    def at_most(a, b):
        return a <= b + _TOLERANCE * np.maximum(np.abs(b), 1.0)

    outcomes = (t["answered"] + t["abandoned"] + t["callback_unanswered"] + t["bot_resolved"]
                + t["bot_false_resolved"] + t["blocked"] + t[list(LIMIT_OUTCOMES)].sum(axis=1))
    check(
        "offered = answered + abandoned + callback unanswered + disconnected + left message",
        t["offered"] == t["answered"] + t["abandoned"] + t["callback_unanswered"] + t["disconnected"]
        + t["left_message"],
    )
    check("callbacks accepted = answered + unanswered",
          t["callback_accepted"] == t["callback_answered"] + t["callback_unanswered"])
    check("callbacks accepted <= offered", t["callback_accepted"] <= t["callback_offered"])
    check("attempts = sum of outcomes", t["attempts"] == outcomes)
    check("attempts >= incidents", t["attempts"] >= t["incidents"])
    check("reached <= incidents", t["reached_human"] <= t["incidents"])
    check("within guarantee <= reached", t["within_guarantee"] <= t["reached_human"])
    check("balked <= abandoned", t["balked"] <= t["abandoned"])
    check("loss <= amount at risk", at_most(t["customer_loss"], t["amount_at_risk"]))
    check("liability <= loss", at_most(t["platform_liability"], t["customer_loss"]))
    agents = results.agents
    busy_ok = at_most(agents["busy_hours"], agents["paid_hours"])
    if not np.asarray(busy_ok).all():
        found.append(f"busy <= paid hours fails for groups {sorted(set(agents.loc[~busy_ok, 'group']))}")
    if not results.intervals.empty:
        # every count of both tables: each interval counts the attempts of the incidents that began in it
        counts = [m.name for m in MEASURES.values() if m.sums == "sum" and {"replications", "intervals"} <= m.tables]
        counts = [c for c in counts if c in results.intervals]
        sums = results.intervals.groupby(_KEYS)[counts].sum()
        totals = t.set_index(_KEYS)[counts].reindex(sums.index)
        differ = (sums != totals).any(axis=1)
        if differ.any():
            found.append(f"interval sums = totals fails for {list(sums.index[differ][:3])}")
    try:
        check_finite(results)
    except NonFiniteResult as exc:
        found.append(str(exc))
    return found


def run_checked(
    scenario: Scenario,
    policies: Sequence[str] | None = None,
    *,
    settings: RunSettings | None = None,
    allow_large: bool = False,
    keep_incidents: str = "emergency",
    on_warning: Callable[[str], None] | None = None,
) -> tuple[Results, list[str]]:
    """``sim.run`` with the guards of the module docstring; returns (results, warnings).

    ``on_warning`` is called with each warning before the run starts, so that a
    long run does not hide them. With a ``precision`` target the size is
    estimated for ``max_replications``, the most it may run. Raises
    ``RunTooLarge`` before the run, ``NonFiniteResult`` after it.
    """
    settings = settings or RunSettings()
    warnings = list(scenario.warnings)
    n_workers, cap = capped_workers(settings.workers)
    if cap:
        warnings.append(f"workers: {cap}")
    for line in warnings if on_warning is not None else ():
        on_warning(line)
    results = run(scenario, policies, settings=settings.replace(workers=n_workers), keep_incidents=keep_incidents,
                  allow_large=allow_large)
    check_finite(results)
    return results, warnings
