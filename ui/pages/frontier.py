"""The cost-of-cutting frontier: one policy's human agents scaled from 100% down to 0%."""

import streamlit as st

from ui import charts, state, tables

ctx = state.ctx()
st.title("The cost of cutting")
st.markdown(
    "How much is saved, and what it costs the people who need a human, as a policy keeps fewer and fewer of its "
    "human agents. Every point meets the same customers as the baseline (common random numbers), so the curve "
    "shows the effect of the cut, not noise between runs."
)

result = state.comparison()
if result is None:
    state.need_run()
    st.stop()
state.stale_notice()

options = result.policies
template = st.selectbox(
    "Cut from policy", options, index=options.index(result.baseline),
    format_func=lambda p: result.labels.get(p, p) + (" (baseline)" if p == result.baseline else ""),
    key=f"frontier_template_{state.short_hash(result.scenario_yaml)}",
    help="Its whole roster (every shift or staffing table) is scaled to each share, rounded to whole agents; "
         "its front door and bot stay as they are.",
)
front = state.frontier(template)
reps = front.replications_n
st.caption(
    f"Grid: {', '.join(f'{100 * v:.0f}%' for v in sorted(front.values, reverse=True))} of the roster kept; "
    f"{reps} replication{'s' if reps != 1 else ''} per point, seed {result.seed}. This is a coarser grid and "
    f"fewer replications than the comparison ({result.replications_n}) so that it is ready in seconds; bands "
    f"are 95% confidence intervals and are wide with so few replications. Raise the replications in the sidebar "
    f"and run again for tighter bands."
)
zoom = st.toggle("Zoom the money axis to the scale of the wages saved", value=True, key="frontier_zoom",
                 help="Deep cuts can lose far more than they save; zooming keeps break-even readable.")
st.plotly_chart(
    charts.frontier_chart(front.table, front.currency, front.guarantee_share, front.guarantee_s,
                          template_label=front.template_label, marker=front.template_scale, zoom=zoom),
    key="frontier_chart",
)
brk = charts.guarantee_break(front.table, front.guarantee_share)
message = {
    "breaks": lambda: (f"The emergency guarantee ({100 * front.guarantee_share:g}% within {front.guarantee_s:g} s) "
                       f"holds down to about **{100 * brk['x']:.0f}%** of the roster kept and breaks below."),
    "fails": lambda: ("The emergency guarantee fails even with the whole roster kept: the front door or the "
                      "roster of this policy already keeps emergencies from a human."),
    "holds": lambda: "The emergency guarantee holds at every share kept on this grid.",
    "unknown": lambda: "This scenario has no emergency types, so there is no guarantee to check.",
}[brk["status"]]()
st.markdown(message)

with st.expander("The numbers behind the chart"):
    t = front.table
    pick = t[t.metric.isin(["wages_saved", "added_customer_loss", "net_saving", "share_within_guarantee"])]
    wide = pick.pivot(index="value", columns="metric", values="mean").sort_index(ascending=False)
    shown = wide.copy()
    for col in shown.columns:
        kind = "share" if col == "share_within_guarantee" else "money"
        shown[col] = [tables.fmt_value(v, kind, front.currency) for v in wide[col]]
    shown.index = [f"{100 * v:.0f}%" for v in wide.index]
    shown.index.name = "agents kept"
    st.dataframe(shown)
    st.caption(f"Computed in {front.timings.get('total_s', 0):.1f} s. Full table in Downloads.")
