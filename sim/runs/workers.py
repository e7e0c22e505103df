"""Worker processes for parallel replications: as many as there are cores, and never outliving the run.

Two failures seen (issue 8): ``--workers 64`` started 66 processes on 2 cores,
and a SIGKILL of the parent left its workers blocked for ever, holding
~300 MB each. So the worker count is capped at the cores this process may use
(more is a warning, not an error), and every worker asks the kernel to kill
it when its parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``; elsewhere a
watchdog thread polls the parent's pid). Workers ignore SIGINT, so a Ctrl-C
reaches the parent alone, which then kills its workers instead of waiting for
them to finish their replications.

A long-lived process (the app) calls ``keep_workers()`` once: ``process_pool``
then lends it pools that are started on the first run and reused by every
later one, so a run pays neither for starting processes nor for importing
the model in them again (issue 26). A run that ends early cancels what it
submitted and leaves the workers for the next run. Those kept workers are
forked from a fork server, not from the app itself: a worker forked from the
app's web server holds copies of all its open sockets (its listening socket,
the browsers' connections), and with such workers running a browser's
request for one of the page's scripts was never answered (seen: the evidence
report's download button stayed a placeholder; with one worker, or workers
from a fork server, it appears). The fork server imports the model once, so
its workers start without importing it again.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager

_PR_SET_PDEATHSIG = 1
_WATCHDOG_PERIOD_S = 1.0


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, which containers and taskset restrict)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def capped_workers(requested: int) -> tuple[int, str | None]:
    """(workers to use, a warning or None): 0 means one per core; more than the cores is capped."""
    cores = available_cores()
    if requested <= 0:
        return cores, None
    if requested > cores:
        return cores, f"{requested} workers asked for, but only {cores} core(s) are available: using {cores}"
    return requested, None


def _die_with_parent(parent_pid: int | None) -> None:
    """Worker initializer: ignore Ctrl-C (the parent handles it) and end when the parent ends.

    ``parent_pid`` None: the parent is a fork server, whatever its pid (it ends when the app does)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent_pid is None:
        parent_pid = os.getppid()
    armed = False
    libc_name = ctypes.util.find_library("c")
    if libc_name and hasattr(os, "sched_getaffinity"):  # Linux
        try:
            libc = ctypes.CDLL(libc_name, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True, name="parent-watchdog").start()


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        threading.Event().wait(_WATCHDOG_PERIOD_S)
    os._exit(1)


_kept: dict[int, ProcessPoolExecutor] = {}  # pool size -> the pool runs of that size or smaller borrow
_kept_lock = threading.Lock()
_keeping = False


def keep_workers() -> None:
    """From now on, keep worker processes for the life of this process and lend them to every run.

    They come from a fork server (module docstring), which imports the main module as Python's non-fork
    start methods do: a script that calls this guards its work with ``if __name__ == "__main__":``."""
    global _keeping
    _keeping = True


def kept_worker_pids() -> set[int]:
    """The process ids of the kept workers (empty before the first parallel run, or without ``keep_workers``)."""
    with _kept_lock:
        return {pid for pool in _kept.values() for pid in (getattr(pool, "_processes", None) or {})}


def _new_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, initializer=_die_with_parent, initargs=(os.getpid(),))


def _new_kept_pool(workers: int) -> ProcessPoolExecutor:
    """A pool for a long-lived process: its workers forked from a fork server (the module docstring says why)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["sim.runs.runner"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_die_with_parent,
                               initargs=(None,))


def _kept_pool(workers: int) -> ProcessPoolExecutor:
    """The kept pool of ``workers`` processes; a run that has fewer tasks than the app's workers asks for
    fewer, and borrows the app's pool rather than starting one of its own size (it cannot use more
    processes than it has tasks)."""
    with _kept_lock:
        for size in sorted(_kept):
            if size >= workers and getattr(_kept[size], "_broken", False):  # a worker died (killed, out of memory)
                _kept.pop(size).shutdown(wait=False, cancel_futures=True)
        fits = [size for size in _kept if size >= workers]
        if fits:
            return _kept[min(fits)]
        pool = _kept[workers] = _new_kept_pool(workers)
        return pool


class _Borrowed(Executor):
    """A kept pool lent to one run: what the run submitted can be cancelled without stopping the workers."""

    def __init__(self, pool: ProcessPoolExecutor):
        self._pool = pool
        self.futures: list[Future] = []

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future = self._pool.submit(fn, *args, **kwargs)
        self.futures.append(future)
        return future


@contextmanager
def process_pool(workers: int) -> Iterator[Executor]:
    """A ``ProcessPoolExecutor`` of ``workers`` processes that die with this one.

    On an exception (Ctrl-C included) the workers are killed at once rather
    than left to finish replications nobody will read. After ``keep_workers()``
    the pool is a kept one: on an exception the run's waiting tasks are
    cancelled (a task already running finishes) and the workers stay.
    """
    if _keeping:
        borrowed = _Borrowed(_kept_pool(workers))
        try:
            yield borrowed
        finally:
            for future in borrowed.futures:
                future.cancel()  # no-op for finished ones
        return
    pool = _new_pool(workers)
    try:
        yield pool
    except BaseException:
        _kill_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    kill = getattr(pool, "kill_workers", None)  # Python 3.14+
    if kill is not None:
        kill()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            process.kill()
        except (OSError, ValueError):
            pass
