"""What a careful reader sees at 1400 px in Chromium: figures that reconcile, nothing hidden, nothing overlapping.

Every page of a run of the payment-platform week is drawn and screenshot at
1400 px wide (to the test's tmp dir, and to $HUMANLINE_SCREENSHOT_DIR when
set); what a look at the screenshots would check is asserted on the drawn
page: the non-emergency callers' service and the collapse flag beside the
emergency guarantee, the Cost of cutting's terms and its shaded region's
legend, a legend that does not lie over the policies' names, panel titles
apart, the replay slider's last step inside the chart, whole table headers,
the sidebar's differences without float noise. What matters and Plan a
roster are checked where tests/test_browser.py and test_browser_rosters.py
already run them. Every wait is on a state of the page, with deadlines for a
loaded machine.
"""

from __future__ import annotations

import re

import pytest
import yaml
from test_browser import ROOT, _keep, _no_exception

from sim.studies.service import COLLAPSE_RULE
import browser

pytestmark = pytest.mark.browser
WIDTH, HEIGHT = 1400, 1000
LONG = 300_000  # ms: a run, a frontier or an experiment on a heavily loaded machine

# Bounding boxes of the elements a selector finds inside the Plotly chart whose title holds a text.
BOXES = """([title, selector]) => {
  const plot = [...document.querySelectorAll('.js-plotly-plot')]
      .find(e => (e.querySelector('.gtitle') || {}).textContent?.includes(title));
  if (!plot) return null;
  return [...plot.querySelectorAll(selector)].map(e => {
    const r = e.getBoundingClientRect();
    return {text: e.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
            plot_right: plot.getBoundingClientRect().right, plot_bottom: plot.getBoundingClientRect().bottom};
  }).filter(b => b.right > b.left && b.bottom > b.top);
}"""


def _boxes(page, title: str, selector: str) -> list[dict]:
    boxes = page.evaluate(BOXES, [title, selector])
    assert boxes, f"nothing drawn for {selector!r} in the chart {title!r}"
    return boxes


def _overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def _nav(page, title: str) -> None:
    browser.sidebar(page).locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()


# The page's own height: Streamlit scrolls inside its main element, which a full-page screenshot does not see.
PAGE_HEIGHT = """() => { const m = document.querySelector('[data-testid="stMain"]');
                       return m ? m.scrollHeight : document.documentElement.scrollHeight; }"""


def _shot(page, tmp_path, shots: dict, name: str) -> None:
    """The whole page at 1400 px: the window made as tall as the page for the shot, then put back."""
    _no_exception(page)
    browser.clear_hover(page)
    shots[name] = tmp_path / f"reader_{name}.png"
    height = min(max(int(page.evaluate(PAGE_HEIGHT)), HEIGHT), 12_000)
    page.set_viewport_size({"width": WIDTH, "height": height})
    browser.wait_idle(page)
    page.screenshot(path=str(shots[name]))
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})


def test_every_page_at_1400px_shows_what_a_careful_reader_checks(chrome, tmp_path):
    from playwright.sync_api import expect

    chromium, url = chrome
    page = browser.open_app(chromium, url, WIDTH, HEIGHT)
    page.get_by_text("What does cutting human agents cost?").wait_for(state="visible")
    shots: dict = {}

    # The sidebar: what a blended knob is, on the page; its edit listed without float noise.
    sidebar = browser.sidebar(page)
    expect(sidebar.get_by_text("Blended knobs", exact=False)).to_be_visible()
    bot = browser.slider(page, "Bot resolve rate (non-emergency contacts)")
    bot.focus()
    for _ in range(5):
        bot.press("ArrowLeft")
    # the quick replications and each non-emergency type's own rate: two differences or more
    expect(browser.differences(page)).to_contain_text(re.compile(r"Differences from the file \((?:[2-9]|\d\d+)\)"),
                                                      timeout=LONG)
    browser.wait_idle(page)
    browser.differences(page).click()
    listed = sidebar.locator('[data-testid="stExpander"] [data-testid="stExpanderDetails"]').first
    expect(listed).to_contain_text("resolve_probability")
    text = listed.inner_text()
    assert "→" in text and not re.search(r"\d\.\d{6,}", text), text
    browser.differences(page).click()

    # Compare: beside the guarantee, what non-emergency callers get, and the callbacks cut's collapse.
    browser.run_default(page)
    labels = page.get_by_test_id("stMetricLabel")
    expect(labels.filter(has_text="service level").first).to_be_visible()
    card = page.locator(".st-key-card_callbacks_cut40")
    expect(card.get_by_text("Service collapse", exact=False)).to_be_visible()
    # its roster's size in the one unit every page and command uses (planning.roster_size: on duty, breaks out)
    expect(card.get_by_text("1,477 agent-hours a week, at most 18.0 agents on duty at once",
                            exact=False)).to_be_visible()
    expect(page.get_by_text("What non-emergency callers get")).to_be_visible()
    expect(page.get_by_text(COLLAPSE_RULE, exact=False)).to_be_visible()
    service = page.locator('[data-testid="stTable"]').filter(has_text="Service collapse")
    expect(service.get_by_text("COLLAPSE:", exact=False).first).to_be_visible()
    assert browser.truncated_texts(page, '[data-testid="stTable"]') == []
    # The bar chart's legend lies clear of the policies' names, and the names clear of each other.
    title = "Against the baseline"
    names = _boxes(page, title, "g.xtick text")
    legend = _boxes(page, title, "g.legend")[0]
    assert not any(_overlap(legend, n) for n in names), "the legend covers a policy's name"
    assert not any(_overlap(a, b) for i, a in enumerate(names) for b in names[i + 1:]), "names overlap"
    assert all(n["right"] <= n["plot_right"] + 1 for n in names), "a name runs off the chart"
    _shot(page, tmp_path, shots, "compare")

    # Assumptions and Downloads of this run, before the pages that trace or replay more.
    for nav, text in (("Assumptions", "All parameters"), ("Downloads", "Everything in one zip")):
        _nav(page, nav)
        browser.within(page, f"the {nav} page", LONG, lambda ms, text=text: page.get_by_text(text).first.wait_for(
            state="visible", timeout=ms))
        browser.wait_idle(page)
        _shot(page, tmp_path, shots, nav.lower())

    # Cost of cutting: churn and bot cost in the table, and a legend for the shaded region.
    _nav(page, "Cost of cutting")
    browser.wait_for_chart(page, "The cost of cutting")
    table = page.locator('[data-testid="stTable"]').filter(has_text="Share kept")
    for header in ("Wages saved (USD)", "Bot cost saved (USD)", "Added customer losses (USD)",
                   "Added churn cost (USD)", "Net effect for society (USD)"):
        expect(table.get_by_text(header, exact=True)).to_be_visible()
    legend = " ".join(b["text"] for b in _boxes(page, "The cost of cutting", "g.legend text.legendtext"))
    assert "guarantee not met" in legend and "Added churn cost" in legend
    _shot(page, tmp_path, shots, "cost_of_cutting")

    # Emergencies: the never-reached table's headers whole.
    _nav(page, "Emergencies")
    browser.wait_for_chart(page, "Emergency time to a human")
    expect(page.locator('[data-testid="stTable"]').get_by_text("All emergency losses (USD)")).to_be_visible()
    assert browser.truncated_texts(page, '[data-testid="stTable"]') == []
    _shot(page, tmp_path, shots, "emergencies")

    # Roster and demand: the heatmap's panel titles apart.
    _nav(page, "Roster and demand")
    browser.wait_for_chart(page, "Demand and roster by interval")
    heatmap = page.locator(browser.PLOT).filter(has=page.locator(".gtitle", has_text="by hour and day"))
    heatmap.first.locator("g.annotation").first.wait_for(state="attached", timeout=LONG)  # its panels' titles
    panels = _boxes(page, "by hour and day", "g.annotation")
    assert not any(_overlap(a, b) for i, a in enumerate(panels) for b in panels[i + 1:]), "panel titles overlap"
    _shot(page, tmp_path, shots, "roster_and_demand")

    # Classroom: the replay slider's last step drawn inside the chart.
    _nav(page, "Classroom")
    browser.wait_for_chart(page, "So far: service level")
    ticks = _boxes(page, "So far: service level", "g.slider-container .slider-tick-rect, "
                                                   "g.slider-container .slider-labels text")
    assert max(t["right"] for t in ticks) <= ticks[0]["plot_right"] - 2, "the slider's last step is clipped"
    assert max(t["bottom"] for t in ticks) <= ticks[0]["plot_bottom"] - 2, "the slider's labels are cut below"
    _shot(page, tmp_path, shots, "classroom")

    for nav, marker in (("Plan a roster", "Requirement and cover"), ("Edit a roster", "Requirement and cover")):
        _nav(page, nav)
        browser.wait_for_chart(page, marker)
        browser.wait_idle(page)
        _shot(page, tmp_path, shots, nav.lower().replace(" ", "_"))
    _keep(shots)


def test_a_scenario_without_a_description_has_no_dangling_dash(chrome, tmp_path):
    from playwright.sync_api import expect

    data = yaml.safe_load((ROOT / "scenarios" / "classroom_mmc.yaml").read_text())
    data.pop("description", None)
    data.update(name="My bank week")
    mine = tmp_path / "mine.yaml"
    mine.write_text(yaml.safe_dump(data, sort_keys=False))
    chromium, url = chrome
    page = browser.open_app(chromium, url, WIDTH, HEIGHT)
    browser.upload_files(page, mine)
    page.get_by_text("Using My bank week").wait_for(state="visible", timeout=LONG)
    heading = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="Each policy meets").first
    expect(heading).to_contain_text("My bank week")
    assert "My bank week —" not in heading.inner_text()
