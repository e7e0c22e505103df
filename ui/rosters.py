"""Streamlit glue of the roster pages: policies added to the comparison, the cached plan and requirement.

Policies added on "Plan a roster" or "Edit a roster" live in session state,
per loaded scenario, as plain policy data; ``ui.sidebar`` adds them to
the scenario every rerun (``with_added``, through
``sim.model.policy_edits.with_policies``), so they are in the YAML every run
is keyed on, appear on every page, and run with the others on Compare.
"""

from __future__ import annotations

import streamlit as st

from sim.model.policy_edits import with_policies
from sim.model.scenario import Scenario

from . import ahead, plan_compute, running, session

ADDED = "_added_policies"  # {scenario token: {policy id: policy data}}


def added(token: str) -> dict[str, dict]:
    return st.session_state.setdefault(ADDED, {}).setdefault(token, {})


def add_policy(token: str, policy: dict) -> None:
    added(token)[policy["id"]] = policy


def remove_policy(token: str, policy_id: str) -> None:
    added(token).pop(policy_id, None)


def with_added(scenario: Scenario, token: str) -> Scenario:
    """``scenario`` with the policies added in the app (ScenarioError, shown in the sidebar, if they no longer fit)."""
    return with_policies(scenario, list(added(token).values()))


def added_changes(token: str) -> list[dict]:
    """One line per added policy for the sidebar's differences (not its every field)."""
    return [{"parameter": f"policies[{pid}]", "before": None,
             "after": f"added in the app: {p.get('label') or pid}",
             "note": f"added in the app: {p.get('label') or pid}"} for pid, p in added(token).items()]


@st.cache_data(show_spinner=False, max_entries=32)
def _requirement_cached(scenario_yaml: str, policy: str, method: str):
    return plan_compute.requirement_of(scenario_yaml, policy, method)


DEFAULT_METHOD = next(iter(plan_compute.REQUIREMENT_LABELS))  # the page's first choice, traced ahead (ui.ahead)


def requirement(scenario: Scenario, policy: str, method: str):
    """Agents needed per interval under ``policy``'s front door (cached), or a message why there is none.

    Keyed on the scenario with that policy alone, so that adding or editing another policy (a roster added to
    the comparison) does not compute it again. If it is being computed ahead (ui.ahead), it waits for that.
    """
    alone = plan_compute.policy_alone_yaml(scenario, policy)
    started = ahead.in_flight(("requirement", alone, policy, method))
    if started is not None:
        running.show_progress("Computing the requirement", started.future, started.box)
    return _requirement_cached(alone, policy, method)


def requirement_ahead(scenario: Scenario, policy: str, method: str = DEFAULT_METHOD) -> None:
    """Start computing ``requirement(scenario, policy, method)`` in the background (ui.ahead)."""
    alone = plan_compute.policy_alone_yaml(scenario, policy)
    ahead.start(("requirement", alone, policy, method), _requirement_cached, alone, policy, method,
                reports_progress=False)


@st.cache_data(show_spinner=False, max_entries=8)
def _plan_cached(scenario_yaml: str, policy: str, settings: tuple, _progress=None, _should_stop=None):
    return plan_compute.run_plan(scenario_yaml, policy, dict(settings), progress=_progress,
                                 should_stop=_should_stop)


@st.cache_data(show_spinner=False, max_entries=8)
def _guarantee_cached(planned_yaml: str, _workers: int = 1, _progress=None, _should_stop=None):
    return plan_compute.run_guarantee(planned_yaml, _workers, progress=_progress, should_stop=_should_stop)


def guarantee(planned_yaml: str):
    """Every policy against the planned roster (cached), with the progress bar; None if it failed (shown)."""
    return running.run_or_show("Setting every policy against the optimised roster", _guarantee_cached,
                               planned_yaml, session.workers())


def plan(scenario_yaml: str, policy: str, settings: dict):
    """The plan (cached), with the progress bar; None if it failed (the reason shown), st.stop() if stopped."""
    return running.run_or_show("Planning the roster (solve, then simulate)", _plan_cached, scenario_yaml,
                               policy, tuple(sorted(settings.items())))
