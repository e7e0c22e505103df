"""Plan a roster: the cheapest shifts that cover the requirement, checked and repaired by simulation (sim.studies.planning)."""

import pandas as pd
import streamlit as st

from sim.present import charts, tables
from sim.present.formatting import fmt_ci, fmt_money, fmt_value
from sim.studies import roster_table
from sim.studies.planning import PLAN_POLICY
from ui import plan_compute, rosters, session

ctx = session.ctx()
sc = ctx.scenario
cur = sc.economics.currency
st.title("Plan a roster")
st.markdown(
    "What is the least a roster can cost that keeps the emergency guarantee — emergencies reach a human within "
    f"**{sc.guarantee_s:g} s** for at least **{100 * sc.guarantee_share:g}%** of incidents? The requirement per "
    "interval comes from Erlang formulas for the front door chosen; an integer program (HiGHS) picks how many "
    "agents start each allowed shift, at least cost, so that the agents on duty after absence cover it; then the "
    "roster is simulated on fresh customers and, where the guarantee fails, the requirement is raised there and "
    "the program solved again. The same as `python -m sim roster`."
)

added_ids = set(rosters.added(ctx.base_id))
policies = {p.id: p.label or p.id for p in sc.effective_policies if p.id not in added_ids}
c1, c2 = st.columns(2)
policy = c1.selectbox("Plan for the front door of", list(policies), format_func=policies.get,
                      key=f"plan_policy:{ctx.base_id}",
                      help="Its bot, friction and hours decide the demand that reaches humans; the planned roster "
                           "replaces its agents.")
method = c2.selectbox("Requirement", list(plan_compute.REQUIREMENT_LABELS),
                      format_func=plan_compute.REQUIREMENT_LABELS.get, key="plan_method")
STAFF_FOR = {"every_type": "every contact type's own service level (routine ones too)",
             "emergency": "the emergency guarantee alone (no target for the other types)"}
staff_for = st.radio("Staff for", list(STAFF_FOR), format_func=STAFF_FOR.get, key="plan_requirement_for",
                     horizontal=True, help="Which targets the requirement meets. Staffing routine service levels too "
                                           "charges the guarantee for them: to cost the guarantee alone, staff for it "
                                           "alone (`--requirement-for emergency`, what `python -m sim guarantee` does).")
choices = plan_compute.template_choices(ctx.source)
templates = st.selectbox("Shift templates", list(choices), format_func=choices.get, key=f"plan_templates:{ctx.base_id}",
                         index=len(choices) - 1,
                         help="Which shifts may be used: starts, lengths, breaks, pay, limits (a planning file in "
                              "plans/, or the default).")
c3, c4, c5, c6 = st.columns(4)
rounds = int(c3.number_input("Repair rounds", min_value=0, max_value=10, value=3, step=1, key="plan_rounds",
                             help="Simulate-and-repair rounds after the first solve."))
reps = int(c4.number_input("Replications per check", min_value=2, max_value=50, value=5, step=1, key="plan_reps",
                           help="Fresh customers every round; more give a firmer verdict on the guarantee."))
budget = float(c5.number_input(f"Wage budget per week, {cur}", min_value=0.0, value=0.0, step=1000.0,
                               key="plan_budget", help="0: none. Budget mode: the wages stay within it and the shortfall, "
                                                       "weighted by emergencies, is kept as small as it can be."))
limit = float(c6.number_input("Solver time limit (s)", min_value=5.0, max_value=300.0, value=30.0, step=5.0,
                              key="plan_limit", help="The solver stops here and reports its optimality gap."))
settings = {"templates": templates, "requirement": method, "rounds": rounds, "replications": reps,
            "budget_per_week": budget or None, "time_limit_s": limit, "requirement_for": staff_for}

required = rosters.requirement(sc, policy, "erlang_a_lagged" if method == "isa" else method)
today = roster_table.roster_of(sc, policy)
# Planned on the scenario without the rosters added in the app: adding the plan must not ask for a new one.
plan_yaml = plan_compute.without_policies(sc, rosters.added(ctx.base_id))
request = {"yaml": plan_yaml, "policy": policy, "settings": settings}
go, stop = st.columns([1, 4])
if go.button("Plan the roster", type="primary", key="plan_run", icon=":material/event_available:"):
    st.session_state["_plan_request"] = request
planning = st.session_state.get("_plan_request") == request
stop_slot = stop.empty()  # the stop button is there while the plan runs, and only then
if planning and stop_slot.button("Stop planning", key="plan_stop", icon=":material/stop_circle:"):
    st.session_state.pop("_plan_request", None)
    st.info("Stopped. Nothing was added.", icon=":material/stop_circle:")
    planning = False

if not planning:
    if isinstance(required, str):
        st.warning(f"No requirement: {required}")
        st.stop()
    table = roster_table.cover_table(sc, today, required)
    st.plotly_chart(charts.cover_chart(table, sc.start_weekday_index, f"{policies[policy]} today"),
                    key="plan_requirement_chart")
    st.caption(f"The requirement for {policies[policy]}'s front door against its own roster today. Press **Plan "
               "the roster**: the payment-platform week takes one to three minutes on two cores.")
    st.stop()

view = rosters.plan(plan_yaml, policy, settings)
stop_slot.empty()
if view is None:
    st.stop()
if isinstance(view, str):
    st.error(f"No roster could be planned: {view}", icon=":material/error:")
    st.stop()

last = view.rounds.iloc[-1]
wages = view.wages.set_index("policy")
planned_wages = float(wages.loc[PLAN_POLICY, "wages"])
span = roster_table.wages_span(sc)
verdict = ("holds with confidence" if view.holds else "is NOT shown to hold") if view.has_emergency else ""
m1, m2, m3 = st.columns(3)
m1.metric("Wages of the optimised roster", fmt_money(planned_wages, cur, compact=True),
          delta=fmt_money(planned_wages - wages.loc[policy, "wages"], cur, compact=True)
          + f" vs {policies[policy]}", delta_color="inverse",
          help=f"Scheduled wages {span}: hours at each template's rate, night premium included; absence and "
               "overtime are not in it.")
m1.caption(f"Scheduled, {span}")
if view.has_emergency:
    m2.metric(f"Emergencies within {view.guarantee_s:g} s (last check)",
              fmt_value(last["guarantee_share_mean"], "share"),
              help=f"{reps} replications on fresh customers; target {100 * view.guarantee_share:g}%.")
    m2.caption("95% CI " + fmt_ci(last["guarantee_share_ci_low"], last["guarantee_share_ci_high"], "share")
               + f": the guarantee {verdict}")
m3.metric("Solver", f"gap {last['gap']:.2%}", help="How far the roster may be from the cheapest possible, proven "
                                                   "by the solver's bound.")
m3.caption(f"{last['status']}, {last['solve_s']:.1f} s; {len(view.rounds)} round(s)")
st.caption(f"The requirement this roster answers: {view.requirement}.")
if view.has_emergency and not view.holds:
    st.warning(f"After {len(view.rounds)} round(s) the guarantee is not shown to hold with confidence: raise the "
               "repair rounds or the replications, or allow more shift templates.", icon=":material/warning:")

raised = view.cover["required"].to_numpy()
st.plotly_chart(charts.cover_chart(view.cover.assign(required=view.cover["required_before_repair"]),
                                          sc.start_weekday_index, "optimised roster", before=view.today_cover,
                                          before_label=f"{policies[policy]} today", raised=raised),
                key="plan_cover_chart")
over = view.cover["on_duty_after_absence"] - view.cover["required"]
st.caption(f"Over-cover: {over.clip(lower=0).mean():.2f} agents per interval on average, at most {over.max():.1f}. "
           "Dotted: the requirement after the simulation raised it where emergencies missed the guarantee.")

st.subheader("The cost of the guarantee")
rows = []
for pid, w in wages.iterrows():
    planned_row = pid == PLAN_POLICY
    rows.append({"policy": "Optimised roster" if planned_row else w["label"],
                 "front door": ("as " + policies[policy]) if planned_row else
                 ("bot first" if w["bot_first"] else "humans directly"),
                 "agent-hours a week": w["agent_hours_per_week"],
                 "peak agents on duty": w["peak_agents_on_duty"],
                 "wages": w["wages"], "difference": 0.0 if planned_row else planned_wages - w["wages"]})
rows.sort(key=lambda r: r["policy"] != "Optimised roster")
cost = pd.DataFrame(rows)
st.table(cost.assign(**{"agent-hours a week": cost["agent-hours a week"].map(lambda v: fmt_value(v, "integer")),
                        "peak agents on duty": cost["peak agents on duty"].map(lambda v: fmt_value(v, "count")),
                        "wages": cost["wages"].map(lambda v: fmt_money(v, cur)),
                        "difference": cost["difference"].map(lambda v: ("+" if v > 0 else "") + fmt_money(v, cur))})
         .rename(columns={"wages": f"wages {span}", "difference": "optimised roster costs"}).set_index("policy"))
st.caption("Every roster in the same units, as every page and command counts them: **agent-hours a week** — the "
           "hours agents are scheduled on duty (breaks out), per week of the horizon — and **peak agents on duty**, "
           "the most agents on duty at once in any interval (before absence). A roster's number of shift entries is "
           "no measure of its size: the optimised "
           f"roster has {len(view.rows)} entries, one per start time and weekday set. The last column is what the "
           "optimised roster costs in scheduled wages more (+) or less (−) than each policy's roster. Wages only: "
           "bot costs, customer losses, liability and churn come from simulating the policies side by side — add "
           "the roster to the comparison.")

a, b = st.columns(2)
if a.button("Add to the comparison", type="primary", key="plan_add", icon=":material/add_chart:"):
    rosters.add_policy(ctx.base_id, view.planned)
    st.session_state["_plan_added"] = True
    st.rerun()
slug = "".join(ch if ch.isalnum() else "_" for ch in sc.name.lower()).strip("_") or "scenario"
b.download_button("Download the scenario with the optimised roster (YAML)",
                  plan_compute.planned_scenario_yaml(sc, view.planned), file_name=f"{slug}_planned.yaml",
                  mime="application/x-yaml", key="plan_download", icon=":material/download:")
if PLAN_POLICY in rosters.added(ctx.base_id):
    st.success("**Optimised roster** is a policy of the comparison. Press **Run simulation** in the sidebar to see "
               "it on Compare policies; edit its shifts on **Edit a roster**.", icon=":material/check_circle:")

st.subheader("What the guarantee costs and what it prevents")
if not view.has_emergency:
    st.info("The scenario has no emergency contact type, so there is no guarantee to cost.")
else:
    st.markdown("Every policy of the scenario set against the optimised roster on the same customers (the "
                "scenario's own seed and replications, as Compare uses): the wages and bot cost the guarantee adds, "
                "and the customer losses, liability, churn and unreached emergencies it prevents, each with its paired "
                "95% CI — the same as `python -m sim guarantee`.")
    asked = st.session_state.get("_guarantee_request") == view.planned_yaml
    if st.button("Set every policy against it", key="plan_guarantee", icon=":material/balance:") or asked:
        st.session_state["_guarantee_request"] = view.planned_yaml
        against = rosters.guarantee(view.planned_yaml)
        if against is not None:
            st.table(tables.guarantee_table(against.table, against.policies, cur, against.measures))
            st.caption(f"{against.replications} replications, seed {against.seed}; amounts in {cur} per run "
                       f"({sc.days} day(s)), against the optimised roster: positive = what the guarantee costs more "
                       f"or prevents. Requirement: {view.requirement}.")

st.subheader("The roster")
st.dataframe(view.rows, hide_index=True, key="plan_rows")
with st.expander(f"Every round ({len(view.rounds)})"):
    st.dataframe(view.rounds, hide_index=True)
