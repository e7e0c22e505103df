"""The app's pure parts: figure builders (ui.charts), tables (ui.tables), runs (ui.compute), uploads."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

import sim
from sim import knobs
from ui import charts, compute, tables

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
    assert c.policies == ["today", "bot_cut40", "bot_day_humans", "bot_only_nights", "emergency_line"]
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


def test_frontier_uses_fewer_replications_than_the_comparison():
    assert compute.frontier_replications(10) == compute.FRONTIER_MAX_REPLICATIONS
    assert compute.frontier_replications(1) == 1


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
    assert [t.name for t in fig.data] == [n for _, n, _ in charts.SAVINGS_VIEWS["society"]]
    assert all(len(t.x) == len(comparison.policies) - 1 for t in fig.data)  # the baseline is not a bar
    assert all(t.error_y.visible for t in fig.data)
    platform = charts.savings_chart(comparison.compare, comparison.policies, comparison.labels, "today", "USD",
                                    view="platform")
    assert "Added liability paid" in [t.name for t in platform.data]


def test_frontier_chart_marks_where_the_guarantee_breaks():
    table = sweep_table({1.0: 0.97, 0.8: 0.93, 0.6: 0.85, 0.4: 0.5, 0.2: 0.1, 0.0: 0.0})
    brk = charts.guarantee_break(table, 0.9)
    assert brk["status"] == "breaks" and brk["x"] == pytest.approx(0.6 + 0.2 * (0.9 - 0.85) / (0.93 - 0.85))
    fig = charts.frontier_chart(table, "USD", 0.9, 60, template_label="Today", marker=1.0)
    names = [t.name for t in fig.data]
    for series in ("Wages saved", "Added customer losses", "Net effect for society", "Within the guarantee"):
        assert series in names
    bands = [t for t in fig.data if t.fill == "toself"]
    assert len(bands) == 4  # a confidence band under each series
    shapes = fig.layout.shapes
    assert any(s.type == "line" and s.line.dash == "dash" and s.y0 == pytest.approx(90) for s in shapes)  # target
    assert any(s.type == "line" and s.x0 == pytest.approx(100 * brk["x"]) for s in shapes)  # the break
    assert any("breaks below" in (a.text or "") for a in fig.layout.annotations)


def test_guarantee_break_holds_fails_unknown():
    assert charts.guarantee_break(sweep_table({1.0: 0.95, 0.0: 0.92}), 0.9)["status"] == "holds"
    assert charts.guarantee_break(sweep_table({1.0: 0.5, 0.0: 0.0}), 0.9)["status"] == "fails"
    assert charts.guarantee_break(sweep_table({1.0: 0.5}).query("metric != 'share_within_guarantee'"),
                                  0.9)["status"] == "unknown"
    fig = charts.frontier_chart(sweep_table({1.0: 0.5, 0.0: 0.0}), "USD", 0.9, 60)
    assert any("fails at every share" in (a.text or "") for a in fig.layout.annotations)


def test_frontier_chart_from_a_real_sweep(frontier):
    fig = charts.frontier_chart(frontier.table, frontier.currency, frontier.guarantee_share, frontier.guarantee_s,
                                template_label=frontier.template_label, marker=frontier.template_scale, zoom=True)
    assert len([t for t in fig.data if t.mode == "lines+markers"]) == 4


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


def test_comparison_table_and_headline(comparison):
    table = tables.comparison_table(comparison)
    assert list(table.columns[1:]) == [comparison.labels[p] for p in comparison.policies]
    assert (table.loc["Wages saved (USD)", comparison.labels["today"]]) == "baseline"
    assert "(" in table.loc["Net effect for society (USD)", comparison.labels["bot_cut40"]]  # with its CI
    assert "Emergencies reaching a human within the guarantee" in table.index
    heads = {h["policy"]: h for h in tables.headline(comparison)}
    net, lo, hi = heads["bot_cut40"]["figures"]["net_saving"]
    assert lo <= net <= hi
    row = comparison.compare.query("policy == 'bot_cut40' and contact_type == 'all' and metric == 'net_saving'")
    assert net == pytest.approx(float(row["difference"].iloc[0]))
    w = heads["bot_cut40"]["figures"]
    assert w["costs_saved"][0] == pytest.approx(w["wages_saved"][0] + w["bot_cost_saved"][0])


def test_unreached_table(comparison):
    table = tables.unreached_table(comparison)
    assert list(table.index) == [comparison.labels[p] for p in comparison.policies]
    never = comparison.incidents[~comparison.incidents.reached_human.astype(bool)]
    n = len(never[never.policy == "bot_day_humans"]) / comparison.replications_n
    assert table.loc[comparison.labels["bot_day_humans"], "Never reached a human"].startswith(f"{n:,.1f}")


def test_parameter_rows_cover_every_parameter_with_sources_and_changes():
    sc = sim.load_scenario(ROOT / "scenarios" / "payment_platform.yaml")
    edited = knobs.with_liability(sc, 0.3)
    rows = tables.parameter_rows(edited, base=sc).set_index("parameter")
    assert rows.loc["contact_types[2].loss.half_life_min", "source"].startswith("RUSI")
    assert rows.loc["contact_types[2].loss.half_life_min", "meaning"].startswith("minutes for half")
    assert "BLS" in rows.loc["agents.shifts[3].cost_per_hour", "source"]  # a [*] source key
    assert rows.loc["contact_types[0].handle_time_s", "value"] == "lognormal(mean=300, cv=0.8)"
    assert rows.loc["economics.liability_share", "changed in the app"]
    assert rows["changed in the app"].sum() == 1
    assert "sources" not in " ".join(rows.index)
    # every number of the scenario is there
    assert {"days", "guarantee_s", "policies[1].staffing_scale", "contact_types[3].redial.max_attempts"} <= set(
        rows.index)
