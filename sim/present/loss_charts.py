"""Figures and words for a loss curve: the fitted curve, its bootstrap band and the published points.

Shared by the evidence report's assumptions section, the app and the README
figure, so that a curve is drawn and described the same way everywhere.
Computing is sim.model.loss_curves and sim.studies.loss_fit; this module
only draws and words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.model.loss_catalogue import CATALOGUE
from sim.model.loss_curves import band_at, duration_text, named_curve
from sim.present.formatting import fmt_value

_TICKS_MIN = [1, 15, 60, 6 * 60, 24 * 60, 3 * 24 * 60, 14 * 24 * 60]
_TICK_TEXT = ["1 min", "15 min", "1 h", "6 h", "1 day", "3 days", "14 days"]


def loss_curve_chart(name: str, evidence: pd.DataFrame, band: float = 0.5) -> go.Figure:
    """The named curve (and, when ``band`` is not 0.5, the position a scenario uses) over its 5-95% band."""
    minutes = np.geomspace(0.5, 21 * 24 * 60, 200)
    low, high = band_at(name, minutes * 60.0)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=minutes, y=high, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=minutes, y=low, mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor="rgba(33,102,172,0.2)", name="5-95% of bootstrap refits"))
    fig.add_trace(go.Scatter(x=minutes, y=named_curve(name).share_lost(minutes * 60.0), mode="lines",
                             line={"color": "#2166ac", "width": 2.5}, name="fitted curve"))
    if band != 0.5:
        fig.add_trace(go.Scatter(x=minutes, y=named_curve(name, band).share_lost(minutes * 60.0), mode="lines",
                                 line={"color": "#b2182b", "dash": "dash"}, name=f"band position {band:g} (used)"))
    rows = evidence[evidence["id"].isin(CATALOGUE[name]["rows"])]
    fig.add_trace(go.Scatter(
        x=rows["delay_min"], y=rows["share_lost"], mode="markers", name="published points",
        marker={"color": "#333333", "size": 9},
        error_x={"type": "data", "symmetric": False, "array": rows["delay_high_min"] - rows["delay_min"],
                 "arrayminus": rows["delay_min"] - rows["delay_low_min"], "thickness": 1},
        error_y={"type": "data", "symmetric": False, "array": rows["share_lost_high"] - rows["share_lost"],
                 "arrayminus": rows["share_lost"] - rows["share_lost_low"], "thickness": 1},
        text=rows["id"] + ": " + rows["source"], hovertemplate="%{text}<br>%{x:.4g} min: %{y:.1%}<extra></extra>",
    ))
    fig.update_layout(
        title=CATALOGUE[name]["label"], height=380, margin={"l": 60, "r": 20, "t": 50, "b": 50},
        xaxis={"type": "log", "title": "delay before the money is frozen", "tickvals": _TICKS_MIN,
               "ticktext": _TICK_TEXT},
        yaxis={"title": "share of the amount at risk lost", "range": [0, 1], "tickformat": ".0%"},
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


def curve_points_table(table: pd.DataFrame) -> pd.DataFrame:
    """The rows a named curve rests on (``sim.studies.loss_fit.curve_table``), as a reader sees them: the point,
    the fit and the band there."""
    return pd.DataFrame({
        "point": table["id"],
        "delay": [duration_text(m * 60.0) for m in table["delay_min"]],
        "published share lost": [fmt_value(v, "share") for v in table["share_lost"]],
        "fitted": [fmt_value(v, "share") for v in table["fitted_share_lost"]],
        "band (5-95%)": [f"{fmt_value(lo, 'share')} - {fmt_value(hi, 'share')}"
                         for lo, hi in zip(table["band_low"], table["band_high"])],
        "source": table["source"],
        "reading": table["reading"],
    })


def loss_curve_share_lines(shares: pd.DataFrame, figures: dict[str, tuple[str, str]]) -> list[str]:
    """One sentence per policy and figure: how much of the one-at-a-time swings is the loss curve's."""
    lines = []
    for row in shares.itertuples():
        # A figure the curve cannot move (the share within the guarantee) gets no line.
        if row.figure not in figures or row.swing == 0 or not np.isfinite(row.share):
            continue
        lines.append(f"{row.policy}, {figures[row.figure][0].lower()}: the loss curve makes "
                     f"{fmt_value(row.share, 'share')} of the squared swings")
    return lines
