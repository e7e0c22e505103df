"""By interval over the horizon: demand against agents on duty, heat maps by hour and day, expected demand.

A heat map's rates are the registry's (``sim.model.measures``): numerator and denominator summed over the
cell's intervals, then divided by ``measures.ratio``, as the results form them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.model import measures
from sim.model.scenario import WEEKDAYS
from sim.present.charts.common import nice_step, policy_colours, timestamps, wrap_label


def demand_chart(
    intervals: pd.DataFrame,
    policies: Sequence[str],
    labels: dict[str, str],
    show_arrivals_of: str,
    start_weekday_index: int = 0,
) -> go.Figure:
    """Attempts arriving per interval (bars) and agents on duty per policy (lines) over the horizon."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    colours = policy_colours(policies)
    base = intervals[intervals.policy == show_arrivals_of]
    fig.add_bar(
        x=timestamps(base["interval_start_s"], start_weekday_index), y=base["attempts"],
        name=f"attempts arriving ({labels.get(show_arrivals_of, show_arrivals_of)})",
        marker_color="rgba(120,120,120,0.45)", secondary_y=False,
        hovertemplate="%{x|%a %H:%M}: %{y:.0f} attempts<extra></extra>",
    )
    for p in policies:
        mine = intervals[intervals.policy == p]
        fig.add_scatter(
            x=timestamps(mine["interval_start_s"], start_weekday_index), y=mine["agents_on_duty"],
            mode="lines", line_shape="hv", name=f"agents on duty: {labels.get(p, p)}",
            line={"color": colours[p], "width": 2}, secondary_y=True,
            hovertemplate="%{x|%a %H:%M}: %{y:.1f} agents<extra>" + labels.get(p, p) + "</extra>",
        )
    fig.update_xaxes(tickformat="%a %H:%M")
    fig.update_yaxes(title_text="attempts per interval (first tries, redials, returns)", secondary_y=False)
    # whole-agent ticks of their own: left to itself the right axis lines its ticks up with the left one's
    top = float(intervals["agents_on_duty"].max()) if len(intervals) else 1.0
    fig.update_yaxes(title_text="agents on duty (mean over the interval)", secondary_y=True, rangemode="tozero",
                     tickmode="linear", tick0=0, dtick=nice_step(top), tickformat=",d", showgrid=False)
    fig.update_layout(title="Demand and roster by interval (mean over replications)", height=460,
                      legend={"orientation": "h", "y": -0.2}, bargap=0.05, margin={"t": 60})
    return fig



HEATMAP_CAP_PERCENTILE = 95

_HEATMAP_SCALES = {"mean_wait_s": "YlOrRd", "abandonment": "Reds", "service_level": "RdYlGn"}


def _heatmap_title(name: str) -> str:
    m = measures.MEASURES[name]
    return f"{m.title} ({'%' if m.unit == 'share' else 's'})"


# metric -> (title, colour scale, drawn as a percentage): rates of the interval means
HEATMAP_METRICS = {name: (_heatmap_title(name), scale, measures.MEASURES[name].unit == "share")
                   for name, scale in _HEATMAP_SCALES.items()}


def heatmap_chart(
    intervals: pd.DataFrame,
    metric: str,
    policies: Sequence[str],
    labels: dict[str, str],
    start_weekday_index: int = 0,
) -> go.Figure:
    """Hour of day x day, one panel per policy, all on one colour scale.

    Waits and abandonment have their colour scale capped at the 95th
    percentile of the cells, so one extreme cell (the queue at the end of a
    run) does not wash out every other; hover shows each cell's own value.
    """
    title, scale, as_pct = HEATMAP_METRICS[metric]
    frame = intervals.copy()
    frame["hour"] = ((frame["interval_start_s"] % 86400) // 3600).astype(int)
    sums = frame.groupby(["policy", "day", "hour"])[list(measures.MEASURES[metric].rate)].sum().reset_index()
    sums["z"] = measures.with_rates(sums, [metric])[metric]
    if as_pct:
        sums["z"] *= 100
    n = len(policies)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    # panel titles wrapped to their panel's width, so neighbours' long names never run into each other
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[wrap_label(labels.get(p, p), 34) for p in policies],
                        shared_yaxes=True, horizontal_spacing=0.05, vertical_spacing=0.16)
    zmin, capped = 0.0, False
    if metric == "service_level":
        zmax = 100.0
    elif sums["z"].notna().any():
        top = float(np.nanmax(sums["z"]))
        zmax = float(np.nanpercentile(sums["z"], HEATMAP_CAP_PERCENTILE)) or top
        capped = top > zmax
    else:
        zmax = 1.0
    zmax = max(zmax, 1e-9)
    days = sorted(frame["day"].unique())
    day_names = [f"{WEEKDAYS[(start_weekday_index + d) % 7].title()}" + (f" {d + 1}" if len(days) > 7 else "")
                 for d in days]
    for i, p in enumerate(policies):
        grid = sums[sums.policy == p].pivot(index="hour", columns="day", values="z").reindex(
            index=range(24), columns=days)
        fig.add_trace(
            go.Heatmap(z=grid.to_numpy(), x=day_names, y=list(range(24)), colorscale=scale, zmin=zmin, zmax=zmax,
                       showscale=(i == 0),
                       colorbar={"title": ("%" if as_pct else "s") + (f"<br>top: ≥ {zmax:,.0f}" if capped else "")},
                       hovertemplate="%{x} %{y}:00 — %{z:.1f}<extra>" + labels.get(p, p) + "</extra>"),
            row=i // cols + 1, col=i % cols + 1,
        )
    fig.update_yaxes(autorange="reversed", title_text="hour", col=1)
    note = f"<br><sup>colours capped at the {HEATMAP_CAP_PERCENTILE}th percentile of cells</sup>" if capped else ""
    fig.update_annotations(font_size=13)
    fig.update_layout(title=f"{title} by hour and day (mean over replications){note}", height=320 * rows + 100,
                      margin={"t": 110})
    return fig


def expected_demand_chart(demand: pd.DataFrame, interval_min: int, start_weekday_index: int = 0) -> go.Figure:
    """The scenario's expected first attempts per interval: all types stacked, and emergencies on their own."""
    has_emergency = bool(demand["emergency"].any())
    fig = make_subplots(rows=2 if has_emergency else 1, cols=1, shared_xaxes=True, vertical_spacing=0.1,
                        row_heights=[0.6, 0.4] if has_emergency else [1.0],
                        subplot_titles=("All contact types (stacked)", "Emergencies only") if has_emergency
                        else ("All contact types (stacked)",))
    types = list(dict.fromkeys(demand["contact_type"]))
    colours = policy_colours(types)
    for ct in types:
        part = demand[demand.contact_type == ct]
        x = timestamps(part["interval_start_s"], start_weekday_index)
        label = part["label"].iloc[0]
        fig.add_trace(go.Scatter(x=x, y=part["expected"], name=label, stackgroup="all", mode="lines",
                                 line={"color": colours[ct], "width": 0.5}, legendgroup=ct,
                                 hovertemplate="%{x|%a %H:%M}: %{y:.1f}<extra>" + label + "</extra>"),
                      row=1, col=1)
        if has_emergency and bool(part["emergency"].iloc[0]):
            fig.add_trace(go.Scatter(x=x, y=part["expected"], name=label, mode="lines", showlegend=False,
                                     line={"color": colours[ct], "width": 2}, legendgroup=ct,
                                     hovertemplate="%{x|%a %H:%M}: %{y:.2f}<extra>" + label + "</extra>"),
                          row=2, col=1)
    fig.update_xaxes(tickformat="%a %H:%M")
    fig.update_yaxes(title_text=f"per {interval_min} min", rangemode="tozero")
    fig.update_layout(title="Expected first attempts per interval (from the scenario, before any run)",
                      height=420 if has_emergency else 320, legend={"orientation": "h", "y": -0.15},
                      margin={"t": 70})
    return fig

