"""The README's answer to the seed's question, reproduced: does a 7x24 emergency line pay for itself?

Runs scenarios/emergency_line_question.yaml with its loss curve at three
positions of its bootstrap band (0.05 mild, 0.5 fitted, 0.95 severe), and
once with the other named curve (international_wire: money that leaves by
a slow wire instead of instant transfers), and, for each liability rule, compares the policy with the line against the one
without under the same rule (same customers). Prints the table the README
quotes and writes docs/emergency_line.csv, docs/emergency_line.png and
docs/loss_curve.png (Plotly figures photographed by Debian's Chromium).

    .venv/bin/python docs/emergency_line_question.py [--replications 10] [--no-figure]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from sim.model import knobs  # noqa: E402
from sim.present.formatting import fmt_estimate, fmt_value  # noqa: E402
from sim.present.loss_charts import loss_curve_chart  # noqa: E402
from sim.studies.loss_fit import read_evidence  # noqa: E402

RULES = {"none": "no liability", "uk": "UK mandatory (88%, cap GBP 85k)", "2020": "2020 proposal"}
# (curve, band position) -> label
VARIANTS = {
    ("instant_transfer", 0.05): "instant transfer, band 0.05",
    ("instant_transfer", 0.5): "instant transfer, fitted",
    ("instant_transfer", 0.95): "instant transfer, band 0.95",
    ("international_wire", 0.5): "international wire, fitted",
}
METRICS = {
    "wages_saved": "wages",
    "bot_cost_saved": "bot cost",
    "added_customer_loss": "customer losses",
    "added_liability": "platform liability",
    "added_churn": "churn",
    "net_saving": "net for society",
    "net_saving_platform": "net for the platform",
}


def answer(replications: int) -> pd.DataFrame:
    base = sim.load_scenario(ROOT / "scenarios" / "emergency_line_question.yaml")
    rows = []
    for (curve, band), label in VARIANTS.items():
        results = sim.run(on_curve(base, curve, band), settings=sim.RunSettings(replications=replications))
        for rule in RULES:
            compare = results.compare(f"no_line_{rule}").set_index(["policy", "contact_type", "metric"])
            for metric in METRICS:
                r = compare.loc[(f"line_{rule}", "all", metric)]
                rows.append({"variant": label, "curve": curve, "band": band, "rule": rule, "metric": metric,
                             "mean": r["difference"], "ci_low": r["ci_low"], "ci_high": r["ci_high"], "n": r["n"]})
    return pd.DataFrame(rows)


def on_curve(scenario: sim.Scenario, curve: str, band: float) -> sim.Scenario:
    """The scenario with every emergency type on the named ``curve`` at position ``band``."""
    data = scenario.model_dump(mode="python")
    for ct in data["contact_types"]:
        if ct["emergency"]:
            ct["loss"]["curve"] = curve
    data["loss_curve_bands"] = {curve: band}
    return knobs.with_loss_curve_band(sim.build_scenario(data), curve, band)


def figure(table: pd.DataFrame, currency: str) -> go.Figure:
    fig = go.Figure()
    colours = ["#92c5de", "#2166ac", "#053061", "#b2182b"]
    for colour, label in zip(colours, VARIANTS.values()):
        part = table[(table.variant == label) & (table.metric == "net_saving_platform")].set_index("rule")
        part = part.loc[list(RULES)]
        fig.add_trace(go.Bar(
            x=[RULES[r] for r in part.index], y=part["mean"], name=label, marker_color=colour,
            error_y={"type": "data", "symmetric": False, "array": part["ci_high"] - part["mean"],
                     "arrayminus": part["mean"] - part["ci_low"]},
        ))
    cost = -table[table.metric == "wages_saved"]["mean"].iloc[0]
    fig.add_hline(y=0, line_color="#333333")
    fig.update_layout(
        template="plotly_white", barmode="group", width=900, height=480,
        title=(f"Net effect of a 7x24 emergency line for the platform, {currency} a week<br>"
               f"<sup>the line costs about {fmt_value(cost, 'money', currency)} a week in wages; "
               "95% intervals over replications</sup>"),
        yaxis={"title": f"net for the platform, {currency} a week (95% CI)", "tickformat": ",.0f"},
        legend={"orientation": "h", "y": -0.15},
        margin={"l": 80, "r": 20, "t": 80, "b": 60},
    )
    return fig


def photograph(fig: go.Figure, out: Path, selector: str = ".bars") -> None:
    from ui import browser

    with tempfile.TemporaryDirectory() as tmp:
        page_path = Path(tmp) / "figure.html"
        fig.write_html(page_path, include_plotlyjs=True, full_html=True)
        with browser.chromium() as chromium:
            page = chromium.new_page(viewport={"width": int(fig.layout.width or 900) + 20,
                                              "height": int(fig.layout.height or 480) + 20})
            page.goto(page_path.as_uri())
            page.locator(f".js-plotly-plot {selector}").first.wait_for(state="visible", timeout=120_000)
            page.locator(".js-plotly-plot").first.screenshot(path=str(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--no-figure", action="store_true")
    args = parser.parse_args()
    table = answer(args.replications)
    table.to_csv(ROOT / "docs" / "emergency_line.csv", index=False)
    currency = "GBP"
    for label in VARIANTS.values():
        print(f"\n{label}: line against no line, per week, {args.replications} replications")
        part = table[table.variant == label]
        for metric, name in METRICS.items():
            cells = [fmt_estimate(r["mean"], r["ci_low"], r["ci_high"], "money", currency)
                     for _, r in part[part.metric == metric].set_index("rule").loc[list(RULES)].iterrows()]
            print(f"  {name:<22}" + "".join(f"{c:>34}" for c in cells))
    print("  columns: " + ", ".join(RULES.values()))
    if not args.no_figure:
        photograph(figure(table, currency), ROOT / "docs" / "emergency_line.png")
        curve = loss_curve_chart("instant_transfer", read_evidence())
        curve.update_layout(template="plotly_white", width=900, height=460)
        photograph(curve, ROOT / "docs" / "loss_curve.png", selector=".scatterlayer")
        print("wrote docs/emergency_line.png and docs/loss_curve.png")


if __name__ == "__main__":
    main()
