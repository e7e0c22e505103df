"""How long the evidence report of the payment-platform week takes to build (issue 11: under 60 s, 2 cores).

    python benchmarks/bench_report.py [--replications 10] [--workers 2] [--repeats 3]

Each build runs in a fresh interpreter (``python -m sim report``, so imports and
process start-up count as a user sees them); the median wall time is printed
with the load average, since the machine is shared and the figure is only
meaningful beside what else was running.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.html"
        for i in range(args.repeats):
            load = os.getloadavg()[0]
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "sim", "report", str(ROOT / "scenarios" / "payment_platform.yaml"),
                            "--replications", str(args.replications), "--workers", str(args.workers),
                            "--out", str(out)], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
            elapsed = time.perf_counter() - t0
            times.append(elapsed)
            print(f"build {i + 1}: {elapsed:.1f} s (load average before: {load:.2f}), "
                  f"{out.stat().st_size / 1e6:.1f} MB")
    print(f"median {statistics.median(times):.1f} s over {len(times)} builds; payment-platform week, "
          f"{args.replications} replications, {args.workers} workers, {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
