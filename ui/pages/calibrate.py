"""Bring your own centre: upload a call log, see every fit and the backtest, and use the fitted scenario.

Presentation only: ``sim.calibration.calibrate`` reads, fits and backtests;
this page takes the upload, shows progress while it works, draws its tables
and hands the fitted scenario to the sidebar as the loaded scenario (the
same place an uploaded scenario YAML goes), so every other page uses it.
"""

from __future__ import annotations

import hashlib
import threading
import time

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

import sim
from sim.calibration.columns import BUILT_IN_FORMATS
from sim.files.calllog_io import CallLogError, parse_column_map
from ui import scenario_input

MAX_LOG_MB = 200  # the server's cap too (.streamlit/config.toml)
OWN_MAPPING = "my own column mapping (YAML)"
RESULT = "calibration_result"

st.title("Bring your own centre")
st.markdown(
    "Upload your call log (one row per call: an ACD export as CSV or TSV). humanline fits a scenario from it, "
    "shows every estimate with its evidence, and **backtests** it: the fitted model runs over the log's own days "
    "with the staffing seen in the log, and is set against the log hour by hour. Use the fitted scenario in the "
    "other pages only once the backtest says it reproduces your centre."
)

left, right = st.columns([3, 2])
log_file = left.file_uploader("Call log (CSV/TSV)", type=["csv", "tsv", "txt"], key="calibration_log",
                              max_upload_size=MAX_LOG_MB,
                              help="One row per call. The built-in layouts are described in the README "
                                   "('Bring your own centre'); for any other export give a column mapping.")
formats = list(BUILT_IN_FORMATS) + [OWN_MAPPING]
layout = right.selectbox("Layout of the log", formats, key="calibration_format",
                         format_func=lambda n: n if n == OWN_MAPPING else f"{n}: {BUILT_IN_FORMATS[n].description}")
mapping_file = None
if layout != OWN_MAPPING:
    right.caption(f"Columns the {layout} layout reads: "
                  + ", ".join(f"`{c}`" for c in dict.fromkeys(BUILT_IN_FORMATS[layout].used_columns().values())))
if layout == OWN_MAPPING:
    mapping_file = right.file_uploader("Column mapping (YAML)", type=["yaml", "yml"], key="calibration_mapping",
                                       help="See docs/reference/call_log_columns.yaml for an example.")
c1, c2, c3 = right.columns(3)
interval_min = c1.selectbox("Interval (min)", (15, 30, 60), index=1, key="calibration_interval")
replications = c2.number_input("Backtest runs", min_value=2, max_value=50, value=10, key="calibration_reps")
target_s = c3.number_input("Service-level target (s)", min_value=1.0, max_value=3600.0, value=20.0,
                           key="calibration_target")


def _run(text: str, name: str, options: dict):
    """Calibrate in a worker thread and draw its progress meanwhile (a month takes several seconds)."""
    box: dict = {"fraction": 0.0, "label": "starting"}

    def progress(event: sim.ProgressEvent) -> None:
        box["fraction"], box["label"] = event.fraction, event.stage

    def work() -> None:
        settings = sim.RunSettings(replications=options.pop("replications"), progress=progress)
        try:
            box["result"] = sim.calibrate(name, text=text, settings=settings, **options)
        except Exception as exc:  # handed to the page, which says what went wrong
            box["error"] = exc

    worker = threading.Thread(target=work, name="humanline-calibrate", daemon=True)
    started = time.perf_counter()
    worker.start()
    bar = st.progress(0.0, text="Calibrating: reading the log")
    while worker.is_alive():
        worker.join(timeout=0.2)
        bar.progress(min(box["fraction"], 1.0),
                     text=f"Calibrating: {box['label']} ({time.perf_counter() - started:.0f} s)")
    bar.empty()
    if "error" in box:
        raise box["error"]
    return box["result"]



if st.button("Calibrate", type="primary", disabled=log_file is None, key="calibration_go"):
    raw = log_file.getvalue()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    options = {"interval_min": int(interval_min), "replications": int(replications), "target_s": float(target_s)}
    try:
        if layout == OWN_MAPPING:
            if mapping_file is None:
                raise CallLogError(["give the column mapping (YAML) for your layout, or pick a built-in one"])
            options["columns"] = parse_column_map(mapping_file.getvalue().decode("utf-8", "replace"),
                                                  mapping_file.name)
        else:
            options["format"] = layout
        cal = _run(text, log_file.name, options)
        digest = hashlib.sha256(raw).hexdigest()[:12]
        st.session_state[RESULT] = {"cal": cal, "file": log_file.name, "digest": digest}
        st.session_state.pop("calibration_problems", None)
    except CallLogError as exc:
        st.session_state["calibration_problems"] = exc.problems
    except Exception as exc:  # a defect, not bad input: one sentence, the previous result kept
        st.session_state["calibration_problems"] = [
            f"unexpected failure ({type(exc).__name__}); please report it with the log's layout"]

problems = st.session_state.get("calibration_problems")
if problems:
    st.error("This log cannot be calibrated:\n\n" + "\n".join(f"- {p}" for p in problems[:12]))

result = st.session_state.get(RESULT)
if not result:
    st.info("Upload a log and press Calibrate. A month of 35,000 calls takes well under a minute.")
    st.stop()

cal = result["cal"]
scenario = cal.scenario


def _use() -> None:
    scenario_input.use_as_upload(scenario.name, sim.scenario_to_yaml(scenario), f"calibrated from {result['file']}")


st.subheader(f"Fitted from {result['file']}")
rej = cal.log.rejected
left_out = int(rej["rows"].sum()) if len(rej) else 0
st.markdown(f"{cal.log.rows_read:,} rows read; **{len(cal.log.calls):,} calls used** over {cal.log_days} days from "
            f"{cal.start_date}; {left_out:,} rows left out. Contact types: {', '.join(cal.type_ids)}; "
            f"busyness cv {cal.busyness.cv:.3f}; days excluded: {cal.excluded_days_text}.")
b1, b2 = st.columns(2)
b1.button("Use this scenario in the other pages", type="primary", on_click=_use, key="calibration_use",
          help="Compare policies, Cost of cutting, Plan a roster ... then run on the fitted scenario, with the "
               "observed staffing as the baseline policy.")
b2.download_button("Download scenario.yaml", sim.scenario_to_yaml(scenario), file_name="scenario.yaml",
                   mime="text/yaml", key="calibration_download")
loaded = st.session_state.get("upload_ok") or {}
if loaded.get("file") == f"calibrated from {result['file']}":
    st.success(f"The sidebar's scenario is now {scenario.name!r}: every other page uses it.")

if len(rej) or cal.notes:
    with st.expander(f"Rows left out ({left_out:,}) and notes"):
        if len(rej):
            st.dataframe(rej, hide_index=True)
        for note in cal.notes:
            st.markdown(f"- {note}")

bt = cal.backtest
st.subheader("Backtest: does the model reproduce the log?")
st.markdown(bt.verdict)
st.dataframe(bt.summary.rename(columns={"weighted_abs_error": "weighted error", "weighted_bias": "bias (sim - log)",
                                        "cells": "hours judged", "cells_inside": "hours inside the band"}),
             hide_index=True)
table = bt.table[bt.table["judged"]]
metrics = list(dict.fromkeys(table["metric"]))
fig = make_subplots(rows=len(metrics), cols=1, shared_xaxes=True, subplot_titles=metrics, vertical_spacing=0.04)
for row, metric in enumerate(metrics, start=1):
    m = table[table["metric"] == metric]
    x = [f"{d} {h:02d}h" for d, h in zip(m["weekday"], m["hour"])]
    first = row == 1
    fig.add_trace(go.Scatter(x=x, y=m["sim_high"], line={"width": 0}, showlegend=False, hoverinfo="skip"), row, 1)
    fig.add_trace(go.Scatter(x=x, y=m["sim_low"], fill="tonexty", line={"width": 0}, name="simulation 95% band",
                             fillcolor="rgba(31,119,180,0.25)", showlegend=first), row, 1)
    fig.add_trace(go.Scatter(x=x, y=m["simulated"], name="simulation mean", line={"color": "#1f77b4"},
                             showlegend=first), row, 1)
    fig.add_trace(go.Scatter(x=x, y=m["observed"], mode="markers", name="log",
                             marker={"color": ["black" if i else "red" for i in m["inside"]], "size": 5},
                             showlegend=first), row, 1)
fig.update_layout(title="Backtest per weekday and hour: the log against the simulation", height=230 * len(metrics),
                  margin={"t": 60})
st.plotly_chart(fig, use_container_width=True, key="calibration_backtest")

st.subheader("The fits")
arr = cal.arrivals.table.groupby(["weekday", "start"], sort=False)[
    ["observed_mean", "fitted_first_attempts"]].sum().reset_index()
x = [f"{d} {s}" for d, s in zip(arr["weekday"], arr["start"])]
fig = go.Figure([go.Scatter(x=x, y=arr["observed_mean"], name="calls in the log (mean over kept days)"),
                 go.Scatter(x=x, y=arr["fitted_first_attempts"], name="fitted first attempts",
                            line={"dash": "dash"})])
fig.update_layout(title=f"Arrivals per {cal.interval_min}-minute interval, every type together", height=320)
st.plotly_chart(fig, use_container_width=True, key="calibration_arrivals")

types = cal.type_ids
fig = make_subplots(rows=2, cols=len(types), subplot_titles=[f"{t}: handle time" for t in types]
                    + [f"{t}: patience" for t in types])
for col, tid in enumerate(types, start=1):
    q = cal.handle[tid].quantiles
    fig.add_trace(go.Scatter(x=q["empirical_s"], y=q["fitted_s"], mode="markers+lines", name=f"{tid} quantiles",
                             showlegend=False), 1, col)
    top = float(max(q["empirical_s"].max(), q["fitted_s"].max()))
    fig.add_trace(go.Scatter(x=[0, top], y=[0, top], line={"color": "grey", "width": 1}, showlegend=False), 1, col)
    s = cal.patience[tid].survival
    fig.add_trace(go.Scatter(x=s["time_s"], y=s["kaplan_meier"], line={"shape": "hv", "color": "black"},
                             name="Kaplan-Meier", showlegend=col == 1), 2, col)
    fig.add_trace(go.Scatter(x=s["time_s"], y=s["fitted"], line={"dash": "dash", "color": "#d62728"},
                             name="fitted", showlegend=col == 1), 2, col)
fig.update_layout(title="Handle time (fitted against empirical quantiles, s) and patience (survival over the wait, s)",
                  height=560)
st.plotly_chart(fig, use_container_width=True, key="calibration_durations")

with st.expander("Every estimate and its source"):
    for key, note in scenario.sources.items():
        st.markdown(f"- `{key}`: {note}")
with st.expander("Evidence tables"):
    for name, frame in cal.tables().items():
        st.markdown(f"**{name}**")
        st.dataframe(frame, hide_index=True)
