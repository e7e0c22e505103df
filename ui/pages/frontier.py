"""The cost-of-cutting frontier: one policy's human agents scaled from 100% down to 0%."""

import streamlit as st

from sim.present import charts
from ui import cached_runs, session, tables

ctx = session.ctx()
st.title("The cost of cutting")
st.markdown(
    "How much is saved, and what it costs the people who need a human, as a policy keeps fewer and fewer of its "
    "human agents. Every point meets the same customers as the baseline (common random numbers), so the curve "
    "shows the effect of the cut, not noise between runs. The break point is found the way "
    "`python -m sim breakeven` finds it, on this grid."
)

result = cached_runs.comparison()
if result is None:
    cached_runs.need_run()
    st.stop()
cached_runs.stale_notice()

options = result.policies
template = st.selectbox(
    "Cut from policy", options, index=options.index(result.baseline),
    format_func=lambda p: result.labels.get(p, p) + (" (baseline)" if p == result.baseline else ""),
    key=f"frontier_template_{session.short_hash(result.scenario_yaml)}",
    help="Its whole roster (every shift or staffing table) is scaled to each share, rounded to whole agents; "
         "its front door and bot stay as they are.",
)
front = cached_runs.frontier(template)
if isinstance(front, str):
    st.warning(f"No frontier for these settings: {front}. Set Replications to 2 or more in the sidebar and run "
               "again.")
    st.stop()
reps = front.replications_n
finding = front.search.findings["guarantee_confident"]
pct = f"{100 * front.search.confidence:g}%"
st.caption(
    f"Share of the roster kept = the policy's staffing scale: 100% is {front.template_label}'s roster before any "
    f"scale ({front.full_headcount:g} agents), the meaning `python -m sim breakeven` uses; as configured it keeps "
    f"{100 * front.template_scale:.0f}%. Grid: {', '.join(f'{100 * v:.0f}%' for v in sorted(front.values, reverse=True))}; "
    f"{reps} replication{'s' if reps != 1 else ''} per point (the sidebar's), seed {front.seed}, the same customers "
    f"at every point. Bands are {pct} confidence intervals"
    + (": **rough**, fewer than 5 replications stand behind them." if reps < 5 else ".")
)
zoom = st.toggle("Zoom the money axis to the scale of the wages saved", value=True, key="frontier_zoom",
                 help="Deep cuts can lose far more than they save; zooming keeps break-even readable.")
st.plotly_chart(
    charts.frontier_chart(front.table, front.currency, front.guarantee_share, front.guarantee_s,
                          template_label=front.template_label, marker=front.template_scale, zoom=zoom,
                          finding=finding, confidence=front.search.confidence),
    key="frontier_chart",
)
st.markdown(tables.frontier_statement(front))

st.subheader("The numbers behind the chart")
st.table(tables.frontier_table(front))
st.caption(f"Mean ({pct} CI) per run against the baseline; 'agents' is the roster at that share. Each term is "
           "written as it counts in society's net effect (a cost is negative, as the chart draws it below zero), so "
           "a row's wages saved, bot cost saved, added customer losses and added churn add up to its net. "
           f"Computed in {front.timings.get('total_s', 0):.1f} s. This table is in Downloads as CSV.")
