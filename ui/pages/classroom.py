"""Classroom: watch one simulated day, the Erlang formulas next to the simulation, how many runs, exercises,
and the published cases beside humanline's figures (sim.studies.agreement).

Every number comes from sim.studies.classroom (through ui.compute and the
caches in ui.cached_runs), the published cases' from sim.studies.agreement (cached
on this page); this page only lays them out. Each part shows only the
inputs it uses.
"""

import math

import pandas as pd
import streamlit as st

from sim.model import knobs
from sim.model.scenario import ContactType, Scenario, Shift, Volume
from sim.present import charts
from ui import cached_runs, compute, scenario_input, tables

# Streamlit forgets a widget's value when a run does not draw it; these parts draw different widgets.
for _key in [k for k in st.session_state.keys() if isinstance(k, str) and k.startswith("cls_")]:
    st.session_state[_key] = st.session_state[_key]

st.title("Classroom")
st.markdown("Watch a simulated queue move, then compare it with the formulas and test what you predicted.")

SECTIONS = ("Watch one day", "Formulas and simulation", "Erlang curves", "How many runs?", "Exercises",
            "Published cases")
section = st.radio("Part", SECTIONS, horizontal=True, key="cls_section", label_visibility="collapsed")

GLOSSARY = """
* **Service level**: the share of callers answered within the target time (for example 20 s), counted over
  *everyone who joined the queue* — callers who hung up count against it. "80/20" means 80% within 20 s.
* **ASA** (average speed of answer): the mean wait of the callers who were answered.
* **Abandonment**: the share of callers who hung up before an agent answered (including those who left at
  once, *balked*).
* **Occupancy**: the share of the agents' paid time spent handling contacts. Near 100% means no slack: every
  extra caller waits.
* **Time to a human**: from a customer's first attempt until a human first answers, across redials and bot time.
* **95% confidence interval**: each simulated day is one random outcome. Repeating the day (replications)
  and using Student's t gives a range that, in 95 of 100 studies like this one, contains the true long-run
  value. Its width shrinks like 1/√n: four times the runs for half the width. From 3 runs it is wide — and
  it is an estimate of the range, not the truth.
* **Common random numbers**: when two set-ups are compared (say 13 and 14 agents), replication *r* of both
  meets exactly the same callers — the same arrival times, handle times and patience. Differences then come
  from the set-up, not from luck.
* **Paired differences**: with common random numbers, the difference is taken replication by replication
  (13 agents minus 14 agents on the same day) and the interval is of those differences. It is much narrower
  than comparing two separate intervals, because the day-to-day noise cancels.
"""
with st.expander("What the numbers mean", expanded=section == "How many runs?"):
    st.markdown(GLOSSARY)


# ------------------------------------------------------------ the playground

def playground(with_replications: bool = True) -> dict:
    """The playground queue's inputs (one queue, Poisson arrivals, exponential handle time and patience)."""
    defaults = compute.classroom_defaults(scenario_input.PRESETS_DIR)
    per_day = knobs.field_spec(Volume, "per_day")
    head = knobs.field_spec(Shift, "headcount")
    target = knobs.field_spec(ContactType, "target_s")
    reps = knobs.field_spec(Scenario, "replications")
    # Upper limits here keep a playground run within a few seconds; the model itself has none.
    c1, c2, c3 = st.columns(3)
    lam = c1.number_input("Calls per hour", min_value=1.0, max_value=3000.0,
                          value=float(defaults["arrivals_per_hour"]), step=10.0, format="%.0f", key="cls_lambda",
                          help=f"Arrival rate: the scenario's volume.per_day / 24 ({per_day.description}).")
    aht = c2.number_input("Mean handle time (s)", min_value=1.0, value=float(defaults["mean_handle_s"]), step=10.0,
                          format="%.0f", key="cls_aht", help="Exponentially distributed.")
    servers = c3.number_input("Agents", min_value=int(head.min), max_value=500, value=int(defaults["servers"]),
                              step=1, key="cls_servers")
    c4, c5, c6 = st.columns(3)
    abandon = c4.toggle("Callers hang up (M/M/c+M)", value=False, key="cls_abandon")
    patience = c4.number_input("Mean patience (s)", min_value=1.0, value=float(defaults["mean_patience_s"]),
                               step=30.0, format="%.0f", key="cls_patience", disabled=not abandon)
    tgt = c5.number_input("Service-level target (s)", min_value=1.0, value=float(defaults["target_s"]), step=5.0,
                          format="%.0f", key="cls_target", help=target.description)
    out = {"arrivals_per_hour": float(lam), "mean_handle_s": float(aht), "servers": int(servers),
           "mean_patience_s": float(patience) if abandon else None, "target_s": float(tgt)}
    if with_replications:
        out["replications"] = int(c6.number_input("Replications (days)", min_value=int(reps.min), max_value=20,
                                                  value=5, step=1, key="cls_reps"))
    out["seed"] = int(c6.number_input("Seed", min_value=0, value=1, step=1, key="cls_seed"))
    load = lam / 3600.0 * aht
    st.markdown(f"Load: **{load:.2f} Erlangs** on **{servers}** agents "
                f"(occupancy {100 * load / servers:.0f}% if everyone is served)." if servers else
                f"Load: **{load:.2f} Erlangs** and no agents.")
    return out


QUEUE_TEXT = """
One queue of callers, agents who all do the same work, and nothing else: no bot, no redials, no shifts.
Calls arrive at random (Poisson) and take a random, exponentially distributed time to handle.

* **M/M/c** (*Erlang C*): nobody hangs up, however long the wait. If the calls need more agent-time than
  there is — the *load* in Erlangs, arrivals per second x handle time, reaching the number of agents — the
  queue grows without end.
* **M/M/c+M** (*Erlang A*): callers hang up after an exponentially distributed patience. The queue cannot
  explode, but the cost shows up as people who gave up.
"""


# -------------------------------------------------------------- watch one day

def watch_one_day() -> None:
    st.markdown(
        "One simulated replication, replayed from the model's own log: every caller joining the queue, every "
        "answer, every hang-up and redial, and each agent's shift and breaks. Press **Play**, or drag the time "
        "slider. Frames are snapshots; the bars on the right count what happened since the previous frame.")
    options: dict[str, tuple[str, str]] = {}
    for name, (label, text) in scenario_input.presets().items():
        options[f"preset:{name}"] = (label, text)
    for name, (label, text) in exercise_scenarios().items():
        options[f"exercise:{name}"] = (label, text)
    context = st.session_state.get("ctx")
    if context is not None:
        options["sidebar"] = (f"The scenario of the other pages ({context.scenario.name}, as edited)", context.yaml)
    keys = list(options)
    if st.session_state.get("cls_replay_scenario") not in keys:
        st.session_state["cls_replay_scenario"] = "preset:classroom_mmcm.yaml" if "preset:classroom_mmcm.yaml" in keys \
            else keys[0]
    c1, c2, c3 = st.columns([3, 2, 1])
    chosen = c1.selectbox("Scenario", keys, format_func=lambda k: options[k][0], key="cls_replay_scenario")
    text = options[chosen][1]
    scenario = compute.scenario_from_yaml(text)
    labels = compute.policy_labels(scenario)
    policies = list(labels)
    policy_key = f"cls_replay_policy:{chosen}"
    policy = c2.selectbox("Policy", policies, format_func=lambda p: labels[p], key=policy_key) \
        if len(policies) > 1 else policies[0]
    replication = c3.number_input("Replication", min_value=1, max_value=1000, value=1, step=1, key="cls_replay_rep",
                                  help="Which simulated run (1 = the first of the scenario's seed).") - 1
    result = cached_runs.classroom_study("replay", text, policy, int(replication))
    if result is None:
        return
    st.plotly_chart(charts.replay_chart(result), key="classroom_replay")
    last = result.frames.iloc[-1]
    days = result.horizon_s / 86400
    step = f"{result.step_s / 60:g} minutes" if result.step_s < 3600 else f"{result.step_s / 3600:g} hours"
    whose = "of emergencies " if result.tth_scope == "emergency" else ""
    st.caption(
        f"{result.scenario_name}, policy {result.policy_label}, replication {result.replication + 1} of seed "
        f"{result.seed}: {days:g} day{'s' if days != 1 else ''}, one frame every {step} "
        f"({len(result.frames)} frames; the last when the last caller's outcome was known). "
        f"Running figures cover the callers who began after the warm-up; at the end they are the run's own: "
        f"service level {tables.fmt_value(last.service_level, 'share')}, abandonment "
        f"{tables.fmt_value(last.abandonment, 'share')}, mean time to a human {whose}"
        f"{tables.fmt_value(last.time_to_human_mean_s, 'seconds')}.")


@st.cache_data(show_spinner=False)
def exercise_scenarios() -> dict[str, tuple[str, str]]:
    import sim

    out = {}
    for name, exercise in compute.exercises(scenario_input.PRESETS_DIR).items():
        scenario = sim.load_scenario(scenario_input.PRESETS_DIR / compute.EXERCISES_DIR / exercise.scenario)
        out[name] = (f"Exercise: {exercise.title}", sim.scenario_to_yaml(scenario))
    return out


# ----------------------------------------------------- formulas and simulation

def formulas_and_simulation() -> None:
    st.markdown(QUEUE_TEXT + "\nThe formulas give the long-run averages; the simulation runs the same queue for a "
                "day and repeats it. The two should agree within the simulation's confidence interval — try "
                "cutting agents and watch waits jump near the load.")
    params = playground()
    result = cached_runs.classroom(**params, days=1)
    if result.note:
        st.warning(result.note)
    shown = result.table

    def _fmt(metric: str, x: float) -> str:
        return tables.fmt_value(x, "seconds" if metric.endswith("_s") else "share")

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
        f"{result.inputs['replications']} times. Service level here is answered within the target over all "
        "callers, as in the formulas. Occupancy in the simulation includes the time agents stay after midnight "
        "to empty the queue.")


# --------------------------------------------------------------- erlang curves

def erlang_curves() -> None:
    st.markdown(
        "The same queue for a range of agent counts around the one chosen. Lines: the closed form "
        "(Erlang C, or Erlang A when callers hang up). Points: the simulation, with 95% intervals; every agent "
        "count meets the same simulated callers (common random numbers).\n\n"
        "**The knee** (dashed line) is where one agent fewer costs the most: the agent count *N* of the sweep "
        "with the largest drop in service level, by the formula, from *N* to *N* − 1 agents. When nobody hangs "
        "up and *N* − 1 agents are not more than the load, the queue has no steady state and grows without end, "
        "so its long-run service level is taken as 0 (the line stops there; the simulation of one finite day "
        "still shows a number).")
    params = playground()
    servers = compute.classroom_study.sweep_servers(0, params.pop("servers"))
    sweep = cached_runs.classroom_study("sweep", tuple(sorted({**params, "servers": tuple(servers)}.items())))
    if sweep is None:
        return
    st.plotly_chart(charts.erlang_curves_chart(sweep), key="classroom_curves")
    knee = sweep.knee
    if knee is not None:
        sim_drop = ("" if math.isnan(knee.simulated_drop) else
                    f" The simulation's paired difference over the same {knee.n} days: "
                    f"{100 * knee.simulated_drop:.1f} points (95% interval {100 * knee.ci_low:.1f} to "
                    f"{100 * knee.ci_high:.1f}).")
        st.markdown(f"Knee: going from **{knee.servers}** to **{knee.servers - 1}** agents costs "
                    f"**{100 * knee.formula_drop:.1f} points** of service level by {sweep.model}.{sim_drop}")
    st.caption(f"{sweep.load_erlangs:.2f} Erlangs of load; {params['replications']} simulated days per agent count, "
               f"seed {params['seed']}. P(wait > 0), service level and abandonment are over all callers who "
               "joined the queue.")


# ------------------------------------------------------------ how many runs

def how_many_runs() -> None:
    st.markdown(
        "How many simulated days before a number can be trusted? Set a **precision target** — the 95% "
        "interval's half-width as a share of the mean — and the simulator adds days in batches until the "
        "target is met (`sim.run(precision=...)`, the same rule as the CLI's `--precision`). The chart shows "
        "the interval after the first *n* days for every *n*: a study that stops at *n* has exactly those days. "
        "Here the figure watched is the service level.")
    params = playground(with_replications=False)
    c1, c2 = st.columns(2)
    target = c1.select_slider("Precision target (± share of the mean)", options=[0.05, 0.02, 0.01, 0.005],
                              value=0.02, key="cls_precision", format_func=lambda x: f"±{100 * x:g}%")
    most = c2.number_input("At most this many replications", min_value=5, max_value=200, value=60, step=5,
                           key="cls_max_reps")
    params.update(precision=float(target), max_replications=int(most))
    demo = cached_runs.classroom_study("demo", tuple(sorted(params.items())))
    if demo is None:
        return
    st.plotly_chart(charts.replications_chart(demo), key="classroom_runs")
    reached = demo.reached
    last = demo.table.iloc[-1]
    verdict = "met" if reached["met"] else "**not** met"
    st.markdown(
        f"Target ±{100 * target:g}% {verdict} after **{reached['replications']} replications** (at most "
        f"{reached['max_replications']}): service level {100 * last['mean']:.2f}% "
        f"(95% interval {100 * last['ci_low']:.2f}% to {100 * last['ci_high']:.2f}%)"
        + ("" if math.isnan(demo.formula) else f"; the formula says {100 * demo.formula:.2f}%") + ".")
    st.caption("Replications are added in batches sized by the n (half-width / target)² rule, so the count "
               "may overshoot the first n that meets the target. With fewer than 5 replications an interval "
               "is flagged as rough.")


# ------------------------------------------------------------------ exercises

def exercises() -> None:
    found = compute.exercises(scenario_input.PRESETS_DIR)
    if not found:
        st.info("No exercises found in scenarios/exercises/.")
        return
    names = list(found)
    name = st.selectbox("Exercise", names, format_func=lambda n: found[n].title, key="cls_exercise")
    exercise = found[name]
    st.subheader(exercise.title)
    st.markdown(exercise.task)
    if exercise.kind == "value":
        answer = st.number_input(f"Your prediction of the {compute.classroom_study.METRIC_LABELS[exercise.metric]} "
                                 "(%)", min_value=0.0, max_value=100.0, value=None, step=0.5, format="%.1f",
                                 key=f"cls_answer:{name}", placeholder="a percentage")
        value = None if answer is None else float(answer) / 100.0
    else:
        answer = st.number_input("Your answer: the fewest agents", min_value=0, max_value=500, value=None, step=1,
                                 key=f"cls_answer:{name}", placeholder="a whole number")
        value = None if answer is None else float(answer)
    if st.button("Check with the simulation", key="classroom_check", disabled=value is None):
        st.session_state["cls_checked"] = (name, value)
    checked = st.session_state.get("cls_checked")
    if not checked or checked[0] != name or checked[1] != value:
        st.caption(f"The check simulates {exercise.replications} days"
                   + (" for every agent count from "
                      f"{exercise.agents[0]} to {exercise.agents[1]}" if exercise.kind == "fewest_agents" else "")
                   + ". How answers are judged: a predicted value counts if it is within the larger of "
                   f"{100 * exercise.tolerance:g} points and the simulation's 95% interval half-width; an agent "
                   "count counts unless the simulation shows it clearly misses the target, or one agent fewer "
                   "clearly reaches it.")
        return
    mtime = (scenario_input.PRESETS_DIR / compute.EXERCISES_DIR / name).stat().st_mtime
    check = cached_runs.classroom_study("check", name, value, mtime)
    if check is None:
        return
    (st.success if check.accepted else st.warning)(check.message)
    kind = "share"
    shown = {
        "Agents": check.table["agents"],
        "Simulated (mean)": [tables.fmt_value(x, kind) for x in check.table["mean"]],
        "95% CI": [tables.fmt_ci(lo, hi, kind) for lo, hi in zip(check.table["ci_low"], check.table["ci_high"])],
        "Erlang formula": [tables.fmt_value(x, kind) for x in check.table["formula"]],
    }
    st.dataframe(shown, hide_index=True, key="classroom_check_table")
    if exercise.explanation:
        st.markdown(exercise.explanation)


# ------------------------------------------------------------ published cases

@st.cache_data(show_spinner=False, max_entries=8)
def _agreement(replications: int, seed: int, with_time_varying: bool):
    from sim.runs.settings import RunSettings
    from sim.studies.agreement import agreement_table

    return agreement_table(RunSettings(replications=replications, seed=seed), time_varying_case=with_time_varying)


def published_cases() -> None:
    from sim.present.agreement import HEADER, table_rows, time_varying_chart
    from sim.studies.agreement import time_varying

    st.markdown(
        "Does the simulator get *published* answers right? Each case below was published with its own "
        "figures — the Erlang formulas exactly, the open simulator **ContactCenters** (Université de Montréal) "
        "with 95% intervals from 1,000 simulated days — and Erlang X, with phone lines and redials, beside the "
        "simulation of the same centre. humanline runs each case with the case's own rules (a "
        "day that starts empty, what happens to callers still waiting at closing, how *service level* is "
        "counted) and sets its figure beside the published one. **z** is the difference in standard errors of "
        "both uncertainties together; a row *agrees* within 4 (a little more when the days are few: column "
        "*z limit*). The full table, 1,000 days per case, is "
        "docs/validation.md (`python -m sim agreement`).")
    c1, c2, c3 = st.columns(3)
    reps = int(c1.number_input("Days per ContactCenters case", min_value=20, max_value=1000, value=100, step=20,
                               key="cls_agreement_reps",
                               help="The Erlang C, A and X cases run a tenth of this (at least 10 stationary days)."))
    seed = int(c2.number_input("Seed", min_value=0, value=1, step=1, key="cls_agreement_seed"))
    with_tv = c3.toggle("Time-varying case too", value=False, key="cls_agreement_tv",
                        help="Feldman, Mandelbaum, Massey & Whitt (2008): iterative staffing against "
                             "per-interval Erlang C on a sinusoidal day. Slower: it staffs by simulation first.")
    if st.button("Simulate the published cases", key="classroom_agreement_run"):
        st.session_state["cls_agreement_asked"] = (reps, seed, with_tv)
    asked = st.session_state.get("cls_agreement_asked")
    if asked != (reps, seed, with_tv):
        st.caption("Press the button to run the cases with these settings.")
        return
    with st.spinner("Simulating the published cases"):
        table = _agreement(reps, seed, with_tv)
    rows = table.rows
    agree = int((rows.verdict == "agrees").sum())
    (st.success if agree == len(rows) else st.warning)(f"{agree} of {len(rows)} rows agree.")
    # a static table: its cells wrap, where a data grid would cut "0.902 (0.900 to 0.904)" short
    st.table(pd.DataFrame(table_rows(rows), columns=list(HEADER)).set_index("case"))
    with st.expander("How each figure is defined"):
        for r in rows.itertuples():
            st.markdown(f"**{r.case}, {r.label}** ({r.reference}): {r.definition}.")
    if len(table.time_varying):
        st.plotly_chart(time_varying_chart(table.time_varying, time_varying.ALPHA), key="classroom_agreement_chart")
    st.markdown("**Published cases humanline cannot express yet**")
    st.table(table.not_expressible[["case", "reason"]].set_index("case"))


{
    "Watch one day": watch_one_day,
    "Formulas and simulation": formulas_and_simulation,
    "Erlang curves": erlang_curves,
    "How many runs?": how_many_runs,
    "Exercises": exercises,
    "Published cases": published_cases,
}[section]()
