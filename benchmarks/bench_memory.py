"""Peak memory of one run through the public ``sim.run``, against the size guard's estimate.

Two cases, each size in a fresh interpreter, so the peak resident set
(ru_maxrss) is that run's alone; the interpreter with humanline imported and
nothing run is measured the same way and subtracted:

- ``attempts``: a busy M/M/c+M line with redials (an incident makes more
  than one attempt), one replication, incidents not kept: what an attempt
  costs;
- ``intervals``: a year-long horizon of 15-minute intervals, many contact
  types and policies with next to no calls: what the per-interval tables
  cost (intervals x types x policies x replications rows), which the
  attempts do not show.

Each row prints the run's size, its peak RSS above the idle interpreter, the
estimate of ``sim.runs.size_guard.estimate_run_size`` and their ratio
(estimate / measured; the guard should sit at or above 1). The guard's
constants (``BYTES_PER_ATTEMPT``, ``BYTES_PER_INTERVAL_ROW``) are calibrated
from this table; run it under ``nice`` on a quiet machine.

    .venv/bin/python benchmarks/bench_memory.py [--attempts 1e6 1e7] [--interval-rows 1e6 4e6]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, math, resource, sys, time
import sim
import sim.runs.runner  # what a run loads (``import sim`` alone loads nothing), so the idle baseline has it too
from sim.runs.size_guard import estimate_run_size
case, size = sys.argv[1], float(sys.argv[2])
if case == "attempts":
    per_day = 1_000_000.0
    days = max(1, math.ceil(size / (1.06 * per_day)))  # about 1.06 attempts an incident
    sc = sim.Scenario.model_validate({
        "name": "memory", "days": days, "interval_min": 60,
        "contact_types": [{
            "id": "calls", "volume": {"per_day": per_day},
            "handle_time_s": {"dist": "exponential", "mean": 240},
            "patience_s": {"dist": "exponential", "mean": 120},
            "redial": {"probability": 0.5, "max_attempts": 3},
        }],
        "agents": {"shifts": [{"id": "all", "start": "00:00", "length_h": 24, "headcount": 2600}]},
    })
else:  # intervals: rows = days x 96 x types x policies
    types, policies = 40, 5  # 4e6 rows in 209 days, inside the longest horizon
    days = max(1, math.ceil(size / (96 * types * policies)))
    sc = sim.Scenario.model_validate({
        "name": "memory", "days": days, "interval_min": 15,
        "contact_types": [{
            "id": f"t{k}", "volume": {"per_day": 0.5},
            "handle_time_s": {"dist": "exponential", "mean": 240},
            "patience_s": {"dist": "exponential", "mean": 120},
        } for k in range(types)],
        "agents": {"shifts": [{"id": "all", "start": "00:00", "length_h": 24, "headcount": 1}]},
        "policies": [{"id": f"p{k}", "baseline": k == 0, "staffing_scale": 1 + k / 10} for k in range(policies)],
    })
estimate = estimate_run_size(sc, replications=1)
t, cpu = time.perf_counter(), time.process_time()
attempts = rows = 0
if size > 0:
    res = sim.run(sc, settings=sim.RunSettings(replications=1, seed=1), keep_incidents="none", allow_large=True)
    attempts = int(res.replications["attempts"].sum())
    rows = len(res.intervals)
print(json.dumps({"attempts": attempts, "rows": rows, "seconds": time.perf_counter() - t, "cpu_s": time.process_time() - cpu,
                  "estimate_bytes": estimate.memory_bytes if size > 0 else 0,
                  "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def measure(case: str, size: float) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, case, str(size)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=float, nargs="*", default=[1e6, 1e7])
    parser.add_argument("--interval-rows", type=float, nargs="*", default=[1e6, 4e6])
    args = parser.parse_args()
    idle = measure("attempts", 0)
    print(f"interpreter with humanline imported: {idle['peak_kib'] / 1024:,.0f} MiB")
    print(f"{'case':>10}{'attempts':>12}{'interval rows':>15}{'seconds':>9}{'CPU s':>7}{'peak MiB':>10}"
          f"{'B/attempt':>11}{'B/row':>8}{'estimate MiB':>14}{'est/peak':>9}")
    for case, sizes in (("attempts", args.attempts), ("intervals", args.interval_rows)):
        for wanted in sizes:
            row = measure(case, wanted)
            peak = (row["peak_kib"] - idle["peak_kib"]) * 1024
            # Each case is dominated by one kind of row: the other's per-row figure would mean nothing.
            per_attempt = f"{peak / max(row['attempts'], 1):,.0f}" if case == "attempts" else "-"
            per_row = f"{peak / max(row['rows'], 1):,.0f}" if case == "intervals" else "-"
            print(f"{case:>10}{row['attempts']:>12,}{row['rows']:>15,}{row['seconds']:>9.1f}{row['cpu_s']:>7.1f}"
                  f"{row['peak_kib'] / 1024:>10,.0f}{per_attempt:>11}{per_row:>8}"
                  f"{row['estimate_bytes'] / 2**20:>14,.0f}{row['estimate_bytes'] / max(peak, 1):>9.2f}")


if __name__ == "__main__":
    main()
