"""Compare policies: the headline figures per policy, a chart and a table to match."""

import pandas as pd
import streamlit as st

from sim.present import charts
from sim.present import tables as present_tables
from sim.studies.service import COLLAPSE_RULE, collapsed_policies, non_emergency_service
from ui import cached_runs, compute, session, sidebar, tables

ctx = session.ctx()
sc = ctx.scenario

st.title("What does cutting human agents cost?")
st.markdown(
    f"**{sc.name}**" + (f" — {sc.description}" if sc.description.strip() else "") + "  \n"
    f"Each policy meets the same simulated customers over {sc.days} day(s) as the baseline "
    f"(**{sc.baseline_policy.label or sc.baseline_policy.id}**), so differences are paired. "
    f"Emergencies should reach a human within **{sc.guarantee_s:g} s** for at least "
    f"**{100 * sc.guarantee_share:g}%** of incidents."
)

result = cached_runs.comparison()
if result is None:
    cached_runs.need_run()
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

cached_runs.stale_notice()
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
base_tone = next(h for h in heads if h["baseline"])["busy_tone"]["mean"]
show_busy_tone = any(h["busy_tone"]["mean"] > 0 for h in heads)  # some policy's lines ran out
if len(heads) == 1:
    st.info("This scenario has a single policy, so there is nothing to compare it with: add policies to the "
            "scenario (or use the Cost of cutting page to cut its staff). Its own figures are in the table below.")
service = non_emergency_service(result.per_replication, sc.contact_types, result.policies)
collapsed = collapsed_policies(service)
edits = compute.policy_changes(ctx.base, result.changes)  # the run's edits, which the stale notice flags
for h in heads:
    if h["baseline"]:
        continue
    net = h["net"]
    with st.container(border=True, key=f"card_{h['policy']}"):
        size = result.roster_sizes.set_index("policy").loc[h["policy"]]
        st.markdown(f"**{h['label']}**" + (f" — {h['description']}" if h["description"] else "")
                    + f"  \nIts roster as run: {tables.fmt_value(size['agent_hours_per_week'], 'integer')} "
                      f"agent-hours a week, at most {tables.fmt_value(size['peak_agents_on_duty'], 'count')} agents on duty "
                      f"at once (scheduled, breaks out, before absence).")
        if edits.get(h["policy"]):
            st.caption("Edited in the app: " + "; ".join(f"{c['parameter']} {sidebar.difference_text(c)}"
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
            if show_busy_tone:
                tone = h["busy_tone"]
                delta = None if pd.isna(base_tone) or pd.isna(tone["mean"]) else (
                    f"{100 * (tone['mean'] - base_tone):+.1f} pp vs baseline")
                st.metric("Attempts met by a busy tone", tables.fmt_value(tone["mean"], "share"), delta=delta,
                          delta_color="inverse", help="Share of all callers' attempts that found every phone line "
                                                      "taken and never got in (they may redial).")
                st.caption("95% CI " + tables.fmt_ci(tone["ci_low"], tone["ci_high"], "share")
                           + (" (rough)" if tone["rough"] else ""))
            mine = service[service["policy"] == h["policy"]]
            if len(mine):
                # the pooled row where several types are not emergencies, else the one type's
                r = mine.iloc[-1]
                st.metric(f"{r['label']}: service level", tables.fmt_value(r["service_level"], "share"),
                          help="Non-emergency callers answered within their type's target time, of those offered "
                               "to a human (mean over replications).")
                st.caption("95% CI " + tables.fmt_ci(r["service_level_ci_low"], r["service_level_ci_high"], "share")
                           + f"; abandonment {tables.fmt_estimate(r['abandonment'], r['abandonment_ci_low'], r['abandonment_ci_high'], 'share')}"
                           + f"; ASA {tables.fmt_estimate(r['asa_s'], r['asa_s_ci_low'], r['asa_s_ci_high'], 'seconds')}"
                           + (" (rough)" if r["rough"] else ""))
            if h["policy"] in collapsed:
                st.error("**Service collapse** for " + ", ".join(collapsed[h["policy"]]) + ": see the table of "
                         "non-emergency callers below.", icon=":material/warning:")
        with right:
            st.table(tables.net_terms_table(h, cur))

if len(service):
    st.subheader("What non-emergency callers get")
    if collapsed:
        st.warning("Service collapses under " + ", ".join(f"**{result.labels.get(p, p)}**" for p in collapsed)
                   + ": the emergency figures above do not show it.", icon=":material/warning:")
    st.table(present_tables.service_table(service, result.labels, result.baseline))
    st.caption(f"Per policy, the contact types that are not emergencies (and all of them together): service level "
               f"(answered within the type's target, of those offered to a human), abandonment and ASA, mean over "
               f"{result.replications_n} replications with 95% CIs. The rule: {COLLAPSE_RULE}.")

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
    page = cached_runs.evidence_report(result)
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
