"""Plotly figure builders: tidy DataFrames in, ``go.Figure`` out.

Pure functions (no Streamlit, no I/O), shared by the app (its pages import this module) and the evidence report (``sim.present.report``). Colours
follow the order of the policies, so a policy keeps its colour on every chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from sim.model.scenario import WEEKDAYS
from sim.present.formatting import fmt_money, fmt_value
from sim.present.terminal import NET_TERMS

__all__ = [
    "PALETTE",
    "GUARANTEE_COLOUR",
    "MONEY_SERIES",
    "HEATMAP_CAP_PERCENTILE",
    "HEATMAP_METRICS",
    "policy_colours",
    "savings_chart",
    "frontier_chart",
    "ecdf_chart",
    "demand_chart",
    "heatmap_chart",
    "expected_demand_chart",
    "classroom_chart",
    "tornado_chart",
    "verdict_map_chart",
    "clock_label",
    "replay_chart",
    "erlang_curves_chart",
    "replications_chart",
    "cover_chart",
    "wrap_label",
]

PALETTE = qualitative.Safe + qualitative.Vivid
GUARANTEE_COLOUR = "#b2182b"
# Frontier money series: the terms of society's net effect as they count in it (gains up, added costs down,
# as on Compare), then the net; (metric, sign, label, colour), the colours Compare's bars use.
MONEY_SERIES: tuple[tuple[str, int, str, str], ...] = (
    ("wages_saved", 1, "Wages saved", "#1b7837"),
    ("bot_cost_saved", 1, "Bot cost saved", "#7fbc41"),
    ("added_customer_loss", -1, "Added customer losses", "#b2182b"),
    ("added_churn", -1, "Added churn cost", "#f4a582"),
    ("net_saving", 1, "Net effect for society", "#2166ac"),
)


def policy_colours(policies: Sequence[str]) -> dict[str, str]:
    return {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(policies)}


def _rgba(colour: str, alpha: float) -> str:
    """'#rrggbb' or 'rgb(r, g, b)' -> 'rgba(r,g,b,alpha)'."""
    if colour.startswith("#"):
        r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    else:
        r, g, b = (int(float(x)) for x in colour[colour.index("(") + 1 : colour.index(")")].split(",")[:3])
    return f"rgba({r},{g},{b},{alpha})"


def wrap_label(text: str, width: int = 20) -> str:
    """A long name broken into lines of about ``width`` characters (Plotly's ``<br>``), so that names on an axis
    or above a panel stay whole and apart instead of being rotated, overlapped or cut."""
    import textwrap

    return "<br>".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


def _err(mean: float, lo: float, hi: float) -> tuple[float, float]:
    if any(isinstance(x, float) and math.isnan(x) for x in (lo, hi)):
        return 0.0, 0.0
    return hi - mean, mean - lo


# ------------------------------------------------------------------ compare


_COMPONENT_COLOURS = ("#1b7837", "#7fbc41", "#b2182b", "#f4a582", "#2166ac")


def savings_chart(
    compare: pd.DataFrame,
    policies: Sequence[str],
    labels: dict[str, str],
    baseline: str,
    currency: str,
    view: str = "net_saving",
) -> go.Figure:
    """Per policy against the baseline: what it saves (up), what it adds in losses (down), and the net.

    ``view``: the net effect shown (``sim.present.terminal.NET_TERMS``), with exactly its terms.
    """
    fig = go.Figure()
    others = [p for p in policies if p != baseline]
    scoped = compare[compare.contact_type == "all"].set_index(["policy", "metric"])
    series = [*NET_TERMS[view], (view, 1, "Net effect")]
    for (metric, sign, name), colour in zip(series, _COMPONENT_COLOURS):
        ys, plus, minus, text = [], [], [], []
        for p in others:
            try:
                row = scoped.loc[(p, metric)]
                mean, lo, hi = sign * row["difference"], sign * row["ci_low"], sign * row["ci_high"]
            except KeyError:
                mean = lo = hi = float("nan")
            lo, hi = min(lo, hi), max(lo, hi)
            up, down = _err(mean, lo, hi)
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
                mode="lines", fill="toself", fillcolor=_rgba(colour, 0.18), line={"width": 0},
                hoverinfo="skip", showlegend=False, name=f"{name} 95% CI", legendgroup=name,
            ),
            row=row, col=1,
        )
    fig.add_trace(
        go.Scatter(x=x, y=mean, mode="lines+markers", name=name, line={"color": colour, "width": 2.5},
                   legendgroup=name, hovertemplate=f"{name}: {hover}<extra></extra>"),
        row=row, col=1,
    )


# -------------------------------------------------------------- emergencies


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


# -------------------------------------------------------- roster and demand


def _timestamps(interval_start_s: pd.Series, start_weekday_index: int) -> pd.Series:
    # 2024-01-01 was a Monday: any date works, only weekday and time are shown.
    origin = pd.Timestamp("2024-01-01") + pd.Timedelta(days=start_weekday_index)
    return origin + pd.to_timedelta(interval_start_s, unit="s")


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
        x=_timestamps(base["interval_start_s"], start_weekday_index), y=base["attempts"],
        name=f"attempts arriving ({labels.get(show_arrivals_of, show_arrivals_of)})",
        marker_color="rgba(120,120,120,0.45)", secondary_y=False,
        hovertemplate="%{x|%a %H:%M}: %{y:.0f} attempts<extra></extra>",
    )
    for p in policies:
        mine = intervals[intervals.policy == p]
        fig.add_scatter(
            x=_timestamps(mine["interval_start_s"], start_weekday_index), y=mine["agents_on_duty"],
            mode="lines", line_shape="hv", name=f"agents on duty: {labels.get(p, p)}",
            line={"color": colours[p], "width": 2}, secondary_y=True,
            hovertemplate="%{x|%a %H:%M}: %{y:.1f} agents<extra>" + labels.get(p, p) + "</extra>",
        )
    fig.update_xaxes(tickformat="%a %H:%M")
    fig.update_yaxes(title_text="attempts per interval (first tries, redials, returns)", secondary_y=False)
    # whole-agent ticks of their own: left to itself the right axis lines its ticks up with the left one's
    top = float(intervals["agents_on_duty"].max()) if len(intervals) else 1.0
    fig.update_yaxes(title_text="agents on duty (mean over the interval)", secondary_y=True, rangemode="tozero",
                     tickmode="linear", tick0=0, dtick=_nice_step(top), tickformat=",d", showgrid=False)
    fig.update_layout(title="Demand and roster by interval (mean over replications)", height=460,
                      legend={"orientation": "h", "y": -0.2}, bargap=0.05, margin={"t": 60})
    return fig


def _nice_step(top: float, ticks: int = 5) -> int:
    """A whole-number tick step (1, 2, 5, 10, 20, ...) giving about ``ticks`` ticks up to ``top``."""
    raw = max(top, 1.0) / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * magnitude:
            return max(1, int(m * magnitude))
    return max(1, int(10 * magnitude))


HEATMAP_CAP_PERCENTILE = 95

HEATMAP_METRICS = {
    "mean_wait_s": ("Mean wait in queue (s)", "YlOrRd", False),
    "abandonment": ("Abandonment (% of offered)", "Reds", True),
    "service_level": ("Service level (% answered within target)", "RdYlGn", True),
}


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
    sums = frame.groupby(["policy", "day", "hour"])[["offered", "abandoned", "answered_within_target",
                                                     "wait_sum_s"]].sum().reset_index()
    num = {"mean_wait_s": "wait_sum_s", "abandonment": "abandoned", "service_level": "answered_within_target"}
    with np.errstate(invalid="ignore", divide="ignore"):
        sums["z"] = np.where(sums["offered"] > 0, sums[num[metric]] / sums["offered"], np.nan)
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
        x = _timestamps(part["interval_start_s"], start_weekday_index)
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


# ----------------------------------------------------------------- classroom


def classroom_chart(table: pd.DataFrame, model: str) -> go.Figure:
    """Simulated (with 95% CI) next to the formula, for the probability-type metrics."""
    probs = table[table.metric.isin(["p_delay", "abandonment", "service_level", "occupancy"])]
    sim_err_plus = (probs["ci_high"] - probs["simulated"]).fillna(0) * 100
    sim_err_minus = (probs["simulated"] - probs["ci_low"]).fillna(0) * 100
    fig = go.Figure()
    fig.add_bar(name="simulated (95% CI)", x=probs["label"], y=100 * probs["simulated"], marker_color="#2166ac",
                error_y={"type": "data", "array": sim_err_plus, "arrayminus": sim_err_minus, "visible": True})
    fig.add_bar(name=model, x=probs["label"], y=100 * probs["formula"], marker_color="#f4a582")
    fig.update_layout(barmode="group", yaxis_title="%", yaxis_range=[0, 105], height=360,
                      title=f"Simulation next to {model}", legend={"orientation": "h", "y": -0.2})
    return fig


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


# ------------------------------------------------------ classroom: one day

REPLAY_AGENT_STATES = (("busy", "busy", "#2166ac"), ("idle", "idle", "#92c5de"), ("on_break", "on break", "#bababa"))
REPLAY_EVENTS = (("answered", "answered", "#1b7837"), ("abandoned", "abandoned", "#b2182b"),
                 ("redials", "redials", "#e08214"))
REPLAY_FRAME_MS = 120  # per frame when playing: a day of 10-minute frames plays in about 20 s


def clock_label(time_s: float, start_weekday_index: int) -> str:
    """'Mon 10:20' for a model time in seconds."""
    day, rest = divmod(int(round(time_s)), 86400)
    return f"{WEEKDAYS[(start_weekday_index + day) % 7].title()} {rest // 3600:02d}:{rest % 3600 // 60:02d}"


def _frame_title(f, replay) -> str:
    step = f"{replay.step_s / 60:g} min" if replay.step_s < 3600 else f"{replay.step_s / 3600:g} h"
    sl, ab = fmt_value(f.service_level, "share"), fmt_value(f.abandonment, "share")
    tth = fmt_value(f.time_to_human_mean_s, "seconds")
    who = "emergencies'" if replay.tth_scope == "emergency" else "mean"
    return (f"<b>{clock_label(f.time_s, replay.start_weekday_index)}</b> — last {step}: {int(f.arrivals)} new calls, "
            f"{int(f.answered)} answered, {int(f.abandoned)} abandoned, {int(f.redials)} redials"
            f"<br>So far: service level <b>{sl}</b>, abandonment <b>{ab}</b>, {who} time to a human <b>{tth}</b>")


def replay_chart(replay) -> go.Figure:
    """One simulated replication as a Plotly animation: play, pause and a time slider (sim.studies.classroom.replay).

    Top: callers waiting per contact type, agents busy / idle / on break, and the
    events since the previous frame. Bottom: the whole run as lines with a
    "now" marker — waiting callers and busy agents, and the running service
    level and abandonment.
    """
    frames, queues = replay.frames, replay.queues
    types = replay.type_ids
    hours = frames["time_s"].to_numpy() / 3600.0
    fig = make_subplots(
        rows=2, cols=3, specs=[[{}, {}, {}], [{"colspan": 2}, None, {}]], row_heights=[0.52, 0.48],
        subplot_titles=("Waiting now", "Agents now", "Since the last frame", "Waiting callers and busy agents",
                        "Service level, abandonment so far"),
        vertical_spacing=0.2, horizontal_spacing=0.08,
    )
    labels = [replay.type_labels[k] for k in types]
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(types))]

    def traces_at(i: int) -> list[go.BaseTraceType]:
        f = frames.iloc[i]
        now_h = hours[i]
        return [
            go.Bar(x=labels, y=[queues.iloc[i][k] for k in types], marker_color=colours, showlegend=False,
                   hovertemplate="%{x}: %{y} waiting<extra></extra>"),
            go.Bar(x=[s[1] for s in REPLAY_AGENT_STATES], y=[f[s[0]] for s in REPLAY_AGENT_STATES],
                   marker_color=[s[2] for s in REPLAY_AGENT_STATES], showlegend=False,
                   hovertemplate="%{x}: %{y}<extra></extra>"),
            go.Bar(x=[e[1] for e in REPLAY_EVENTS], y=[f[e[0]] for e in REPLAY_EVENTS],
                   marker_color=[e[2] for e in REPLAY_EVENTS], showlegend=False,
                   hovertemplate="%{x}: %{y}<extra></extra>"),
            go.Scatter(x=[now_h, now_h], y=[0, top_day], mode="lines", line={"color": "#444", "dash": "dot"},
                       showlegend=False, hoverinfo="skip"),
            go.Scatter(x=[now_h, now_h], y=[0, 100], mode="lines", line={"color": "#444", "dash": "dot"},
                       showlegend=False, hoverinfo="skip"),
        ]

    waiting_total = queues.sum(axis=1).to_numpy()
    top_day = float(max(waiting_total.max(initial=0), frames["busy"].max(), frames["on_duty"].max(), 1)) * 1.05
    first = traces_at(0)
    for trace, (row, col) in zip(first, ((1, 1), (1, 2), (1, 3), (2, 1), (2, 3))):
        fig.add_trace(trace, row=row, col=col)
    animated = list(range(len(first)))
    # The whole run, drawn once: the animation moves only the bars and the "now" lines.
    fig.add_trace(go.Scatter(x=hours, y=waiting_total, name="waiting callers", line={"color": "#b2182b"}),
                  row=2, col=1)
    fig.add_trace(go.Scatter(x=hours, y=frames["busy"], name="busy agents", line={"color": "#2166ac"}), row=2, col=1)
    fig.add_trace(go.Scatter(x=hours, y=frames["on_duty"], name="agents on duty", line={"color": "#92c5de"}),
                  row=2, col=1)
    fig.add_trace(go.Scatter(x=hours, y=100 * frames["service_level"], name="service level (running)",
                             line={"color": "#1b7837"}), row=2, col=3)
    fig.add_trace(go.Scatter(x=hours, y=100 * frames["abandonment"], name="abandonment (running)",
                             line={"color": "#d6604d"}), row=2, col=3)

    top_queue = float(max(queues.to_numpy().max(initial=0), 1)) * 1.1
    top_agents = float(max(frames["present"].max(), 1)) * 1.1  # a bar of those on break may pass those on duty
    top_events = float(max(frames[[e[0] for e in REPLAY_EVENTS]].to_numpy().max(initial=0), 1)) * 1.1
    fig.update_yaxes(range=[0, top_queue], title_text="callers", row=1, col=1)
    fig.update_yaxes(range=[0, top_agents], title_text="agents", row=1, col=2)
    fig.update_yaxes(range=[0, top_events], title_text="contacts", row=1, col=3)
    fig.update_yaxes(range=[0, top_day], row=2, col=1)
    fig.update_yaxes(range=[0, 100], title_text="%", row=2, col=3)
    ticks = np.arange(0, hours[-1] + 1e-9, 6 if hours[-1] <= 48 else 24)
    for col in (1, 3):
        fig.update_xaxes(title_text="hours from the start", tickvals=ticks, range=[0, hours[-1]], row=2, col=col)

    labels_t = [clock_label(t, replay.start_weekday_index) for t in frames["time_s"]]
    fig.frames = [
        go.Frame(name=str(i), data=traces_at(i), traces=animated,
                 layout={"title": {"text": _frame_title(frames.iloc[i], replay)}})
        for i in range(len(frames))
    ]
    play = {"frame": {"duration": REPLAY_FRAME_MS, "redraw": True}, "fromcurrent": True,
            "transition": {"duration": 0}}
    fig.update_layout(
        title={"text": _frame_title(frames.iloc[0], replay), "font": {"size": 14}},
        height=740, margin={"t": 110, "b": 240}, legend={"orientation": "h", "y": -0.22, "yanchor": "top"},
        updatemenus=[{
            "type": "buttons", "direction": "left", "x": 0.0, "y": -0.36, "xanchor": "left", "yanchor": "top",
            "pad": {"r": 10, "t": 0}, "showactive": False,
            "buttons": [
                {"label": "▶ Play", "method": "animate", "args": [None, play]},
                {"label": "❚❚ Pause", "method": "animate",
                 "args": [[None], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate",
                                   "transition": {"duration": 0}}]},
            ],
        }],
        sliders=[{
            # ends short of the right edge: the last step's tick and label are drawn whole
            "active": 0, "x": 0.16, "len": 0.8, "y": -0.31, "yanchor": "top", "pad": {"t": 0, "r": 20},
            "currentvalue": {"prefix": "Time: ", "font": {"size": 13}},
            "steps": [{"label": labels_t[i], "method": "animate",
                       "args": [[str(i)], {"frame": {"duration": 0, "redraw": True}, "mode": "immediate",
                                           "transition": {"duration": 0}}]}
                      for i in range(len(frames))],
        }],
    )
    return fig


# -------------------------------------------------- classroom: erlang curves

SWEEP_PANELS = (("p_delay", "P(wait > 0)"), ("service_level", "Service level"), ("abandonment", "Abandonment"))


def erlang_curves_chart(sweep) -> go.Figure:
    """Closed form as a line, the simulation as points with 95% intervals, against the number of agents; the knee."""
    fig = make_subplots(rows=1, cols=3, subplot_titles=[p[1] for p in SWEEP_PANELS], horizontal_spacing=0.07)
    for col, (metric, _label) in enumerate(SWEEP_PANELS, start=1):
        rows = sweep.table[sweep.table["metric"] == metric].sort_values("servers")
        fig.add_trace(go.Scatter(x=rows["servers"], y=100 * rows["formula"], mode="lines+markers", name=sweep.model,
                                 line={"color": "#f4a582", "width": 3}, marker={"size": 5},
                                 legendgroup="formula", showlegend=col == 1, connectgaps=False,
                                 hovertemplate="%{x} agents: %{y:.1f}%<extra>" + sweep.model + "</extra>"),
                      row=1, col=col)
        fig.add_trace(go.Scatter(
            x=rows["servers"], y=100 * rows["simulated"], mode="markers", name="simulation (95% CI)",
            marker={"color": "#2166ac", "size": 8}, legendgroup="sim", showlegend=col == 1,
            error_y={"type": "data", "array": (100 * (rows["ci_high"] - rows["simulated"])).fillna(0),
                     "arrayminus": (100 * (rows["simulated"] - rows["ci_low"])).fillna(0), "visible": True},
            hovertemplate="%{x} agents: %{y:.1f}%<extra>simulation</extra>"), row=1, col=col)
        fig.update_yaxes(range=[0, 102], row=1, col=col)
        fig.update_xaxes(title_text="agents", dtick=1, row=1, col=col)
    fig.update_yaxes(title_text="%", row=1, col=1)
    knee = sweep.knee
    if knee is not None:
        for col in (1, 2, 3):
            fig.add_vline(x=knee.servers - 0.5, line={"color": GUARANTEE_COLOUR, "dash": "dash"}, row=1, col=col)
        fig.add_annotation(x=knee.servers - 0.5, y=8, xref="x2", yref="y2", showarrow=False, xanchor="left",
                           text=f" knee: {knee.servers} → {knee.servers - 1} agents<br> costs "
                                f"{100 * knee.formula_drop:.0f} points", font={"color": GUARANTEE_COLOUR})
    fig.update_layout(height=380, title=f"Against the number of agents: {sweep.model} and the simulation",
                      legend={"orientation": "h", "y": -0.25}, margin={"t": 80})
    return fig


def replications_chart(demo) -> go.Figure:
    """The 95% interval of the service level after n replications, and its half-width against the target."""
    t = demo.table
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                        subplot_titles=("Service level: mean and 95% interval after n runs",
                                        "Half-width of the interval, relative to the mean"))
    fig.add_trace(go.Scatter(x=t["n"], y=100 * t["ci_high"], mode="lines", line={"width": 0}, showlegend=False,
                             hoverinfo="skip"), row=1, col=1)
    fig.add_trace(go.Scatter(x=t["n"], y=100 * t["ci_low"], mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor=_rgba("#2166ac", 0.2), name="95% interval", hoverinfo="skip"), row=1, col=1)
    fig.add_trace(go.Scatter(x=t["n"], y=100 * t["mean"], mode="lines+markers", line={"color": "#2166ac"},
                             marker={"size": 4}, name="mean of the first n runs",
                             hovertemplate="n = %{x}: %{y:.2f}%<extra></extra>"), row=1, col=1)
    if not math.isnan(demo.formula):
        fig.add_hline(y=100 * demo.formula, line={"color": "#f4a582", "width": 3}, row=1, col=1)
        fig.add_annotation(x=t["n"].iloc[-1], y=100 * demo.formula, xref="x1", yref="y1", text="formula",
                           showarrow=False, yshift=10, xanchor="right", font={"color": "#d6604d"})
    fig.add_trace(go.Scatter(x=t["n"], y=100 * t["relative_half_width"], mode="lines+markers",
                             line={"color": "#2166ac"}, marker={"size": 4}, name="half-width / mean",
                             hovertemplate="n = %{x}: ±%{y:.2f}%<extra></extra>"), row=1, col=2)
    # From n = 5 on (or the last n): with 2 runs the t quantile alone (12.7) makes the width huge.
    first = t.iloc[min(3, len(t) - 1)]
    ref = 100 * first["relative_half_width"] * np.sqrt(first["n"] / t["n"])
    fig.add_trace(go.Scatter(x=t["n"], y=ref, mode="lines", line={"color": "#999", "dash": "dot"},
                             name="1 / √n from n = %d" % first["n"]), row=1, col=2)
    fig.add_hline(y=100 * demo.precision_target, line={"color": GUARANTEE_COLOUR, "dash": "dash"}, row=1, col=2)
    fig.add_annotation(x=t["n"].iloc[-1], y=100 * demo.precision_target, xref="x2", yref="y2", showarrow=False,
                       text=f"target ±{100 * demo.precision_target:g}%", yshift=10, xanchor="right",
                       font={"color": GUARANTEE_COLOUR})
    fig.update_xaxes(title_text="replications n", row=1, col=1)
    fig.update_xaxes(title_text="replications n", row=1, col=2)
    fig.update_yaxes(title_text="%", row=1, col=1)
    fig.update_yaxes(title_text="± % of the mean", rangemode="tozero", row=1, col=2)
    fig.update_layout(height=360, legend={"orientation": "h", "y": -0.25}, margin={"t": 60},
                      title="How many runs do I need?")
    return fig


# ------------------------------------------------------ rosters: need against cover

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
    x = _timestamps(table["interval_start_s"], start_weekday_index)
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
                     dtick=_nice_step(top), tickformat=",d")
    fig.update_layout(title="Requirement and cover by interval (agents on duty after absence, breaks out)",
                      height=420, legend={"orientation": "h", "y": -0.2}, bargap=0.05, margin={"t": 60},
                      barmode="overlay")
    return fig
