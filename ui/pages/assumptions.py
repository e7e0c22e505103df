"""Assumptions: every parameter of the scenario in use, what it means and where it comes from."""

import streamlit as st

from sim.present.tables import parameter_rows
from ui import session

ctx = session.ctx()
sc = ctx.scenario
st.title("Assumptions")
st.markdown(
    f"Every parameter of **{sc.name}** ({ctx.source}) as the next run will use it, with the model's description "
    "and the scenario's own source note. Figures without a source are assumptions of the scenario's author; "
    "check them first."
)
rows = parameter_rows(sc, ctx.changes)

st.subheader("Changed in the app")
if ctx.changes:
    st.table(rows[rows["changed in the app"]][["parameter", "in the file", "value"]]
             .rename(columns={"value": "next run"}).set_index("parameter"))
    st.caption("These and nothing else differ from the file; the downloaded scenario and the provenance record "
               "list the same.")
else:
    st.markdown("Nothing: the next run uses the scenario exactly as loaded.")

st.subheader("All parameters")
c1, c2 = st.columns([2, 1])
query = c1.text_input("Filter", placeholder="e.g. fraud, half_life, cost", key="assumptions_filter")
only_sourced = c2.toggle("Only parameters with a source note", key="assumptions_sourced")
shown = rows
if query:
    mask = shown.apply(lambda r: query.lower() in " ".join(map(str, r.values)).lower(), axis=1)
    shown = shown[mask]
if only_sourced:
    shown = shown[shown["source"] != ""]
st.caption(f"{len(shown)} of {len(rows)} parameters shown, by section; {int(rows['source'].ne('').sum())} have "
           "a source note.")
for section, part in shown.groupby("section", sort=False):
    with st.expander(f"{section} ({len(part)})", expanded=bool(query)):
        st.table(part[["parameter", "value", "meaning", "source"]].set_index("parameter"))
if sc.sources:
    with st.expander("The scenario's source notes as written"):
        st.table([{"field": k, "note": v} for k, v in sc.sources.items()])
