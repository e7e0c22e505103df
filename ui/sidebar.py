"""The sidebar: the scenario loaded, the run settings and the knobs, published as the pages' ``Context``.

The sidebar maps widgets onto ``sim.model.knobs`` edits of the loaded
Scenario, adds the rosters planned or edited on the roster pages as policies
(ui.rosters), lists every difference from the file, and publishes a
``Context`` (ui.session) for the pages. "Run simulation" records the run
requested; the pages then read it (ui.cached_runs).
"""

from __future__ import annotations

import streamlit as st

import sim
from sim.model import knobs
from sim.model.scenario import BotBehaviour, Economics, FrontDoor, Loss, Policy, Scenario
from sim.present.formatting import fmt_change, fmt_parameter

from . import compute, rosters
from .scenario_input import scenario_input
from .session import Context, short_hash, workers

# The app's default replications: fewer than a preset may ask for, so the
# default comparison is on screen within seconds (see benchmarks/bench_app.py).
APP_DEFAULT_REPLICATIONS = 3


# -------------------------------------------------------------------- knobs
#
# Every knob's key carries the token of the scenario loaded (its source and text), so a newly loaded
# scenario gets new widgets that start from its own values. Clearing session state is not enough: a
# browser keeps the value of a widget whose key it has seen before. Keys of other scenarios are dropped.

KNOB_PREFIX = "knob:"


def knob_key(token: str, name: str, policy: str | None = None) -> str:
    return f"{KNOB_PREFIX}{token}:{name}" + (f":{policy}" if policy else "")


def keep_widget_state() -> None:
    """Keep the sidebar's values while a page without the sidebar (Classroom) is shown.

    Streamlit forgets the value of a widget that a run does not draw; assigning it to itself first
    turns it into plain session state, which survives until the widget is drawn again.
    """
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and (key.startswith(KNOB_PREFIX) or key == "preset"):
            st.session_state[key] = st.session_state[key]


def _forget_other_scenarios(token: str) -> None:
    mine = f"{KNOB_PREFIX}{token}:"
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith(KNOB_PREFIX) and not key.startswith(mine):
            del st.session_state[key]


def _knob(widget, label: str, key: str, initial, **kwargs):
    """A widget whose first value is ``initial`` (the loaded scenario's) and which then keeps the user's."""
    if key not in st.session_state:
        st.session_state[key] = initial
    return widget(label, key=key, **kwargs)


def _bounds(spec: knobs.FieldSpec, step: float, cap: float | None = None) -> tuple[float, float | None]:
    lo = spec.min if spec.min is not None else 0.0
    if spec.min_exclusive:
        lo = lo + step
    hi = spec.max
    if cap is not None:
        hi = cap if hi is None else min(hi, cap)
    return lo, hi


def _changed(new: float, old: float, tol: float = 1e-9) -> bool:
    return abs(float(new) - float(old)) > tol


def _policy_knobs(base: Scenario, token: str, pid: str, draw: bool) -> dict:
    """The policy knobs of ``pid``: drawn in the sidebar when ``draw``, else read from session state.

    Returns {name: value} of those that differ from the loaded scenario (their edits).
    """
    sb = st.sidebar
    edits: dict = {}
    kept_now = knobs.agents_kept(base, pid)
    door = knobs.front_door_of(base, pid)
    has_bot = door.bot_can_be_in_front
    keys = {name: knob_key(token, name, pid) for name in ("kept", "found", "attempts")}
    if draw:
        kept_spec = knobs.field_spec(Policy, "staffing_scale")
        lo, hi = _bounds(kept_spec, 0.05, cap=max(1.0, kept_now))
        full = knobs.roster_headcount(base, pid, 1.0)
        kept = _knob(sb.slider, "Share of the roster kept", keys["kept"], float(kept_now), min_value=float(lo),
                     max_value=float(hi), step=0.05, format="%.2f",
                     help=f"The policy's staffing_scale: {kept_spec.description}. 1 = the roster this policy is "
                          f"written with, before any scale ({full:g} agents); the same meaning as in "
                          f"`python -m sim breakeven`.")
        sb.caption(f"{kept:.2f} of {full:g} agents = **{knobs.roster_headcount(base, pid, kept):g} agents** "
                   f"(as written: {kept_now:.2f}).")
        found_spec = knobs.field_spec(FrontDoor, "human_option_found_probability")
        _knob(sb.slider, "Customers who find the human option", keys["found"],
              float(door.human_option_found_probability), min_value=float(found_spec.min),
              max_value=float(found_spec.max), step=0.05, disabled=not has_bot,
              help=f"Friction: {found_spec.description}.")
        att_spec = knobs.field_spec(FrontDoor, "attempts_before_human")
        _knob(sb.number_input, "Attempts before a human is offered", keys["attempts"],
              int(door.attempts_before_human), min_value=int(att_spec.min), max_value=int(att_spec.max), step=1,
              disabled=not has_bot, help=f"Friction: {att_spec.description} (1 = from the first call).")
        if not has_bot:
            sb.caption("This policy has no bot front door, so friction does not apply.")
    state = st.session_state
    if keys["kept"] in state and _changed(state[keys["kept"]], kept_now):
        edits["kept"] = float(state[keys["kept"]])
    if keys["found"] in state and _changed(state[keys["found"]], door.human_option_found_probability):
        edits["found"] = float(state[keys["found"]])
    if keys["attempts"] in state and int(state[keys["attempts"]]) != door.attempts_before_human:
        edits["attempts"] = int(state[keys["attempts"]])
    return edits


def _blended_note(base: Scenario, has_half_life: bool) -> str:
    """Says on the page what a blended knob is, with the file's own values it blends."""
    routine = [c for c in base.contact_types if not c.emergency] or list(base.contact_types)
    parts = ["bot resolve rate " + fmt_parameter(round(knobs.bot_resolve_rate(base), 3)) + " from "
             + ", ".join(f"{c.label or c.id} {fmt_parameter(c.bot.resolve_probability)}" for c in routine)]
    if has_half_life:
        emergency = [c for c in base.contact_types if c.emergency]
        parts.append("half-life " + fmt_parameter(round(float(knobs.half_life(base)), 1)) + " min from "
                     + ", ".join(f"{c.label or c.id} {fmt_parameter(c.loss.half_life_min)}" for c in emergency))
    return ("**Blended knobs**: the bot resolve rate" + (" and the drain half-life" if has_half_life else "")
            + " each stand for one value per contact type in the file, shown here as their mean weighted by each "
            "type's expected volume, so the number may match no single value in the file (" + "; ".join(parts)
            + "). Moving one scales every type's value in proportion; the differences below list each type's own.")


def difference_text(change: dict) -> str:
    """One line of "Differences from the file": 'before → after' without float noise, or a roster's note."""
    if change.get("note"):
        return change["note"]
    return fmt_change(change["before"], change["after"])


def sidebar() -> Context:
    """Draw the sidebar and return the Context for the pages (also stored in session state)."""
    source, text, base = scenario_input()
    base_id = short_hash(source + text)
    _forget_other_scenarios(base_id)
    sb = st.sidebar
    sb.caption(f"Using **{base.name}** ({source}).")

    sb.subheader("Run")
    run_clicked = sb.button("Run simulation", type="primary", key="run", width="stretch",
                            help="Simulate every policy with the settings below. Results are kept, so "
                                 "switching pages never reruns.")
    reps_spec = knobs.field_spec(Scenario, "replications")
    seed_spec = knobs.field_spec(Scenario, "seed")
    quick_reps = int(min(base.replications, APP_DEFAULT_REPLICATIONS))
    c1, c2 = sb.columns(2)
    reps = _knob(c1.number_input, "Replications", knob_key(base_id, "reps"), quick_reps,
                 min_value=int(reps_spec.min), max_value=int(reps_spec.max), step=1,
                 help=f"Independent runs; more give tighter confidence intervals but take longer. The scenario "
                      f"asks for {base.replications}; the app starts at {quick_reps} so the first run takes "
                      f"seconds. Fewer than 5 give rough intervals.")
    seed = _knob(c2.number_input, "Seed", knob_key(base_id, "seed"), int(base.seed), min_value=int(seed_spec.min),
                 max_value=seed_spec.max, step=1, help=f"Same seed, same numbers. The scenario's: {base.seed}.")
    if int(reps) != base.replications:
        sb.caption(f"The file asks for {base.replications} replications; this run uses {int(reps)}.")

    problems: list[str] = []
    edited = base

    def apply(fn, *args, **kwargs):
        nonlocal edited
        try:
            edited = fn(edited, *args, **kwargs)
        except ValueError as exc:  # sim.ScenarioError included
            problems.extend(getattr(exc, "problems", None) or [str(exc)])

    # ---- policy knobs: drawn for the policy chosen, kept (and applied) for every policy edited before
    sb.subheader("Policy knobs")
    policies = base.effective_policies
    choices = [p.id for p in policies if not p.baseline] or [p.id for p in policies]
    labels = compute.policy_labels(base)
    adjusted = _knob(sb.selectbox, "Policy to adjust", knob_key(base_id, "policy"), choices[0], options=choices,
                     format_func=lambda p: labels[p],
                     help="The knobs below change this policy only; the others run as written (or as you "
                          "edited them before).")
    for p in policies:
        edits = _policy_knobs(base, base_id, p.id, draw=p.id == adjusted)
        if "kept" in edits:
            apply(knobs.with_agents_kept, edits["kept"], p.id)
        if "found" in edits or "attempts" in edits:
            door = knobs.front_door_of(base, p.id)
            apply(knobs.with_friction, p.id,
                  human_option_found_probability=edits.get("found", door.human_option_found_probability),
                  attempts_before_human=edits.get("attempts", door.attempts_before_human))

    # ---- scenario knobs (each shown at the loaded scenario's value; rounding to the widget's step is no edit)
    sb.subheader("Scenario knobs")
    bot_spec = knobs.field_spec(BotBehaviour, "resolve_probability")
    bot_now = round(knobs.bot_resolve_rate(base), 3)
    bot = _knob(sb.slider, "Bot resolve rate (non-emergency contacts)", knob_key(base_id, "bot"), float(bot_now),
                min_value=float(bot_spec.min), max_value=float(bot_spec.max), step=0.01,
                help=f"{bot_spec.description}; volume-weighted over the non-emergency types, each scaled "
                     f"in proportion. Applies wherever a policy puts the bot in front.")
    if _changed(bot, bot_now):
        apply(knobs.with_bot_resolve, bot)
    em_now = knobs.emergency_share(base)
    has_emergency = 0 < em_now < 1
    em_lo, em_hi = knobs.EMERGENCY_SHARE_BOUNDS
    em_default = round(min(max(em_now, em_lo), em_hi), 3)
    em = _knob(sb.slider, "Emergency share of volume", knob_key(base_id, "emergency"), float(em_default),
               min_value=em_lo, max_value=em_hi, step=0.001, format="%.3f", disabled=not has_emergency,
               help="Share of expected incidents that are emergencies; emergency volume is rescaled, the "
                    "rest is unchanged.")
    if has_emergency and _changed(em, em_default):
        apply(knobs.with_emergency_share, em)
    hl_spec = knobs.field_spec(Loss, "half_life_min")
    hl_now = knobs.half_life(base)
    if hl_now is not None:
        hl_lo, _ = _bounds(hl_spec, 0.5)
        hl_default = round(float(hl_now), 1)
        hl = _knob(sb.number_input, "Drain half-life of emergency money (min)", knob_key(base_id, "half_life"),
                   hl_default, min_value=float(hl_lo), step=5.0, format="%.1f",
                   help=f"{hl_spec.description}; volume-weighted over the emergency types, each "
                        f"scaled in proportion.")
        if _changed(hl, hl_default):
            apply(knobs.with_half_life, hl)
    sb.caption(_blended_note(base, hl_now is not None))
    for curve in base.loss_curve_bands:  # types on a named loss curve: its position in its band, one per curve
        band_now = knobs.loss_curve_band(base, curve)
        band = _knob(sb.slider, f"Loss curve {curve}: position in its band", knob_key(base_id, f"band_{curve}"),
                     float(band_now), min_value=0.0, max_value=1.0, step=0.05,
                     help="0.5 is the curve fitted to the published points (sim/data/loss_evidence.csv); 0.05 and "
                          "0.95 are mild and severe refits of the bootstrap; every position is a fit of the evidence.")
        if _changed(band, band_now):
            apply(knobs.with_loss_curve_band, curve, band)
    li_spec = knobs.field_spec(Economics, "liability_share")
    li_now = knobs.liability(base)
    li = _knob(sb.slider, "Platform liability share", knob_key(base_id, "liability"), float(li_now),
               min_value=float(li_spec.min), max_value=float(li_spec.max), step=0.01,
               help=f"{li_spec.description}.")
    if _changed(li, li_now):
        apply(knobs.with_liability, li)
    if int(reps) != base.replications or int(seed) != base.seed:
        apply(knobs.with_run_settings, replications=int(reps), seed=int(seed))

    knobbed = edited
    apply(rosters.with_added, base_id)  # the rosters planned or edited on the roster pages, as policies

    if problems:
        sb.error("These settings were refused by the scenario model:\n\n" + "\n".join(f"- {p}" for p in problems))
    if edited.warnings:
        sb.warning("The scenario runs, but check:\n\n" + "\n".join(f"- {w}" for w in edited.warnings),
                   icon=":material/warning:")
    changes = knobs.changes(base, knobbed) + rosters.added_changes(base_id)
    with sb.expander(f"Differences from the file ({len(changes)})" if changes else "No differences from the file"):
        if changes:
            st.markdown("\n".join(f"- `{c['parameter']}`: {difference_text(c)}" for c in changes))
        else:
            st.markdown("The next run uses the scenario exactly as loaded.")
    context = Context(source=source, base=base, scenario=edited,
                      yaml=text if edited is base else sim.scenario_to_yaml(edited),
                      adjusted_policy=adjusted, base_id=base_id, problems=problems, workers=workers(),
                      base_yaml=text, changes=changes)
    st.session_state["ctx"] = context
    if run_clicked:
        st.session_state["requested"] = {"yaml": context.yaml, "base": base_id, "base_yaml": text}
    return context
