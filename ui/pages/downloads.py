"""Downloads: every table of the last run, the scenario as run, its provenance and a data dictionary.

One zip holds them all; each is also offered on its own.
"""

import io
import json
import zipfile

import streamlit as st

from sim.files.dictionary import FILES, data_dictionary
from ui import cached_runs, compute, session

ctx = session.ctx()
st.title("Downloads")
slug = "".join(ch if ch.isalnum() else "_" for ch in ctx.scenario.name.lower()).strip("_") or "scenario"

result = cached_runs.comparison()
if result is None:
    st.subheader("Scenario")
    st.download_button("Scenario with the sidebar's settings (YAML)", ctx.yaml, file_name=f"{slug}.yaml",
                       mime="application/x-yaml", key="dl_scenario", icon=":material/description:")
    cached_runs.need_run()
    st.stop()
cached_runs.stale_notice()

front = cached_runs.last_frontier()
tables = compute.export_tables(result, front)
dictionary = data_dictionary(tables, result.currency)
files = {f"{name}.csv": frame.to_csv(index=False) for name, frame in tables.items()}
files["data_dictionary.csv"] = dictionary.to_csv(index=False)
files["scenario.yaml"] = compute.scenario_as_run(result)
files["provenance.json"] = json.dumps(compute.export_provenance(result), indent=2, default=str) + "\n"

buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
    for name, text in files.items():
        archive.writestr(f"{slug}/{name}", text)
st.download_button(f"Everything in one zip ({len(files)} files)", buffer.getvalue(), file_name=f"{slug}.zip",
                   mime="application/zip", key="dl_zip", type="primary", icon=":material/folder_zip:")
st.caption(
    f"The last run: {result.replications_n} replications, seed {result.seed}, from {result.source}"
    + (f", with {len(result.changes)} change(s) made in the app (listed at the top of scenario.yaml and in "
       "provenance.json)." if result.changes else ", exactly as loaded.")
    + ("" if front is not None else " Open **Cost of cutting** to add its frontier table.")
)

DESCRIPTIONS = FILES  # one list of what each file holds, shared with the CLI folders
st.subheader("One at a time")
for name, text in files.items():
    mime = "text/csv" if name.endswith(".csv") else ("application/json" if name.endswith(".json")
                                                     else "application/x-yaml")
    st.download_button(f"{name}: {DESCRIPTIONS.get(name, '')}", text, file_name=f"{slug}_{name}", mime=mime,
                       key=f"dl_{name}", icon=":material/download:")
if result.scenario_yaml != ctx.yaml:
    st.download_button("Scenario with the sidebar's current settings (YAML), not yet run", ctx.yaml,
                       file_name=f"{slug}_next.yaml", mime="application/x-yaml", key="dl_scenario_next")
with st.expander("Data dictionary"):
    st.table(dictionary.set_index(["file", "column"]))
with st.expander("Provenance"):
    st.json(result.provenance)
