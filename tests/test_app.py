"""The Streamlit app through streamlit.testing.v1.AppTest: every page, knobs, uploads, caching.

Runs use a one-day cut of the payment preset (uploaded, which also tests the
upload path) with 2 replications, so a whole comparison takes about a second.

AppTest resets widget values that a real browser keeps, so the settings that
carry over between scenarios in a browser are tested in tests/test_browser.py
too; here the model side: what the app runs is the loaded file plus exactly
the user's edits, and it gives the CLI's figures.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from streamlit.testing.v1 import AppTest

import sim
from sim import cli
from sim.model import knobs
from ui import compute, tables

# The flagship's policies, read from the preset so that adding one needs no edit here.
FLAGSHIP_POLICIES = [p["id"] for p in yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "scenarios" / "payment_platform.yaml").read_text())["policies"]]

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["frontier", "emergencies", "roster", "classroom", "assumptions", "downloads"]


def small_payment(days: int = 1, replications: int = 2) -> dict:
    data = yaml.safe_load((ROOT / "scenarios" / "payment_platform.yaml").read_text())
    data.update(days=days, replications=replications, name="Payment platform, one day")
    return data


SMALL = yaml.safe_dump(small_payment(), sort_keys=False).encode()
BAND_KNOB = "Loss curve instant_transfer: position in its band"


@pytest.fixture(scope="module")
def script_timeout_s() -> float:
    """How long a script run of these tests may take: derived from the slowest thing one does here, a
    comparison of SMALL, timed on this machine now (a loaded machine gets proportionally longer), with room
    for the pages drawn around it; never less than two minutes."""
    scenario = sim.parse_scenario(SMALL.decode(), read_csv=lambda name: "", source="timing")
    start = time.perf_counter()
    compute.run_comparison(sim.scenario_to_yaml(scenario))
    return max(120.0, 40 * (time.perf_counter() - start))


@pytest.fixture
def app(monkeypatch, script_timeout_s) -> AppTest:
    monkeypatch.setenv("HUMANLINE_WORKERS", "1")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=script_timeout_s)
    at.run()
    assert not at.exception
    return at


@pytest.fixture
def simulations(monkeypatch) -> dict[str, int]:
    """How often the app really simulated (a cache miss), counted around the functions it calls to simulate."""
    counts = {"comparison": 0, "frontier": 0, "classroom": 0}
    for kind in counts:
        real = getattr(compute, f"run_{kind}")

        def counted(*args, _real=real, _kind=kind, **kwargs):
            counts[_kind] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(compute, f"run_{kind}", counted)
    return counts


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    """Put ``files`` in the sidebar's uploader (none: clear it) and rerun."""
    at.sidebar.file_uploader[0].set_value([(name, data, "text/plain") for name, data in files] or None)
    return at.run()


def run(at: AppTest) -> AppTest:
    at.sidebar.button(key="run").click().run()
    assert not at.exception, at.exception
    return at


def knob(at: AppTest, kind: str, label: str):
    """The sidebar widget of ``kind`` (slider, number_input, selectbox) with this label."""
    hits = [w for w in getattr(at.sidebar, kind) if w.label == label]
    assert len(hits) == 1, [w.label for w in getattr(at.sidebar, kind)]
    return hits[0]


def using(at: AppTest) -> str:
    return next(c.value for c in at.sidebar.caption if c.value.startswith("Using"))


def ctx(at: AppTest):
    return at.session_state["ctx"]


def metrics(at: AppTest) -> dict[str, list[str]]:
    """Headline figure -> its value for each policy (baseline left out), in policy order."""
    out: dict[str, list[str]] = {}
    for m in at.metric:
        out.setdefault(m.label, []).append(m.value)
    return out


def charts(at: AppTest) -> list:
    return at.get("plotly_chart")


def test_first_page_opens_on_the_default_preset_and_every_page_waits_for_run(app, simulations):
    assert "Payment platform week" in using(app)
    assert any("Run simulation" in i.value for i in app.info)
    assert len(charts(app)) == 1  # expected demand, straight from the scenario
    assert knob(app, "number_input", "Replications").value == 3  # the app's quick start, below the file's 10
    assert any("The file asks for 10 replications; this run uses 3" in c.value for c in app.sidebar.caption)
    assert ctx(app).changes == [{"parameter": "replications", "before": 10, "after": 3}]
    calls = dict(simulations)
    for page in ["frontier", "emergencies", "roster", "downloads"]:
        app.switch_page(f"ui/pages/{page}.py").run()
        assert not app.exception, page
        assert any("Run simulation" in i.value for i in app.info), page
    app.switch_page("ui/pages/assumptions.py").run()
    assert not app.exception and sum(len(t.value) for t in app.table) > 300
    assert simulations == calls  # nothing simulated before Run


def test_switching_preset_after_changing_knobs_gives_that_presets_own_values_and_the_clis_figures(app, tmp_path):
    knob(app, "slider", "Share of the roster kept").set_value(0.3).run()
    knob(app, "number_input", "Seed").set_value(5).run()
    knob(app, "slider", "Platform liability share").set_value(0.1).run()
    assert len(ctx(app).changes) == 4  # staffing scale, seed, liability and the quick replications

    app.sidebar.selectbox(key="preset").set_value("classroom_mmc.yaml").run()
    assert not app.exception and "Classroom M/M/c" in using(app)
    assert knob(app, "number_input", "Seed").value == 2024  # the file's seed, not the last scenario's
    assert knob(app, "slider", "Share of the roster kept").value == 1.0  # 12 agents as written
    assert knob(app, "slider", "Platform liability share").value == ctx(app).base.economics.liability_share
    assert ctx(app).changes == [{"parameter": "replications", "before": 20, "after": 3}]  # nothing else
    run(app)
    shown = ctx(app)
    assert shown.scenario.policy("n12").staffing_scale == 1.0

    # the CLI on the same file, seed and replications writes the same comparison, and the cards show it
    out = tmp_path / "cli"
    assert cli.main(["compare", str(ROOT / "scenarios" / "classroom_mmc.yaml"), "--replications", "3",
                     "--seed", "2024", "--out", str(out)]) == 0
    from_cli = pd.read_csv(out / "compare.csv")
    requested = app.session_state["requested"]["yaml"]  # exactly what the app ran (and cached)
    from_app = compute.run_comparison(requested).compare
    pd.testing.assert_frame_equal(pd.read_csv(io.StringIO(from_app.to_csv(index=False))), from_cli)
    net = from_cli.query("contact_type == 'all' and metric == 'net_saving'").set_index("policy")["difference"]
    assert metrics(app)["Net effect for society"] == [tables.fmt_money(net[p], "USD", compact=True)
                                                       for p in ("n12", "n11")]


def test_an_upload_gives_exactly_its_values_after_knobs_were_changed(app):
    knob(app, "slider", "Share of the roster kept").set_value(0.3).run()
    knob(app, "slider", "Platform liability share").set_value(0.1).run()
    knob(app, "slider", BAND_KNOB).set_value(0.9).run()
    data = small_payment()
    data.update(seed=777, replications=2)
    data["economics"]["liability_share"] = 0.5
    data["contact_types"][2]["volume"]["per_day"] = 25
    upload(app, ("mine.yaml", yaml.safe_dump(data).encode()))
    assert "upload: mine.yaml" in using(app)
    assert knob(app, "number_input", "Seed").value == 777
    assert knob(app, "number_input", "Replications").value == 2
    assert knob(app, "slider", "Platform liability share").value == 0.5
    assert knob(app, "slider", BAND_KNOB).value == knobs.loss_curve_band(ctx(app).base, "instant_transfer")
    assert knob(app, "slider", "Share of the roster kept").value == 0.6
    assert ctx(app).changes == []  # nothing the user did not do
    assert ctx(app).scenario == ctx(app).base
    app.switch_page("ui/pages/assumptions.py").run()
    assert any("Nothing: the next run uses the scenario exactly as loaded" in m.value for m in app.markdown)
    run(app)
    app.switch_page("ui/pages/downloads.py").run()
    assert not app.exception
    assert any("exactly as loaded." in c.value for c in app.caption)


def test_card_terms_sum_to_the_net_on_screen(app):
    upload(app, ("small.yaml", SMALL))
    run(app)
    comparison = compute.run_comparison(app.session_state["requested"]["yaml"])
    for view in ("net_saving", "net_saving_platform"):
        app.radio(key="savings_view").set_value(view).run()
        heads = [h for h in tables.headline(comparison, view) if not h["baseline"]]
        cards = app.table[:len(heads)]  # the cards' terms, then the non-emergency callers' table
        assert len(app.table) == len(heads) + 1 == len(FLAGSHIP_POLICIES)
        for head, card in zip(heads, cards):
            shown = card.value
            expected = tables.net_terms_table(head, "USD")
            assert list(shown.index) == list(expected.index)  # every term, then the net
            assert list(shown.iloc[:, 0]) == list(expected.iloc[:, 0])
            assert sum(t["mean"] for t in head["terms"]) == pytest.approx(head["net"]["mean"], abs=1e-6)
        nets = metrics(app)[tables.NET_LABELS[view]]
        assert nets == [tables.fmt_money(h["net"]["mean"], "USD", compact=True) for h in heads]
    assert any("Rough" in c.value for c in app.caption)  # 2 replications: intervals flagged rough


def test_compare_runs_and_a_changed_knob_changes_only_that_policy(app):
    upload(app, ("small.yaml", SMALL))
    assert "Payment platform, one day" in using(app)
    run(app)
    before = metrics(app)
    assert len(before["Net effect for society"]) == len(FLAGSHIP_POLICIES) - 1  # a card per policy but the baseline
    assert app.get("plotly_chart") and app.dataframe
    table = app.dataframe[0].value
    assert "Net effect for society (USD)" in table.index and "Bot first, 40% fewer agents" in table.columns

    knob(app, "slider", "Share of the roster kept").set_value(0.2).run()
    assert any("changed since the last run" in i.value for i in app.info)
    assert metrics(app) == before  # no rerun of the simulation until Run is pressed
    run(app)
    after = metrics(app)
    assert after["Net effect for society"][0] != before["Net effect for society"][0]  # the adjusted policy
    assert after["Net effect for society"][1:] == before["Net effect for society"][1:]  # the others as written
    assert not any("changed since the last run" in i.value for i in app.info)
    card = next(m.value for m in app.markdown if m.value.startswith("**Bot first, 40% fewer agents"))
    # 0.2 of 46 = 9 agents on 8-hour shifts every day, not the label's 40% fewer: 9 x 8 x 7 = 504 hours
    # scheduled, 476 on duty once their breaks are taken out (the one roster size, planning.roster_size)
    assert "(edited)" in card and "476 agent-hours a week" in card
    assert any("staffing_scale 0.6 → 0.2" in c.value for c in app.caption)


def test_edits_of_one_policy_stay_when_another_is_adjusted(app):
    upload(app, ("small.yaml", SMALL))
    knob(app, "slider", "Share of the roster kept").set_value(0.4).run()
    knob(app, "selectbox", "Policy to adjust").set_value("emergency_line").run()
    knob(app, "slider", "Share of the roster kept").set_value(0.8).run()
    sc = ctx(app).scenario
    assert sc.policy("bot_cut40").staffing_scale == 0.4 and sc.policy("emergency_line").staffing_scale == 0.8
    assert {c["parameter"] for c in ctx(app).changes} == {"policies[1].staffing_scale", "policies[4].staffing_scale"}


def test_every_page_draws_after_a_run_and_switching_pages_does_not_rerun(app, monkeypatch, simulations):
    import streamlit as st

    st.cache_data.clear()  # earlier tests may have run the same scenario in this process
    monkeypatch.setattr(compute, "FRONTIER_VALUES", (1.0, 0.5, 0.0))  # a coarser grid keeps the test quick
    upload(app, ("small.yaml", SMALL))
    run(app)
    expected = {"frontier": 1, "emergencies": 1, "roster": 2, "classroom": 1, "assumptions": 0, "downloads": 0}
    for page in PAGES:
        app.switch_page(f"ui/pages/{page}.py").run()
        assert not app.exception, (page, app.exception)
        assert not app.error, (page, [e.value for e in app.error])
        assert len(charts(app)) == expected[page], page
    assert simulations["comparison"] == 1  # the counter sees the app's run (the cache was emptied first)
    calls = dict(simulations)
    for page in ["compare", *PAGES]:
        app.switch_page(f"ui/pages/{page}.py").run()
        assert not app.exception
    assert simulations == calls  # everything came from the cache
    # another scenario: the last run's results are not shown as if they were its own
    app.sidebar.button(key="forget_upload").click().run()
    app.switch_page("ui/pages/compare.py").run()
    assert "Payment platform week" in using(app)
    assert any("Run simulation" in i.value for i in app.info) and not app.metric


def test_cost_of_cutting_and_plan_a_roster_are_traced_ahead_and_their_first_visit_draws_the_cache(
        app, monkeypatch, simulations):
    """What those pages draw first is computed in the background after a run, not on their first visit."""
    import streamlit as st

    from ui import ahead, plan_compute

    st.cache_data.clear()
    monkeypatch.setattr(compute, "FRONTIER_VALUES", (1.0, 0.5, 0.0))
    requirements = []
    real = plan_compute.requirement_of
    monkeypatch.setattr(plan_compute, "requirement_of", lambda *a: requirements.append(a) or real(*a))
    upload(app, ("small.yaml", SMALL))
    run(app)
    ahead.wait_all()
    assert simulations["frontier"] == 1 and len(requirements) == 1  # both done before either page was opened
    for page, charts_drawn in (("frontier", 1), ("plan_roster", 1)):
        app.switch_page(f"ui/pages/{page}.py").run()
        assert not app.exception, (page, app.exception)
        assert len(charts(app)) == charts_drawn, page
    assert simulations["frontier"] == 1 and len(requirements) == 1  # drawn from the cache


def test_classroom_shows_only_its_own_inputs_and_the_scenario_survives_it(app):
    upload(app, ("small.yaml", SMALL))
    knob(app, "slider", "Platform liability share").set_value(0.3).run()
    app.switch_page("ui/pages/classroom.py").run()
    assert not app.exception
    assert not app.sidebar.slider and not app.sidebar.number_input and not app.sidebar.button
    app.switch_page("ui/pages/compare.py").run()
    assert "upload: small.yaml" in using(app)  # the upload is kept
    assert knob(app, "slider", "Platform liability share").value == 0.3  # and so is the edit


def test_pages_content(app, monkeypatch):
    monkeypatch.setattr(compute, "FRONTIER_VALUES", (1.0, 0.5, 0.0))
    upload(app, ("small.yaml", SMALL))
    knob(app, "number_input", "Replications").set_value(3).run()
    run(app)
    app.switch_page("ui/pages/frontier.py").run()
    statement = " ".join(m.value for m in app.markdown)
    assert "emergency guarantee" in statement and "95% confidence" in statement
    assert "3 replications per share" in statement  # the sidebar's, not a fixed 2
    frontier_table = app.table[0].value
    assert "Net effect for society (USD)" in frontier_table.columns and "net_saving" not in frontier_table.columns
    assert frontier_table.iloc[0]["Wages saved (USD)"].count("(") == 1  # with its interval
    app.switch_page("ui/pages/emergencies.py").run()
    never = app.table[0].value
    assert "Never reached a human" in never.columns and len(never) == len(FLAGSHIP_POLICIES)
    app.switch_page("ui/pages/assumptions.py").run()
    params = pd.concat([t.value for t in app.table[1:]])
    assert params["source"].str.contains("UK Finance").any() and len(params) > 300
    assert "contact_types[2].loss.half_life_min" in params.index  # whole names, not cut
    app.switch_page("ui/pages/downloads.py").run()
    labels = [b.label for b in app.get("download_button")]
    assert any(x.startswith("Everything in one zip") for x in labels)
    for name in ("replications.csv", "summary.csv", "compare.csv", "frontier.csv", "data_dictionary.csv",
                 "scenario.yaml", "provenance.json", "interval_means.csv"):
        assert any(x.startswith(name) for x in labels), name
    undescribed = [x for x in labels if x.endswith(":") or (": " in x and not x.split(": ", 1)[1].strip())]
    assert not undescribed, undescribed  # every file says what it holds
    edited = sim.parse_scenario(ctx(app).yaml, read_csv=lambda n: "", source="download")
    assert edited.days == 1 and edited.replications == 3


def test_classroom_knob_changes_the_result(app):
    app.switch_page("ui/pages/classroom.py").run()
    app.radio(key="cls_section").set_value("Formulas and simulation").run()
    first = app.dataframe[0].value
    assert list(first.columns) == ["Measure", "Simulated (mean)", "95% CI", "Erlang C"]
    assert first.set_index("Measure").loc["Mean wait, s (ASA)", "Erlang C"] == "7.8 s"  # as the preset promises
    app.number_input(key="cls_servers").set_value(12).run()
    second = app.dataframe[0].value
    assert not app.exception
    assert list(second["Erlang C"]) != list(first["Erlang C"])
    assert list(second["Simulated (mean)"]) != list(first["Simulated (mean)"])
    app.toggle(key="cls_abandon").set_value(True).run()
    assert "Erlang A" in app.dataframe[0].value.columns


def test_every_classroom_part_draws_with_only_its_own_inputs_and_an_exercise_is_checked(app):
    app.switch_page("ui/pages/classroom.py").run()
    assert not app.exception and len(app.get("plotly_chart")) == 1  # the replayed day, by default
    assert {n.key for n in app.number_input} == {"cls_replay_rep"}  # no playground inputs it does not use
    for part, inputs in [("Erlang curves", {"cls_lambda", "cls_servers", "cls_reps"}),
                         ("How many runs?", {"cls_lambda", "cls_max_reps"})]:
        app.radio(key="cls_section").set_value(part).run()
        assert not app.exception and not app.error and len(app.get("plotly_chart")) == 1, part
        assert inputs <= {n.key for n in app.number_input}, part
    assert "cls_reps" not in {n.key for n in app.number_input}  # the precision target decides the count
    app.radio(key="cls_section").set_value("Exercises").run()
    app.selectbox(key="cls_exercise").set_value("five_minute_patience.exercise.yaml").run()
    app.number_input(key="cls_answer:five_minute_patience.exercise.yaml").set_value(7.0).run()
    app.button(key="classroom_check").click().run()
    assert not app.exception
    verdicts = [m.value for m in app.success] + [m.value for m in app.warning]
    assert len(verdicts) == 1 and "the simulation gives" in verdicts[0]
    assert "Erlang formula" in app.dataframe[0].value.columns


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
    fraud = ctx(app).scenario.contact_types[2]
    assert fraud.volume.table == [1.5] * 24


def test_a_run_that_fails_shows_one_sentence_and_keeps_the_last_good_results(app, monkeypatch):
    upload(app, ("small.yaml", SMALL))
    run(app)
    assert app.metric, "the first run draws its cards"
    from sim.runs import guard as run_guard

    def crash(*args, **kwargs):
        raise ValueError(f"cannot schedule in the past ({ROOT}/sim/engine.py)")

    monkeypatch.setattr(run_guard, "run", crash)
    seed = next(w for w in app.sidebar.number_input if w.label.lower().startswith("seed"))
    seed.set_value(seed.value + 1).run()
    run(app)
    errors = [e.value for e in app.error]
    assert any("server log" in e for e in errors), errors
    assert not any(str(ROOT) in e or "Traceback" in e for e in errors)
    assert any("last run that succeeded" in i.value for i in app.info)
    assert app.metric, "the last good results stay on screen"


def test_the_sidebar_shows_the_scenarios_warnings(app):
    data = small_payment()
    data["front_door"] = {"emergency_line": {"share_of_emergency_callers": 0.5}}  # settings without enabled: true
    upload(app, ("warned.yaml", yaml.safe_dump(data, sort_keys=False).encode()))
    warnings = " ".join(w.value for w in app.sidebar.warning)
    assert "emergency_line" in warnings


def test_what_matters_runs_the_quick_experiment_and_draws_the_tornado(app):
    upload(app, ("small.yaml", SMALL))
    app.switch_page("ui/pages/what_matters.py").run()
    assert not app.exception
    app.button(key="what_matters_run").click().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    titles = [c.proto.spec for c in charts(app)]
    # the drain curve is a factor, named as the other pages name things, not by its field path
    assert titles and any("Loss curve 'Instant bank transfer" in t for t in titles)
    assert not any("half_life_min" in t or "loss_curve_bands." in t for t in titles)
    assert any("How much of this is the loss curve?" in m.value for m in app.markdown)
    assert any("never" in m.value or "where" in m.value for m in app.markdown), "the verdict map is stated"


def test_what_matters_opens_a_finished_experiment_folder(app, tmp_path):
    from sim.studies.uncertainty import run_experiment
    from sim.studies.uncertainty.defaults import default_experiment

    scenario = sim.build_scenario(small_payment())
    run_experiment(default_experiment(scenario, "bot_cut40"), tmp_path / "exp")
    app.switch_page("ui/pages/what_matters.py").run()
    app.radio(key="what_matters_source").set_value("A finished experiment folder").run()
    app.text_input(key="what_matters_folder").input(str(tmp_path / "exp")).run()
    assert not app.exception and not app.error
    assert charts(app)
    app.text_input(key="what_matters_folder").input(str(tmp_path / "nothing")).run()
    assert any("not an experiment folder" in e.value for e in app.error)


def test_downloaded_provenance_is_stamped_when_downloaded_not_when_the_run_was_cached():
    from datetime import datetime, timezone

    record = {"created_utc": "2020-01-01T00:00:00+00:00", "seed": 1}
    fake = type("Result", (), {"provenance": record})()
    stamped = compute.export_provenance(fake)
    assert stamped["simulated_utc"] == "2020-01-01T00:00:00+00:00"
    assert stamped["created_utc"][:10] == datetime.now(timezone.utc).isoformat()[:10]
    assert record["created_utc"] == "2020-01-01T00:00:00+00:00"  # the cached record is left as it was
