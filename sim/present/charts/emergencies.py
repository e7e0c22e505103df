"""Emergencies: the time from an emergency's first attempt to a human, as an ECDF per policy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.present.charts.common import GUARANTEE_COLOUR, policy_colours
from sim.present.formatting import fmt_value


def ecdf_chart(
    incidents: pd.DataFrame,
    policies: Sequence[str],
    labels: dict[str, str],
    guarantee_s: float,
    guarantee_share: float,
    log_x: bool = True,
    never: dict[str, float] | None = None,
) -> go.Figure:
    """Time from an emergency's first attempt to a human, as an ECDF per policy.

    The curve is over *all* emergency incidents, so it levels off below 100%
    by the share that never reached a human. The guarantee is the vertical
    line; the target share the horizontal one. ``never``: per policy, the
    share never reaching a human to print in the legend — the summary's mean
    over replications, so the legend says what the table says; without it,
    the pooled share of these incidents.
    """
    fig = go.Figure()
    colours = policy_colours(policies)
    floor_min = 0.05  # 3 s: a log axis cannot show 0
    for p in policies:
        mine = incidents[incidents.policy == p]
        n = len(mine)
        if n == 0:
            continue
        t = np.sort(mine["time_to_human_s"].dropna().to_numpy(dtype=float)) / 60.0
        y = np.arange(1, t.size + 1) / n
        never_share = never[p] if never and p in never else 1.0 - t.size / n  # before thinning the curve
        if log_x:
            t = np.maximum(t, floor_min)
        if t.size > 2000:  # keep the browser light: the step shape survives thinning
            keep = np.unique(np.linspace(0, t.size - 1, 2000).astype(int))
            t, y = t[keep], y[keep]
        start = floor_min if log_x else 0.0
        fig.add_trace(
            go.Scatter(
                x=np.concatenate([[start], t]), y=100 * np.concatenate([[0.0], y]),
                mode="lines", line_shape="hv", name=f"{labels.get(p, p)} (never: {fmt_value(never_share, 'share')})",
                line={"color": colours[p], "width": 2},
                hovertemplate="%{y:.1f}% within %{x:.2f} min<extra>" + labels.get(p, p) + "</extra>",
            )
        )
    g_min = guarantee_s / 60.0
    # a trace, not a shape: shapes and annotations on log axes need log coordinates, traces do not
    fig.add_trace(go.Scatter(x=[g_min, g_min], y=[0, 102], mode="lines", name=f"guarantee: {guarantee_s:g} s",
                             line={"color": GUARANTEE_COLOUR, "dash": "dash", "width": 2}, hoverinfo="skip"))
    fig.add_hline(y=100 * guarantee_share, line_dash="dot", line_color=GUARANTEE_COLOUR,
                  annotation_text=f"target {100 * guarantee_share:g}%", annotation_position="bottom right",
                  annotation_font_color=GUARANTEE_COLOUR)
    fig.update_layout(
        title="Emergency time to a human (all replications pooled)",
        xaxis_title="time from the first attempt" + (" (log scale; answers within 3 s shown at 3 s)"
                                                     if log_x else " (minutes)"),
        yaxis_title="% of emergency incidents that reached a human",
        yaxis_range=[0, 102],
        height=480, legend={"orientation": "h", "y": -0.25}, margin={"t": 60},
    )
    if log_x:
        ticks = [0.05, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 240, 480, 1440]
        text = ["3 s", "15 s", "30 s", "1 min", "2 min", "5 min", "10 min", "30 min", "1 h", "2 h", "4 h", "8 h",
                "24 h"]
        fig.update_xaxes(type="log", tickvals=ticks, ticktext=text)
    return fig
