"""Runs started ahead of the page that draws them, so that its first visit draws from the cache.

After a comparison the app traces, in the background, what the next pages
show first: the baseline's cost-of-cutting frontier and the baseline's
staffing requirement (Plan a roster's default). Those are the two pages that
computed on first visit (issue 26: 30 s on a loaded machine). A page that
asks for a run still in flight waits for it, with its progress, rather than
starting it a second time; the result lands in the page's own cache
(``st.cache_data``), so once done the page simply finds it there.

Two background threads per app process: the frontier mostly waits for the
worker processes, the requirement computes in this one, so the two proceed
side by side. A run a user clicks for meanwhile shares the cores with them,
and its replications queue behind those the frontier already handed to the
workers (a few replications of one policy family).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

KEEP = 32  # runs remembered (the caches behind them keep fewer; a forgotten one can only start again)

_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="humanline-ahead")
_lock = threading.Lock()
_runs: dict[Hashable, "Ahead"] = {}


@dataclass
class Ahead:
    """A run started ahead: its future and its latest ProgressEvent (``box["event"]``), as the progress bar reads it."""

    future: Future
    box: dict = field(default_factory=lambda: {"event": None})


def start(key: Hashable, fn: Callable, *args, reports_progress: bool = True) -> None:
    """Run ``fn(*args)`` in the background unless a run of ``key`` is in flight.

    ``fn`` is a cached function: started again once done, it finds its result in the cache at once.
    With ``reports_progress``, it takes ``_progress`` and ``_should_stop`` as the app's cached runs do.
    """
    with _lock:
        if key in _runs and not _runs[key].future.done():
            return
        _runs.pop(key, None)  # to the end: the most recent are kept
        box = {"event": None}

        def progress(event) -> None:  # a ProgressEvent (sim.runs.settings)
            box["event"] = event

        kwargs = {"_progress": progress, "_should_stop": lambda: False} if reports_progress else {}
        _runs[key] = Ahead(_pool.submit(fn, *args, **kwargs), box)
        for old in list(_runs)[:-KEEP]:
            if _runs[old].future.done():
                del _runs[old]


def in_flight(key: Hashable) -> Ahead | None:
    """The run of ``key`` started ahead and not finished yet, if there is one."""
    with _lock:
        run = _runs.get(key)
    return run if run is not None and not run.future.done() else None


def wait_all(timeout_s: float | None = None) -> None:
    """Wait for every run started ahead (tests)."""
    with _lock:
        futures = [run.future for run in _runs.values()]
    for future in futures:
        future.exception(timeout=timeout_s)
