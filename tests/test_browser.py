"""The app in a real headless Chromium: what a person sees (DESIGN.md §8).

Starts `streamlit run app.py` on a free port and opens it in Debian's
Chromium through Playwright, at 1280x900 — the narrowest window the app
promises to fit. Every wait is on an element state (a text, a widget value,
a drawn plot), never a fixed sleep. Screenshots go to the test's tmp dir,
and also to $HUMANLINE_SCREENSHOT_DIR when set.

Only a browser shows one of the bugs these tests guard: it keeps the value of
a widget whose key it has seen, so settings leaked from one scenario into the
next although AppTest (which resets widgets) saw nothing wrong.

Skipped only outside CI when Chromium or Playwright is missing; with CI set it
fails instead (.ci/run installs Chromium).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

import browser

# The flagship's policies, read from the preset so that adding one needs no edit here.
FLAGSHIP_POLICIES = [p["id"] for p in yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "scenarios" / "payment_platform.yaml").read_text())["policies"]]

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1280, 900




def _keep(shots: dict[str, Path]) -> None:
    for path in shots.values():
        assert path.stat().st_size > 20_000
    target = os.environ.get("HUMANLINE_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for path in shots.values():
            shutil.copy(path, Path(target) / path.name)


def _no_exception(page) -> None:
    from playwright.sync_api import expect

    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_a_new_preset_or_upload_shows_its_own_values_not_the_last_scenarios(chrome, tmp_path):
    from playwright.sync_api import expect

    chromium, url = chrome
    page = browser.open_app(chromium, url, WIDTH, HEIGHT)
    page.get_by_text("Using Payment platform week").wait_for(state="visible")
    browser.wait_for_differences(page, 1)  # the app's quick replications, said so
    browser.set_seed(page, 5, differences_after=2)
    browser.slider_to_start(page, "Share of the roster kept")
    browser.wait_for_differences(page, 3)
    assert browser.slider_value(page, "Share of the roster kept") == "0.00"

    browser.choose_preset(page, "Classroom M/M/c (Erlang C case C1)")
    browser.wait_for_differences(page, 1)  # only the quick replications: nothing carried over
    assert browser.number_box(page, "Seed").input_value() == "2024"  # the file's seed
    assert browser.number_box(page, "Replications").input_value() == "3"
    assert browser.slider_value(page, "Share of the roster kept") == "1.00"  # "12 agents" as written
    browser.within(page, "the sidebar's '= 12 agents'", browser.settle_ms(0),
                   lambda ms: expect(browser.sidebar(page).get_by_text("= 12 agents")).to_be_visible(timeout=ms))

    data = yaml.safe_load((ROOT / "scenarios" / "payment_platform.yaml").read_text())
    data.update(days=1, replications=2, seed=777, name="My platform, one day")
    data["economics"]["liability_share"] = 0.5
    mine = tmp_path / "mine.yaml"
    mine.write_text(yaml.safe_dump(data, sort_keys=False))
    browser.upload_files(page, mine)
    page.get_by_text("Using My platform, one day").wait_for(state="visible")
    browser.wait_for_differences(page, 0)  # exactly the file
    assert browser.number_box(page, "Seed").input_value() == "777"
    assert browser.number_box(page, "Replications").input_value() == "2"
    assert browser.slider_value(page, "Platform liability share") == "0.50"
    assert browser.slider_value(page, "Share of the roster kept") == "0.60"

    page.get_by_role("button", name="Run simulation").click()
    ran = browser.wait_through_run(page, page.get_by_text("2 replications, seed 777."), "the uploaded scenario's run")
    # The headline cards come with the rest of the run's page: as long as the run took to draw, not 5 s.
    cards = page.get_by_test_id("stMetricLabel").filter(has_text="Net effect for society")
    browser.within(page, "a headline card per policy", browser.settle_ms(ran),
                   lambda ms: expect(cards).to_have_count(len(FLAGSHIP_POLICIES) - 1, timeout=ms))
    _no_exception(page)
    browser.clear_hover(page)
    shots = {"upload": tmp_path / "after_upload.png"}
    page.screenshot(path=str(shots["upload"]))
    _keep(shots)


PAGES = (  # navigation title, what marks the page as drawn (a chart title, else a heading)
    ("Cost of cutting", "chart", "The cost of cutting"),
    ("Emergencies", "chart", "Emergency time to a human"),
    ("Roster and demand", "chart", "Demand and roster by interval"),
    ("Classroom", "chart", "So far: service level"),  # the replayed day's title
    ("Assumptions", "text", "All parameters"),
    ("Downloads", "download", "Everything in one zip"),
)


def test_every_page_draws_at_1280x900_with_no_truncated_headline_and_no_exception(chrome, tmp_path):
    from playwright.sync_api import expect

    chromium, url = chrome
    page = browser.open_app(chromium, url, WIDTH, HEIGHT)
    page.get_by_text("What does cutting human agents cost?").wait_for(state="visible")
    seconds = browser.run_default(page)
    settle = browser.settle_ms(seconds)  # what the run drew is drawn in a time scaled by the run's own
    plot = page.locator(browser.PLOT).filter(has=page.locator(".gtitle", has_text="Against the baseline"))
    labels = page.get_by_test_id("stMetricLabel")
    cards = len(FLAGSHIP_POLICIES) - 1
    for what, locator, n in (("the four terms and the net", plot.locator("g.trace.bars"), 5),
                             ("a net effect per card", labels.filter(has_text="Net effect for society"), cards),
                             ("a guarantee share per card", labels.filter(has_text="Emergencies within 60 s"), cards),
                             ("every card's terms and the non-emergency callers' table",
                              page.locator('[data-testid="stTable"]'), cards + 1)):
        browser.within(page, what, settle, lambda ms, loc=locator, n=n: expect(loc).to_have_count(n, timeout=ms))
    assert browser.truncated_texts(page, '[data-testid="stMetric"]') == []
    assert browser.truncated_texts(page, '[data-testid="stTable"]') == []
    _no_exception(page)
    browser.clear_hover(page)
    shots = {"compare": tmp_path / "compare.png"}
    page.screenshot(path=str(shots["compare"]))

    for nav, kind, marker in PAGES:
        browser.sidebar(page).locator('[data-testid="stSidebarNav"]').get_by_text(nav, exact=True).click()
        if kind == "chart":
            browser.wait_for_chart(page, marker)  # as long as a run the page starts (the frontier) advances
        elif kind == "download":
            buttons = page.get_by_test_id("stDownloadButton")
            browser.wait_through_run(page, buttons.filter(has_text=marker), f"{nav}: {marker!r}")
            # The zip and each of its files on its own, the frontier's included (the page was visited).
            browser.within(page, "frontier.csv offered", settle,
                           lambda ms: expect(buttons.filter(has_text="frontier.csv")).to_have_count(1, timeout=ms))
            zipped = int(re.search(r"one zip \((\d+) files\)", buttons.first.inner_text()).group(1))
            browser.within(page, f"{1 + zipped} download buttons", settle,
                           lambda ms: expect(buttons).to_have_count(1 + zipped, timeout=ms))
        else:
            browser.wait_through_run(page, page.get_by_text(marker, exact=True), f"{nav}: {marker!r}")
        browser.wait_idle(page)
        _no_exception(page)
        assert browser.truncated_texts(page, '[data-testid="stTable"]') == [], nav
        if nav == "Cost of cutting":
            frontier = page.locator(browser.PLOT).filter(has=page.locator(".gtitle", has_text=marker))
            browser.within(page, "5 frontier series and their bands", settle, lambda ms: (
                expect(frontier.locator("g.trace.scatter")).to_have_count(10, timeout=ms),
                expect(page.get_by_text("with 95% confidence").first).to_be_visible(timeout=ms)))
        if nav == "Emergencies":
            ecdf = page.locator(browser.PLOT).filter(has=page.locator(".gtitle", has_text=marker))
            browser.within(page, "each policy's curve and the guarantee line", settle, lambda ms: expect(
                ecdf.locator("g.trace.scatter")).to_have_count(len(FLAGSHIP_POLICIES) + 1, timeout=ms))
        if nav == "Classroom":  # its own inputs only: no scenario sidebar
            browser.within(page, "no Run button on the classroom", settle, lambda ms: expect(
                browser.sidebar(page).get_by_role("button", name="Run simulation")).to_have_count(0, timeout=ms))
        browser.clear_hover(page)
        shots[nav] = tmp_path / f"{nav.lower().replace(' ', '_')}.png"
        page.screenshot(path=str(shots[nav]))
    _keep(shots)
    print(f"click to charts {seconds:.1f} s")


def test_what_matters_draws_its_tornado_in_the_browser(chrome, tmp_path):
    chromium, url = chrome
    page = browser.open_app(chromium, url, WIDTH, HEIGHT)
    from playwright.sync_api import expect

    from ui.cache import what_matters_root

    page.locator('[data-testid="stSidebarNav"]').get_by_text("What matters", exact=True).click()
    # where the experiments are kept: the user's own cache folder, said on the page
    expect(page.get_by_text(str(what_matters_root()), exact=False)).to_be_visible(timeout=120_000)
    page.get_by_role("button", name="Run the experiment").click()
    browser.wait_for_chart(page, "change from the base point")  # as long as the experiment advances
    browser.wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Where the verdict flips").count() == 1
    # each input named as the other pages name it, with the low and high values it moved between
    tornado = page.locator(browser.PLOT).filter(has=page.locator(".gtitle", has_text="change from the base point"))
    names = " | ".join(tornado.first.locator("g.ytick text").all_text_contents())
    assert "Loss curve" in names and " to " in names, names
    assert "contact_types[" not in names and "policies[" not in names and "loss_curve_bands." not in names, names
    # the drain curve is one factor, and the page says how much of the swings it makes
    page.get_by_text("How much of this is the loss curve?").wait_for(state="visible", timeout=60_000)
    browser.clear_hover(page)
    shot = tmp_path / "what_matters.png"
    page.screenshot(path=str(shot), full_page=True)
    _keep({"what_matters": shot})


def test_the_classroom_day_plays_its_slider_moves_and_pauses(chrome, tmp_path):
    from playwright.sync_api import expect

    chromium, url = chrome
    page = browser.open_app(chromium, url, WIDTH, HEIGHT)
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Classroom", exact=True).click()
    plot = page.locator(browser.PLOT).filter(has=page.locator(".slider-container"))
    replayed = browser.wait_through_run(page, plot, "the replayed day")
    settle = browser.settle_ms(replayed)
    now = plot.locator(".slider-group > text.slider-label")  # the slider's current value: "Time: Mon 00:00"
    browser.within(page, "the replay at its start", settle, lambda ms: (
        expect(now).to_have_text("Time: Mon 00:00", timeout=ms),
        expect(plot.locator(".gtitle")).to_contain_text("Mon 00:00", timeout=ms)))
    plot.locator("g.updatemenu-button", has_text="Play").click()
    browser.within(page, "the replay playing: slider and figures moving on their own", settle, lambda ms: (
        expect(now).not_to_have_text("Time: Mon 00:00", timeout=ms),
        expect(plot.locator(".gtitle")).not_to_contain_text("Mon 00:00", timeout=ms)))
    plot.locator("g.updatemenu-button", has_text="Pause").click()
    paused = now.text_content()
    plot.locator("g.updatemenu-button", has_text="Pause").click()  # a second press changes nothing
    expect(now).to_have_text(paused)
    _no_exception(page)
    browser.clear_hover(page)
    shot = tmp_path / "classroom.png"
    page.screenshot(path=str(shot))
    _keep({"classroom": shot})


def test_the_evidence_report_button_downloads_the_report_of_the_scenario_as_edited(chrome, tmp_path):
    """Compare page: run, build the report, download it; the file is the report of what the sidebar ran."""
    chromium, url = chrome
    page = browser.open_app(chromium, url, WIDTH, HEIGHT)
    page.get_by_text("Using Payment platform week").wait_for(state="visible")
    browser.choose_preset(page, "Classroom M/M/c (Erlang C case C1)")
    browser.wait_for_differences(page, 1)  # the app's quick replications
    browser.set_seed(page, 31, differences_after=2)  # an edit the report must list
    page.get_by_role("button", name="Run simulation").click()
    browser.wait_through_run(page, page.get_by_text("seed 31.").first, "the run of seed 31")
    page.get_by_role("button", name="Build the evidence report").click()
    download_button = page.get_by_role("button", name="Download the evidence report (HTML)")
    browser.wait_through_run(page, download_button, "the evidence report")  # as long as its stages advance
    with page.expect_download() as info:
        download_button.click()
    html = Path(info.value.path()).read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "Classroom M/M/c (Erlang C case C1)" in html and "12 agents" in html
    assert "seed 31" in html  # the seed as edited in the sidebar, not the file's 2024
    assert "Plotly.newPlot" in html  # its charts, drawn by the Plotly embedded in the file
    _no_exception(page)
