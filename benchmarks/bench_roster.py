"""Roster planning on the payment-platform week: the integer program alone, and the whole loop.

Runs ``python -m sim roster`` on plans/payment_platform_week.yaml (30-minute
starts over 7 days) in a fresh interpreter and reads its rounds: the solve
time and optimality gap of every round, and the wall-clock time of the whole
loop (requirement, solve, simulate, repair, final comparison).

    .venv/bin/python benchmarks/bench_roster.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sim", "roster", "scenarios/payment_platform.yaml", "--plan",
                        "plans/payment_platform_week.yaml", "--out", out], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        rounds = pd.read_csv(Path(out) / "rounds.csv")
    print(rounds[["round", "cost_per_week", "solve_s", "gap", "guarantee_share_mean", "guarantee_share_ci_low",
                  "holds_with_confidence"]].to_string(index=False))
    print(f"\nlongest solve {rounds['solve_s'].max():.1f} s; whole loop {wall:.1f} s")


if __name__ == "__main__":
    main()
