"""Running a study from a page: the progress bar meanwhile, and what a cancelled or a failed run does.

Every cached study of the app is called the same way (``run``): in a worker
thread, with a progress bar drawn from its reports; a run nobody waits for
any more (``compute.RunCancelled``) ends this script run; a failure
(``compute.RunFailed``, one sentence for the user) is shown on the page by
``run_or_show`` or left to the caller that keeps it (the comparison, the
frontier).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import streamlit as st

from . import compute


def with_progress(label: str, fn, *args):
    """Call ``fn(*args, _progress=cb, _should_stop=...)`` in a worker thread and show a progress bar meanwhile.

    The worker thread keeps Streamlit calls out of the cached function (they
    would be recorded and replayed on every cache hit); a cache hit returns
    at once and draws no bar. When this script run ends early — the browser
    closed the session, the user clicked again, the server is shutting down —
    Streamlit stops it at its next call, the ``finally`` raises the stop flag,
    and the simulation gives up at its next progress report instead of
    keeping a core busy for nobody (``compute.RunCancelled``).
    """
    box = {"event": None}
    stop = threading.Event()

    def progress(event) -> None:  # a ProgressEvent (sim.runs.settings)
        box["event"] = event

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="humanline-run")
    try:
        return show_progress(label, pool.submit(fn, *args, _progress=progress, _should_stop=stop.is_set), box)
    finally:
        stop.set()
        pool.shutdown(wait=False)


def show_progress(label: str, future, box: dict):
    """Wait for ``future``, drawing a progress bar from ``box["event"]`` (the latest ProgressEvent) meanwhile; its result."""
    bar = None
    started = time.perf_counter()
    while True:
        try:
            result = future.result(timeout=0.2)
            break
        except FutureTimeout:
            event = box["event"]
            done, total, stage = (event.done, event.total, event.stage) if event is not None else (0, 0, None)
            share = event.fraction if event is not None else 0.0
            # A study of several stages (the evidence report) names the one running and counts its runs.
            text = (f"{label}: {stage}" + (f", {done} of {total} runs" if total else "") if stage
                    else f"{label}: {done} of {total} policy runs") + f", {time.perf_counter() - started:.0f} s"
            if bar is None:
                bar = st.progress(share, text=text)
            else:
                bar.progress(share, text=text)
    if bar is not None:
        bar.empty()
    return result


def run(label: str, fn, *args):
    """``with_progress(label, fn, *args)``; a cancelled run stops this script run (nobody waits for it).

    ``compute.RunFailed`` reaches the caller, whose page decides what a failure shows.
    """
    try:
        return with_progress(label, fn, *args)
    except compute.RunCancelled:
        st.stop()


def run_or_show(label: str, fn, *args):
    """``run(label, fn, *args)``, with a failure shown on the page: None then."""
    try:
        return run(label, fn, *args)
    except compute.RunFailed as exc:
        st.error(str(exc), icon=":material/error:")
        return None
