"""The app's runs, cached, and what the pages show of them: the last requested run, its failure, its stale notice.

Runs are cached with ``st.cache_data`` keyed on the scenario YAML as edited
(which carries replications and seed), so switching pages or coming back to
earlier settings never reruns a simulation. Simulations only start from the
"Run simulation" button (ui.sidebar records the request); the pages then
read the last requested run. A run that failed is not run again for the
same settings: its message is kept and shown, with the last good results.
"""

from __future__ import annotations

import streamlit as st

from . import ahead, compute, rosters, running
from .scenario_input import PRESETS_DIR
from .session import ctx


@st.cache_data(show_spinner=False, max_entries=8)
def _comparison_cached(scenario_yaml: str, base_yaml: str, source: str, _workers: int = 1,
                       _progress=None, _should_stop=None) -> compute.Comparison:
    return compute.run_comparison(scenario_yaml, base_yaml=base_yaml, source=source, workers=_workers,
                                  progress=_progress, should_stop=_should_stop)


@st.cache_data(show_spinner=False, max_entries=16)
def _frontier_cached(scenario_yaml: str, template: str, values: tuple[float, ...], _workers: int = 1,
                     _progress=None, _should_stop=None) -> compute.Frontier | str:
    return compute.run_frontier(scenario_yaml, template, values=values, workers=_workers, progress=_progress,
                                should_stop=_should_stop)


@st.cache_data(show_spinner=False, max_entries=64)
def _classroom_cached(params: tuple, _progress=None, _should_stop=None) -> compute.Classroom:
    return compute.run_classroom(**dict(params))


def _failure(kind: str, key: str) -> str | None:
    """Why the run ``kind`` of ``key`` (its scenario text) failed before, if it did: failed runs are not rerun."""
    return st.session_state.get("failed", {}).get((kind, key))


def _remember_failure(kind: str, key: str, exc: Exception) -> str:
    st.session_state.setdefault("failed", {})[(kind, key)] = str(exc)
    return str(exc)


def requested() -> str | None:
    """The scenario YAML of the last "Run simulation" click on the scenario loaded now, if any.

    Results of another preset or upload are not shown as if they were this one's.
    """
    req = st.session_state.get("requested")
    if req is None or req["base"] != ctx().base_id:
        return None
    return req["yaml"]


def comparison() -> compute.Comparison | None:
    """The last requested run's results; if that run failed, the message and the last good results (or None)."""
    text = requested()
    if text is None:
        return None
    failure = _failure("comparison", text)
    if failure is not None:
        st.error(failure, icon=":material/error:")
        return _last_good()
    req = st.session_state["requested"]
    try:
        result = running.run("Simulating the policies", _comparison_cached, text, req["base_yaml"],
                             ctx().source, ctx().workers)
    except compute.RunFailed as exc:
        st.error(_remember_failure("comparison", text, exc), icon=":material/error:")
        return _last_good()
    st.session_state["last_good"] = {"base": ctx().base_id, "result": result}
    st.session_state["_ahead_next"] = (text, result.baseline)  # started once the page is drawn (app.py)
    return result


def start_ahead() -> None:
    """Trace what Cost of cutting and Plan a roster draw first, in the background (ui.ahead), once a session per
    run. Called when a page has been drawn, so that the background work does not slow the drawing of the run."""
    text, baseline = st.session_state.pop("_ahead_next", (None, None))
    started = st.session_state.setdefault("_ahead_started", set())
    if text is None or text in started:
        return
    started.add(text)
    values = tuple(compute.FRONTIER_VALUES)
    ahead.start(("frontier", text, baseline, values), _frontier_cached, text, baseline, values, ctx().workers)
    if text == ctx().yaml:  # Plan a roster plans on the sidebar's scenario: only when that is the one run
        rosters.requirement_ahead(ctx().scenario, ctx().scenario.effective_policies[0].id)  # the page's first


def _last_good() -> compute.Comparison | None:
    good = st.session_state.get("last_good")
    if good is None or good["base"] != ctx().base_id:
        return None
    st.info("Showing the results of the last run that succeeded.", icon=":material/history:")
    return good["result"]


def frontier(template: str) -> compute.Frontier | str | None:
    """The frontier of ``template`` for the last run's scenario (its replications and seed).

    None before a run; a message (str) when the model refuses it (e.g. one replication: no interval).
    """
    text = requested()
    if text is None:
        return None
    values = tuple(compute.FRONTIER_VALUES)
    failure = _failure("frontier", text + template)
    if failure is not None:
        return failure
    try:
        started = ahead.in_flight(("frontier", text, template, values))
        if started is not None:  # started after the comparison: wait for it rather than start it again
            running.show_progress("Tracing the frontier", started.future, started.box)
        front = running.run("Tracing the frontier", _frontier_cached, text, template, values, ctx().workers)
    except compute.RunFailed as exc:
        return _remember_failure("frontier", text + template, exc)
    st.session_state["last_frontier"] = {"yaml": text, "template": template}  # Downloads offers its table
    return front


def last_frontier() -> compute.Frontier | None:
    """The frontier last drawn for the last run (from the cache), if any."""
    last = st.session_state.get("last_frontier")
    if not last or last["yaml"] != requested():
        return None
    front = frontier(last["template"])
    return front if isinstance(front, compute.Frontier) else None


@st.cache_data(show_spinner=False, max_entries=4)
def _report_cached(scenario_yaml: str, base_yaml: str, source: str, _workers: int = 1, _comparison=None,
                   _frontier=None, _progress=None, _should_stop=None) -> str:
    return compute.evidence_report(scenario_yaml, base_yaml=base_yaml, source=source, workers=_workers,
                                   progress=_progress, should_stop=_should_stop, comparison=_comparison,
                                   frontier=_frontier)


def evidence_report(result: compute.Comparison) -> str | None:
    """The evidence report's HTML for the scenario of ``result`` (as edited); None, with the reason shown, if it fails.

    It builds on this run and on the baseline's frontier, the one Cost of cutting draws first (traced here if
    that page has not traced it yet, so that the page then draws it at once), instead of running them again.
    """
    req = st.session_state.get("requested") or {}
    front = frontier(result.baseline) if requested() == result.scenario_yaml else None
    front = front if isinstance(front, compute.Frontier) else None
    return running.run_or_show("Building the evidence report", _report_cached, result.scenario_yaml,
                               req.get("base_yaml", result.scenario_yaml), result.source, ctx().workers, result,
                               front)


@st.cache_data(show_spinner=False, max_entries=8)
def _what_matters_cached(scenario_yaml: str, policy: str, replications: int, _workers: int = 1, _progress=None,
                         _should_stop=None) -> compute.WhatMatters:
    return compute.run_what_matters(scenario_yaml, policy, replications=replications, workers=_workers,
                                    progress=_progress, should_stop=_should_stop)


def what_matters(policy: str, replications: int) -> compute.WhatMatters | None:
    """The default experiment for ``policy`` on the scenario as edited; None (with the reason shown) if it fails."""
    return running.run_or_show("Running the experiment", _what_matters_cached, ctx().yaml, policy, replications,
                               ctx().workers)


def classroom(**params) -> compute.Classroom:
    """The classroom's queue for these settings; a failure is shown and ends the page there."""
    result = running.run_or_show("Simulating the queue", _classroom_cached, tuple(sorted(params.items())))
    if result is None:
        st.stop()
    return result


# The classroom's other studies (sim.studies.classroom through ui.compute), cached like the runs above.
@st.cache_data(show_spinner=False, max_entries=16)
def _replay_cached(scenario_yaml: str, policy: str, replication: int, _progress=None, _should_stop=None):
    return compute.run_replay(scenario_yaml, policy, replication)


@st.cache_data(show_spinner=False, max_entries=32)
def _sweep_cached(params: tuple, _progress=None, _should_stop=None):
    return compute.run_erlang_sweep(_progress, _should_stop, **dict(params))


@st.cache_data(show_spinner=False, max_entries=32)
def _demo_cached(params: tuple, _progress=None, _should_stop=None):
    return compute.run_replications_demo(_progress, _should_stop, **dict(params))


@st.cache_data(show_spinner=False, max_entries=64)
def _check_cached(name: str, answer: float, mtime: float, _progress=None, _should_stop=None):
    return compute.check_exercise(PRESETS_DIR, name, answer, _progress, _should_stop)


def classroom_study(kind: str, *args):
    """One of the classroom's studies ('replay', 'sweep', 'demo', 'check'); None (the reason shown) if it fails."""
    label, fn = {"replay": ("Simulating one day", _replay_cached), "sweep": ("Sweeping the agents", _sweep_cached),
                 "demo": ("Adding replications", _demo_cached), "check": ("Checking", _check_cached)}[kind]
    return running.run_or_show(label, fn, *args)


def stale_notice() -> None:
    """Say so when the results on screen are from other settings than the sidebar's."""
    text = requested()
    if text is not None and text != ctx().yaml:
        st.info("The sidebar settings have changed since the last run; these results are from that run. "
                "Press **Run simulation** to update them.", icon=":material/update:")


def need_run() -> None:
    st.info("Press **Run simulation** in the sidebar to simulate the policies. The default comparison takes "
            "a few seconds; results are kept while you switch pages.", icon=":material/play_arrow:")
