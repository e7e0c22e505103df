"""The Streamlit app through streamlit.testing.v1.AppTest: every page, knobs, uploads, caching.

Runs use a one-day cut of the payment preset (uploaded, which also tests the
upload path) with 2 replications, so a whole comparison takes about a second.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

import sim
from ui import compute

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["frontier", "emergencies", "roster", "classroom", "assumptions", "downloads"]


def small_payment(days: int = 1, replications: int = 2) -> dict:
    data = yaml.safe_load((ROOT / "scenarios" / "payment_platform.yaml").read_text())
    data.update(days=days, replications=replications, name="Payment platform, one day")
    return data


SMALL = yaml.safe_dump(small_payment(), sort_keys=False).encode()


@pytest.fixture
def app(monkeypatch) -> AppTest:
    monkeypatch.setenv("HUMANLINE_WORKERS", "1")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    return at


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    """Put ``files`` in the sidebar's uploader (none: clear it) and rerun."""
    at.sidebar.file_uploader(key="upload").set_value([(name, data, "text/plain") for name, data in files] or None)
    return at.run()


def run(at: AppTest) -> AppTest:
    at.sidebar.button(key="run").click().run()
    assert not at.exception, at.exception
    return at


def using(at: AppTest) -> str:
    return next(c.value for c in at.sidebar.caption if c.value.startswith("Using"))


def metrics(at: AppTest) -> dict[str, list[str]]:
    """Headline figure -> its value for each policy (baseline left out), in policy order."""
    out: dict[str, list[str]] = {}
    for m in at.metric:
        out.setdefault(m.label, []).append(m.value)
    return out


def charts(at: AppTest) -> list:
    return at.get("plotly_chart")


def test_first_page_opens_on_the_default_preset_and_every_page_waits_for_run(app):
    assert "Payment platform week" in using(app)
    assert any("Run simulation" in i.value for i in app.info)
    assert len(charts(app)) == 1  # expected demand, straight from the scenario
    assert app.sidebar.number_input(key="knob_reps").value == 3  # the app default, below the preset's 10
    assert app.session_state["ctx"].scenario.replications == 3
    calls = dict(compute.SIMULATION_CALLS)
    for page in ["frontier", "emergencies", "roster", "downloads"]:
        app.switch_page(f"ui/pages/{page}.py").run()
        assert not app.exception, page
        assert any("Run simulation" in i.value for i in app.info), page
    app.switch_page("ui/pages/assumptions.py").run()
    assert not app.exception and len(app.dataframe[0].value) > 300
    assert compute.SIMULATION_CALLS == calls  # nothing simulated before Run


def test_compare_runs_and_a_changed_knob_changes_the_result(app):
    upload(app, ("small.yaml", SMALL))
    assert "Payment platform, one day" in using(app)
    run(app)
    before = metrics(app)
    assert len(before) == 5 and all(len(v) == 4 for v in before.values())  # 4 policies x 5 figures
    assert app.get("plotly_chart") and app.dataframe
    table = app.dataframe[0].value
    assert "Net effect for society (USD)" in table.index and "Bot first, 40% fewer agents" in table.columns

    app.sidebar.slider(key="knob_kept").set_value(0.2).run()
    assert any("changed since the last run" in i.value for i in app.info)
    assert metrics(app) == before  # no rerun of the simulation until Run is pressed
    run(app)
    after = metrics(app)
    assert after["Wages + bot cost saved"][0] != before["Wages + bot cost saved"][0]  # the adjusted policy
    assert after["Wages + bot cost saved"][1:] == before["Wages + bot cost saved"][1:]  # the others as written
    assert not any("changed since the last run" in i.value for i in app.info)

    app.sidebar.slider(key="knob_liability").set_value(0.1).run()
    assert app.session_state["ctx"].scenario.economics.liability_share == 0.1
    assert not app.sidebar.error


def test_every_page_draws_after_a_run_and_switching_pages_does_not_rerun(app, monkeypatch):
    monkeypatch.setattr(compute, "FRONTIER_VALUES", (1.0, 0.5, 0.0))  # a coarser grid keeps the test quick
    upload(app, ("small.yaml", SMALL))
    run(app)
    expected = {"frontier": 1, "emergencies": 1, "roster": 2, "classroom": 1, "assumptions": 0, "downloads": 0}
    for page in PAGES:
        app.switch_page(f"ui/pages/{page}.py").run()
        assert not app.exception, (page, app.exception)
        assert not app.error, (page, [e.value for e in app.error])
        assert len(charts(app)) == expected[page], page
    calls = dict(compute.SIMULATION_CALLS)
    for page in ["compare", *PAGES]:
        app.switch_page(f"ui/pages/{page}.py").run()
        assert not app.exception
    assert compute.SIMULATION_CALLS == calls  # everything came from the cache
    # another scenario: the last run's results are not shown as if they were its own
    upload(app)
    app.switch_page("ui/pages/compare.py").run()
    assert "Payment platform week" in using(app)
    assert any("Run simulation" in i.value for i in app.info) and not app.metric


def test_pages_content(app, monkeypatch):
    monkeypatch.setattr(compute, "FRONTIER_VALUES", (1.0, 0.5, 0.0))
    upload(app, ("small.yaml", SMALL))
    run(app)
    app.switch_page("ui/pages/frontier.py").run()
    assert any("emergency guarantee" in m.value for m in app.markdown)
    app.switch_page("ui/pages/emergencies.py").run()
    never = app.dataframe[0].value
    assert "Never reached a human" in never.columns and len(never) == 5
    app.switch_page("ui/pages/assumptions.py").run()
    params = app.dataframe[0].value
    assert params["source"].str.contains("UK Finance").any() and len(params) > 300
    app.switch_page("ui/pages/downloads.py").run()
    labels = [b.label for b in app.get("download_button")]
    assert any("Scenario as edited" in x for x in labels) and any("Provenance" in x for x in labels)
    assert any("Replications (CSV)" in x for x in labels)
    edited = sim.parse_scenario(app.session_state["ctx"].yaml, read_csv=lambda n: "", source="download")
    assert edited.days == 1 and edited.replications == 2


def test_classroom_knob_changes_the_result(app):
    app.switch_page("ui/pages/classroom.py").run()
    first = app.dataframe[0].value
    assert list(first.columns) == ["Measure", "Simulated (mean)", "95% CI", "Erlang C"]
    app.number_input(key="cls_servers").set_value(12).run()
    second = app.dataframe[0].value
    assert not app.exception
    assert list(second["Erlang C"]) != list(first["Erlang C"])
    assert list(second["Simulated (mean)"]) != list(first["Simulated (mean)"])
    app.toggle(key="cls_abandon").set_value(True).run()
    assert "Erlang A" in app.dataframe[0].value.columns


def test_bad_uploads_show_the_problem_and_keep_the_previous_scenario(app):
    bad = small_payment()
    bad["days"] = 0
    bad["contact_types"][0]["volume"]["per_day"] = -5
    upload(app, ("broken.yaml", yaml.safe_dump(bad).encode()))
    errors = " ".join(e.value for e in app.sidebar.error)
    assert "days" in errors and "contact_types[routine].volume.per_day" in errors and "Keeping the preset" in errors
    assert "Payment platform week" in using(app)
    assert not app.exception

    upload(app, ("small.yaml", SMALL))
    assert not app.sidebar.error and "one day" in using(app)
    upload(app, ("bad.yaml", b"days: [unclosed"))
    assert "not valid YAML" in " ".join(e.value for e in app.sidebar.error)
    assert "previous upload (small.yaml)" in " ".join(e.value for e in app.sidebar.error)
    assert "one day" in using(app)

    upload(app, ("big.yaml", b"#" * 1_100_000))
    assert "Upload refused" in " ".join(e.value for e in app.sidebar.error)
    upload(app, ("a.yaml", SMALL), ("b.yaml", SMALL))
    assert "exactly one scenario YAML" in " ".join(e.value for e in app.sidebar.error)


def test_upload_with_a_csv_table(app):
    data = small_payment()
    data["contact_types"][2]["volume"] = {"table_csv": "fraud.csv"}
    text = yaml.safe_dump(data).encode()
    upload(app, ("with_table.yaml", text))
    assert "fraud.csv" in " ".join(e.value for e in app.sidebar.error)  # named, but not uploaded
    csv = ("expected_incidents\n" + "\n".join(["1.5"] * 24)).encode()
    upload(app, ("with_table.yaml", text), ("fraud.csv", csv))
    assert not app.sidebar.error
    fraud = app.session_state["ctx"].scenario.contact_types[2]
    assert fraud.volume.table == [1.5] * 24
