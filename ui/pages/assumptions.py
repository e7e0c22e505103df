"""Assumptions: every parameter of the scenario in use, what it means and where it comes from."""

import streamlit as st

from ui import state, tables

ctx = state.ctx()
sc = ctx.scenario
st.title("Assumptions")
st.markdown(
    f"Every parameter of **{sc.name}** ({ctx.source}) as the next run will use it, with the model's description "
    "and the scenario's own source note. Rows the sidebar knobs changed are marked. Figures without a source are "
    "assumptions of the scenario's author; check them first."
)
rows = tables.parameter_rows(sc, base=ctx.base)
c1, c2, c3 = st.columns([2, 1, 1])
query = c1.text_input("Filter", placeholder="e.g. fraud, half_life, cost", key="assumptions_filter")
only_sourced = c2.toggle("Only parameters with a source note", key="assumptions_sourced")
only_changed = c3.toggle("Only parameters changed in the app", key="assumptions_changed")
shown = rows
if query:
    mask = shown.apply(lambda r: query.lower() in " ".join(map(str, r.values)).lower(), axis=1)
    shown = shown[mask]
if only_sourced:
    shown = shown[shown["source"] != ""]
if only_changed:
    shown = shown[shown["changed in the app"]]
st.dataframe(
    shown, hide_index=True, key="assumptions_table", height=560,
    column_config={"changed in the app": st.column_config.CheckboxColumn(width="small"),
                   "source": st.column_config.TextColumn(width="large"),
                   "meaning": st.column_config.TextColumn(width="medium")},
)
st.caption(f"{len(shown)} of {len(rows)} parameters; {int(rows['source'].ne('').sum())} with a source note.")
if sc.sources:
    with st.expander("The scenario's source notes as written"):
        st.dataframe([{"field": k, "note": v} for k, v in sc.sources.items()], hide_index=True)
