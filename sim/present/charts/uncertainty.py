"""Uncertainty: one-at-a-time swings (tornado) and the verdict at every point of an experiment."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from sim.present.formatting import fmt_money


def tornado_chart(tornado: pd.DataFrame, figure_label: str, value_kind: str, currency: str = "",
                  factor_labels: dict[str, str] | None = None) -> go.Figure:
    """One-at-a-time swings: per factor, the change from the base point at its low and its high value, with CIs.

    Factors are sorted by the size of their swing, largest on top (the
    table comes sorted from sim.studies.uncertainty.analysis.tornado).
    ``factor_labels``: factor path -> the name to show (``sim.present.tables.factor_label``);
    each factor's row also says the low and high values it moved between.
    """
    from sim.present.tables import factor_range

    rows = tornado.iloc[::-1]  # Plotly draws the first category at the bottom
    names = [f"{(factor_labels or {}).get(f, f)}<br><span style='font-size:0.85em'>"
             f"{factor_range(f, lo, hi)}</span>"
             for f, lo, hi in zip(rows["factor"], rows["low_value"], rows["high_value"])]
    fig = go.Figure()
    scale = 100.0 if value_kind == "share" else 1.0
    for side, colour in (("low", "#4c78a8"), ("high", "#f58518")):
        change = rows[f"{side}_change"] * scale
        plus = (rows[f"{side}_ci_high"] * scale - change).clip(lower=0).fillna(0)
        minus = (change - rows[f"{side}_ci_low"] * scale).clip(lower=0).fillna(0)
        fig.add_trace(go.Bar(
            y=names, x=change, orientation="h", name=f"factor at its {side} value", marker_color=colour,
            error_x=dict(type="data", array=plus, arrayminus=minus, visible=True),
            customdata=rows[f"{side}_value"],
            hovertemplate=f"at %{{customdata:.4g}}<br>change: %{{x:,.3g}}{'%' if scale == 100 else ''}"
                          "<extra></extra>",
        ))
    unit = "percentage points" if value_kind == "share" else (currency or "money")
    fig.update_layout(
        barmode="overlay", height=140 + 56 * len(rows), margin=dict(l=10, r=10, t=40, b=40),
        title=f"{figure_label}: change from the base point ({unit})", legend=dict(orientation="h", y=-0.15),
        xaxis=dict(zeroline=True, zerolinewidth=2, zerolinecolor="#444"),
    )
    return fig


_VERDICT_CLASSES = (  # (saves society money, keeps the guarantee) -> (code, label, colour)
    ((False, False), 0, "costs money, misses the guarantee", "#b2182b"),
    ((False, True), 1, "costs money, keeps the guarantee", "#f4a582"),
    ((True, False), 2, "saves money, misses the guarantee", "#92c5de"),
    ((True, True), 3, "saves money, keeps the guarantee", "#1b7837"),
)


def verdict_map_chart(verdict: pd.DataFrame, point_labels: dict[int, str], labels: dict[str, str], currency: str,
                      has_emergency: bool = True) -> go.Figure:
    """The verdict at every point of an experiment (rows) for every policy (columns).

    ``verdict``: ``sim.studies.uncertainty.analysis.verdict_map``'s per-point table
    (point, policy, net_saving, saves_money, guarantee_holds); the baseline,
    which has no paired net effect, is left out. Each cell's colour is the
    verdict, its text the net effect for society; ``point_labels`` names the
    points (in a one-at-a-time design: which factor moved where).
    """
    rows = verdict[verdict["saves_money"].notna()]
    policies = list(dict.fromkeys(rows["policy"]))
    points = list(dict.fromkeys(rows["point"]))
    code = {k: c for k, c, _, _ in _VERDICT_CLASSES}
    z, text = [], []
    for point in points:
        z_row, t_row = [], []
        for policy in policies:
            hit = rows[(rows.point == point) & (rows.policy == policy)]
            if hit.empty:
                z_row.append(None)
                t_row.append("")
                continue
            r = hit.iloc[0]
            holds = bool(r["guarantee_holds"]) if has_emergency else True
            z_row.append(code[(bool(r["saves_money"]), holds)])
            t_row.append(fmt_money(r["net_saving"], compact=True))
        z.append(z_row)
        text.append(t_row)
    classes = _VERDICT_CLASSES if has_emergency else tuple(c for c in _VERDICT_CLASSES if c[0][1])
    # a discrete colour scale: each code owns a band of [0, 3]
    scale = []
    for _, c, _, colour in _VERDICT_CLASSES:
        scale += [[c / 4, colour], [(c + 1) / 4, colour]]
    fig = go.Figure(go.Heatmap(
        z=z, x=[labels.get(p, p) for p in policies], y=[point_labels.get(p, f"point {p}") for p in points],
        text=text, texttemplate="%{text}", zmin=-0.5, zmax=3.5, colorscale=scale, showscale=False, xgap=2, ygap=2,
        hovertemplate="%{y}<br>%{x}: net %{text}<extra></extra>",
    ))
    for _, c, name, colour in classes:  # the legend: one empty trace per verdict
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name,
                                 marker={"color": colour, "size": 12, "symbol": "square"}))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(
        title=f"The verdict at every point (cell text: net effect for society, {currency} per run)",
        height=140 + 28 * len(points), legend={"orientation": "h", "y": -0.12}, margin={"t": 50, "l": 10},
        xaxis={"side": "top"}, plot_bgcolor="white",
    )
    return fig

