"""The classroom: simulation next to the formulas, one day replayed, curves against agents, runs needed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.model import measures
from sim.model.scenario import WEEKDAYS
from sim.present.charts.common import GUARANTEE_COLOUR, PALETTE, rgba
from sim.present.formatting import fmt_value


def classroom_chart(table: pd.DataFrame, model: str) -> go.Figure:
    """Simulated (with 95% CI) next to the formula, for the probability-type metrics."""
    probs = table[table.metric.map(measures.kind) == "share"]  # the probabilities, drawn in %
    sim_err_plus = (probs["ci_high"] - probs["simulated"]).fillna(0) * 100
    sim_err_minus = (probs["simulated"] - probs["ci_low"]).fillna(0) * 100
    fig = go.Figure()
    fig.add_bar(name="simulated (95% CI)", x=probs["label"], y=100 * probs["simulated"], marker_color="#2166ac",
                error_y={"type": "data", "array": sim_err_plus, "arrayminus": sim_err_minus, "visible": True})
    fig.add_bar(name=model, x=probs["label"], y=100 * probs["formula"], marker_color="#f4a582")
    fig.update_layout(barmode="group", yaxis_title="%", yaxis_range=[0, 105], height=360,
                      title=f"Simulation next to {model}", legend={"orientation": "h", "y": -0.2})
    return fig


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

SWEEP_PANELS = tuple((m, measures.MEASURES[m].title) for m in ("p_delay", "service_level", "abandonment"))


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
                             fillcolor=rgba("#2166ac", 0.2), name="95% interval", hoverinfo="skip"), row=1, col=1)
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


