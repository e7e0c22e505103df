"""Compare policies: the headline figures per policy, a chart and a table to match."""

import pandas as pd
import streamlit as st

from ui import charts, state, tables

ctx = state.ctx()
sc = ctx.scenario

st.title("What does cutting human agents cost?")
st.markdown(
    f"**{sc.name}** — {sc.description}  \n"
    f"Each policy meets the same simulated customers over {sc.days} day(s) as the baseline "
    f"(**{sc.baseline_policy.label or sc.baseline_policy.id}**), so differences are paired. "
    f"Emergencies should reach a human within **{sc.guarantee_s:g} s** for at least "
    f"**{100 * sc.guarantee_share:g}%** of incidents."
)

result = state.comparison()
if result is None:
    state.need_run()
    st.subheader("Policies in this scenario")
    st.dataframe(
        pd.DataFrame(
            [{"policy": p.id, "name": p.label, "baseline": "yes" if p.baseline else "",
              "what it does": p.description} for p in sc.effective_policies]
        ),
        hide_index=True,
    )
    st.plotly_chart(
        charts.expected_demand_chart(tables.expected_demand(sc), sc.interval_min, sc.start_weekday_index),
        key="expected_demand_chart",
    )
    st.stop()

state.stale_notice()
cur = result.currency
st.caption(
    f"{result.replications_n} replications, seed {result.seed}. Figures are per run of {result.days} day(s); "
    f"the range under each is its 95% confidence interval (Student t over replications). Positive savings are "
    f"good for the policy; added losses are costs."
)

st.subheader("Headline, per policy against the baseline")
heads = tables.headline(result)
base_share = next(h for h in heads if h["baseline"])["figures"]["share_within_guarantee"][0]
if len(heads) == 1:
    st.info("This scenario has a single policy, so there is nothing to compare it with: add policies to the "
            "scenario (or use the Cost of cutting page to cut its staff). Its own figures are in the table below.")
for h in heads:
    if h["baseline"]:
        continue
    f = h["figures"]
    with st.container(border=True):
        st.markdown(f"**{h['label']}**" + (f" — {h['description']}" if h["description"] else ""))
        items = [
            ("Net effect for society", "net_saving", "money",
             "Wages and bot cost saved, minus added customer losses and churn."),
            ("Wages + bot cost saved", "costs_saved", "money",
             "Agent and bot cost of the baseline minus the policy's."),
            ("Added customer losses", "added_customer_loss", "money",
             "Money drained from emergency victims while they could not reach a human, minus the baseline's."),
            ("Added liability", "added_liability", "money",
             "The share of added customer losses the platform pays back to its customers."),
            (f"Emergencies within {result.guarantee_s:g} s", "share_within_guarantee", "share",
             "Share of emergency incidents that reached a human within the guarantee."),
        ]
        if not result.emergency_types:
            items = items[:2]
        cols = st.columns(len(items))
        for col, (label, key, kind, help_text) in zip(cols, items):
            mean, lo, hi = f[key]
            delta = None
            if key == "share_within_guarantee" and not pd.isna(base_share) and not pd.isna(mean):
                delta = f"{100 * (mean - base_share):+.1f} pp vs baseline"
            col.metric(label, tables.fmt_value(mean, kind, cur, compact=True), delta=delta, help=help_text)
            col.caption("95% CI " + tables.fmt_ci(lo, hi, kind, cur, compact=True))

if len(heads) > 1:
    st.subheader("Savings and added costs")
    view = st.radio("Whose money", ["society", "platform"], horizontal=True, key="savings_view",
                    format_func=lambda v: {"society": "Society (customer losses count)",
                                           "platform": "The platform (only the liability it pays counts)"}[v])
    st.plotly_chart(
        charts.savings_chart(result.compare, result.policies, result.labels, result.baseline, cur, view=view),
        key="savings_chart",
    )

st.subheader("All figures")
table = tables.comparison_table(result).drop(columns=["metric"])
st.dataframe(table, key="comparison_table")
st.caption(
    "Savings rows are paired differences against the baseline, mean (95% CI). Other rows are each policy's own "
    "level, mean (95% CI). 'Net effect for society' leaves out liability, which only moves money from the platform "
    "to its customers; 'for the platform' counts liability and churn but not the customers' own losses."
)
t = result.timings
st.caption(f"Simulated in {t.get('simulate_s', 0):.1f} s, statistics in {t.get('statistics_s', 0):.1f} s "
           f"({len(result.policies)} policies x {result.replications_n} replications, seed {result.seed}).")
