"""The tables a verdict is written from: every policy against the baseline, on the same customers.

``comparison_tables(results)`` gathers what the evidence report's verdict and
results section and ``python -m sim compare`` print: ``Results.compare`` and
``Results.summary`` at one confidence, what non-emergency callers get and
where their service collapsed (``sim.studies.service``), the emergency
incidents, and the rules the words rest on (the rough-interval threshold, the
collapse rule), so that the presentation formats them without computing or
importing anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.model.scenario import Scenario
from sim.runs.results import Results
from sim.runs.stats import ROUGH_BELOW
from sim.studies.service import COLLAPSE_RULE, collapsed_policies, non_emergency_service

CONFIDENCE = 0.95


@dataclass
class ComparisonTables:
    """Every policy against the baseline, as the verdict and the results section read it."""

    scenario: Scenario
    policies: list[str]
    baseline: str
    n_replications: int
    seed: int
    compare: pd.DataFrame  # Results.compare(confidence)
    summary: pd.DataFrame  # Results.summary(confidence)
    service: pd.DataFrame  # sim.studies.service.non_emergency_service
    collapsed: dict[str, list[str]]  # policy -> the scopes whose service collapsed (service.collapsed_policies)
    incidents: pd.DataFrame  # the emergency incidents (the time-to-human chart)
    precision: str  # the sequential rule in words, "" when the replications were fixed
    confidence: float = CONFIDENCE
    rough_below: int = ROUGH_BELOW  # fewer replications than this: every interval is rough
    collapse_rule: str = COLLAPSE_RULE


def comparison_tables(results: Results, confidence: float = CONFIDENCE, baseline: str | None = None
                      ) -> ComparisonTables:
    """The tables a verdict is written from (the report's, ``python -m sim compare``'s): compare against
    ``baseline`` (default: the scenario's), summary, and what non-emergency callers get."""
    sc = results.scenario
    service = non_emergency_service(results.per_replication(quantiles=False), sc.contact_types, results.policies,
                                    confidence)
    return ComparisonTables(
        scenario=sc, policies=list(results.policies), baseline=baseline or results.default_baseline(),
        n_replications=results.n_replications, seed=results.seed,
        compare=results.compare(baseline=baseline, confidence=confidence), summary=results.summary(confidence),
        service=service, collapsed=collapsed_policies(service), incidents=results.incidents,
        precision=results.precision.describe() if results.precision is not None else "",
        confidence=confidence,
    )
