"""The classroom's published-cases part in a real headless Chromium (see tests/test_browser.py for the set-up).

A teacher runs the published cases and sees, per row, the published figure
beside humanline's and the verdict; the cases humanline cannot express are
listed with their reason.
"""

from __future__ import annotations

import pytest

import browser

pytestmark = pytest.mark.browser
WIDTH, HEIGHT = 1280, 900


def test_the_classroom_sets_humanline_beside_the_published_cases(chrome, tmp_path):
    from playwright.sync_api import expect

    chromium, url = chrome
    page = browser.open_app(chromium, url, WIDTH, HEIGHT)
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Classroom", exact=True).click()
    page.get_by_text("Published cases", exact=True).click()
    days = page.get_by_role("spinbutton", name="Days per ContactCenters case", exact=True)
    days.wait_for(state="visible", timeout=120_000)
    days.fill("20")
    days.press("Enter")
    browser.wait_idle(page)
    page.get_by_role("button", name="Simulate the published cases").click()
    verdict = page.get_by_text("rows agree")
    expect(verdict).to_be_visible(timeout=300_000)  # a few seconds idle; generous for a loaded CI machine
    tables = page.locator('[data-testid="stTable"]')
    expect(tables).to_have_count(2)
    expect(tables.first).to_contain_text("MMCAb")
    expect(tables.first).to_contain_text("service level with abandonment")
    expect(tables.first).to_contain_text("0.902 (0.900 to 0.904)")  # MMC.res's figure, as printed
    expect(tables.first).to_contain_text("calls blocked (busy tone)")  # Telethon's 24 lines
    expect(tables.first).to_contain_text("X4 (Erlang X)")
    expect(tables.last).to_contain_text("TelethonMsg")
    expect(tables.last).to_contain_text("not in the model")
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    page.screenshot(path=str(tmp_path / "classroom_agreement.png"), full_page=True)
