"""Compare policies: the headline figures per policy, a chart and a table to match."""

import pandas as pd
import streamlit as st

from sim.present import charts
from ui import compute, state, tables

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
rough = result.replications_n < 5
st.caption(
    f"{result.replications_n} replications, seed {result.seed}. Figures are per run of {result.days} day(s) in "
    f"{cur}; each range is its 95% confidence interval (Student t over replications, paired against the "
    f"baseline for savings)." + (" **Rough**: fewer than 5 replications stand behind these intervals; raise "
                                 "Replications for firmer ones." if rough else "")
)

st.subheader("Headline, per policy against the baseline")
view = st.radio("Whose money", ["net_saving", "net_saving_platform"], horizontal=True, key="savings_view",
                format_func=lambda v: {"net_saving": "Society (customer losses count)",
                                       "net_saving_platform": "The platform (only the liability it pays counts)"}[v])
heads = tables.headline(result, view)
base_share = next(h for h in heads if h["baseline"])["share_within_guarantee"]["mean"]
if len(heads) == 1:
    st.info("This scenario has a single policy, so there is nothing to compare it with: add policies to the "
            "scenario (or use the Cost of cutting page to cut its staff). Its own figures are in the table below.")
edits = compute.policy_changes(ctx.base, result.changes)  # the run's edits, which the stale notice flags
for h in heads:
    if h["baseline"]:
        continue
    net = h["net"]
    with st.container(border=True, key=f"card_{h['policy']}"):
        st.markdown(f"**{h['label']}**" + (f" — {h['description']}" if h["description"] else "")
                    + f"  \n{result.headcounts[h['policy']]:g} agents on its roster as run.")
        if edits.get(h["policy"]):
            st.caption("Edited in the app: " + "; ".join(f"{c['parameter']} {c['before']} → {c['after']}"
                                                         for c in edits[h["policy"]]))
        left, right = st.columns([2, 3])
        with left:
            st.metric(net["label"], tables.fmt_money(net["mean"], cur, compact=True),
                      help="The sum of the terms beside it: savings minus added costs, against the baseline.")
            st.caption("95% CI " + tables.fmt_ci(net["ci_low"], net["ci_high"], "money", cur, compact=True)
                       + (" (rough)" if net["rough"] else ""))
            if result.emergency_types:
                share = h["share_within_guarantee"]
                delta = None if pd.isna(base_share) or pd.isna(share["mean"]) else (
                    f"{100 * (share['mean'] - base_share):+.1f} pp vs baseline")
                st.metric(f"Emergencies within {result.guarantee_s:g} s", tables.fmt_value(share["mean"], "share"),
                          delta=delta, help="Share of emergency incidents that reached a human within the "
                                            f"guarantee (target {100 * result.guarantee_share:g}%).")
                st.caption("95% CI " + tables.fmt_ci(share["ci_low"], share["ci_high"], "share")
                           + (" (rough)" if share["rough"] else ""))
        with right:
            st.table(tables.net_terms_table(h, cur))

if len(heads) > 1:
    st.subheader("Savings and added costs")
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
st.subheader("Evidence report")
st.caption("One HTML file to attach to an email: the verdict per policy, every assumption and its source, the "
           "method and its validation, the charts, what could change the verdict, and how to reproduce it. It "
           "opens offline. It builds on this comparison and on the cost-of-cutting frontier the app traces after "
           "each run, then adds the validation record and a small what-if experiment; its progress shows which.")
if st.button("Build the evidence report", key="build_report", icon=":material/description:"):
    page = state.evidence_report(result)
    if page is not None:
        st.session_state["evidence_report"] = {"yaml": result.scenario_yaml, "html": page}
built = st.session_state.get("evidence_report")
if built and built["yaml"] == result.scenario_yaml:
    slug = "".join(ch if ch.isalnum() else "_" for ch in result.name.lower()).strip("_") or "scenario"
    st.download_button("Download the evidence report (HTML)", built["html"], file_name=f"{slug}_report.html",
                       mime="text/html", key="dl_report", type="primary", icon=":material/download:")

t = result.timings
st.caption(f"Simulated in {t.get('simulate_s', 0):.1f} s, statistics in {t.get('statistics_s', 0):.1f} s "
           f"({len(result.policies)} policies x {result.replications_n} replications, seed {result.seed}).")
