"""Drive the app in a real headless Chromium: test infrastructure of tests/test_browser*.py, also used by
benchmarks/bench_app.py (it lives with the tests, not in the product).

``serve_app()`` starts ``streamlit run app.py`` on a free port and waits until
it answers; ``chromium()`` launches Debian's Chromium through Playwright with
the flags that work on these machines (DESIGN.md §8); ``run_default`` clicks
"Run simulation" and waits for the plots and the table themselves.

No wait has a fixed deadline (Playwright's ``expect`` defaults to 5 s, which a
loaded machine misses: issue 26). A wait that spans a run (``wait_through_run``)
lasts as long as the app's progress bar keeps moving; a wait for what a
finished run drew gets a budget derived from how long that run took
(``settle_ms``). A wait that fails says what the page showed (``page_state``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    env = os.environ.get("HUMANLINE_CHROMIUM")
    if env and Path(env).exists():
        return env
    for path in CHROMIUM_CANDIDATES:
        if Path(path).exists():
            return path
    return shutil.which("chromium")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVERS: dict[str, int] = {}  # url -> process id of the server serve_app started there (benchmarks read its CPU)


def _cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a live process so far (Linux /proc), None where it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


@contextlib.contextmanager
def serve_app(port: int | None = None, timeout_s: float = 60.0, env: dict | None = None) -> Iterator[str]:
    """Run the app in a subprocess; yield its URL; stop it (that process only) afterwards.

    The server is waited for while it starts (its CPU time grows: importing on a loaded machine takes long)
    and given up on when it has died, or has done nothing for ``timeout_s`` seconds without answering.
    """
    port = port or free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    log = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    SERVERS[url] = proc.pid

    def tail() -> str:
        log.seek(0)
        return log.read()[-3000:]

    try:
        deadline, busy = time.monotonic() + timeout_s, _cpu_s(proc.pid)
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {proc.returncode} before serving:\n{tail()}")
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            now_busy = _cpu_s(proc.pid)
            if now_busy is not None and busy is not None and now_busy > busy:  # still starting: keep waiting
                deadline, busy = time.monotonic() + timeout_s, now_busy
            if time.monotonic() > deadline:
                raise TimeoutError(f"streamlit did not answer on {url} and did no work for {timeout_s:.0f} s:\n"
                                   f"{tail()}")
            time.sleep(0.25)
        yield url
    except BaseException:
        sys.stderr.write(f"--- streamlit log ---\n{tail()}\n")
        raise
    finally:
        proc.terminate()  # this server only
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
        SERVERS.pop(url, None)


@contextlib.contextmanager
def chromium(executable: str | None = None):
    """A Playwright Chromium browser (Debian's build), closed afterwards."""
    from playwright.sync_api import sync_playwright

    path = executable or chromium_path()
    if path is None:
        raise FileNotFoundError("chromium not found (apt-get install chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def open_app(browser, url: str, width: int = 1500, height: int = 1100):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(60_000)
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_role("button", name="Run simulation").wait_for(state="visible")
    wait_idle(page)  # the first run done: every widget shows its value
    return page


PLOT = ".js-plotly-plot"
TABLE = '[data-testid="stDataFrame"]'


def wait_for_chart(page, title_text: str, timeout_ms: int | None = None) -> float:
    """Wait for the Plotly chart whose title contains ``title_text``, with its traces drawn; return the seconds.

    Without ``timeout_ms`` the chart may come from a run the page starts (a frontier, a replay): the wait
    lasts as long as that run advances (``wait_through_run``).
    """
    chart = page.locator(PLOT).filter(has=page.locator(".gtitle", has_text=title_text))
    start = time.monotonic()
    if timeout_ms is None:
        timeout_ms = settle_ms(wait_through_run(page, chart, f"the chart {title_text!r}"))
    within(page, f"the chart {title_text!r} with its traces", timeout_ms, lambda ms: (
        chart.first.wait_for(state="visible", timeout=ms),
        chart.first.locator("g.trace").first.wait_for(state="attached", timeout=ms)))
    return time.monotonic() - start


def sidebar(page):
    return page.locator('[data-testid="stSidebar"]')


def sidebar_seed(page) -> str:
    return number_box(page, "Seed").input_value()


def number_box(page, label: str):
    return sidebar(page).get_by_role("spinbutton", name=label, exact=True)


def slider(page, label: str):
    # the range input itself is visually hidden behind the drawn track, so it is found by its label
    return sidebar(page).locator(f'input[type="range"][aria-label="{label}"]')


def slider_value(page, label: str) -> str:
    return slider(page, label).get_attribute("aria-valuetext")


def differences(page):
    """The sidebar's "Differences from the file (n)" expander: it changes with every edit, so it says a rerun
    with that edit has finished."""
    return sidebar(page).locator('[data-testid="stExpander"] summary')


def wait_for_differences(page, n: int, timeout_ms: int | None = None) -> None:
    """Wait until the sidebar counts ``n`` differences (a rerun of the sidebar, no simulation)."""
    from playwright.sync_api import expect

    label = f"Differences from the file ({n})" if n else "No differences from the file"
    if timeout_ms is None:
        wait_through_run(page, differences(page).filter(has_text=label), f"the sidebar's {label!r}")
        timeout_ms = settle_ms(0)
    within(page, f"the sidebar's {label!r}", timeout_ms,
           lambda ms: expect(differences(page)).to_contain_text(label, timeout=ms))
    wait_idle(page, timeout_ms)


def set_seed(page, seed: int, differences_after: int) -> None:
    """Type a seed into the sidebar; wait until the rerun shows ``differences_after`` differences."""
    box = number_box(page, "Seed")
    box.fill(str(seed))
    box.press("Enter")
    wait_for_differences(page, differences_after)


def slider_to_start(page, label: str) -> None:
    """Move a sidebar slider to its lowest value with the keyboard, as a person can."""
    handle = slider(page, label)
    handle.focus()
    handle.press("Home")


def choose_preset(page, name: str, attempts: int = 3) -> None:
    """Pick a preset from the sidebar's list.

    A rerun that lands while the list is open (a widget committing its value on blur) closes it again, so
    the list is reopened until the option shows, a few times at most.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    option = page.get_by_role("option").get_by_text(name, exact=True)
    for attempt in range(attempts):
        wait_idle(page)
        sidebar(page).locator('[data-testid="stSelectbox"]').filter(has_text="Preset").click()
        try:
            option.click(timeout=settle_ms(0))  # the list is open at once, unless a rerun closed it: then again
            break
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
    page.get_by_text(f"Using {name}").wait_for(state="visible")
    wait_idle(page)


def upload_files(page, *paths) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(p) for p in paths])


def truncated_texts(page, selector: str) -> list[str]:
    """Texts inside ``selector`` elements that are cut (wider than their box, i.e. shown with an ellipsis).

    Only what is on screen counts: an element in a collapsed expander has no box to overflow.
    """
    return page.evaluate(
        """sel => [...document.querySelectorAll(sel)].flatMap(el => [el, ...el.querySelectorAll('*')])
               .filter(e => e.getClientRects().length > 0 && e.clientWidth > 0 && (e.innerText || '').trim() !== ''
                            && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflow !== 'visible')
               .map(e => e.innerText)""",
        selector,
    )


def wait_idle(page, timeout_ms: int | None = None) -> None:
    """Wait until the app is not running its script (Streamlit marks its root element with the state).

    Call it after waiting for something the awaited run draws: before that, the run may not have begun.
    Without ``timeout_ms``, as long as the running script keeps changing the page (``wait_through_run``).
    """
    idle = page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    if timeout_ms is None:
        wait_through_run(page, idle, "the app to finish its script")
        return
    within(page, "the app to finish its script", timeout_ms, lambda ms: idle.wait_for(state="attached", timeout=ms))


def run_default(page, timeout_ms: int | None = None) -> float:
    """Click "Run simulation"; wait until the Compare page's chart and table of *this* run are drawn.

    Returns the seconds from the click to the drawn chart and table. The wait lasts as long as the run
    advances (``wait_through_run``); ``timeout_ms`` only bounds the waits for what the finished run drew.
    """
    wait_idle(page, timeout_ms)  # read the seed the run will use, not a widget still being drawn
    seed = sidebar_seed(page)
    start = time.perf_counter()
    page.get_by_role("button", name="Run simulation").click()
    # the page's last line names the seed: once it is there, every element above it has arrived
    ran_s = wait_through_run(page, page.get_by_text(f"seed {seed})."), f"the run of seed {seed}")
    settle = timeout_ms or settle_ms(ran_s)
    wait_for_chart(page, "Against the baseline", settle)
    within(page, "the comparison table", settle, lambda ms: (
        page.locator(f"{TABLE} canvas").last.wait_for(state="attached", timeout=ms),
        page.locator(TABLE).last.wait_for(state="visible", timeout=ms)))
    seconds = time.perf_counter() - start
    wait_idle(page, settle)
    return seconds


# -------------------------------------------------------------------- waits

MIN_SETTLE_S = 30.0  # the least a browser is given to draw what a finished script run sent
STALL_S = 240.0  # a run whose page has not changed for this long (or 10 times its slowest step) is stuck
PROGRESS = '[data-testid="stProgress"]'


def settle_ms(run_s: float) -> int:
    """The budget for drawing what a run of ``run_s`` seconds sent: the machine that took that long to
    compute it draws slowly too."""
    return int(1000 * max(MIN_SETTLE_S, 3 * run_s))


def page_state(page, limit: int = 2000) -> str:
    """What the page shows now, for the message of a failing wait."""
    def read(fn, default=""):
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - a page that cannot be read is itself the answer
            return f"{default}(unreadable: {type(exc).__name__})"

    script = read(lambda: page.locator('[data-testid="stApp"]').get_attribute("data-test-script-state",
                                                                              timeout=2_000))
    progress = read(lambda: page.locator(PROGRESS).all_inner_texts())
    problems = read(lambda: page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
                    .all_inner_texts())
    text = read(lambda: page.locator('[data-testid="stMain"]').first.inner_text(timeout=2_000))
    text = " | ".join(line.strip() for line in str(text).splitlines() if line.strip())
    return (f"script {script}; progress {progress or 'none'}; errors {problems or 'none'}\n"
            f"page text: {text[:limit]}{' ...' if len(text) > limit else ''}")


def within(page, what: str, timeout_ms: int, check: Callable[[int], object]) -> None:
    """Run ``check(timeout_ms)`` (Playwright waits or expects); if it times out, fail saying what the page showed."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        check(timeout_ms)
    except (AssertionError, PlaywrightTimeout) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise AssertionError(f"waited {timeout_ms / 1000:.0f} s for {what}: {first}\n{page_state(page)}") from None


def wait_through_run(page, done, what: str, poll_ms: int = 500) -> float:
    """After a click that starts a run: wait until ``done`` (a locator: visible; or a function: true) holds;
    return the seconds it took.

    There is no deadline fixed in advance: the wait goes on while the page changes (the progress bar counts
    runs and seconds), and fails when nothing on it has changed for ``STALL_S`` seconds or ten times the
    longest pause seen so far, whichever is longer, or when the script has finished without drawing ``done``.
    """
    start = last_change = time.monotonic()
    longest, seen, idle_since = 0.0, None, None
    holds = done if callable(done) else (lambda: done.first.is_visible())
    while True:
        if holds():
            return time.monotonic() - start
        now = time.monotonic()
        shown = (page.locator(PROGRESS).all_inner_texts(),
                 page.locator('[data-testid="stApp"]').get_attribute("data-test-script-state"))
        if shown != seen:
            longest, seen, last_change = max(longest, now - last_change), shown, now
        if shown[1] == "notRunning":
            idle_since = idle_since or now
            # the script is done; what it sent still has to be drawn, in a time scaled by the run's
            if now - idle_since > settle_ms(idle_since - start) / 1000:
                raise AssertionError(f"{what}: the script finished {now - idle_since:.0f} s ago without it\n"
                                     f"{page_state(page)}")
        else:
            idle_since = None
        if now - last_change > max(STALL_S, 10 * longest):
            raise AssertionError(f"{what}: nothing on the page changed for {now - last_change:.0f} s "
                                 f"(slowest step so far {longest:.0f} s)\n{page_state(page)}")
        page.wait_for_timeout(poll_ms)  # a polling interval of a state wait, not a sleep to let something happen


def clear_hover(page) -> None:
    """Move the mouse off every widget and let tooltips fade, before a screenshot."""
    page.mouse.move(900, 60)
    page.locator('[data-testid="stTooltipContent"]').first.wait_for(state="hidden")


def go_to(page, nav_title: str, chart_title: str, timeout_ms: int | None = None) -> float:
    """Open a page from the sidebar navigation and wait for its chart (a run the page starts included).
    Returns seconds."""
    start = time.perf_counter()
    page.locator('[data-testid="stSidebarNav"]').get_by_text(nav_title, exact=True).click()
    wait_for_chart(page, chart_title, timeout_ms)
    return time.perf_counter() - start
