"""Calibrating a month of calls, backtest included, as a user runs it: ``python -m sim calibrate LOG --out DIR``.

Each run is a fresh interpreter (imports included), runs are repeated and
the medians reported: wall-clock time and CPU time (user + system of the
child), since CPU time is what a loaded, shared machine does not distort.
The log is the real month (``../shared/data/anonymous_bank_1999_10.txt``,
34,625 rows) when present, else a simulated month of about 35,000 calls
written by ``run --out --calls`` (the ``humanline`` layout); the issue's
target is under a minute on an idle 2-core machine.

    .venv/bin/python benchmarks/bench_calibrate.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BANK = "anonymous_bank_1999_10.txt"


def _bank() -> Path | None:
    for folder in (os.environ.get("HUMANLINE_SHARED_DATA"), ROOT.parent / "shared" / "data", "/work/shared/data"):
        if folder and (Path(folder) / BANK).is_file():
            return Path(folder) / BANK
    return None


def _simulated_month(folder: Path) -> Path:
    """A month of ~35,000 calls in the humanline layout, from the round-trip scenario of the tests scaled up."""
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # this checkout's sim, and the tests' known scenario
    from test_calibrate import KNOWN

    import sim
    from sim.calibration.records import write_call_records

    data = {**KNOWN, "days": 31}
    data["contact_types"] = [{**c, "volume": {**c["volume"], "per_day": c["volume"]["per_day"] * 1.6}}
                             for c in KNOWN["contact_types"]]
    data["agents"] = {"shifts": [{"id": "day", "start": "08:00", "length_h": 12, "headcount": 5}]}
    scenario = sim.Scenario.model_validate(data)
    return folder / write_call_records(scenario, ["base"], seed=1, replications=1, out=folder)[0]


def _one_run(log: Path, layout: list[str], out: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sim", "calibrate", str(log), "--out", str(out), *layout], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        logs = []
        bank = _bank()
        if bank is not None:
            logs.append(("real month (anonymous_bank)", bank, []))
        logs.append(("simulated month (humanline)", _simulated_month(tmp), ["--format", "humanline"]))
        times: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in logs}
        for r in range(args.repeats):  # interleaved, so a change in the machine's load hits every log alike
            for name, log, layout in logs:
                times[name].append(_one_run(log, layout, tmp / f"out-{r}-{len(times[name])}"))
        for name, log, _ in logs:
            rows = sum(1 for _ in open(log, encoding="latin-1")) - 1
            walls = [w for w, _ in times[name]]
            cpus = [c for _, c in times[name]]
            print(f"{name}: {rows:,} rows, {args.repeats} fresh runs: median wall {statistics.median(walls):.1f} s "
                  f"(range {min(walls):.1f}-{max(walls):.1f}), median CPU {statistics.median(cpus):.1f} s")


if __name__ == "__main__":
    main()
