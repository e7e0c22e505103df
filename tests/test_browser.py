"""The app in a real headless Chromium: what a person sees after pressing Run (DESIGN.md §8).

Starts `streamlit run app.py` on a free port, opens it in Debian's Chromium
through Playwright, runs the default comparison (default preset, default
knobs) and waits for the drawn plots themselves — the savings chart and the
table on Compare, the frontier on "Cost of cutting", the time-to-human ECDF on
"Emergencies". Screenshots go to the test's tmp dir, and also to
$HUMANLINE_SCREENSHOT_DIR when set.

Skipped only outside CI when Chromium or Playwright is missing; with CI set it
fails instead (.ci/run installs Chromium).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ui import browser

pytestmark = pytest.mark.browser


def _need(ok: bool, why: str) -> None:
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{why}; CI must run the browser test (see .ci/run)")
    pytest.skip(why)


def test_default_comparison_draws_frontier_emergency_chart_and_table(tmp_path: Path):
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _need(False, "the playwright package is not installed")
    _need(browser.chromium_path() is not None, "chromium is not installed (apt-get install chromium)")

    shots = {}
    with browser.serve_app() as url, browser.chromium() as chrome:
        page = browser.open_app(chrome, url)
        page.get_by_text("What does cutting human agents cost?").wait_for(state="visible")

        seconds = browser.run_default(page)
        plot = page.locator(browser.PLOT).filter(has=page.locator(".gtitle", has_text="Against the baseline"))
        assert plot.locator("g.trace.bars").count() == 5  # savings, losses and net, one bar group each
        table = page.locator(browser.TABLE).last
        assert table.is_visible() and table.bounding_box()["height"] > 100
        assert page.get_by_test_id("stMetricLabel").filter(has_text="Net effect for society").count() == 4
        assert page.locator('[data-testid="stException"]').count() == 0
        browser.clear_hover(page)
        shots["compare"] = tmp_path / "compare.png"
        page.screenshot(path=str(shots["compare"]))

        frontier_s = browser.go_to(page, "Cost of cutting", "The cost of cutting")
        frontier = page.locator(browser.PLOT).filter(has=page.locator(".gtitle", has_text="The cost of cutting"))
        assert frontier.locator("g.trace.scatter").count() >= 8  # 4 series and their confidence bands
        assert frontier.get_by_text("guarantee:").count() == 1  # the target line's label
        assert page.get_by_text("The emergency guarantee").first.is_visible()
        browser.clear_hover(page)
        shots["frontier"] = tmp_path / "frontier.png"
        page.screenshot(path=str(shots["frontier"]))

        emergencies_s = browser.go_to(page, "Emergencies", "Emergency time to a human")
        ecdf = page.locator(browser.PLOT).filter(has=page.locator(".gtitle", has_text="Emergency time to a human"))
        assert ecdf.locator("g.trace.scatter").count() == 6  # five policies and the guarantee line
        assert ecdf.get_by_text("guarantee: 60 s").count() == 1
        assert page.get_by_text("Incidents that never reached a human", exact=True).is_visible()
        assert page.locator('[data-testid="stException"]').count() == 0
        shots["emergencies"] = tmp_path / "emergencies.png"
        page.screenshot(path=str(shots["emergencies"]), full_page=True)

    for path in shots.values():
        assert path.stat().st_size > 20_000
    target = os.environ.get("HUMANLINE_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for name, path in shots.items():
            shutil.copy(path, Path(target) / path.name)
    print(f"click to charts {seconds:.1f} s; frontier page {frontier_s:.1f} s; emergencies page {emergencies_s:.1f} s")
