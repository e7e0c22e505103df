"""Money against the baseline: what each policy saves and adds (Compare), and the cost-of-cutting frontier.

The series are the terms of a net effect as the registry defines it (``sim.model.measures``: the net's
``terms``, each with its sign and label), gains drawn up and added costs down.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.model.measures import MEASURES
from sim.present.charts.common import GUARANTEE_COLOUR, error_bars, rgba, wrap_label
from sim.present.formatting import fmt_money

# The colours of a net's terms, in the order of its terms, then of the net: wages, bot cost, losses (or
# liability), churn, the net.
_TERM_COLOURS = ("#1b7837", "#7fbc41", "#b2182b", "#f4a582", "#2166ac")


def net_series(view: str, net_label: str | None = None) -> tuple[tuple[str, int, str, str], ...]:
    """(measure, sign, label, colour) of each term of the net effect ``view`` as it counts in it, then the net."""
    terms = (*MEASURES[view].terms, (view, 1))
    return tuple((name, sign, net_label if name == view and net_label else MEASURES[name].label, colour)
                 for (name, sign), colour in zip(terms, _TERM_COLOURS))


# Frontier money series: the terms of society's net effect as they count in it (gains up, added costs down,
# as on Compare), then the net; (metric, sign, label, colour), the colours Compare's bars use.
MONEY_SERIES = net_series("net_saving")


def savings_chart(
    compare: pd.DataFrame,
    policies: Sequence[str],
    labels: dict[str, str],
    baseline: str,
    currency: str,
    view: str = "net_saving",
) -> go.Figure:
    """Per policy against the baseline: what it saves (up), what it adds in losses (down), and the net.

    ``view``: the net effect shown (``sim.model.measures``: ``net_saving`` or ``net_saving_platform``), with
    exactly its terms.
    """
    fig = go.Figure()
    others = [p for p in policies if p != baseline]
    scoped = compare[compare.contact_type == "all"].set_index(["policy", "metric"])
    for metric, sign, name, colour in net_series(view, "Net effect"):
        ys, plus, minus, text = [], [], [], []
        for p in others:
            try:
                row = scoped.loc[(p, metric)]
                mean, lo, hi = sign * row["difference"], sign * row["ci_low"], sign * row["ci_high"]
            except KeyError:
                mean = lo = hi = float("nan")
            lo, hi = min(lo, hi), max(lo, hi)
            up, down = error_bars(mean, lo, hi)
            ys.append(mean)
            plus.append(up)
            minus.append(down)
            text.append(fmt_money(mean, currency))
        fig.add_bar(
            name=name,
            x=[wrap_label(labels.get(p, p)) for p in others],
            y=ys,
            marker_color=colour,
            marker_line_width=2 if metric.startswith("net") else 0,
            marker_line_color="black",
            error_y={"type": "data", "array": plus, "arrayminus": minus, "visible": True, "thickness": 1.2},
            hovertemplate="%{x}<br>" + name + ": %{text}<extra></extra>",
            text=text,
            textposition="none",
        )
    fig.add_hline(y=0, line_color="black", line_width=1)
    fig.update_layout(
        barmode="group",
        title=f"Against the baseline ({labels.get(baseline, baseline)}), per run: gains up, added costs down",
        yaxis_title=f"{currency} over the horizon",
        # the legend above the bars: below them it lay over the policies' names
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"},
        xaxis={"tickangle": 0, "automargin": True},
        margin={"t": 100, "b": 40},
        height=480,
    )
    return fig


# ----------------------------------------------------------------- frontier


def frontier_chart(
    table: pd.DataFrame,
    currency: str,
    guarantee_share: float,
    guarantee_s: float,
    template_label: str = "",
    marker: float | None = None,
    zoom: bool = False,
    finding=None,
    confidence: float = 0.95,
) -> go.Figure:
    """The cost-of-cutting frontier from ``sim.studies.sweep.sweep(kind="staffing")`` output.

    Top: the terms of society's net effect as they count in it — wages and bot
    cost saved up, added customer losses and churn down, as Compare draws them
    — and the net (with CI bands) against the share of human agents kept. Bottom: the share of emergencies
    reaching a human within the guarantee, with the target line. ``finding``
    (``sim.studies.breakeven.Finding`` of ``guarantee_confident``) marks where the
    guarantee stops being met with confidence: the region from the first
    share that fails is shaded (with its legend entry) and the last share
    that passes is marked.
    ``zoom``: clip the money axis to a few times the largest wages saved, so the
    region around break-even stays readable when deep cuts lose far more.
    """
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.62, 0.38], vertical_spacing=0.07,
        subplot_titles=(f"Money against the baseline ({currency} per run)",
                        f"Emergencies reaching a human within {guarantee_s:g} s"),
    )
    for metric, sign, name, colour in MONEY_SERIES:
        part = table[table.metric == metric].sort_values("value")
        if part.empty or (metric == "bot_cost_saved" and not part["mean"].abs().gt(0.5).any()):
            continue  # a family without a bot has no bot cost to draw
        _band(fig, part, name, colour, row=1, scale=float(sign), hover=f"{currency} %{{y:,.0f}}")
    part = table[table.metric == "share_within_guarantee"].sort_values("value")
    if not part.empty:
        _band(fig, part, "Within the guarantee", "#762a83", row=2, scale=100.0, hover="%{y:.1f}%")
    fig.add_hline(y=0, line_color="black", line_width=1, row=1, col=1)
    fig.add_hline(
        y=100 * guarantee_share, line_dash="dash", line_color=GUARANTEE_COLOUR, row=2, col=1,
        annotation_text=f"guarantee: {100 * guarantee_share:g}% within {guarantee_s:g} s",
        annotation_position="bottom left", annotation_font_color=GUARANTEE_COLOUR,
    )
    pct = f"{100 * confidence:g}%"
    lo_x = 100 * float(table["value"].min()) if not table.empty else 0.0
    note, colour = None, GUARANTEE_COLOUR
    if finding is not None and finding.value is not None and finding.next_value is not None:
        x_pass, x_fail = 100 * finding.value, 100 * finding.next_value
        fig.add_vrect(x0=lo_x, x1=x_fail, fillcolor=GUARANTEE_COLOUR, opacity=0.08, line_width=0,
                      showlegend=True, name=f"guarantee not met with {pct} confidence")
        fig.add_vline(x=x_pass, line_dash="dot", line_color=GUARANTEE_COLOUR, line_width=2)
        note = f"met with {pct} confidence down to {x_pass:.0f}% kept, not at {x_fail:.0f}%"
    elif finding is not None and finding.value is None and finding.next_value is not None:
        hi_x = 100 * float(table["value"].max())
        fig.add_vrect(x0=lo_x, x1=hi_x, fillcolor=GUARANTEE_COLOUR, opacity=0.08, line_width=0,
                      showlegend=True, name=f"guarantee not met with {pct} confidence")
        note = f"not met with {pct} confidence at any share kept"
    elif finding is not None and finding.value is not None:
        note, colour = f"met with {pct} confidence at every share kept", "#1b7837"
    # the shaded region is drawn in both panels; one legend entry says what it is
    seen = False
    for shape in fig.layout.shapes:
        if shape.showlegend:
            shape.showlegend, seen = not seen, True
    if note:
        fig.add_annotation(x=0.5, y=0.02, xref="x2 domain", yref="y2 domain", showarrow=False, yanchor="bottom",
                           text=note, font={"color": colour}, bgcolor="rgba(255,255,255,0.8)")
    if marker is not None:
        fig.add_vline(x=100 * marker, line_color="grey", line_width=1)
        fig.add_annotation(x=100 * marker, y=0.98, yref="y domain", text=f"as configured: {100 * marker:.0f}%",
                           showarrow=False, yanchor="top", xanchor="right" if marker > 0.5 else "left",
                           font={"color": "grey"}, bgcolor="rgba(255,255,255,0.8)")
    fig.update_xaxes(title_text="share of the roster kept (%; 100% = the roster before any scale)", range=[-2, 102],
                     row=2, col=1)
    fig.update_yaxes(title_text=currency, row=1, col=1)
    wages = table[table.metric == "wages_saved"]["mean"].abs()
    if zoom and not wages.empty and wages.max() > 0:
        reach = 3.0 * float(wages.max())
        fig.update_yaxes(range=[-reach, reach], row=1, col=1)
    fig.update_yaxes(title_text="%", range=[0, 102], row=2, col=1)
    title = "The cost of cutting"
    if template_label:
        title += f": {template_label}, its roster scaled"
    fig.update_layout(title=title, height=620, legend={"orientation": "h", "y": -0.12},
                      margin={"t": 80, "b": 40}, hovermode="x unified")
    return fig


def _band(fig: go.Figure, part: pd.DataFrame, name: str, colour: str, row: int, scale: float, hover: str) -> None:
    x = 100 * part["value"].to_numpy(dtype=float)
    mean = scale * part["mean"].to_numpy(dtype=float)
    lo = scale * part["ci_low"].to_numpy(dtype=float)
    hi = scale * part["ci_high"].to_numpy(dtype=float)
    ok = ~(np.isnan(lo) | np.isnan(hi))
    if ok.any():
        fig.add_trace(
            go.Scatter(
                x=np.concatenate([x[ok], x[ok][::-1]]),
                y=np.concatenate([hi[ok], lo[ok][::-1]]),
                mode="lines", fill="toself", fillcolor=rgba(colour, 0.18), line={"width": 0},
                hoverinfo="skip", showlegend=False, name=f"{name} 95% CI", legendgroup=name,
            ),
            row=row, col=1,
        )
    fig.add_trace(
        go.Scatter(x=x, y=mean, mode="lines+markers", name=name, line={"color": colour, "width": 2.5},
                   legendgroup=name, hovertemplate=f"{name}: {hover}<extra></extra>"),
        row=row, col=1,
    )

