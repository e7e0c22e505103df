"""The roster pages in a real headless Chromium: what a planner does (docs/design.md §7).

Edit a shift in the table and see the cover change; type a bad value and see
the row and field named, with the typing kept (also across pages); add the
edited roster and the optimised one as policies and see them run on Compare.
Every wait is on a state of the page, never a fixed sleep.
"""

from __future__ import annotations

import re

import pytest
from test_browser import HEIGHT, WIDTH, _keep, _no_exception

import browser

pytestmark = pytest.mark.browser

COVER = "Requirement and cover"
# The sum of the chart's "this table" line: what the roster table covers, interval by interval.
COVER_SUM = """() => {
  const el = [...document.querySelectorAll('.js-plotly-plot')]
      .find(e => e.layout && e.layout.title && (e.layout.title.text || '').includes('Requirement and cover'));
  if (!el || !el._fullData) return null;
  const t = el._fullData.find(t => t.name === 'this table');
  return t ? Array.from(t.y).reduce((a, b) => a + b, 0) : null;
}"""




def _nav(page, title: str) -> None:
    browser.sidebar(page).locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()


def _edit_cell(page, row: int, column: int, text: str) -> None:
    """Type ``text`` into the roster table's cell (row, column), both 0-based, as a person does.

    The table is a canvas: double-click a cell of the first column of the row, close its editor, walk to the
    column with the arrow keys, open the cell's editor with Enter, type, commit with Enter.
    """
    grid = page.locator(browser.TABLE).first
    box = grid.bounding_box()
    page.mouse.dblclick(box["x"] + 70, box["y"] + 35 * (row + 1) + 17)
    editor = page.locator(".gdg-input")
    editor.first.wait_for(state="visible")
    page.keyboard.press("Escape")
    editor.first.wait_for(state="detached")
    for _ in range(column):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    editor.first.wait_for(state="visible")
    editor.first.fill(text)
    editor.first.press("Enter")


def _cover_sum(page):
    return page.evaluate(COVER_SUM)


def _wait_cover_changes(page, before: float) -> float:
    def changed() -> bool:
        value = _cover_sum(page)
        return value is not None and abs(value - before) > 1e-6

    browser.wait_through_run(page, changed, "the cover chart to change after the edit")
    browser.wait_idle(page)
    return _cover_sum(page)


def test_a_planner_edits_a_shift_sees_the_cover_change_and_a_bad_value_named_by_row_with_the_typing_kept(
        chrome, tmp_path):
    from playwright.sync_api import expect

    chromium, url = chrome
    page = browser.open_app(chromium, url, WIDTH, HEIGHT)
    _nav(page, "Edit a roster")
    browser.wait_for_chart(page, COVER)
    browser.wait_idle(page)
    start = _cover_sum(page)

    _edit_cell(page, 0, 4, "9")  # the night shift's headcount, 4 -> 9
    more = _wait_cover_changes(page, start)
    assert more > start  # five more agents on every night
    expect(page.get_by_text("vs as written").first).to_be_visible()

    _edit_cell(page, 1, 3, "mon-fry")  # a typo in the early shift's weekdays
    problem = page.get_by_text("row 2 (early), weekdays: 'mon-fry' is not a weekday")
    browser.wait_through_run(page, problem, "the typo named by row and field")
    browser.wait_idle(page)
    expect(page.get_by_text("your table is kept as typed")).to_be_visible()
    _no_exception(page)
    browser.clear_hover(page)
    shots = {"bad_edit": tmp_path / "edit_roster_bad_value.png"}
    page.screenshot(path=str(shots["bad_edit"]))

    # Another page and back: what was typed is still there, the typo and the headcount both.
    _nav(page, "Plan a roster")
    browser.wait_for_chart(page, COVER)
    _nav(page, "Edit a roster")
    browser.wait_through_run(page, problem, "the typo, still there after another page")
    browser.wait_for_chart(page, COVER)
    assert _cover_sum(page) == pytest.approx(more)

    _edit_cell(page, 1, 3, "mon-fri")
    browser.wait_through_run(page, lambda: problem.count() == 0, "the typo's message gone once mended")
    fewer = _wait_cover_changes(page, more)
    assert fewer < more  # no early shift at the weekend

    page.get_by_role("button", name="Add to the comparison").click()
    browser.wait_through_run(page, page.get_by_text("(roster by hand) is a policy of the comparison"),
                             "the edited roster added to the comparison")
    browser.wait_for_differences(page, 2)  # the quick replications and the policy added
    browser.clear_hover(page)
    shots["edited"] = tmp_path / "edit_roster.png"
    page.screenshot(path=str(shots["edited"]))

    # to Compare first, then Run: a page switch while a run is going stops that run (Streamlit reruns the script)
    _nav(page, "Compare policies")
    browser.wait_idle(page)
    page.get_by_role("button", name="Run simulation").click()
    card = page.locator(".st-key-card_today_by_hand")
    ran = browser.wait_through_run(page, card, "the card of the roster by hand, after its run")
    browser.within(page, "the card's label and net effect", browser.settle_ms(ran), lambda ms: (
        expect(card.get_by_text("Today - humans 24x7 (roster by hand)")).to_be_visible(timeout=ms),
        expect(card.get_by_test_id("stMetricLabel").filter(has_text="Net effect for society")).to_have_count(
            1, timeout=ms)))
    browser.wait_idle(page)
    _no_exception(page)
    _keep(shots)


def test_the_optimised_roster_is_added_as_a_policy_and_runs_on_compare(chrome, tmp_path):
    from playwright.sync_api import expect

    chromium, url = chrome
    page = browser.open_app(chromium, url, WIDTH, HEIGHT)
    browser.choose_preset(page, "Bank hotline day")
    _nav(page, "Plan a roster")
    browser.wait_for_chart(page, COVER)
    for label, value in (("Repair rounds", "1"), ("Replications per check", "2")):
        box = page.get_by_role("spinbutton", name=label, exact=True)
        box.fill(value)
        box.press("Enter")
        expect(box).to_have_value(value)
        browser.wait_idle(page)
    page.get_by_role("button", name="Plan the roster").click()
    add = page.get_by_role("button", name="Add to the comparison")
    planned = browser.wait_through_run(page, add, "the planned roster")  # as long as solve and checks advance
    browser.within(page, "the plan's figures, and no Stop button once done", browser.settle_ms(planned), lambda ms: (
        expect(page.get_by_test_id("stMetricLabel").filter(has_text="Wages of the optimised roster"))
        .to_be_visible(timeout=ms),
        expect(page.get_by_role("button", name="Stop planning")).to_have_count(0, timeout=ms),  # only while it runs
        expect(page.get_by_text("The cost of the guarantee")).to_be_visible(timeout=ms)))
    # every roster's size in one named unit, not shift entries set against daily headcounts
    cost = page.locator('[data-testid="stTable"]').filter(has_text="agent-hours a week")
    browser.within(page, "the cost table's units", browser.settle_ms(planned), lambda ms: expect(
        cost.get_by_text("peak agents on duty", exact=True)).to_be_visible(timeout=ms))
    assert "agents" not in [h.strip() for h in cost.locator("thead th").all_inner_texts()]
    hours = {r.locator("th").first.inner_text().strip(): r.locator("td").all_inner_texts()[1].strip()
             for r in cost.locator("tbody tr").all()}
    assert "Optimised roster" in hours and all(re.fullmatch(r"[\d,]+", h) for h in hours.values()), hours
    expect(page.get_by_text("The requirement this roster answers:", exact=False)).to_be_visible()
    # what the guarantee costs and what it prevents, against every policy, with intervals (issue 25 item 12)
    page.get_by_role("button", name="Set every policy against it").click()
    against = page.locator('[data-testid="stTable"]').filter(has_text="customer losses prevented")
    browser.wait_through_run(page, against, "every policy against the optimised roster")
    assert "95% CI" in against.inner_text() and "emergencies brought to a human" in against.inner_text()
    browser.wait_for_chart(page, COVER)
    browser.wait_idle(page)
    _no_exception(page)
    browser.clear_hover(page)
    shots = {"planned": tmp_path / "plan_roster.png"}
    page.screenshot(path=str(shots["planned"]), full_page=True)

    add.click()
    browser.wait_through_run(page, page.get_by_text("Optimised roster is a policy of the comparison"),
                             "the optimised roster added to the comparison")
    browser.wait_for_differences(page, 2)
    # to Compare first, then Run: a page switch while a run is going stops that run (Streamlit reruns the script)
    _nav(page, "Compare policies")
    browser.wait_idle(page)
    page.get_by_role("button", name="Run simulation").click()
    card = page.locator(".st-key-card_planned")
    ran = browser.wait_through_run(page, card, "the card of the optimised roster, after its run")
    browser.within(page, "the card's label", browser.settle_ms(ran), lambda ms: expect(
        card.get_by_text("Optimised roster", exact=False).first).to_be_visible(timeout=ms))
    browser.wait_idle(page)
    _no_exception(page)
    _keep(shots)
