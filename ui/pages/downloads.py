"""Downloads: the results as CSV, the scenario as edited (YAML), and the provenance record."""

import json

import streamlit as st

from ui import state

ctx = state.ctx()
st.title("Downloads")
slug = "".join(ch if ch.isalnum() else "_" for ch in ctx.scenario.name.lower()).strip("_") or "scenario"

st.subheader("Scenario")
st.markdown("The scenario with the sidebar's edits, replications and seed: load it with `python -m sim run` or "
            "upload it again here.")
st.download_button("Scenario as edited (YAML)", ctx.yaml, file_name=f"{slug}.yaml", mime="application/x-yaml",
                   key="dl_scenario", icon=":material/description:")

st.subheader("Results of the last run")
result = state.comparison()
if result is None:
    state.need_run()
    st.stop()
state.stale_notice()
if result.scenario_yaml != ctx.yaml:
    st.download_button("Scenario of the last run (YAML)", result.scenario_yaml, file_name=f"{slug}_last_run.yaml",
                       mime="application/x-yaml", key="dl_scenario_run")
files = [
    ("Replications (CSV): one row per policy x replication x contact type", "replications.csv",
     result.replications.to_csv(index=False), "text/csv", "dl_replications"),
    ("Summary (CSV): mean and 95% CI per policy x contact type x metric", "summary.csv",
     result.summary.to_csv(index=False), "text/csv", "dl_summary"),
    ("Paired comparison (CSV): differences against the baseline", "compare.csv",
     result.compare.to_csv(index=False), "text/csv", "dl_compare"),
    ("Emergency incidents (CSV)", "incidents.csv", result.incidents.to_csv(index=False), "text/csv", "dl_incidents"),
    ("Intervals (CSV): per policy x interval, mean over replications", "intervals.csv",
     result.intervals.to_csv(index=False), "text/csv", "dl_intervals"),
    ("Provenance (JSON): scenario hash, seed, versions", "provenance.json",
     json.dumps(result.provenance, indent=2, default=str) + "\n", "application/json", "dl_provenance"),
]
for label, name, data, mime, key in files:
    st.download_button(label, data, file_name=f"{slug}_{name}", mime=mime, key=key, icon=":material/download:")
with st.expander("Provenance"):
    st.json(result.provenance)
