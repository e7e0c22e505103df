"""Engine throughput against an idiomatic SimPy model of the same queue (DESIGN.md §6).

The case: M/M/42+M, 10 arrivals a minute, mean service 4 min, mean patience
2 min, about 200,000 customers. Both models run in this one process, each
several times; the median customers per second, their ratio, and the
simulated abandonment / mean wait / P(wait) next to the exact Erlang A values
are printed. Timing lives here, not in the test suite.

    .venv/bin/python benchmarks/bench_engine.py [--customers 200000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import simpy

from sim.engine import ABANDONED, ANSWERED, simulate
from sim.erlang import erlang_a_metrics
from sim.metrics import summarise_run
from sim.roster import build_roster
from sim.scenario import Scenario
from sim.workload import draw_workload

RATE_PER_MIN, SERVICE_MIN, PATIENCE_MIN, SERVERS = 10.0, 4.0, 2.0, 42


def idiomatic(customers: int, seed: int) -> dict:
    """The textbook SimPy model: a process per customer, a Resource, reneging by condition event."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=SERVERS)
    stats = {"served": 0, "abandoned": 0, "waited": 0, "wait_sum": 0.0}

    def customer(env):
        arrive = env.now
        patience = rng.exponential(PATIENCE_MIN * 60)
        with agents.request() as req:
            result = yield req | env.timeout(patience)
            wait = env.now - arrive
            stats["wait_sum"] += wait
            if wait > 0:
                stats["waited"] += 1
            if req in result:
                stats["served"] += 1
                yield env.timeout(rng.exponential(SERVICE_MIN * 60))
            else:
                stats["abandoned"] += 1

    def source(env):
        for _ in range(customers):
            yield env.timeout(rng.exponential(60 / RATE_PER_MIN))
            env.process(customer(env))

    env.process(source(env))
    start = time.perf_counter()
    env.run()
    seconds = time.perf_counter() - start
    return _row("idiomatic SimPy", customers, seconds, stats["abandoned"], stats["wait_sum"], stats["waited"])


def scenario(customers: int) -> Scenario:
    per_day = RATE_PER_MIN * 1440
    days = max(1, round(customers / per_day))
    return Scenario.model_validate(
        {
            "name": "M/M/42+M benchmark",
            "days": days,
            "contact_types": [
                {
                    "id": "calls",
                    "volume": {"per_day": per_day},
                    "handle_time_s": {"dist": "exponential", "mean": SERVICE_MIN * 60},
                    "patience_s": {"dist": "exponential", "mean": PATIENCE_MIN * 60},
                    "redial": {"max_attempts": 1},
                }
            ],
            "agents": {"shifts": [{"id": "all", "start": "00:00", "length_h": 24, "headcount": SERVERS}]},
        }
    )


def humanline(sc: Scenario, seed: int, with_metrics: bool) -> dict:
    start = time.perf_counter()
    seeds = np.random.SeedSequence(seed).spawn(2)
    workload = draw_workload(sc, seeds[0])
    roster = build_roster(sc, seeds[1])
    log = simulate(sc, workload, roster)
    if with_metrics:
        summarise_run(sc, workload, roster, log)
    seconds = time.perf_counter() - start
    outcome = log.column("outcome")
    wait = log.column("leave_queue_s") - log.column("enqueue_s")
    name = "humanline" + (" + metrics" if with_metrics else "")
    return _row(name, outcome.size, seconds, int((outcome == ABANDONED).sum()), float(np.nansum(wait)),
                int(((outcome == ANSWERED) & (wait > 0)).sum() + (outcome == ABANDONED).sum()))


def _row(name, customers, seconds, abandoned, wait_sum, waited) -> dict:
    return {
        "model": name,
        "customers": customers,
        "seconds": seconds,
        "per_s": customers / seconds,
        "p_abandon": abandoned / customers,
        "mean_wait_s": wait_sum / customers,
        "p_wait": waited / customers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sc = scenario(args.customers)
    runs: dict[str, list[dict]] = {}
    for r in range(args.repeats):
        for row in (idiomatic(args.customers, 100 + r), humanline(sc, 100 + r, False), humanline(sc, 100 + r, True)):
            runs.setdefault(row["model"], []).append(row)

    exact = erlang_a_metrics(RATE_PER_MIN / 60, SERVICE_MIN * 60, PATIENCE_MIN * 60, SERVERS)
    print(f"M/M/{SERVERS}+M, {RATE_PER_MIN:g}/min, service {SERVICE_MIN:g} min, patience {PATIENCE_MIN:g} min; "
          f"median of {args.repeats} runs\n")
    print(f"{'model':<22}{'customers':>10}{'seconds':>9}{'cust/s':>10}{'P(aband)':>10}{'E[W] s':>9}{'P(wait)':>9}")
    medians = {}
    for name, rows in runs.items():
        med = {k: statistics.median(r[k] for r in rows) for k in rows[0] if k != "model"}
        medians[name] = med
        print(f"{name:<22}{med['customers']:>10,.0f}{med['seconds']:>9.2f}{med['per_s']:>10,.0f}"
              f"{med['p_abandon']:>10.4f}{med['mean_wait_s']:>9.2f}{med['p_wait']:>9.4f}")
    print(f"{'Erlang A (exact)':<22}{'':>10}{'':>9}{'':>10}{exact.p_abandon:>10.4f}{exact.mean_wait_s:>9.2f}"
          f"{exact.p_wait:>9.4f}")
    base = medians["idiomatic SimPy"]["per_s"]
    print(f"\nspeed-up vs idiomatic SimPy: engine {medians['humanline']['per_s'] / base:.2f}x, "
          f"engine + metrics {medians['humanline + metrics']['per_s'] / base:.2f}x")


if __name__ == "__main__":
    main()
