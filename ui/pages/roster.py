"""Roster and demand: arrivals and agents on duty over the horizon; waits by hour and day."""

import streamlit as st

from sim.present import charts
from ui import cached_runs, session

ctx = session.ctx()
st.title("Roster and demand")
result = cached_runs.comparison()
if result is None:
    cached_runs.need_run()
    st.stop()
cached_runs.stale_notice()
weekday = result.start_weekday_index

arrivals_of = st.selectbox("Attempts arriving under", result.policies, index=result.policies.index(result.baseline),
                           format_func=lambda p: result.labels.get(p, p), key="demand_policy",
                           help="Redials and returns depend on the policy, so the attempts do too.")
st.plotly_chart(
    charts.demand_chart(result.intervals, result.policies, result.labels, arrivals_of, weekday),
    key="demand_chart",
)
st.caption("Bars: attempts per interval (first tries, redials and returns after a false bot resolution). "
           "Lines: agents on duty, breaks and absence taken out.")

st.subheader("When do customers wait? Hour of day x day")
metric = st.radio("Show", list(charts.HEATMAP_METRICS), horizontal=True, key="heatmap_metric",
                  format_func=lambda m: charts.HEATMAP_METRICS[m][0])
st.plotly_chart(
    charts.heatmap_chart(result.intervals, metric, result.policies, result.labels, weekday),
    key="heatmap_chart",
)
st.caption("Over the human queue only: contacts the bot resolved or that never found the human option are not "
           "in these figures (see Emergencies for those who never reached a human).")
