"""Emergencies: how long victims wait for a human, per policy, and who never gets one."""

import streamlit as st

from sim.present import charts
from ui import cached_runs, session, tables

ctx = session.ctx()
st.title("Emergencies: time to a human")
st.markdown(
    "For an emergency (fraud in progress, a stolen account) the clock runs from the first call to the first time "
    "a human answers — across menus, bot time, hang-ups and redials. Money drains away meanwhile."
)

result = cached_runs.comparison()
if result is None:
    cached_runs.need_run()
    st.stop()
cached_runs.stale_notice()
if not result.emergency_types:
    st.warning("This scenario has no emergency contact types (set `emergency: true` on a contact type).")
    st.stop()

log_x = st.toggle("Logarithmic time axis", value=True, key="ecdf_log",
                  help="Shows seconds and hours on one chart; switch off for a plain minute scale.")
st.plotly_chart(
    charts.ecdf_chart(result.incidents, result.policies, result.labels, result.guarantee_s,
                      result.guarantee_share, log_x=log_x, never=tables.never_reached(result)),
    key="ecdf_chart",
)
st.caption(
    "Read a curve at the dashed line: that is the share of emergencies answered within the guarantee; it should "
    "be above the dotted target. A curve that levels off below 100% has incidents that never reached a human; "
    "the legend gives that share as the table below does (mean over replications)."
)
st.subheader("Incidents that never reached a human")
st.table(tables.unreached_table(result))  # a table, not a grid: its long headers wrap rather than being cut
st.caption(
    f"Per run of {result.days} day(s), mean over {result.replications_n} replications (95% CI for the count). "
    "Those never reached lose what their drain curve reaches by the end of their loss window (the scenario's "
    "`loss.window_h`, per contact type)."
)
