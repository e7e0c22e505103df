"""What callbacks cost: CPU seconds per run with the queue-length predictor on, against the same run without.

The queue-length predictor counts the callers ahead of every caller who
finds no free agent (sim/model/extended.py). It keeps those counts as the
queue changes, so its cost per arrival does not grow with the queue; before
(issue 24) it scanned the queues, and one replication of the case below took
2.1, 30 and 184 CPU seconds at 10,000, 20,000 and 40,000 attempts.

The case: one queue, exponential handle 240 s and patience 300 s, 40%
redial, a day. ``--agents 20`` (the issue's) keeps 20 agents whatever the
volume, so the queue grows with it; ``--agents 0`` sizes the centre to the
volume (offered load 1.1 x agents), a busy line. Callbacks: offered above a
predicted ``--threshold-s`` (30 s), in the queue too, keep_place, 60% accept.

Each run is a fresh interpreter; "off" and "on" are interleaved; medians of
``--repeats``; CPU time (user + system) of the child from building the
scenario to having the results, because the machine may be shared. Timing
lives here, never in the test suite.

    .venv/bin/python benchmarks/bench_callbacks.py [--attempts 1000000] [--agents 0] [--repeats 1]
    .venv/bin/python benchmarks/bench_callbacks.py --attempts 10000,20000,40000 --agents 20
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CHILD = r"""
import json, resource, sys
attempts, agents, callbacks, seed = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "on", int(sys.argv[4])
threshold_s = float(sys.argv[5])

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

import sim
HANDLE_S, PATIENCE_S, REDIAL_P = 240.0, 300.0, 0.4
# Attempts per incident are about 1 / (1 - redial share of those who abandon); aim at the attempts asked.
per_day = attempts / 1.25
if agents == 0:
    agents = max(1, round(per_day * HANDLE_S / 86400 / 1.1))
data = {
    "name": "callbacks benchmark", "days": 1, "interval_min": 60,
    "contact_types": [{
        "id": "calls", "volume": {"per_day": per_day},
        "handle_time_s": {"dist": "exponential", "mean": HANDLE_S},
        "patience_s": {"dist": "exponential", "mean": PATIENCE_S},
        "redial": {"probability": REDIAL_P, "max_attempts": 5},
        "callback": {"accept_probability": 0.6, "answer_probability": 0.85},
    }],
    "agents": {"shifts": [{"id": "all", "start": "00:00", "length_h": 24, "headcount": agents}]},
}
if callbacks:
    data["front_door"] = {"callback": {"enabled": True, "threshold_s": threshold_s, "predictor": "queue_length",
                                       "offer_in_queue": True, "queue": "keep_place"}}
start = cpu()
sc = sim.Scenario.model_validate(data)
res = sim.run(sc, settings=sim.RunSettings(replications=1, seed=seed), keep_incidents="none")
row = res.replications.sum(numeric_only=True)
print(json.dumps({"cpu_s": cpu() - start, "attempts": int(row["attempts"]), "agents": agents,
                  "offered_callbacks": int(row.get("callback_offered", 0)),
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_child(attempts: int, agents: int, callbacks: str, seed: int, threshold_s: float) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(attempts), str(agents), callbacks, str(seed),
                           str(threshold_s)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", default="1000000", help="comma-separated sizes (default 1000000)")
    parser.add_argument("--agents", type=int, default=0, help="agents on duty; 0: sized to the volume (default)")
    parser.add_argument("--threshold-s", type=float, default=30.0, help="callback threshold (default 30)")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    sizes = [int(float(a)) for a in args.attempts.split(",")]
    print(f"one queue, {'agents sized to the volume' if args.agents == 0 else f'{args.agents} agents'}; fresh "
          f"interpreters, off/on interleaved, median of {args.repeats}; CPU seconds of the child\n")
    print(f"{'attempts':>10}{'agents':>8}{'off CPU s':>11}{'on CPU s':>10}{'on/off':>8}{'on attempts/CPU s':>19}"
          f"{'callbacks offered':>19}{'on peak MiB':>13}")
    for size in sizes:
        runs: dict[str, list[dict]] = {"off": [], "on": []}
        for r in range(args.repeats):
            for mode in runs:  # interleaved
                runs[mode].append(run_child(size, args.agents, mode, 100 + r, args.threshold_s))
        off = statistics.median(x["cpu_s"] for x in runs["off"])
        on = statistics.median(x["cpu_s"] for x in runs["on"])
        last = runs["on"][-1]
        print(f"{last['attempts']:>10,}{last['agents']:>8}{off:>11.1f}{on:>10.1f}{on / off:>8.2f}"
              f"{last['attempts'] / on:>19,.0f}{last['offered_callbacks']:>19,}{last['peak_mib']:>13,.0f}")


if __name__ == "__main__":
    main()
