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
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.load import run_timed  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as out:
        timing = run_timed([sys.executable, "-m", "sim", "roster", "scenarios/payment_platform.yaml", "--plan",
                            "plans/payment_platform_week.yaml", "--out", out], cwd=ROOT, stdout=subprocess.DEVNULL)
        rounds = pd.read_csv(Path(out) / "rounds.csv")
    print(rounds[["round", "cost_per_week", "solve_s", "gap", "guarantee_share_mean", "guarantee_share_ci_low",
                  "holds_with_confidence"]].to_string(index=False))
    print(f"\nlongest solve {rounds['solve_s'].max():.1f} s; whole loop {timing}")


if __name__ == "__main__":
    main()
