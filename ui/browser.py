"""Drive the app in a real headless Chromium: shared by tests/test_browser.py and benchmarks/bench_app.py.

``serve_app()`` starts ``streamlit run app.py`` on a free port and waits until
it answers; ``chromium()`` launches Debian's Chromium through Playwright with
the flags that work on these machines (DESIGN.md §8); ``run_default`` clicks
"Run simulation" and waits for the plots and the table themselves.
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
from collections.abc import Iterator
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


@contextlib.contextmanager
def serve_app(port: int | None = None, timeout_s: float = 60.0, env: dict | None = None) -> Iterator[str]:
    """Run the app in a subprocess; yield its URL; stop it (that process only) afterwards."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    log = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"

    def tail() -> str:
        log.seek(0)
        return log.read()[-3000:]

    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {proc.returncode} before serving:\n{tail()}")
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"streamlit did not answer on {url} within {timeout_s:.0f} s:\n{tail()}")
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


def wait_for_chart(page, title_text: str, timeout_ms: int = 120_000) -> None:
    """Wait for the Plotly chart whose title contains ``title_text``, with its traces drawn."""
    chart = page.locator(PLOT).filter(has=page.locator(".gtitle", has_text=title_text))
    chart.first.wait_for(state="visible", timeout=timeout_ms)
    chart.first.locator("g.trace").first.wait_for(state="attached", timeout=timeout_ms)


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


def wait_for_differences(page, n: int, timeout_ms: int = 60_000) -> None:
    from playwright.sync_api import expect

    label = f"Differences from the file ({n})" if n else "No differences from the file"
    expect(differences(page)).to_contain_text(label, timeout=timeout_ms)
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
            option.click(timeout=5_000)
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


def wait_idle(page, timeout_ms: int = 60_000) -> None:
    """Wait until the app is not running its script (Streamlit marks its root element with the state).

    Call it after waiting for something the awaited run draws: before that, the run may not have begun.
    """
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(state="attached",
                                                                                       timeout=timeout_ms)


def run_default(page, timeout_ms: int = 120_000) -> float:
    """Click "Run simulation"; wait until the Compare page's chart and table of *this* run are drawn.

    Returns the seconds from the click to the drawn chart and table.
    """
    wait_idle(page, timeout_ms)  # read the seed the run will use, not a widget still being drawn
    seed = sidebar_seed(page)
    start = time.perf_counter()
    page.get_by_role("button", name="Run simulation").click()
    # the page's last line names the seed: once it is there, every element above it has arrived
    page.get_by_text(f"seed {seed}).").wait_for(state="visible", timeout=timeout_ms)
    wait_for_chart(page, "Against the baseline", timeout_ms)
    page.locator(f"{TABLE} canvas").last.wait_for(state="attached", timeout=timeout_ms)
    page.locator(TABLE).last.wait_for(state="visible", timeout=timeout_ms)
    seconds = time.perf_counter() - start
    wait_idle(page, timeout_ms)
    return seconds


def clear_hover(page) -> None:
    """Move the mouse off every widget and let tooltips fade, before a screenshot."""
    page.mouse.move(900, 60)
    page.locator('[data-testid="stTooltipContent"]').first.wait_for(state="hidden")


def go_to(page, nav_title: str, chart_title: str, timeout_ms: int = 120_000) -> float:
    """Open a page from the sidebar navigation and wait for its chart. Returns seconds."""
    start = time.perf_counter()
    page.locator('[data-testid="stSidebarNav"]').get_by_text(nav_title, exact=True).click()
    wait_for_chart(page, chart_title, timeout_ms)
    return time.perf_counter() - start
