"""What the sidebar hands the pages: the ``Context`` of this rerun, in Streamlit's session state.

The sidebar (ui.sidebar) publishes a ``Context`` every rerun — the scenario
as loaded and as edited, its YAML (the key every cached run is keyed on) and
what was edited — and the pages and the cached runs (ui.cached_runs) read it
with ``ctx()``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

import streamlit as st

from sim.model.scenario import Scenario

# Replications run in this many processes (results are identical to one process). Two cores on the
# target machines; HUMANLINE_WORKERS overrides (0: one per core).
DEFAULT_WORKERS = min(2, os.cpu_count() or 1)


def workers() -> int:
    """Processes the replications of a run use (``HUMANLINE_WORKERS``, else DEFAULT_WORKERS)."""
    return int(os.environ.get("HUMANLINE_WORKERS", DEFAULT_WORKERS))



@dataclass
class Context:
    """What the sidebar produced this rerun; the pages read it from ``st.session_state.ctx``."""

    source: str  # "preset: file.yaml" or "upload: file.yaml"
    base: Scenario  # as loaded
    scenario: Scenario  # as edited by the knobs
    yaml: str  # sim.scenario_to_yaml(scenario): the cache key of every run
    adjusted_policy: str
    base_id: str = ""  # identifies the loaded scenario (preset or upload), before knobs
    problems: list[str] = field(default_factory=list)  # knob values the model refused
    workers: int = 1
    base_yaml: str = ""  # the loaded scenario's YAML: what ``changes`` are measured from
    changes: list[dict] = field(default_factory=list)  # sim.model.knobs.changes(base, scenario)


def ctx() -> Context:
    """The Context the sidebar published this rerun."""
    return st.session_state["ctx"]


def short_hash(text: str) -> str:
    """A short key for a text (a scenario and its source): widget keys and run tokens."""
    return hashlib.sha256(text.encode()).hexdigest()[:10]
