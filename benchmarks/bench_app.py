"""Click-to-charts time of the app's default comparison, in a real headless Chromium.

What is measured: `streamlit run app.py` serves the app as `make app` does;
Chromium opens it on the default preset and default knobs; the clock starts
at the click on "Run simulation" and stops when the Compare page's chart has
its bars drawn and the table of that run is on screen (the page's last line,
which names the run's seed, has arrived). The first click of each server is
the exact default comparison, uncached; later clicks change only the seed so
they are uncached too. Then the "Cost of cutting" page is opened and the time
until the frontier chart is drawn is measured the same way.

    .venv/bin/python benchmarks/bench_app.py [--repeats 3] [--workers 1 2] [--screenshots docs]

Prints every click, the median, the app's own split (simulation vs
statistics, read off the page) and the machine's load average, which matters:
other jobs on a 2-core machine slow a run down a lot.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ui import browser  # noqa: E402


def split_from_page(page) -> str:
    text = page.get_by_text(re.compile(r"^Simulated in ")).last.inner_text()
    match = re.search(r"Simulated in ([\d.]+) s, statistics in ([\d.]+) s", text)
    return f"sim {match.group(1)} s + stats {match.group(2)} s" if match else text


def bench(workers: int, repeats: int, screenshots: Path | None) -> dict:
    clicks, frontier = [], None
    with browser.serve_app(env={"HUMANLINE_WORKERS": str(workers)}) as url, browser.chromium() as chrome:
        page = browser.open_app(chrome, url, width=1400, height=1000)
        default_seed = int(browser.sidebar_seed(page))
        for i in range(repeats):
            if i:
                browser.set_seed(page, default_seed + i, differences_after=2)  # quick replications + seed
            load = os.getloadavg()[0]
            seconds = browser.run_default(page)
            clicks.append(seconds)
            print(f"  workers={workers} click {i + 1}: {seconds:5.2f} s to charts ({split_from_page(page)}; "
                  f"load avg {load:.2f})", flush=True)
        if screenshots is not None:
            browser.set_seed(page, default_seed, differences_after=1)  # cached: the default comparison again
            browser.run_default(page)
            browser.clear_hover(page)
            screenshots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshots / "screenshot.png"))
        frontier = browser.go_to(page, "Cost of cutting", "The cost of cutting")
        print(f"  workers={workers} frontier page: {frontier:5.2f} s to chart", flush=True)
        if screenshots is not None:
            browser.clear_hover(page)
            page.get_by_text("The emergency guarantee").first.scroll_into_view_if_needed()
            page.screenshot(path=str(screenshots / "frontier.png"))
    return {"workers": workers, "clicks": clicks, "frontier": frontier}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--screenshots", type=Path, default=None,
                        help="directory for screenshot.png (Compare) and frontier.png")
    args = parser.parse_args()
    if browser.chromium_path() is None:
        sys.exit("chromium not found: apt-get install -y chromium")
    print(f"humanline app benchmark: default preset, default knobs, {os.cpu_count()} cores, "
          f"load avg {os.getloadavg()[0]:.2f} at start, {time.strftime('%Y-%m-%d %H:%M')}")
    rows = []
    for w in args.workers:
        rows.append(bench(w, args.repeats, args.screenshots if w == args.workers[0] else None))
    print("\nclick to charts (s):  median   min    max   | frontier page (s)")
    for r in rows:
        c = r["clicks"]
        print(f"  workers={r['workers']}:         {statistics.median(c):5.2f}  {min(c):5.2f}  {max(c):5.2f}  "
              f"| {r['frontier']:5.2f}")


if __name__ == "__main__":
    main()
