"""The app as a user meets it, in a real headless Chromium: click to charts, and the first visit of each page.

What is measured: `streamlit run app.py` serves the app as `make app` does;
Chromium opens it on the default preset and default knobs; the clock starts
at the click on "Run simulation" and stops when the Compare page's chart has
its bars drawn and the table of that run is on screen (the page's last line,
which names the run's seed, has arrived). The first click of each server is
the exact default comparison, uncached; later clicks change only the seed so
they are uncached too. Then each page is opened once after the run (its first
visit): Cost of cutting until its frontier is drawn, the others until their
script has finished.

Every figure comes with the CPU time it cost: the server's (its worker
processes included) and the browser's. Servers alternate between an idle
machine and one with a CPU hog beside them (one busy process per core,
benchmarks/load.py), so both figures come from the same period.

    .venv/bin/python benchmarks/bench_app.py [--repeats 3] [--workers 2] [--hog both|off|on] [--screenshots docs]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import browser  # noqa: E402  (tests/browser.py: the browser tests' helpers)

from benchmarks.load import cpu_hog, median  # noqa: E402

PAGES = (  # navigation title, the chart that marks it drawn (None: its own title, then its script finishing)
    ("Cost of cutting", "The cost of cutting"),
    ("Plan a roster", "Requirement and cover"),
    ("Assumptions", None),
    ("Downloads", None),
    ("Emergencies", "Emergency time to a human"),
)


def cpu_s(pid: int) -> float:
    """CPU seconds of a process and of every process under it, live or finished (their waited-for time)."""
    total = 0.0
    try:
        root = psutil.Process(pid)
        for proc in [root, *root.children(recursive=True)]:
            try:
                t = proc.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
            except psutil.Error:
                continue
    except psutil.Error:
        pass
    return total


def browser_cpu_s(server: int) -> float:
    """CPU seconds of the browser: Playwright's driver and the Chromium under it (of this benchmark's children,
    those running Chromium; not the server, not the hogs)."""
    def runs_chromium(proc) -> bool:
        try:
            return any("chrom" in (p.name() or "").lower() for p in [proc, *proc.children(recursive=True)])
        except psutil.Error:
            return False

    return sum(cpu_s(p.pid) for p in psutil.Process().children() if p.pid != server and runs_chromium(p))


class Clock:
    """Wall, server CPU and browser CPU of one step."""

    def __init__(self, server: int):
        self.server = server

    def __enter__(self):
        self.wall, self.cpu, self.chrome, self.load = (time.perf_counter(), cpu_s(self.server),
                                                       browser_cpu_s(self.server), os.getloadavg()[0])
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = cpu_s(self.server) - self.cpu
        self.chrome = browser_cpu_s(self.server) - self.chrome

    def __str__(self) -> str:
        return (f"{self.wall:6.1f} s wall, server {self.cpu:5.1f} s CPU, browser {self.chrome:5.1f} s CPU "
                f"(load avg {self.load:.1f})")


def split_from_page(page) -> str:
    text = page.get_by_text(re.compile(r"^Simulated in ")).last.inner_text()
    match = re.search(r"Simulated in ([\d.]+) s, statistics in ([\d.]+) s", text)
    return f"sim {match.group(1)} s + stats {match.group(2)} s" if match else text


def bench(workers: int, repeats: int, hog: bool, screenshots: Path | None, read_s: float = 0.0) -> dict:
    clicks, pages = [], {}
    label = f"workers={workers}, {'CPU hog' if hog else 'no hog'}"
    with cpu_hog(enabled=hog), browser.serve_app(env={"HUMANLINE_WORKERS": str(workers)}) as url, \
            browser.chromium() as chrome:
        server = browser.SERVERS[url]
        page = browser.open_app(chrome, url, width=1400, height=1000)
        default_seed = int(browser.sidebar_seed(page))
        for i in range(repeats):
            if i:
                browser.set_seed(page, default_seed + i, differences_after=2)  # quick replications + seed
            with Clock(server) as clock:
                browser.run_default(page)
            clicks.append(clock)
            print(f"  {label} click {i + 1}: {clock} to charts ({split_from_page(page)})", flush=True)
        if screenshots is not None:
            browser.clear_hover(page)
            screenshots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshots / "screenshot.png"))
        if read_s:  # a person reads the comparison before opening another page; the app works meanwhile
            page.wait_for_timeout(1000 * read_s)
        for nav, chart in PAGES:
            with Clock(server) as clock:
                if chart:
                    browser.go_to(page, nav, chart)
                else:
                    browser.sidebar(page).locator('[data-testid="stSidebarNav"]').get_by_text(nav, exact=True).click()
                    browser.wait_through_run(page, page.locator("h1").filter(has_text=nav), nav)
                browser.wait_idle(page)
            pages[nav] = clock
            print(f"  {label} first visit of {nav}: {clock}", flush=True)
            if screenshots is not None and nav == "Cost of cutting":
                browser.clear_hover(page)
                page.get_by_text("The emergency guarantee").first.scroll_into_view_if_needed()
                page.screenshot(path=str(screenshots / "frontier.png"))
    return {"label": label, "clicks": clicks, "pages": pages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[2])
    parser.add_argument("--hog", choices=("both", "off", "on"), default="both",
                        help="an idle machine, one busy process per core beside the app, or both (alternating)")
    parser.add_argument("--read-s", type=float, default=0.0,
                        help="seconds spent on the comparison before the first page is opened (0: at once, the "
                             "worst case: a page then waits for what is being traced ahead for it)")
    parser.add_argument("--screenshots", type=Path, default=None,
                        help="directory for screenshot.png (Compare) and frontier.png (idle runs only)")
    args = parser.parse_args()
    if browser.chromium_path() is None:
        sys.exit("chromium not found: apt-get install -y chromium")
    print(f"humanline app benchmark: default preset, default knobs, pages opened {args.read_s:g} s after the run, "
          f"{os.cpu_count()} cores, "
          f"load avg {os.getloadavg()[0]:.2f} at start, {time.strftime('%Y-%m-%d %H:%M')}")
    hogs = {"both": (False, True), "off": (False,), "on": (True,)}[args.hog]
    rows = [bench(w, args.repeats, hog, args.screenshots if w == args.workers[0] and not hog else None, args.read_s)
            for w in args.workers for hog in hogs]
    print("\nmedians: wall s (server CPU s, browser CPU s)")
    for r in rows:
        c = r["clicks"]
        line = (f"  {r['label']:<24} click to charts {median([x.wall for x in c]):5.1f} "
                f"({median([x.cpu for x in c]):.1f}, {median([x.chrome for x in c]):.1f})")
        line += "".join(f" | {nav} {clock.wall:.1f} ({clock.cpu:.1f}, {clock.chrome:.1f})"
                        for nav, clock in r["pages"].items())
        print(line)


if __name__ == "__main__":
    main()
