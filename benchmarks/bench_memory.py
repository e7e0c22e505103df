"""Memory per attempt of one replication through the public ``sim.run``.

Each size runs in a fresh interpreter, so the peak resident set (ru_maxrss)
is that run's alone; the interpreter with humanline imported and nothing run
is measured the same way and subtracted. The case is a busy M/M/c+M line with
redials (so an incident makes more than one attempt), one replication,
incidents not kept. Prints attempts, peak RSS and bytes per attempt.

    .venv/bin/python benchmarks/bench_memory.py [--attempts 1e6 1e7]
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
attempts_wanted = float(sys.argv[1])
per_day = 1_000_000.0
days = max(1, math.ceil(attempts_wanted / (1.06 * per_day)))  # about 1.06 attempts an incident
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
t, cpu = time.perf_counter(), time.process_time()
attempts = 0
if attempts_wanted > 0:
    res = sim.run(sc, replications=1, seed=1, keep_incidents="none")
    attempts = int(res.replications["attempts"].sum())
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"attempts": attempts, "seconds": time.perf_counter() - t, "cpu_s": time.process_time() - cpu,
                  "peak_kib": usage.ru_maxrss}))
"""


def measure(attempts: float) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(attempts)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=float, nargs="+", default=[1e6, 1e7])
    args = parser.parse_args()
    idle = measure(0)
    print(f"interpreter with humanline imported: {idle['peak_kib'] / 1024:,.0f} MiB")
    print(f"{'attempts':>12}{'seconds':>9}{'CPU s':>7}{'peak MiB':>10}{'bytes/attempt':>15}")
    for wanted in args.attempts:
        row = measure(wanted)
        per = (row["peak_kib"] - idle["peak_kib"]) * 1024 / max(row["attempts"], 1)
        print(f"{row['attempts']:>12,}{row['seconds']:>9.1f}{row['cpu_s']:>7.1f}{row['peak_kib'] / 1024:>10,.0f}"
              f"{per:>15,.0f}")


if __name__ == "__main__":
    main()
