"""What the benchmarks share: CPU time next to wall time, and a CPU hog to measure a loaded machine honestly.

On a shared machine wall time says as much about the other jobs as about
humanline; CPU time (user + system, of the process measured and of every
process it waited for, its worker processes included) says what the work
itself cost. Every benchmark prints both. ``cpu_hog()`` runs one busy process
per core beside a measurement, so a benchmark can state the figure a user of
a busy 2-core machine sees as well as the idle one (issue 26).
"""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

HOG = "while True: pass"


@dataclass
class Timing:
    wall_s: float
    cpu_s: float  # user + system of the process and of the processes it waited for
    load: float  # the 1-minute load average when it started

    def __str__(self) -> str:
        return f"{self.wall_s:6.1f} s wall, {self.cpu_s:6.1f} s CPU (load avg {self.load:.1f})"


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_of_self() -> float:
    return time.process_time()


def run_timed(cmd: Sequence[str], **kwargs) -> Timing:
    """Run ``cmd`` to completion in a fresh process; its wall time and its own CPU time (workers included).

    ``os.wait4`` gives the resources of that child alone, so a CPU hog running
    beside it, or another child, never counts.
    """
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(list(cmd), **kwargs)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, list(cmd))
    return Timing(wall, usage.ru_utime + usage.ru_stime, load)


@contextlib.contextmanager
def measured() -> Iterator[list[Timing]]:
    """Time the block in this process: wall, and CPU of this process plus the children it waited for."""
    out: list[Timing] = []
    load = os.getloadavg()[0]
    start, cpu = time.perf_counter(), cpu_of_self() + cpu_of_children()
    yield out
    out.append(Timing(time.perf_counter() - start, cpu_of_self() + cpu_of_children() - cpu, load))


@contextlib.contextmanager
def cpu_hog(processes: int | None = None, enabled: bool = True) -> Iterator[int]:
    """One busy process per core (or ``processes``) for the duration of the block; yields how many run."""
    n = (processes or os.cpu_count() or 1) if enabled else 0
    hogs = [subprocess.Popen([sys.executable, "-c", HOG]) for _ in range(n)]
    try:
        yield n
    finally:
        for hog in hogs:  # these processes only
            hog.kill()
        for hog in hogs:
            hog.wait()


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
