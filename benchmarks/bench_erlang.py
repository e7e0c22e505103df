"""How long the closed forms take: Erlang A and Erlang X at 14, 500 and 5,000 agents (medians of repeats).

Timing lives here, not in the test suite; the cases are those a staffing
search evaluates many times over (one per candidate number of agents).

    .venv/bin/python benchmarks/bench_erlang.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

from sim.analytic.erlang import erlang_a_metrics, erlang_x_metrics

CASES = [  # (label, arrival rate per s, AHT s, patience s, agents)
    ("A1, 14 agents", 200 / 3600, 180.0, 300.0, 14),
    ("500 agents, 480 E", 480 / 180, 180.0, 300.0, 500),
    ("5,000 agents, 4,900 E", 4900 / 180, 180.0, 300.0, 5000),
]


def median_ms(fn, repeats: int) -> tuple[float, float]:
    """(wall, CPU) milliseconds of ``fn()``, medians of ``repeats``."""
    walls, cpus = [], []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return 1000 * statistics.median(walls), 1000 * statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(f"{'case':<24}{'Erlang A ms (CPU)':>20}{'Erlang X ms (CPU), redials 0.5, lines N+50':>46}")
    for label, lam, aht, patience, n in CASES:
        a = median_ms(lambda: erlang_a_metrics(lam, aht, patience, n), args.repeats)
        x = median_ms(lambda: erlang_x_metrics(lam, aht, patience, n, lines=n + 50, redial_probability=0.5),
                      args.repeats)
        print(f"{label:<24}{a[0]:>11.2f} ({a[1]:>6.2f}){x[0]:>37.2f} ({x[1]:>6.2f})")


if __name__ == "__main__":
    main()
