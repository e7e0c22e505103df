"""The "Bring your own centre" page in a real headless Chromium: what a planner does with a call log.

Upload a log in the wrong layout and see the missing column named; pick the
right layout, calibrate (progress shows), see the backtest and the fits as
charts, and carry the fitted scenario into the other pages as the loaded
scenario. Every wait is on a state of the page, never a fixed sleep.
"""

from __future__ import annotations

import pytest
from test_browser import HEIGHT, WIDTH, _keep, _no_exception
from test_calibrate import KNOWN

import sim
from sim.calibration.records import write_call_records
import browser

pytestmark = pytest.mark.browser


def _nav(page, title: str) -> None:
    browser.sidebar(page).locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()


def _choose_layout(page, text: str, attempts: int = 3) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    option = page.get_by_role("option").filter(has_text=text)
    for attempt in range(attempts):
        browser.wait_idle(page)
        page.locator(".st-key-calibration_format").click()
        try:
            option.first.click(timeout=5_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise


def test_a_planner_calibrates_a_log_sees_the_backtest_and_uses_the_fitted_scenario(chrome, tmp_path):
    from playwright.sync_api import expect

    week = sim.Scenario.model_validate({**KNOWN, "days": 7})
    log = tmp_path / write_call_records(week, ["base"], seed=11, replications=1, out=tmp_path)[0]
    chromium, url = chrome
    page = browser.open_app(chromium, url, WIDTH, HEIGHT)
    _nav(page, "Bring your own centre")
    page.get_by_text("Upload a log and press Calibrate").wait_for(state="visible")
    page.locator('.st-key-calibration_log [data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(log))
    calibrate = page.get_by_role("button", name="Calibrate", exact=True)
    expect(calibrate).to_be_enabled()

    calibrate.click()  # the default layout is the bank's: this log has none of its columns
    expect(page.get_by_text("columns.date: the log has no column 'date'")).to_be_visible(timeout=120_000)

    _choose_layout(page, "humanline's own per-call records")
    # The choice reruns the page (once the box loses focus): wait for that run, or the next click is lost.
    page.get_by_role("heading", name="Bring your own centre").click()
    expect(page.get_by_text("Columns the humanline layout reads: arrival, outcome")).to_be_visible(timeout=60_000)
    browser.wait_idle(page, 120_000)
    calibrate.click()
    expect(page.get_by_text("Calibrating:").or_(page.get_by_text("Fitted from")).first).to_be_visible(
        timeout=120_000)
    browser.wait_for_chart(page, "Backtest per weekday and hour", timeout_ms=300_000)
    browser.wait_for_chart(page, "Handle time", timeout_ms=60_000)
    expect(page.get_by_text("columns.date: the log has no column 'date'")).to_have_count(0)
    expect(page.get_by_text("Contact types: general, vip").first).to_be_visible()
    browser.wait_idle(page, 120_000)
    _no_exception(page)
    browser.clear_hover(page)
    shots = {"calibrated": tmp_path / "calibrate_page.png"}
    page.screenshot(path=str(shots["calibrated"]), full_page=True)

    page.get_by_role("button", name="Use this scenario in the other pages").click()
    name = f"calibrated from {log.name}"
    expect(page.get_by_text(f"The sidebar's scenario is now {name!r}")).to_be_visible(timeout=60_000)
    expect(browser.sidebar(page).get_by_text(f"Using {name}")).to_be_visible(timeout=60_000)
    browser.wait_idle(page, 120_000)
    seed = browser.sidebar_seed(page)
    assert seed == str(KNOWN.get("seed", 12345))  # the fitted scenario's own seed, not the preset's
    # to Compare first, then Run: a page switch while a run is going stops that run (Streamlit reruns the script)
    _nav(page, "Compare policies")
    browser.wait_idle(page)
    page.get_by_role("button", name="Run simulation").click()
    page.get_by_text(f"seed {seed}).").wait_for(state="visible", timeout=300_000)
    expect(page.get_by_text("Observed staffing (a lower bound)").first).to_be_visible()
    _nav(page, "Roster and demand")
    browser.wait_for_chart(page, "Demand and roster by interval", timeout_ms=120_000)
    expect(browser.sidebar(page).get_by_text(f"Using {name}")).to_be_visible()
    browser.wait_idle(page, 120_000)
    _no_exception(page)
    _keep(shots)
