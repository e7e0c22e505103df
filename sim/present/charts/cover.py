"""Rosters: the requirement per interval against the cover a roster gives, and the shortfall."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.present.charts.common import nice_step, timestamps

COVER_REQUIRED_COLOUR = "#444444"
COVER_COLOUR = "#2166ac"
COVER_BEFORE_COLOUR = "#9e9e9e"
COVER_SHORT_COLOUR = "rgba(178,24,43,0.45)"


def cover_chart(table: pd.DataFrame, start_weekday_index: int, cover_label: str,
                before: np.ndarray | None = None, before_label: str = "",
                raised: np.ndarray | None = None) -> go.Figure:
    """Required (step line), on duty after absence (step line), the shortfall as red bars.

    ``before``: another roster's cover, dashed (the roster as written, or
    today's); ``raised``: the requirement after the simulation's repairs.
    """
    x = timestamps(table["interval_start_s"], start_weekday_index)
    fig = go.Figure()
    fig.add_bar(x=x, y=table["short"], name="short of the requirement", marker_color=COVER_SHORT_COLOUR,
                hovertemplate="%{x|%a %H:%M}: %{y:.1f} agents short<extra></extra>")
    fig.add_scatter(x=x, y=table["required"], mode="lines", line_shape="hv", name="agents required",
                    line={"color": COVER_REQUIRED_COLOUR, "width": 2},
                    hovertemplate="%{x|%a %H:%M}: %{y:.0f} required<extra></extra>")
    if raised is not None and not np.allclose(raised, table["required"]):
        fig.add_scatter(x=x, y=raised, mode="lines", line_shape="hv", name="required after the simulation's repairs",
                        line={"color": COVER_REQUIRED_COLOUR, "width": 1, "dash": "dot"},
                        hovertemplate="%{x|%a %H:%M}: %{y:.0f} required after repair<extra></extra>")
    if before is not None:
        fig.add_scatter(x=x, y=before, mode="lines", line_shape="hv", name=before_label,
                        line={"color": COVER_BEFORE_COLOUR, "width": 2, "dash": "dash"},
                        hovertemplate="%{x|%a %H:%M}: %{y:.1f} on duty<extra>" + before_label + "</extra>")
    fig.add_scatter(x=x, y=table["on_duty_after_absence"], mode="lines", line_shape="hv", name=cover_label,
                    line={"color": COVER_COLOUR, "width": 2.5},
                    hovertemplate="%{x|%a %H:%M}: %{y:.1f} on duty<extra>" + cover_label + "</extra>")
    top = float(max(np.max(table["required"].to_numpy(), initial=0),
                    np.max(table["on_duty_after_absence"].to_numpy(), initial=0),
                    0 if before is None else np.max(before, initial=0)))
    fig.update_xaxes(tickformat="%a %H:%M")
    fig.update_yaxes(title_text="agents per interval", rangemode="tozero", tickmode="linear", tick0=0,
                     dtick=nice_step(top), tickformat=",d")
    fig.update_layout(title="Requirement and cover by interval (agents on duty after absence, breaks out)",
                      height=420, legend={"orientation": "h", "y": -0.2}, bargap=0.05, margin={"t": 60},
                      barmode="overlay")
    return fig
