"""The app's pure parts: figure builders (sim.present.charts), tables (ui.tables, sim.present.tables),
runs (ui.compute), uploads."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import sim
from sim.files.dictionary import data_dictionary
from sim.model import knobs
from sim.present import charts
from sim.present import tables as present_tables
from sim.present.terminal import NET_TERMS
from sim.studies.breakeven import Finding, breakeven
from ui import compute, tables

ROOT = Path(__file__).resolve().parent.parent


def small_payment_yaml(days: int = 1, replications: int = 2) -> str:
    """The payment preset cut to ``days`` days: every policy and emergency type, a second per run."""
    sc = sim.load_scenario(ROOT / "scenarios" / "payment_platform.yaml")
    data = sc.model_dump(mode="python")
    data.update(days=days, replications=replications)
    return sim.scenario_to_yaml(sim.build_scenario(data))


@pytest.fixture(scope="module")
def comparison() -> compute.Comparison:
    return compute.run_comparison(small_payment_yaml())


@pytest.fixture(scope="module")
def frontier() -> compute.Frontier:
    return compute.run_frontier(small_payment_yaml(), "today", values=(1.0, 0.5, 0.0))


def sweep_table(shares: dict[float, float]) -> pd.DataFrame:
    rows = []
    for value, share in shares.items():
        rows.append({"value": value, "metric": "share_within_guarantee", "mean": share, "ci_low": share - 0.02,
                     "ci_high": share + 0.02})
        for metric, mean in (("wages_saved", 1000 * (1 - value)), ("added_customer_loss", 3000 * (1 - value) ** 2),
                             ("net_saving", 1000 * (1 - value) - 3000 * (1 - value) ** 2)):
            rows.append({"value": value, "metric": metric, "mean": mean, "ci_low": mean - 100, "ci_high": mean + 100})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------- compute


def test_comparison_bundle_is_tidy(comparison):
    c = comparison
    assert c.policies == [p.id for p in sim.load_scenario(ROOT / "scenarios" / "payment_platform.yaml").policies]
    assert c.baseline == "today" and c.currency == "USD" and c.replications_n == 2
    assert set(c.emergency_types) == {"fraud", "takeover"}
    assert {"wages_saved", "net_saving"} <= set(c.compare.metric)
    assert set(c.incidents.policy) == set(c.policies)
    assert c.provenance["scenario_sha256"] and c.provenance["replications"] == 2
    # intervals: one row per policy x interval, types summed, replications averaged
    assert len(c.intervals) == len(c.policies) * 24
    per_rep = c.replications.groupby(["policy", "replication"])["offered"].sum().groupby("policy").mean()
    assert c.intervals.groupby("policy")["offered"].sum().to_dict() == pytest.approx(per_rep.to_dict())


def test_frontier_bundle(frontier):
    assert frontier.values == [1.0, 0.5, 0.0] and frontier.replications_n == 2
    assert set(frontier.table.value) == {1.0, 0.5, 0.0}
    at_full = frontier.table[(frontier.table.value == 1.0) & (frontier.table.metric == "wages_saved")]
    assert float(at_full["mean"].iloc[0]) == pytest.approx(0.0, abs=1e-6)  # today at 100% is today
    sc = compute.scenario_from_yaml(frontier.scenario_yaml)
    assert frontier.full_headcount == 46  # share 1.0 is the roster before any scale
    assert list(frontier.search.members["headcount"]) == [knobs.roster_headcount(sc, "today", v) for v in
                                                          (1.0, 0.5, 0.0)]


def test_frontier_runs_the_scenarios_replications_and_seed_and_states_the_break_as_breakeven_does():
    text = small_payment_yaml(replications=3)
    front = compute.run_frontier(text.replace("seed: 20201124", "seed: 99"), "bot_cut40", values=(1.0, 0.0))
    assert front.replications_n == 3 and front.seed == 99
    money = front.table[front.table.metric.isin(["wages_saved", "net_saving"])]
    assert set(money["n"]) == {3}  # every interval rests on the sidebar's replications
    direct = breakeven(compute.scenario_from_yaml(text.replace("seed: 20201124", "seed: 99")), "staffing",
                       "bot_cut40", values=[1.0, 0.0], max_rounds=0)
    assert front.search.findings["guarantee_confident"] == direct.findings["guarantee_confident"]
    statement = tables.frontier_statement(front)
    assert "95% confidence" in statement and "3 replications per share" in statement
    one = compute.run_frontier(small_payment_yaml(replications=1), "today", values=(1.0, 0.0))
    assert isinstance(one, str) and "replications" in one  # no interval from one run: said, not drawn


def test_classroom_matches_erlang_c_roughly():
    result = compute.run_classroom(200, 180, 14, None, 20, days=1, replications=3, seed=3)
    assert result.model == "Erlang C" and result.stable and result.load_erlangs == pytest.approx(10)
    row = result.table.set_index("metric").loc["service_level"]
    assert row["formula"] == pytest.approx(0.888, abs=1e-3)
    assert abs(row["simulated"] - row["formula"]) < 0.08
    unstable = compute.run_classroom(200, 180, 9, None, 20, days=1, replications=1, seed=1)
    assert not unstable.stable and "no answer" in unstable.note
    abandon = compute.run_classroom(200, 180, 14, 300, 20, days=1, replications=2, seed=1)
    assert abandon.model == "Erlang A" and "abandonment" in set(abandon.table.metric)


def test_classroom_defaults_come_from_the_presets():
    d = compute.classroom_defaults(ROOT / "scenarios")
    assert d["arrivals_per_hour"] == pytest.approx(200) and d["servers"] == 14 and d["mean_patience_s"] == 300


# -------------------------------------------------------------------- charts


def test_savings_chart_has_a_bar_per_component_and_error_bars(comparison):
    fig = charts.savings_chart(comparison.compare, comparison.policies, comparison.labels, comparison.baseline,
                               "USD")
    assert isinstance(fig, go.Figure)
    assert [t.name for t in fig.data] == [label for _, _, label in NET_TERMS["net_saving"]] + ["Net effect"]
    assert all(len(t.x) == len(comparison.policies) - 1 for t in fig.data)  # the baseline is not a bar
    assert all(t.error_y.visible for t in fig.data)
    platform = charts.savings_chart(comparison.compare, comparison.policies, comparison.labels, "today", "USD",
                                    view="net_saving_platform")
    assert "Added liability paid" in [t.name for t in platform.data]


def finding(value, next_value) -> Finding:
    nan = float("nan")
    return Finding("guarantee_confident", "share_within_guarantee", value, None if value is None else 10 * value,
                   0.9, 0.88, 0.92, next_value, None if next_value is None else 10 * next_value, 0.8, 0.7, 0.85, "")


def test_frontier_chart_marks_the_last_share_meeting_the_guarantee_with_confidence():
    table = sweep_table({1.0: 0.97, 0.8: 0.93, 0.6: 0.85, 0.4: 0.5, 0.2: 0.1, 0.0: 0.0})
    fig = charts.frontier_chart(table, "USD", 0.9, 60, template_label="Today", marker=1.0, finding=finding(0.8, 0.6))
    names = [t.name for t in fig.data]
    for series in ("Wages saved", "Added customer losses", "Net effect for society", "Within the guarantee"):
        assert series in names
    bands = [t for t in fig.data if t.fill == "toself"]
    assert len(bands) == 4  # a confidence band under each series
    shapes = fig.layout.shapes
    assert any(s.type == "line" and s.line.dash == "dash" and s.y0 == pytest.approx(90) for s in shapes)  # target
    assert any(s.type == "line" and s.x0 == pytest.approx(80) for s in shapes)  # the last share that passes
    assert any(s.type == "rect" and s.x1 == pytest.approx(60) for s in shapes)  # shaded from the first failing
    assert any("down to 80% kept, not at 60%" in (a.text or "") for a in fig.layout.annotations)


def test_frontier_chart_says_when_the_guarantee_is_never_or_always_met():
    table = sweep_table({1.0: 0.5, 0.0: 0.0})
    never = charts.frontier_chart(table, "USD", 0.9, 60, finding=finding(None, 1.0))
    assert any("not met with 95% confidence at any share" in (a.text or "") for a in never.layout.annotations)
    always = charts.frontier_chart(table, "USD", 0.9, 60, finding=finding(0.0, None))
    assert any("at every share kept" in (a.text or "") for a in always.layout.annotations)


def test_frontier_chart_from_a_real_sweep(frontier):
    fig = charts.frontier_chart(frontier.table, frontier.currency, frontier.guarantee_share, frontier.guarantee_s,
                                template_label=frontier.template_label, marker=frontier.template_scale, zoom=True)
    # wages saved, added customer losses, added churn, net, the guarantee (no bot in the template: no bot cost)
    assert len([t for t in fig.data if t.mode == "lines+markers"]) == 5


def test_ecdf_chart_has_a_curve_per_policy_and_the_guarantee_line(comparison):
    fig = charts.ecdf_chart(comparison.incidents, comparison.policies, comparison.labels, 60, 0.9)
    curves = [t for t in fig.data if t.line.shape == "hv"]
    assert len(curves) == len(comparison.policies)
    guarantee = [t for t in fig.data if (t.name or "").startswith("guarantee")]
    assert len(guarantee) == 1 and list(guarantee[0].x) == [1.0, 1.0]  # 60 s, in minutes
    assert fig.layout.xaxis.type == "log"
    assert any(s.y0 == pytest.approx(90) for s in fig.layout.shapes)  # the target share
    for t in curves:
        assert max(t.y) <= 100 + 1e-9 and list(t.y) == sorted(t.y)
    assert charts.ecdf_chart(comparison.incidents, comparison.policies, comparison.labels, 60, 0.9,
                             log_x=False).layout.xaxis.type != "log"


def test_roster_charts(comparison):
    fig = charts.demand_chart(comparison.intervals, comparison.policies, comparison.labels, "today")
    assert fig.data[0].type == "bar" and len(fig.data) == 1 + len(comparison.policies)
    for metric in charts.HEATMAP_METRICS:
        heat = charts.heatmap_chart(comparison.intervals, metric, comparison.policies, comparison.labels)
        maps = [t for t in heat.data if t.type == "heatmap"]
        assert len(maps) == len(comparison.policies)
        assert len(maps[0].y) == 24 and len(maps[0].x) == 1


def test_expected_demand_chart():
    sc = sim.load_scenario(ROOT / "scenarios" / "payment_platform.yaml")
    demand = tables.expected_demand(sc)
    assert demand.groupby("contact_type")["expected"].sum().to_dict() == pytest.approx(knobs.expected_incidents(sc))
    fig = charts.expected_demand_chart(demand, sc.interval_min)
    assert len([t for t in fig.data if t.stackgroup == "all"]) == 4


def test_classroom_chart():
    result = compute.run_classroom(200, 180, 14, 300, 20, days=1, replications=2, seed=1)
    fig = charts.classroom_chart(result.table, result.model)
    assert [t.name for t in fig.data] == ["simulated (95% CI)", "Erlang A"]


# -------------------------------------------------------------------- tables


def test_formatting():
    assert tables.fmt_money(-1234.4, "USD") == "-USD 1,234"
    assert tables.fmt_money(123_456, "EUR", compact=True) == "EUR 123.5k"
    assert tables.fmt_value(0.1234, "share") == "12.3%"
    assert tables.fmt_value(float("nan"), "money") == "n/a"
    assert tables.fmt_ci(float("nan"), 1, "money") == "CI n/a"
    assert tables.fmt_value(7.84, "seconds") == "7.8 s"  # an ASA the Erlang C case gives as 7.84 s
    assert tables.fmt_value(200.0, "integer") == "200"


@pytest.mark.parametrize("x", [-0.0, -0.3, -1e-9])
def test_a_value_that_rounds_to_zero_has_no_minus_sign(x):
    assert tables.fmt_money(x) == "0" and tables.fmt_money(x, "USD") == "USD 0"
    assert tables.fmt_value(x / 1000, "share") == "0.0%"
    assert tables.fmt_value(x / 100, "count") == "0.0"


def test_comparison_table_and_headline(comparison):
    table = tables.comparison_table(comparison)
    assert list(table.columns[1:]) == [comparison.labels[p] for p in comparison.policies]
    assert (table.loc["Wages saved (USD)", comparison.labels["today"]]) == "baseline"
    assert "(" in table.loc["Net effect for society (USD)", comparison.labels["bot_cut40"]]  # with its CI
    assert table.loc["Net effect for society (USD)", comparison.labels["bot_cut40"]].endswith("rough")  # 2 reps
    assert "Emergencies reaching a human within the guarantee" in table.index


@pytest.mark.parametrize("view", ["net_saving", "net_saving_platform"])
def test_headline_terms_sum_to_the_net_and_carry_their_intervals(comparison, view):
    for head in tables.headline(comparison, view):
        if head["baseline"]:
            continue
        terms = head["terms"]
        assert [t["metric"] for t in terms] == [m for m, _, _ in NET_TERMS[view]]
        assert sum(t["mean"] for t in terms) == pytest.approx(head["net"]["mean"], rel=1e-9, abs=1e-6)
        row = comparison.compare.query(f"policy == '{head['policy']}' and contact_type == 'all' and metric == '{view}'")
        assert head["net"]["mean"] == pytest.approx(float(row["difference"].iloc[0]))
        for t in [*terms, head["net"]]:
            assert t["ci_low"] <= t["mean"] + 1e-9 and t["mean"] <= t["ci_high"] + 1e-9
        shown = tables.net_terms_table(head, "USD")
        assert list(shown.index) == [t["label"] for t in terms] + [head["net"]["label"]]
        assert "Added liability paid" in list(shown.index) if view == "net_saving_platform" else True
        costs = shown.loc["Added customer losses" if view == "net_saving" else "Added liability paid", "USD per run"]
        assert costs.startswith("-") or costs == "0"  # a cost counts against the net
        assert all(ci != "CI n/a" for ci in shown["95% CI"])


def test_unreached_table(comparison):
    table = tables.unreached_table(comparison)
    assert list(table.index) == [comparison.labels[p] for p in comparison.policies]
    never = comparison.incidents[~comparison.incidents.reached_human.astype(bool)]
    n = len(never[never.policy == "bot_day_humans"]) / comparison.replications_n
    assert table.loc[comparison.labels["bot_day_humans"], "Never reached a human"].startswith(f"{n:,.1f}")


def test_parameter_rows_cover_every_parameter_with_sources_and_changes():
    sc = sim.load_scenario(ROOT / "scenarios" / "payment_platform.yaml")
    edited = knobs.with_liability(sc, 0.3)
    rows = present_tables.parameter_rows(edited, knobs.changes(sc, edited)).set_index("parameter")
    assert rows.loc["contact_types[2].loss.curve", "source"].startswith("instant_transfer, fitted to")
    assert rows.loc["contact_types[2].loss.curve", "meaning"].startswith("the drain curve")
    assert rows.loc["contact_types[2].loss.curve", "section"] == "Contact type: Fraud in progress"
    assert "BLS" in rows.loc["agents.shifts[3].cost_per_hour", "source"]  # a [*] source key
    assert rows.loc["contact_types[0].handle_time_s", "value"] == "lognormal(mean=300, cv=0.8)"
    assert rows.loc["economics.liability_share", "changed in the app"]
    assert rows.loc["economics.liability_share", "in the file"] == "0.62"
    assert rows["changed in the app"].sum() == 1
    assert "sources" not in " ".join(rows.index)
    # every number of the scenario is there
    assert {"days", "guarantee_s", "policies[1].staffing_scale", "contact_types[3].redial.max_attempts"} <= set(
        rows.index)


def test_ecdf_legend_gives_the_share_never_reached_before_the_curve_is_thinned():
    rng = np.random.default_rng(1)
    frames = []
    for policy, never in (("a", 0.1), ("b", 0.4)):
        t = rng.exponential(60, 5000)
        t[: int(never * 5000)] = np.nan
        frames.append(pd.DataFrame({"policy": policy, "time_to_human_s": t}))
    incidents = pd.concat(frames, ignore_index=True)
    fig = charts.ecdf_chart(incidents, ["a", "b"], {"a": "A", "b": "B"}, 60, 0.9)
    assert [t.name for t in fig.data if t.line.shape == "hv"] == ["A (never: 10.0%)", "B (never: 40.0%)"]
    told = charts.ecdf_chart(incidents, ["a", "b"], {"a": "A", "b": "B"}, 60, 0.9, never={"a": 0.123, "b": 0.4})
    assert told.data[0].name == "A (never: 12.3%)"  # the summary's mean, as the table beside it says


def test_ecdf_legend_matches_the_never_reached_table(comparison):
    fig = charts.ecdf_chart(comparison.incidents, comparison.policies, comparison.labels, 60, 0.9,
                            never=tables.never_reached(comparison))
    shown = tables.unreached_table(comparison)["Share never reached"]
    for trace, pid in zip([t for t in fig.data if t.line.shape == "hv"], comparison.policies):
        assert trace.name.endswith(f"(never: {shown[comparison.labels[pid]].split(' ')[0]})")


def test_heatmap_scale_is_not_set_by_one_extreme_cell(comparison):
    intervals = comparison.intervals.copy()
    last = intervals.index[-1]
    intervals.loc[last, "wait_sum_s"] = 1e7 * max(intervals.loc[last, "offered"], 1)
    intervals.loc[last, "offered"] = max(intervals.loc[last, "offered"], 1)
    heat = charts.heatmap_chart(intervals, "mean_wait_s", comparison.policies, comparison.labels)
    zmax = heat.data[0].zmax
    cells = np.concatenate([np.asarray(t.z, dtype=float).ravel() for t in heat.data])
    assert zmax < np.nanmax(cells) / 100  # the outlier no longer sets the scale
    assert "capped" in heat.layout.title.text


def test_roster_chart_counts_agents_in_whole_numbers(comparison):
    fig = charts.demand_chart(comparison.intervals, comparison.policies, comparison.labels, "today")
    axis = fig.layout.yaxis2
    assert axis.tickmode == "linear" and axis.tick0 == 0 and float(axis.dtick).is_integer()


def test_data_dictionary_describes_every_exported_column(comparison, frontier):
    exported = compute.export_tables(comparison, frontier)
    assert "frontier" in exported
    dictionary = data_dictionary(exported, "USD")
    blank = dictionary[dictionary["meaning"] == ""]
    assert blank.empty, blank[["file", "column"]].to_string()
    money = dictionary[dictionary["column"].isin(["agent_cost", "metric=net_saving"])]
    assert set(money["currency"]) == {"USD"} and all("USD" in u for u in money["unit"])


def test_scenario_as_run_and_provenance_list_exactly_the_apps_changes():
    base = small_payment_yaml()
    sc = compute.scenario_from_yaml(base)
    edited = sim.scenario_to_yaml(knobs.with_agents_kept(sc, 0.8, "bot_cut40"))
    run = compute.run_comparison(edited, base_yaml=base, source="upload: x.yaml")
    assert run.changes == [{"parameter": "policies[1].staffing_scale", "before": 0.6, "after": 0.8}]
    assert run.provenance["in_app_edits"] == run.changes
    text = compute.scenario_as_run(run)
    assert "#   policies[1].staffing_scale: 0.6 -> 0.8" in text and "upload: x.yaml" in text
    assert sim.parse_scenario(text, read_csv=lambda n: "", source="t").policy("bot_cut40").staffing_scale == 0.8
    assert run.labels["bot_cut40"].endswith("(edited)") and not run.labels["today"].endswith("(edited)")
    noisy = compute.run_comparison(sim.scenario_to_yaml(knobs.with_bot_resolve(sc, 0.35)), base_yaml=base)
    assert not re.search(r"\d\.\d{7,}", compute.scenario_as_run(noisy).split("\nname:")[0])  # no float noise
    untouched = compute.run_comparison(base, base_yaml=base)
    assert untouched.changes == [] and "no changes" in compute.scenario_as_run(untouched)
