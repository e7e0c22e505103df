"""Cost of cutting reconciles: its table's terms add up to its net, its chart draws costs as Compare does."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
import pytest

from sim.present import charts
from ui import tables

TERMS = {"wages_saved": (13_100.0, 1), "bot_cost_saved": (-6_144.0, 1), "added_customer_loss": (0.0, -1),
         "added_churn": (22_700.0, -1)}


def _members() -> pd.DataFrame:
    rows = []
    for value, scale in ((1.0, 0.0), (0.8, 1.0), (0.6, 2.5)):
        row = {"value": value, "headcount": 50 * value, "guarantee_holds_confident": value > 0.7,
               "share_within_guarantee": 0.95 * value, "share_within_guarantee_ci_low": 0.9 * value,
               "share_within_guarantee_ci_high": min(1.0, value)}
        net = 0.0
        for metric, (amount, sign) in TERMS.items():
            row[metric] = scale * amount
            row[f"{metric}_ci_low"], row[f"{metric}_ci_high"] = scale * amount - 500, scale * amount + 500
            net += sign * scale * amount
        row["net_saving"], row["net_saving_ci_low"], row["net_saving_ci_high"] = net, net - 900, net + 900
        rows.append(row)
    return pd.DataFrame(rows)


def _number(text: str) -> float:
    head = text.split(" (")[0]
    factor = 1e3 if head.endswith("k") else 1e6 if head.endswith("M") else 1.0
    return float(re.sub(r"[^0-9.\-]", "", head)) * factor


def test_the_tables_terms_include_churn_and_bot_cost_and_add_up_to_the_net():
    front = SimpleNamespace(search=SimpleNamespace(members=_members()), currency="USD")
    table = tables.frontier_table(front)
    columns = ["Wages saved (USD)", "Bot cost saved (USD)", "Added customer losses (USD)", "Added churn cost (USD)"]
    assert [c for c in table.columns if c in columns] == columns
    row = table.loc["80%"]
    assert _number(row["Added churn cost (USD)"]) == pytest.approx(-22_700, abs=50)  # a cost counts negative
    total = sum(_number(row[c]) for c in columns)
    assert total == pytest.approx(_number(row["Net effect for society (USD)"]), abs=150)
    # one unit per column: no column mixes whole units with thousands
    for column in [*columns, "Net effect for society (USD)"]:
        heads = [t.split(" (")[0] for t in table[column]]
        assert len({h[-1] == "k" for h in heads if h != "0"}) <= 1, column


def test_the_chart_draws_added_costs_down_like_compare_and_gives_the_shaded_region_a_legend():
    members = _members()
    long = members.melt(id_vars=["value"], value_vars=[*TERMS, "net_saving", "share_within_guarantee"],
                        var_name="metric", value_name="mean")
    for bound in ("ci_low", "ci_high"):
        long[bound] = [members.set_index("value").loc[v, f"{m}_{bound}"] for v, m in zip(long["value"], long["metric"])]
    fig = charts.frontier_chart(long, "USD", 0.9, 60, finding=SimpleNamespace(value=0.8, next_value=0.6))
    drawn = {t.name: t for t in fig.data if t.mode == "lines+markers"}
    assert min(drawn["Added churn cost"].y) < 0 and max(drawn["Added churn cost"].y) <= 0  # an added cost is drawn below zero, as on Compare
    assert max(drawn["Wages saved"].y) > 0
    shaded = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(shaded) == 2 and "not met" in shaded[0].name  # in both panels ...
    assert [bool(s.showlegend) for s in shaded] == [True, False]  # ... with one legend entry
