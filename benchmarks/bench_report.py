"""How long the evidence report of the payment-platform week takes to build: idle, and beside a CPU hog.

    python benchmarks/bench_report.py [--replications 10] [--workers 2] [--repeats 3] [--hog both|off|on]

Each build runs in a fresh interpreter (``python -m sim report``, so imports and
process start-up count as a user sees them). Builds alternate between an idle
machine and one with a CPU hog (one busy process per core, ``benchmarks/load.py``)
so that both figures come from the same period; each is printed with its CPU
time (the build's own, its worker processes included) and the load average,
then the medians per condition. The stage times come from the build's own
progress lines (stderr, one per stage).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.load import cpu_hog, median, run_timed  # noqa: E402

STAGE = re.compile(r"^report: ([^:(]+?) \((\d+) s\)$")


def stages(log: str, wall_s: float) -> str:
    """'; comparing 12 s, tracing 9 s, ...': each stage from its start to the next (the last to the end)."""
    starts = [(m.group(1).split()[0], int(m.group(2))) for line in log.splitlines() if (m := STAGE.match(line))]
    ends = [t for _, t in starts[1:]] + [wall_s]
    return "".join(f"{'; ' if i == 0 else ', '}{name} {end - t:.0f} s" for i, ((name, t), end) in
                   enumerate(zip(starts, ends)))


def build(args, out: Path, log: Path):
    cmd = [sys.executable, "-m", "sim", "report", str(ROOT / "scenarios" / "payment_platform.yaml"),
           "--replications", str(args.replications), "--workers", str(args.workers), "--out", str(out)]
    with log.open("w") as err:
        timing = run_timed(cmd, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT, stdout=subprocess.DEVNULL,
                           stderr=err)
    return timing, stages(log.read_text(), timing.wall_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--hog", choices=("both", "off", "on"), default="both",
                        help="builds on an idle machine, beside one busy process per core, or both (interleaved)")
    args = parser.parse_args()
    conditions = {"both": (False, True), "off": (False,), "on": (True,)}[args.hog]
    print(f"evidence report, payment-platform week, {args.replications} replications, {args.workers} workers, "
          f"{os.cpu_count()} cores, load avg {os.getloadavg()[0]:.1f} at start")
    seen: dict[bool, list] = {hog: [] for hog in conditions}
    with tempfile.TemporaryDirectory() as tmp:
        out, log = Path(tmp) / "report.html", Path(tmp) / "stderr.txt"
        for i in range(args.repeats):
            for hog in conditions:
                with cpu_hog(enabled=hog) as hogs:
                    timing, split = build(args, out, log)
                seen[hog].append(timing)
                print(f"build {i + 1}, {'with ' + str(hogs) + ' hog(s)' if hog else 'no hog':<12}: {timing}, "
                      f"{out.stat().st_size / 1e6:.1f} MB{split}", flush=True)
    print("\nmedians:")
    for hog, timings in seen.items():
        print(f"  {'CPU hog, one per core' if hog else 'no hog':<22} {median([t.wall_s for t in timings]):6.1f} s wall, "
              f"{median([t.cpu_s for t in timings]):6.1f} s CPU over {len(timings)} builds "
              f"(load avg {min(t.load for t in timings):.1f}-{max(t.load for t in timings):.1f})")


if __name__ == "__main__":
    main()
