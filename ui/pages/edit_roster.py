"""Edit a roster: any policy's shifts in a table, checked as a file is, against the requirement; run or download it."""

import streamlit as st

from sim.present import charts
from sim.present.formatting import fmt_money
from sim.studies import roster_table
from ui import plan_compute, rosters, session

ctx = session.ctx()
sc = ctx.scenario
st.title("Edit a roster")
st.markdown("Change any policy's shifts by hand — add or remove a shift, move its start, change its length, days, "
            "headcount, skills or breaks — and see at once what it covers against what each interval needs. The "
            "table is checked exactly as a scenario file is. Add it to the comparison to simulate it as a policy "
            "of its own, or download the scenario with it.")

policies = sc.effective_policies
labels = {p.id: p.label or p.id for p in policies}
left, right = st.columns([3, 2])
policy = left.selectbox("Roster of the policy", [p.id for p in policies], format_func=labels.get,
                        key=f"edit_policy:{ctx.base_id}")
method = right.selectbox("Requirement", list(plan_compute.REQUIREMENT_LABELS)[:4],
                         format_func=plan_compute.REQUIREMENT_LABELS.get, key="edit_method",
                         help="Agents needed on duty per interval for this policy's front door (as `python -m sim "
                              "staff` computes them), every skill group added up.")
written = roster_table.roster_of(sc, policy)
scale = sc.policy(policy).staffing_scale
if written.tables:
    st.info(f"This policy also staffs {len(written.tables)} staffing table(s) by interval; they are kept as they "
            "are and counted in the cover. Only shifts are edited here.", icon=":material/info:")

# The table's rows live in session state, so an edit survives a bad value, a rerun and a visit to another page:
# the editor starts from the last rows typed whenever it is drawn anew.
key = f"{ctx.base_id}:{policy}"
drafts = st.session_state.setdefault("_roster_drafts", {})
if key not in drafts:
    drafts[key] = {"base": roster_table.shifts_rows(written), "latest": None, "gen": 0}
draft = drafts[key]
editor_key = f"roster_editor:{key}:{draft['gen']}"
if editor_key not in st.session_state and draft["latest"] is not None:
    draft["base"] = draft["latest"]
if st.button("Start again from the policy's roster", key=f"reset:{key}", icon=":material/restart_alt:"):
    drafts[key] = {"base": roster_table.shifts_rows(written), "latest": None, "gen": draft["gen"] + 1}
    st.rerun()

st.caption("One row per shift. **weekdays**: `all`, or days and ranges such as `mon-fri, sun`. **skills** and "
           "**reserved for**: contact type skills / ids, separated by commas (blank: every skill / no reservation). "
           "**breaks**: hours after the start and minutes, e.g. `4h 30min; 6.5h 15min`. "
           + (f"Headcounts are as the policy runs (its staffing scale {scale:g} applied); the edited roster runs "
              "at scale 1." if scale != 1 else ""))
edited = st.data_editor(
    draft["base"], key=editor_key, num_rows="dynamic", hide_index=True, width="stretch",
    column_config={
        "id": st.column_config.TextColumn("id", width=75, help="a name for the shift, unique in the roster", required=True),
        "start": st.column_config.TextColumn("start", width=60, help="clock time HH:MM", default="08:00", required=True),
        "length_h": st.column_config.NumberColumn("length (h)", width=80, min_value=0.25, max_value=24, step=0.25,
                                                  default=8.0, format="%.2f"),
        "weekdays": st.column_config.TextColumn("weekdays", width=110, default="all", help="all, or e.g. mon-fri, sun"),
        "headcount": st.column_config.NumberColumn("headcount", width=85, min_value=0, step=1, default=1, format="%d"),
        "skills": st.column_config.TextColumn("skills", width=80, help="blank: every skill"),
        "reserved_for": st.column_config.TextColumn("reserved for", width=90, help="contact type ids served exclusively"),
        "cost_per_hour": st.column_config.NumberColumn("cost/hour", width=85, min_value=0.0, step=0.5, format="%.2f",
                                                       default=float(written.shifts[0].cost_per_hour)
                                                       if written.shifts else 0.0),
        "breaks": st.column_config.TextColumn("breaks", width=110, help="e.g. 4h 30min; 6.5h 15min"),
    },
)
draft["latest"] = edited

hand_id = roster_table.hand_policy_id(policy)
try:
    with_hand = roster_table.with_roster(sc, policy, edited, policy_id=hand_id)
except roster_table.RosterTableError as exc:
    st.error("This roster cannot be used yet; your table is kept as typed:\n\n"
             + "\n".join(f"- {p}" for p in exc.problems), icon=":material/edit_note:")
    with_hand = None
if with_hand is not None:
    draft["valid"] = with_hand.policy(hand_id).agents
agents = draft.get("valid")
if agents is None:
    st.stop()

required = rosters.requirement(sc, policy, method)
if isinstance(required, str):
    st.warning(f"No requirement to compare with: {required}")
    st.stop()
table = roster_table.cover_table(sc, agents, required)
before = roster_table.roster_cover(sc, written)
cur = sc.economics.currency
wages, wages_before = roster_table.scheduled_wages(sc, agents), roster_table.scheduled_wages(sc, written)
span = roster_table.wages_span(sc)
hours = sc.interval_s / 3600
short_h = float(table["short"].sum()) * hours
short_before = float((required - before).clip(min=0).sum()) * hours


def _delta(change: float, text: str) -> str | None:
    return None if abs(change) < 1e-9 else text + " vs as written"


c1, c2, c3 = st.columns(3)
c1.metric(f"Scheduled wages {span}", fmt_money(wages, cur, compact=True),
          delta=_delta(wages - wages_before, fmt_money(wages - wages_before, cur, compact=True)),
          delta_color="inverse",
          help="Every shift starting in the horizon: its hours at its rate, night premium included; absence and "
               "overtime are not in it.")
c2.metric(f"Agent-hours short {span}", f"{short_h:,.1f}",
          delta=_delta(short_h - short_before, f"{short_h - short_before:+,.1f}"), delta_color="inverse",
          help="Agents short of the requirement, summed over the intervals, in hours.")
c3.metric("Intervals short", f"{int((table['short'] > 1e-9).sum())} of {len(table)}")
st.plotly_chart(charts.cover_chart(table, sc.start_weekday_index, "this table", before=before,
                                          before_label=f"{labels[policy]} as written"), key="edit_cover_chart")
if with_hand is None:
    st.caption("The chart and figures show the last version of the table that could be used.")
    st.stop()

st.subheader("Simulate it, or take it with you")
already = hand_id in rosters.added(ctx.base_id)
a, b = st.columns(2)
if a.button("Replace it in the comparison" if already else "Add to the comparison", type="primary",
            key=f"add:{key}", icon=":material/add_chart:"):
    rosters.add_policy(ctx.base_id, with_hand.policy(hand_id).model_dump(mode="json", exclude_none=True))
    st.session_state["_roster_added_note"] = hand_id
    st.rerun()
slug = "".join(ch if ch.isalnum() else "_" for ch in sc.name.lower()).strip("_") or "scenario"
b.download_button("Download the scenario with this roster (YAML)", roster_table.scenario_yaml_with(with_hand, hand_id),
                  file_name=f"{slug}_{hand_id}.yaml", mime="application/x-yaml", key=f"dl:{key}",
                  icon=":material/download:")
if st.session_state.get("_roster_added_note") == hand_id or already:
    st.success(f"**{with_hand.policy(hand_id).label}** is a policy of the comparison. Press **Run simulation** in "
               "the sidebar; Compare policies then shows it against the baseline on the same customers.",
               icon=":material/check_circle:")
    if st.button("Remove it from the comparison", key=f"remove:{key}"):
        rosters.remove_policy(ctx.base_id, hand_id)
        st.session_state.pop("_roster_added_note", None)
        st.rerun()
