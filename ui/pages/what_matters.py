"""What matters: which uncertain inputs move the verdict on a policy, and which ranges flip it."""

import streamlit as st

from sim.model import measures
from sim.present import charts
from sim.present.formatting import fmt_parameter, fmt_value
from sim.present.loss_charts import loss_curve_share_lines
from sim.present.tables import factor_label
from ui import cached_runs, compute, session
from ui.cache import what_matters_root

ctx = session.ctx()
sc = ctx.scenario
st.title("What matters")
st.markdown(
    "A verdict such as *bot-first saves money* rests on inputs nobody knows well. Here each of them moves alone "
    "from a low to a high value (a one-at-a-time design) and the policy is simulated again on the same customers; "
    "the bars show how far the net effect and the emergency guarantee move. Longer bars matter more. "
    "For a full study over many inputs at once (Latin hypercube, Sobol, Morris), run "
    "`python -m sim experiment FILE --out DIR` and open the folder below."
)

FIGURES = {m: (measures.label(m), measures.kind(m)) for m in ("net_saving", "net_saving_platform",
                                                               "share_within_guarantee")}

others = [p.id for p in sc.effective_policies if p.id != sc.baseline_policy.id]
source = st.radio("Experiment", ["A quick one for the loaded scenario", "A finished experiment folder"],
                  horizontal=True, key="what_matters_source")
if source.startswith("A quick"):
    if not others:
        st.info("This scenario has a single policy: there is nothing to compare it with.")
        st.stop()
    left, right = st.columns([3, 1])
    policy = left.selectbox("Policy to examine (against the baseline)", others,
                            format_func=lambda p: sc.policy(p).label or p,
                            key=f"what_matters_policy_{session.short_hash(ctx.yaml)}")
    reps = int(right.number_input("Replications per point", min_value=2, max_value=20, value=2,
                                  key="what_matters_reps",
                                  help="2 is quick but rough; every point meets the same customers, so the "
                                       "changes are paired and tighter than the levels."))
    if not st.button("Run the experiment", type="primary", key="what_matters_run"):
        st.caption("About half a minute for the payment-platform week on two cores; the result is kept while the "
                   "app runs.")
        st.caption(f"Each experiment is kept in your own cache folder, `{what_matters_root()}`, so one stopped "
                   "half-way resumes; other users of this machine do not see it. Delete the folder to free the space.")
        st.stop()
    result = cached_runs.what_matters(policy, reps)
else:
    folder = st.text_input("Experiment folder on this server (the --out of python -m sim experiment)",
                           key="what_matters_folder")
    if not folder:
        st.stop()
    try:
        result = compute.open_experiment(folder)
    except compute.RunFailed as exc:
        st.error(str(exc))
        st.stop()
if result is None:
    st.stop()

st.subheader(result.name)
rough = result.replications_n < 5
st.caption(
    f"{len(result.factors)} inputs, {result.replications_n} replication(s) per point"
    + (" — rough: intervals from fewer than 5 replications are wide and themselves uncertain" if rough else "")
    + f". Folder: `{result.folder}` (its analysis/*.csv hold every table)."
)
tornado = result.tables.get("tornado")
if tornado is not None and len(tornado):
    for (policy, figure), part in tornado.groupby(["policy", "figure"], sort=False):
        if figure not in FIGURES or part[["low_change", "high_change"]].abs().max().max() == 0:
            continue
        label, kind = FIGURES[figure]
        base = fmt_value(part["base_mean"].iloc[0], kind, result.currency)
        name = {p.id: p.label or p.id for p in sc.effective_policies}.get(policy, policy)
        st.plotly_chart(charts.tornado_chart(part, f"{label}, {name} (base {base})", kind, result.currency,
                                             factor_labels={f: factor_label(f, sc) for f in part["factor"]}),
                        key=f"tornado_{policy}_{figure}")
    shares = result.tables.get("loss_curve_share")
    lines = loss_curve_share_lines(shares, FIGURES) if shares is not None else []
    if lines:
        st.markdown("**How much of this is the loss curve?** (its factors' squared swings over all factors')\n"
                    + "\n".join(f"- {line}" for line in lines))
else:
    st.info("This experiment's design is not one-at-a-time, so there is no tornado; see the indices below.")

for name, title in (("morris", "Morris screening (mu*: how much a factor moves the figure)"),
                    ("sobol", "Sobol indices (S1: alone, ST: with interactions)")):
    table = result.tables.get(name)
    if table is not None and len(table):
        st.subheader(title)
        st.dataframe(table, hide_index=True)

st.subheader("Where the verdict flips")
boxes = result.tables.get("verdict_boxes")
if boxes is None or boxes.empty:
    st.write("No verdict to map.")
else:
    words = {"saves_money": "saves society money", "guarantee_holds": "keeps the emergency guarantee"}
    names = {p.id: p.label or p.id for p in sc.effective_policies}
    for (pid, verdict), part in boxes.groupby(["policy", "verdict"], sort=False):
        policy = names.get(pid, pid)
        what, value = words.get(verdict, verdict), bool(part["value"].iloc[0])
        if part["factor"].isna().all():
            st.markdown(f"- **{policy}** {'always' if value else 'never'} {what} over the ranges explored.")
            continue
        where = "; ".join(f"{factor_label(r.factor, sc)} between {fmt_parameter(float(r.low))} and "
                          f"{fmt_parameter(float(r.high))}" for r in part.itertuples())
        first = part.iloc[0]
        st.markdown(f"- **{policy}** {'does' if value else 'does not'} {what.replace('saves', 'save').replace('keeps', 'keep')}"
                    f" where {where} ({first['coverage']:.0%} of such points lie there, and they are "
                    f"{first['density']:.0%} of the points in it); elsewhere it {'does not' if value else 'does'}.")
