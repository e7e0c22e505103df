"""The busy tone on the Compare page's headline cards, in a real headless Chromium (see tests/test_browser.py).

A planner who uploads a centre whose lines run out sees, on the first screen,
how many attempts met a busy tone under each policy, beside the guarantee and
the service level.
"""

from __future__ import annotations

import pytest
import yaml

import browser

pytestmark = pytest.mark.browser
WIDTH, HEIGHT = 1280, 900

CENTRE = {
    "name": "Nine lines",
    "days": 1,
    "contact_types": [{"id": "calls", "label": "Calls", "target_s": 20, "volume": {"per_day": 2400},
                       "handle_time_s": {"dist": "exponential", "mean": 300},
                       "patience_s": {"dist": "exponential", "mean": 300}}],
    "capacity": {"lines": 30},
    "agents": {"shifts": [{"id": "a", "start": "00:00", "length_h": 24, "headcount": 9, "cost_per_hour": 20}]},
    "policies": [{"id": "now", "label": "Thirty lines", "baseline": True},
                 {"id": "fewer_lines", "label": "Nine lines", "capacity": {"lines": 9}}],
    "replications": 2,
    "seed": 3,
}


def test_the_headline_card_says_how_many_attempts_met_a_busy_tone(chrome, tmp_path):
    from playwright.sync_api import expect

    chromium, url = chrome
    page = browser.open_app(chromium, url, WIDTH, HEIGHT)
    mine = tmp_path / "lines.yaml"
    mine.write_text(yaml.safe_dump(CENTRE, sort_keys=False))
    browser.upload_files(page, mine)
    page.get_by_text("Using Nine lines").wait_for(state="visible", timeout=120_000)
    page.get_by_role("button", name="Run simulation").click()
    ran = browser.wait_through_run(page, page.get_by_text("2 replications, seed 3."), "the run of the upload")
    card = page.locator(".st-key-card_fewer_lines")
    tone = card.get_by_test_id("stMetric").filter(has_text="Attempts met by a busy tone")
    browser.within(page, "the busy-tone figure on the card", browser.settle_ms(ran),
                   lambda ms: expect(tone).to_have_count(1, timeout=ms))
    value = tone.get_by_test_id("stMetricValue").inner_text()
    assert value.endswith("%") and float(value.rstrip("%")) > 5, value  # nine lines for nine agents
    expect(tone).to_contain_text("pp vs baseline")
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    page.screenshot(path=str(tmp_path / "busy_tone_card.png"), full_page=True)
