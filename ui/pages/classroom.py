"""Classroom: an M/M/c or M/M/c+M queue, simulated next to the Erlang C / Erlang A formulas."""

import streamlit as st

from sim.model import knobs
from sim.model.scenario import ContactType, Scenario, Shift, Volume
from ui import charts, compute, state, tables

st.title("Classroom: simulation next to the formulas")
st.markdown(
    """
One queue of callers, agents who all do the same work, and nothing else: no bot, no redials, no shifts.
Calls arrive at random (Poisson) and take a random, exponentially distributed time to handle.

* **M/M/c** (*Erlang C*): nobody hangs up, however long the wait. If the calls need more agent-time than
  there is — the *load* in Erlangs, arrivals per second x handle time, reaching the number of agents — the
  queue grows without end.
* **M/M/c+M** (*Erlang A*): callers hang up after an exponentially distributed patience. The queue cannot
  explode, but the cost shows up as people who gave up.

The formulas give the long-run averages; the simulation runs the same queue for a day and repeats it. The two
should agree within the simulation's confidence interval — try cutting agents and watch waits jump near the load.
"""
)

defaults = compute.classroom_defaults(state.PRESETS_DIR)
per_day = knobs.field_spec(Volume, "per_day")
head = knobs.field_spec(Shift, "headcount")
target = knobs.field_spec(ContactType, "target_s")
reps = knobs.field_spec(Scenario, "replications")

# Upper limits here keep a playground run within a few seconds; the model itself has none.
c1, c2, c3 = st.columns(3)
lam = c1.number_input("Calls per hour", min_value=1.0, max_value=3000.0, value=float(defaults["arrivals_per_hour"]),
                      step=10.0, format="%.0f", key="cls_lambda",
                      help=f"Arrival rate: the scenario's volume.per_day / 24 ({per_day.description}).")
aht = c2.number_input("Mean handle time (s)", min_value=1.0, value=float(defaults["mean_handle_s"]), step=10.0,
                      format="%.0f", key="cls_aht", help="Exponentially distributed.")
servers = c3.number_input("Agents", min_value=int(head.min), max_value=500, value=int(defaults["servers"]),
                          step=1, key="cls_servers")
c4, c5, c6 = st.columns(3)
abandon = c4.toggle("Callers hang up (M/M/c+M)", value=False, key="cls_abandon")
patience = c4.number_input("Mean patience (s)", min_value=1.0, value=float(defaults["mean_patience_s"]), step=30.0,
                           format="%.0f", key="cls_patience", disabled=not abandon)
tgt = c5.number_input("Service-level target (s)", min_value=1.0, value=float(defaults["target_s"]), step=5.0,
                      format="%.0f", key="cls_target", help=target.description)
n_reps = c6.number_input("Replications (days)", min_value=int(reps.min), max_value=20, value=5, step=1,
                         key="cls_reps")
seed = c6.number_input("Seed", min_value=0, value=1, step=1, key="cls_seed")

load = lam / 3600.0 * aht
st.markdown(f"Load: **{load:.2f} Erlangs** on **{servers}** agents "
            f"(occupancy {100 * load / servers:.0f}% if everyone is served)." if servers else
            f"Load: **{load:.2f} Erlangs** and no agents.")

result = state.classroom(arrivals_per_hour=float(lam), mean_handle_s=float(aht), servers=int(servers),
                         mean_patience_s=float(patience) if abandon else None, target_s=float(tgt), days=1,
                         replications=int(n_reps), seed=int(seed))
if result.note:
    st.warning(result.note)

shown = result.table.copy()


def _fmt(metric: str, x: float) -> str:
    kind = "seconds" if metric.endswith("_s") else "share"
    return tables.fmt_value(x, kind)


display = {
    "Measure": shown["label"],
    "Simulated (mean)": [_fmt(m, x) for m, x in zip(shown.metric, shown.simulated)],
    "95% CI": [tables.fmt_ci(lo, hi, "seconds" if m.endswith("_s") else "share")
               for m, lo, hi in zip(shown.metric, shown.ci_low, shown.ci_high)],
    result.model: [_fmt(m, x) for m, x in zip(shown.metric, shown.formula)],
}
st.dataframe(display, hide_index=True, key="classroom_table")
st.plotly_chart(charts.classroom_chart(result.table, result.model), key="classroom_chart")
st.caption(
    "Simulated over one day of 24 hours (the first hour left out, so the queue starts warm), repeated "
    f"{result.inputs['replications']} times. Service level here is answered within the target over all callers, "
    "as in the formulas. Occupancy in the simulation includes the time agents stay after midnight to empty the queue."
)
