"""Engine throughput, measured the way a user would compare simulators (docs/design.md §6).

The case: M/M/42+M, 10 arrivals a minute, mean service 4 min, mean patience
2 min, about 200,000 customers. Three implementations:

- humanline through the public ``sim.run`` (workload, engine and metrics all
  included, one replication);
- the same queue written idiomatically in SimPy, as textbook examples do: a
  process per customer, ``simpy.Resource``, reneging with
  ``request | timeout``, numbers from Python's ``random`` module;
- Ciw (``ciw.create_network`` with reneging), records collected.

Every run is its own fresh interpreter (nothing warmed up or cached by an
earlier run), the implementations are interleaved (idiomatic, humanline,
Ciw, idiomatic, ...) so a slow minute on a shared machine hits all of them,
and medians of ``--repeats`` runs are printed with the ratios. Each child
times its model from building it to having its results, not the interpreter
start nor the import of its library, which is timed apart ("import CPU s"):
``import simpy``, ``import ciw``, and for humanline ``import sim`` with the
scenario's modules and the first use of ``sim.run``, which imports the
runner and pandas (sim's imports are lazy, so that last part used to land
inside humanline's run alone). The ratios are of customers per CPU second,
since the machine may be shared; also printed: per wall second, with every
library's import counted, and as timed before (that lazy import inside). ``--scaling`` also times humanline at 10 to 2,000 agents (same
customers, same utilisation) to show throughput does not depend on the size
of the centre. Timing lives here, never in the test suite.

    .venv/bin/python benchmarks/bench_engine.py [--customers 200000] [--repeats 3] [--scaling]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

RATE_PER_MIN, SERVICE_MIN, PATIENCE_MIN, SERVERS = 10.0, 4.0, 2.0, 42

CHILDREN = {
    "idiomatic SimPy": r"""
import time
import_start = time.process_time()
import random, simpy
import_cpu_s = time.process_time() - import_start
customers, seed = int(sys.argv[1]), int(sys.argv[2])
RATE, SERVICE, PATIENCE, SERVERS = {rate} / 60, {service} * 60, {patience} * 60, {servers}
random.seed(seed)
start, cpu_start = time.perf_counter(), time.process_time()
env = simpy.Environment()
agents = simpy.Resource(env, capacity=SERVERS)
stats = {{"abandoned": 0, "wait_sum": 0.0}}

def customer(env):
    arrive = env.now
    with agents.request() as req:
        result = yield req | env.timeout(random.expovariate(1 / PATIENCE))
        stats["wait_sum"] += env.now - arrive
        if req in result:
            yield env.timeout(random.expovariate(1 / SERVICE))
        else:
            stats["abandoned"] += 1

def source(env):
    for _ in range(customers):
        yield env.timeout(random.expovariate(RATE))
        env.process(customer(env))

env.process(source(env))
env.run()
result = {{"customers": customers, "abandoned": stats["abandoned"], "wait_sum": stats["wait_sum"]}}
""",
    "humanline": r"""
import time
import_start = time.process_time()
import sim
Scenario = sim.Scenario
run_import_start = time.process_time()
run, RunSettings = sim.run, sim.RunSettings  # what ``from sim import run`` does: imports the runner, pandas with it
import_cpu_s = time.process_time() - import_start
run_import_cpu_s = time.process_time() - run_import_start  # the part that used to land inside the run
customers, seed = int(sys.argv[1]), int(sys.argv[2])
servers = int(sys.argv[3]) if len(sys.argv) > 3 else {servers}
rate_per_min = {rate} * servers / {servers}
per_day = rate_per_min * 1440
sc = Scenario.model_validate({{
    "name": "M/M/N+M benchmark", "days": max(1, round(customers / per_day)), "interval_min": 60,
    "contact_types": [{{
        "id": "calls", "volume": {{"per_day": per_day}},
        "handle_time_s": {{"dist": "exponential", "mean": {service} * 60}},
        "patience_s": {{"dist": "exponential", "mean": {patience} * 60}},
        "redial": {{"max_attempts": 1}},
    }}],
    "agents": {{"shifts": [{{"id": "all", "start": "00:00", "length_h": 24, "headcount": servers}}]}},
}})
start, cpu_start = time.perf_counter(), time.process_time()
res = run(sc, settings=RunSettings(replications=1, seed=seed), keep_incidents="none")
row = res.replications.iloc[0]
result = {{"customers": int(row["attempts"]), "abandoned": int(row["abandoned"]), "wait_sum": float(row["wait_sum_s"]),
          "run_import_cpu_s": run_import_cpu_s}}
""",
    "Ciw": r"""
import time
import_start = time.process_time()
import ciw
import_cpu_s = time.process_time() - import_start
customers, seed = int(sys.argv[1]), int(sys.argv[2])
RATE, SERVICE, PATIENCE, SERVERS = {rate} / 60, {service} * 60, {patience} * 60, {servers}
start, cpu_start = time.perf_counter(), time.process_time()
network = ciw.create_network(
    arrival_distributions=[ciw.dists.Exponential(rate=RATE)],
    service_distributions=[ciw.dists.Exponential(rate=1 / SERVICE)],
    number_of_servers=[SERVERS],
    reneging_time_distributions=[ciw.dists.Exponential(rate=1 / PATIENCE)],
)
ciw.seed(seed)
q = ciw.Simulation(network)
q.simulate_until_max_time(customers / RATE)
records = q.get_all_records()
result = {{"customers": len(records), "abandoned": sum(r.record_type == "renege" for r in records),
          "wait_sum": sum(r.waiting_time for r in records)}}
""",
}
EPILOGUE = r"""
seconds = time.perf_counter() - start
import resource
result.update(seconds=seconds, cpu_s=time.process_time() - cpu_start, import_cpu_s=import_cpu_s,
              peak_kib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
print(json.dumps(result))
"""


def child_source(model: str) -> str:
    body = CHILDREN[model].format(rate=RATE_PER_MIN, service=SERVICE_MIN, patience=PATIENCE_MIN, servers=SERVERS)
    return "import json, sys\n" + body + EPILOGUE


def run_child(model: str, customers: int, seed: int, *extra: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", child_source(model), str(customers), str(seed), *map(str, extra)],
        capture_output=True, text=True, check=True,
    )
    row = json.loads(done.stdout)
    row["per_s"] = row["customers"] / row["seconds"]
    row["per_cpu_s"] = row["customers"] / row["cpu_s"]
    row["per_cpu_s_with_import"] = row["customers"] / (row["cpu_s"] + row["import_cpu_s"])
    # How this benchmark timed humanline before its imports were timed apart: sim.run's lazy import inside the run.
    row["per_cpu_s_as_before"] = row["customers"] / (row["cpu_s"] + row.get("run_import_cpu_s", 0.0))
    return row


def compare(customers: int, repeats: int) -> None:
    runs: dict[str, list[dict]] = {model: [] for model in CHILDREN}
    for r in range(repeats):
        for model in CHILDREN:  # interleaved
            runs[model].append(run_child(model, customers, 100 + r))
    from sim.analytic.erlang import erlang_a_metrics

    exact = erlang_a_metrics(RATE_PER_MIN / 60, SERVICE_MIN * 60, PATIENCE_MIN * 60, SERVERS)
    print(f"M/M/{SERVERS}+M, {RATE_PER_MIN:g}/min, service {SERVICE_MIN:g} min, patience {PATIENCE_MIN:g} min; "
          f"each run a fresh interpreter, interleaved, median of {repeats}\n")
    print(f"{'model':<18}{'customers':>10}{'seconds':>9}{'CPU s':>7}{'cust/CPU s':>11}{'import CPU s':>13}"
          f"{'P(aband)':>10}{'E[W] s':>9}{'peak MiB':>10}")
    medians = {}
    for model, rows in runs.items():
        med = {k: statistics.median(row[k] for row in rows) for k in rows[0]}
        medians[model] = med
        print(f"{model:<18}{med['customers']:>10,.0f}{med['seconds']:>9.2f}{med['cpu_s']:>7.2f}"
              f"{med['per_cpu_s']:>11,.0f}{med['import_cpu_s']:>13.2f}"
              f"{med['abandoned'] / med['customers']:>10.4f}{med['wait_sum'] / med['customers']:>9.2f}"
              f"{med['peak_kib'] / 1024:>10,.0f}")
    print(f"{'Erlang A (exact)':<18}{'':>10}{'':>9}{'':>7}{'':>11}{'':>13}{exact.p_abandon:>10.4f}"
          f"{exact.mean_wait_s:>9.2f}")

    def ratios(ours: str, theirs: str) -> str:
        return (f"{medians['humanline'][ours] / medians['idiomatic SimPy'][theirs]:.2f}x idiomatic SimPy, "
                f"{medians['humanline'][ours] / medians['Ciw'][theirs]:.2f}x Ciw")

    print(f"\nhumanline through sim.run, customers per CPU second: {ratios('per_cpu_s', 'per_cpu_s')}")
    print(f"  per wall second: {ratios('per_s', 'per_s')}")
    print(f"  CPU, every library's import counted: {ratios('per_cpu_s_with_import', 'per_cpu_s_with_import')}")
    print(f"  CPU, as timed before (humanline's first sim.run importing the runner and pandas inside its run): "
          f"{ratios('per_cpu_s_as_before', 'per_cpu_s')}")


def scaling(customers: int, repeats: int) -> None:
    print(f"\nhumanline through sim.run, {customers:,} customers at the same utilisation, median of {repeats}:")
    rates = {}
    for agents in (10, 100, 500, 2000):
        rows = [run_child("humanline", customers, 200 + r, agents) for r in range(repeats)]
        rates[agents] = statistics.median(row["per_cpu_s"] for row in rows)
        print(f"  {agents:>5} agents: {rates[agents]:>9,.0f} customers per CPU second "
              f"({statistics.median(row['seconds'] for row in rows):.2f} s wall, "
              f"{statistics.median(row['cpu_s'] for row in rows):.2f} s CPU)")
    spread = max(rates.values()) / min(rates.values()) - 1
    print(f"  fastest / slowest - 1 = {spread:.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scaling", action="store_true", help="also time 10 to 2,000 agents")
    args = parser.parse_args()
    compare(args.customers, args.repeats)
    if args.scaling:
        scaling(args.customers, args.repeats)


if __name__ == "__main__":
    main()
