"""Two versions of the engine compared on the same runs: CPU seconds through ``sim.run``, before against after.

For a change that must not cost speed (the routing seam of issue 22, say):
a git revision (default ``main``) against the working tree or another
revision (``--after``), each exported to a temporary folder. Cases, each
one replication through the public ``sim.run``:

- ``plain``: bench_engine.py's M/M/42+M, priority routing and its fast path;
- ``callbacks``: the flagship's ``callbacks_cut40`` policy (queue-length
  predictor, offers in the queue, keep_place), run for as many days as make
  about ``--customers`` contacts;
- ``chats``: the flagship's ``chat_routine`` policy, likewise;
- ``overflow``: two types on two groups, the first overflowing into the
  second's group after 30 s.

Every run is a fresh interpreter; versions and cases are interleaved
(before, after, before, ...) so a slow minute on a shared machine hits both;
medians of ``--repeats``; CPU time (user + system) of the child from
building the scenario to having its tables, since the machine may be shared.
The load average is printed before and after. Timing lives here, never in
the test suite.

    .venv/bin/python benchmarks/bench_versions.py [--before main] [--after HEAD] [--repeats 5] [--customers 200000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys
tree, case, customers, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
sys.path.insert(0, tree)
import sim

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

def exponential(mean):
    return {"dist": "exponential", "mean": mean}

start = cpu()
if case == "plain" or case == "overflow":
    per_day = 10.0 * 1440
    types = [{"id": "calls", "volume": {"per_day": per_day}, "handle_time_s": exponential(240),
              "patience_s": exponential(120), "redial": {"max_attempts": 1}}]
    shifts = [{"id": "all", "start": "00:00", "length_h": 24, "headcount": 42}]
    data = {"name": "bench", "days": max(1, round(customers / per_day)), "interval_min": 60,
            "contact_types": types, "agents": {"shifts": shifts}}
    if case == "overflow":
        types[0]["volume"]["per_day"] = per_day * 0.75
        types[0]["skill"] = "a"
        types.append({"id": "other", "skill": "b", "volume": {"per_day": per_day * 0.25},
                      "handle_time_s": exponential(240), "patience_s": exponential(120),
                      "redial": {"max_attempts": 1}})
        shifts[:] = [{"id": "own", "start": "00:00", "length_h": 24, "headcount": 31, "skills": ["a"]},
                     {"id": "spare", "start": "00:00", "length_h": 24, "headcount": 11, "skills": ["b"]}]
        data["routing"] = {"overflow": [{"contact_type": "calls", "stages": [{"after_s": 30, "groups": ["spare"]}]}]}
    sc = sim.Scenario.model_validate({**data, "replications": 1, "seed": seed})
    policies = None
else:
    data = sim.load_scenario(sys.argv[5]).model_dump(mode="json")
    data["days"] = max(1, min(366, round(customers / 2300)))  # the flagship has about 2,300 contacts a day
    sc = sim.Scenario.model_validate({**data, "replications": 1, "seed": seed})
    policies = ["callbacks_cut40" if case == "callbacks" else "chat_routine"]
# One replication of the seed as scenario fields, not run settings: the child runs on revisions of either API.
res = sim.run(sc, policies=policies, keep_incidents="none")
attempts = int(res.replications["attempts"].sum())
print(json.dumps({"cpu_s": cpu() - start, "attempts": attempts}))
"""

CASES = ("plain", "callbacks", "chats", "overflow")


def export(revision: str, into: str) -> str:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "sim"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", into], input=archive.stdout, check=True)
    return into


def run_child(tree: str, case: str, customers: int, seed: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, tree, case, str(customers), str(seed),
         str(ROOT / "scenarios" / "payment_platform.yaml")],
        capture_output=True, text=True, check=True, cwd=tempfile.gettempdir(),
    )
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="main", help="git revision to compare against (default main)")
    parser.add_argument("--after", default=None, help="git revision to measure (default: the working tree)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--customers", type=int, default=200_000, help="about how many customers each case has")
    parser.add_argument("--cases", default=",".join(CASES))
    args = parser.parse_args()
    cases = args.cases.split(",")
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as before_dir, tempfile.TemporaryDirectory() as after_dir:
        after = export(args.after, after_dir) if args.after else str(ROOT)
        trees = {"before": export(args.before, before_dir), "after": after}
        runs = {(case, v): [] for case in cases for v in trees}
        for r in range(args.repeats):
            for case in cases:
                order = list(trees) if r % 2 == 0 else list(reversed(trees))
                for version in order:
                    runs[case, version].append(run_child(trees[version], case, args.customers, 100 + r))
    print(f"load average after: {os.getloadavg()}")
    print(f"\nbefore = {args.before}, after = {args.after or 'working tree'}; "
          f"CPU seconds, median of {args.repeats} fresh runs\n")
    print(f"{'case':<11}{'attempts':>10}{'before s':>10}{'after s':>10}{'after/before':>14}   runs (before | after)")
    for case in cases:
        before = [row["cpu_s"] for row in runs[case, "before"]]
        after = [row["cpu_s"] for row in runs[case, "after"]]
        same = {row["attempts"] for row in runs[case, "before"]} == {row["attempts"] for row in runs[case, "after"]}
        b, a = statistics.median(before), statistics.median(after)
        print(f"{case:<11}{runs[case, 'after'][0]['attempts']:>10,}{b:>10.2f}{a:>10.2f}{a / b:>14.3f}   "
              f"{' '.join(f'{x:.2f}' for x in before)} | {' '.join(f'{x:.2f}' for x in after)}"
              f"{'' if same else '   (attempt counts differ!)'}")


if __name__ == "__main__":
    main()
