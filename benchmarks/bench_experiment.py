"""Experiment throughput: one worker, two local workers, a two-worker Dask LocalCluster; overhead per run.

Runs the bundled experiment (experiments/payment_platform_what_matters.yaml,
or --file) into a fresh temporary folder per executor, each in its own fresh
interpreter — on a Dask cluster twice: ``--dask local``, whose cluster and
worker start-up (fresh interpreters importing humanline) is in the time, and
a cluster already running with warm workers, as ``--dask tcp://host:8786`` is — and prints runs per second, the speed-up over one worker, the
peak memory of the parent, and the overhead per run: the experiment's
wall-clock time per run against the same runs simulated bare with
``run_replications`` (keying, scenario building, Parquet writing and
scheduling are the difference).

    .venv/bin/python benchmarks/bench_experiment.py [--file F] [--replications R]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from sim.studies.uncertainty import load_experiment, run_experiment
from sim.runs.settings import RunSettings
from sim.studies.uncertainty.designs import design_points
from sim.runs.runner import run_replications
path, out, mode, reps = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
experiment = load_experiment(path)
if reps:
    experiment.spec = experiment.spec.model_copy(update={"replications": reps})
cluster = None
if mode == "dask2-running":
    # A cluster that is already up, its workers warm (sim imported), as a user's --dask tcp://host:8786 is.
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with Client(cluster) as client:
        client.run(lambda: __import__("sim.studies.uncertainty.execute"))
start, cpu = time.perf_counter(), time.process_time()
if mode == "bare":
    design = design_points(experiment)
    runs = 0
    for r in range(experiment.spec.replications):
        for point in design.index:
            run_replications(experiment.scenario_at(design.loc[point].to_dict()), experiment.policies,
                             range(r, r + 1), experiment.spec.seed)
            runs += 1
else:
    workers = {"one": 1, "local2": 2, "dask2": 2, "dask2-running": 2}[mode]
    dask = {"dask2": "local", "dask2-running": cluster.scheduler_address if cluster else None}.get(mode)
    table = run_experiment(experiment, out, settings=RunSettings(workers=workers), dask=dask)
    runs = table[["point", "replication"]].drop_duplicates().shape[0]
seconds = time.perf_counter() - start
# CPU of this process and of the processes it waited for: its local workers and the cluster --dask local starts
# and closes; the already running cluster's workers are not counted (they outlive the measurement)
own = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu_s = time.process_time() - cpu + kids.ru_utime + kids.ru_stime
if cluster is not None:
    cluster.close()
print(json.dumps({"runs": runs, "seconds": seconds, "cpu_s": cpu_s, "peak_mib": own.ru_maxrss / 1024}))
"""


def measure(file: Path, mode: str, replications: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([sys.executable, "-c", CHILD, str(file), str(Path(tmp) / "out"), mode,
                               str(replications)], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=ROOT / "experiments" / "payment_platform_what_matters.yaml")
    parser.add_argument("--replications", type=int, default=0, help="override the file's replications (0: keep)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of every executor, interleaved (median)")
    args = parser.parse_args()
    modes = ("bare", "one", "local2", "dask2", "dask2-running")
    # Interleaved rounds, so a slow spell of the machine falls on every executor alike; medians of the rounds.
    rounds = [{mode: measure(args.file, mode, args.replications) for mode in modes} for _ in range(args.repeats)]
    rows = {
        mode: {
            "runs": rounds[0][mode]["runs"],
            "seconds": statistics.median(r[mode]["seconds"] for r in rounds),
            "cpu_s": statistics.median(r[mode]["cpu_s"] for r in rounds),
            "peak_mib": statistics.median(r[mode]["peak_mib"] for r in rounds),
        }
        for mode in modes
    }
    one = rows["one"]["seconds"]
    print(f"{args.file.name}: {rows['one']['runs']} runs; medians of {args.repeats} interleaved rounds\n")
    print(f"{'executor':<28}{'seconds':>9}{'CPU s':>8}{'runs/s':>9}{'vs one':>8}{'parent MiB':>12}")
    labels = {"bare": "bare simulation (no store)", "one": "experiment, 1 worker", "local2": "experiment, 2 processes",
              "dask2": "--dask local (2, start-up in)", "dask2-running": "Dask, a running cluster of 2"}
    for mode, row in rows.items():
        print(f"{labels[mode]:<28}{row['seconds']:>9.1f}{row['cpu_s']:>8.1f}{row['runs'] / row['seconds']:>9.2f}"
              f"{one / row['seconds']:>8.2f}{row['peak_mib']:>12,.0f}")
    overhead = rows["one"]["seconds"] / rows["bare"]["seconds"] - 1
    print(f"\noverhead per run (1 worker against bare simulation): {overhead:+.1%}")


if __name__ == "__main__":
    main()
