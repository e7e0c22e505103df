"""Streamlit glue: the sidebar (scenario in, knobs), the cached runs, the progress bar.

The sidebar maps widgets onto ``sim.model.knobs`` edits of the loaded Scenario and
publishes a ``Context`` (the scenario as loaded and as edited, and its YAML)
for the pages. Runs are cached with ``st.cache_data`` keyed on that YAML —
which carries replications and seed — so switching pages or coming back to
earlier settings never reruns a simulation. Simulations only start from the
"Run simulation" button; the pages then read the last requested run.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

import sim
from sim.model import knobs
from sim.model.scenario import BotBehaviour, Economics, FrontDoor, Loss, Policy, Scenario
from sim.present.formatting import fmt_change, fmt_parameter

from . import ahead, compute, rosters

ROOT = Path(__file__).resolve().parent.parent
PRESETS_DIR = ROOT / "scenarios"
DEFAULT_PRESET = "payment_platform.yaml"
# The app's default replications: fewer than a preset may ask for, so the
# default comparison is on screen within seconds (see benchmarks/bench_app.py).
APP_DEFAULT_REPLICATIONS = 3
MAX_UPLOAD_MB = 1  # per file; a year of 15-minute intervals as CSV is ~0.3 MB
# Replications run in this many processes (results are identical to one process). Two cores on the
# target machines; HUMANLINE_WORKERS overrides (0: one per core).
DEFAULT_WORKERS = min(2, os.cpu_count() or 1)


def workers() -> int:
    return int(os.environ.get("HUMANLINE_WORKERS", DEFAULT_WORKERS))



@dataclass
class Context:
    """What the sidebar produced this rerun; the pages read it from ``st.session_state.ctx``."""

    source: str  # "preset: file.yaml" or "upload: file.yaml"
    base: Scenario  # as loaded
    scenario: Scenario  # as edited by the knobs
    yaml: str  # sim.scenario_to_yaml(scenario): the cache key of every run
    adjusted_policy: str
    base_id: str = ""  # identifies the loaded scenario (preset or upload), before knobs
    problems: list[str] = field(default_factory=list)  # knob values the model refused
    workers: int = 1
    base_yaml: str = ""  # the loaded scenario's YAML: what ``changes`` are measured from
    changes: list[dict] = field(default_factory=list)  # sim.model.knobs.changes(base, scenario)


def ctx() -> Context:
    return st.session_state["ctx"]


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


# --------------------------------------------------------------- scenarios


@st.cache_data(show_spinner=False)
def _preset(path: str, mtime: float) -> tuple[str, str]:
    """(name, yaml) of a preset file; yaml is the validated scenario re-serialised."""
    scenario = sim.load_scenario(path)
    return scenario.name, sim.scenario_to_yaml(scenario)


def presets() -> dict[str, tuple[str, str]]:
    out = {}
    for path in sorted(PRESETS_DIR.glob("*.yaml")):
        try:
            out[path.name] = _preset(str(path), path.stat().st_mtime)
        except sim.ScenarioError:
            continue  # a broken preset must not take the app down; the tests catch it
    return out


def parse_upload(files: list) -> tuple[str | None, str | None, list[str]]:
    """(scenario name, yaml, problems) from uploaded files: one YAML and the CSVs it names."""
    too_big = [f"{f.name}: {f.size / 1e6:.2f} MB is over the {MAX_UPLOAD_MB} MB limit per file"
               for f in files if f.size > MAX_UPLOAD_MB * 1_000_000]
    if too_big:
        return None, None, ["Upload refused.", *too_big]
    yamls = [f for f in files if f.name.lower().endswith((".yaml", ".yml"))]
    if len(yamls) != 1:
        return None, None, [f"Upload exactly one scenario YAML (got {len(yamls)}), plus the CSV files it names."]
    csvs = {f.name: f for f in files if f.name.lower().endswith(".csv")}

    def read_csv(name: str) -> str:
        key = Path(name).name
        if key not in csvs:
            raise FileNotFoundError(name)
        return csvs[key].getvalue().decode("utf-8")

    try:
        text = yamls[0].getvalue().decode("utf-8")
    except UnicodeDecodeError:
        return None, None, [f"{yamls[0].name}: not UTF-8 text"]
    try:
        scenario = sim.parse_scenario(text, read_csv=read_csv, source=yamls[0].name)
    except sim.ScenarioError as exc:
        return None, None, [f"{yamls[0].name} is not a valid scenario:", *exc.problems]
    return scenario.name, sim.scenario_to_yaml(scenario), []


@st.cache_resource(show_spinner=False, max_entries=32)
def _parsed(text: str) -> Scenario:
    """The Scenario of a YAML text (frozen, so one shared object is safe)."""
    return compute.scenario_from_yaml(text)


UPLOAD_GEN = "_upload_gen"  # bumping it gives the uploader a new key, i.e. an empty uploader


def _uploader_key() -> str:
    return f"upload_{st.session_state.get(UPLOAD_GEN, 0)}"


def _on_upload() -> None:
    """Parse what the user put in the uploader; an empty uploader means they removed the files."""
    files = st.session_state.get(_uploader_key()) or []
    if not files:
        forget_upload(clear_widget=False)
        return
    name, text, problems = parse_upload(files)
    st.session_state["_upload_problems"] = problems
    if not problems:
        yaml_name = next(f.name for f in files if f.name.lower().endswith((".yaml", ".yml")))
        st.session_state["upload_ok"] = {"name": name, "yaml": text, "file": yaml_name}


def forget_upload(clear_widget: bool = True) -> None:
    st.session_state.pop("upload_ok", None)
    st.session_state.pop("_upload_problems", None)
    if clear_widget:
        st.session_state[UPLOAD_GEN] = st.session_state.get(UPLOAD_GEN, 0) + 1


def _scenario_input() -> tuple[str, str, Scenario]:
    sb = st.sidebar
    sb.subheader("Scenario")
    options = presets()
    names = list(options)
    if st.session_state.get("preset") not in names:
        st.session_state["preset"] = DEFAULT_PRESET if DEFAULT_PRESET in names else names[0]
    preset = sb.selectbox(
        "Preset", names, format_func=lambda n: options[n][0], key="preset", on_change=forget_upload,
        help="Bundled scenarios (scenarios/*.yaml). Each file's comments say where its numbers come from.",
    )
    # The upload lives in session state, not in the uploader: the uploader is gone on pages without this
    # sidebar (Classroom), and coming back must not silently swap the user's scenario for a preset.
    sb.file_uploader(
        "…or upload a scenario YAML with its CSV files", type=["yaml", "yml", "csv"],
        accept_multiple_files=True, max_upload_size=MAX_UPLOAD_MB, key=_uploader_key(), on_change=_on_upload,
        help=f"One YAML file, plus any CSV tables it names (volume.table_csv, agents_csv). "
             f"Up to {MAX_UPLOAD_MB} MB per file.",
    )
    problems = st.session_state.get("_upload_problems") or []
    if problems:
        kept = st.session_state.get("upload_ok")
        keeping = f"the previous upload ({kept['file']})" if kept else "the preset"
        sb.error("\n\n".join([*problems[:1], *(f"- {p}" for p in problems[1:12])]) + f"\n\nKeeping {keeping}.")
    upload = st.session_state.get("upload_ok")
    if upload:
        source, text = f"upload: {upload['file']}", upload["yaml"]
        sb.button("Back to the presets", key="forget_upload", on_click=forget_upload,
                  help="Stop using the uploaded scenario; the preset above is loaded with its own values.")
    else:
        source, text = f"preset: {preset}", options[preset][1]
    return source, text, _parsed(text)


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
    source, text, base = _scenario_input()
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


# ------------------------------------------------------------ cached runs


@st.cache_data(show_spinner=False, max_entries=8)
def _comparison_cached(scenario_yaml: str, base_yaml: str, source: str, _workers: int = 1,
                       _progress=None, _should_stop=None) -> compute.Comparison:
    return compute.run_comparison(scenario_yaml, base_yaml=base_yaml, source=source, workers=_workers,
                                  progress=_progress, should_stop=_should_stop)


@st.cache_data(show_spinner=False, max_entries=16)
def _frontier_cached(scenario_yaml: str, template: str, values: tuple[float, ...], _workers: int = 1,
                     _progress=None, _should_stop=None) -> compute.Frontier | str:
    return compute.run_frontier(scenario_yaml, template, values=values, workers=_workers, progress=_progress,
                                should_stop=_should_stop)


@st.cache_data(show_spinner=False, max_entries=64)
def _classroom_cached(params: tuple, _progress=None, _should_stop=None) -> compute.Classroom:
    return compute.run_classroom(**dict(params))


def _with_progress(label: str, fn, *args):
    """Call ``fn(*args, _progress=cb, _should_stop=...)`` in a worker thread and show a progress bar meanwhile.

    The worker thread keeps Streamlit calls out of the cached function (they
    would be recorded and replayed on every cache hit); a cache hit returns
    at once and draws no bar. When this script run ends early — the browser
    closed the session, the user clicked again, the server is shutting down —
    Streamlit stops it at its next call, the ``finally`` raises the stop flag,
    and the simulation gives up at its next progress report instead of
    keeping a core busy for nobody (``compute.RunCancelled``).
    """
    box = {"event": None}
    stop = threading.Event()

    def progress(event) -> None:  # a ProgressEvent (sim.runs.settings)
        box["event"] = event

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="humanline-run")
    try:
        return _show_progress(label, pool.submit(fn, *args, _progress=progress, _should_stop=stop.is_set), box)
    finally:
        stop.set()
        pool.shutdown(wait=False)


def _show_progress(label: str, future, box: dict):
    """Wait for ``future``, drawing a progress bar from ``box["event"]`` (the latest ProgressEvent); its result."""
    bar = None
    started = time.perf_counter()
    while True:
        try:
            result = future.result(timeout=0.2)
            break
        except FutureTimeout:
            event = box["event"]
            done, total, stage = (event.done, event.total, event.stage) if event is not None else (0, 0, None)
            share = event.fraction if event is not None else 0.0
            # A study of several stages (the evidence report) names the one running and counts its runs.
            text = (f"{label}: {stage}" + (f", {done} of {total} runs" if total else "") if stage
                    else f"{label}: {done} of {total} policy runs") + f", {time.perf_counter() - started:.0f} s"
            if bar is None:
                bar = st.progress(share, text=text)
            else:
                bar.progress(share, text=text)
    if bar is not None:
        bar.empty()
    return result


def _failure(kind: str, key: str) -> str | None:
    """Why the run ``kind`` of ``key`` (its scenario text) failed before, if it did: failed runs are not rerun."""
    return st.session_state.get("failed", {}).get((kind, key))


def _remember_failure(kind: str, key: str, exc: Exception) -> str:
    st.session_state.setdefault("failed", {})[(kind, key)] = str(exc)
    return str(exc)


def requested() -> str | None:
    """The scenario YAML of the last "Run simulation" click on the scenario loaded now, if any.

    Results of another preset or upload are not shown as if they were this one's.
    """
    req = st.session_state.get("requested")
    if req is None or req["base"] != ctx().base_id:
        return None
    return req["yaml"]


def comparison() -> compute.Comparison | None:
    """The last requested run's results; if that run failed, the message and the last good results (or None)."""
    text = requested()
    if text is None:
        return None
    failure = _failure("comparison", text)
    if failure is not None:
        st.error(failure, icon=":material/error:")
        return _last_good()
    req = st.session_state["requested"]
    try:
        result = _with_progress("Simulating the policies", _comparison_cached, text, req["base_yaml"],
                                ctx().source, ctx().workers)
    except compute.RunCancelled:
        st.stop()
    except compute.RunFailed as exc:
        st.error(_remember_failure("comparison", text, exc), icon=":material/error:")
        return _last_good()
    st.session_state["last_good"] = {"base": ctx().base_id, "result": result}
    st.session_state["_ahead_next"] = (text, result.baseline)  # started once the page is drawn (app.py)
    return result


def start_ahead() -> None:
    """Trace what Cost of cutting and Plan a roster draw first, in the background (ui.ahead), once a session per
    run. Called when a page has been drawn, so that the background work does not slow the drawing of the run."""
    text, baseline = st.session_state.pop("_ahead_next", (None, None))
    started = st.session_state.setdefault("_ahead_started", set())
    if text is None or text in started:
        return
    started.add(text)
    values = tuple(compute.FRONTIER_VALUES)
    ahead.start(("frontier", text, baseline, values), _frontier_cached, text, baseline, values, ctx().workers)
    if text == ctx().yaml:  # Plan a roster plans on the sidebar's scenario: only when that is the one run
        rosters.requirement_ahead(ctx().scenario, ctx().scenario.effective_policies[0].id)  # the page's first


def _last_good() -> compute.Comparison | None:
    good = st.session_state.get("last_good")
    if good is None or good["base"] != ctx().base_id:
        return None
    st.info("Showing the results of the last run that succeeded.", icon=":material/history:")
    return good["result"]


def frontier(template: str) -> compute.Frontier | str | None:
    """The frontier of ``template`` for the last run's scenario (its replications and seed).

    None before a run; a message (str) when the model refuses it (e.g. one replication: no interval).
    """
    text = requested()
    if text is None:
        return None
    values = tuple(compute.FRONTIER_VALUES)
    failure = _failure("frontier", text + template)
    if failure is not None:
        return failure
    try:
        running = ahead.in_flight(("frontier", text, template, values))
        if running is not None:  # started after the comparison: wait for it rather than start it again
            _show_progress("Tracing the frontier", running.future, running.box)
        front = _with_progress("Tracing the frontier", _frontier_cached, text, template, values, ctx().workers)
    except compute.RunCancelled:
        st.stop()
    except compute.RunFailed as exc:
        return _remember_failure("frontier", text + template, exc)
    st.session_state["last_frontier"] = {"yaml": text, "template": template}  # Downloads offers its table
    return front


def last_frontier() -> compute.Frontier | None:
    """The frontier last drawn for the last run (from the cache), if any."""
    last = st.session_state.get("last_frontier")
    if not last or last["yaml"] != requested():
        return None
    front = frontier(last["template"])
    return front if isinstance(front, compute.Frontier) else None


@st.cache_data(show_spinner=False, max_entries=4)
def _report_cached(scenario_yaml: str, base_yaml: str, source: str, _workers: int = 1, _comparison=None,
                   _frontier=None, _progress=None, _should_stop=None) -> str:
    return compute.evidence_report(scenario_yaml, base_yaml=base_yaml, source=source, workers=_workers,
                                   progress=_progress, should_stop=_should_stop, comparison=_comparison,
                                   frontier=_frontier)


def evidence_report(result: compute.Comparison) -> str | None:
    """The evidence report's HTML for the scenario of ``result`` (as edited); None, with the reason shown, if it fails.

    It builds on this run and on the baseline's frontier, the one Cost of cutting draws first (traced here if
    that page has not traced it yet, so that the page then draws it at once), instead of running them again.
    """
    req = st.session_state.get("requested") or {}
    front = frontier(result.baseline) if requested() == result.scenario_yaml else None
    front = front if isinstance(front, compute.Frontier) else None
    try:
        return _with_progress("Building the evidence report", _report_cached, result.scenario_yaml,
                              req.get("base_yaml", result.scenario_yaml), result.source, ctx().workers, result,
                              front)
    except compute.RunCancelled:
        st.stop()
    except compute.RunFailed as exc:
        st.error(str(exc), icon=":material/error:")
        return None


@st.cache_data(show_spinner=False, max_entries=8)
def _what_matters_cached(scenario_yaml: str, policy: str, replications: int, _workers: int = 1, _progress=None,
                         _should_stop=None) -> compute.WhatMatters:
    return compute.run_what_matters(scenario_yaml, policy, replications=replications, workers=_workers,
                                    progress=_progress, should_stop=_should_stop)


def what_matters(policy: str, replications: int) -> compute.WhatMatters | None:
    """The default experiment for ``policy`` on the scenario as edited; None (with the reason shown) if it fails."""
    try:
        return _with_progress("Running the experiment", _what_matters_cached, ctx().yaml, policy, replications,
                              ctx().workers)
    except compute.RunCancelled:
        st.stop()
    except compute.RunFailed as exc:
        st.error(str(exc), icon=":material/error:")
        return None


def classroom(**params) -> compute.Classroom:
    try:
        return _with_progress("Simulating the queue", _classroom_cached, tuple(sorted(params.items())))
    except compute.RunCancelled:
        st.stop()
    except compute.RunFailed as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()


# The classroom's other studies (sim.studies.classroom through ui.compute), cached like the runs above.
@st.cache_data(show_spinner=False, max_entries=16)
def _replay_cached(scenario_yaml: str, policy: str, replication: int, _progress=None, _should_stop=None):
    return compute.run_replay(scenario_yaml, policy, replication)


@st.cache_data(show_spinner=False, max_entries=32)
def _sweep_cached(params: tuple, _progress=None, _should_stop=None):
    return compute.run_erlang_sweep(_progress, _should_stop, **dict(params))


@st.cache_data(show_spinner=False, max_entries=32)
def _demo_cached(params: tuple, _progress=None, _should_stop=None):
    return compute.run_replications_demo(_progress, _should_stop, **dict(params))


@st.cache_data(show_spinner=False, max_entries=64)
def _check_cached(name: str, answer: float, mtime: float, _progress=None, _should_stop=None):
    return compute.check_exercise(PRESETS_DIR, name, answer, _progress, _should_stop)


def classroom_study(kind: str, *args):
    """One of the classroom's studies ('replay', 'sweep', 'demo', 'check'); None (the reason shown) if it fails."""
    label, fn = {"replay": ("Simulating one day", _replay_cached), "sweep": ("Sweeping the agents", _sweep_cached),
                 "demo": ("Adding replications", _demo_cached), "check": ("Checking", _check_cached)}[kind]
    try:
        return _with_progress(label, fn, *args)
    except compute.RunCancelled:
        st.stop()
    except compute.RunFailed as exc:
        st.error(str(exc), icon=":material/error:")
        return None


def stale_notice() -> None:
    """Say so when the results on screen are from other settings than the sidebar's."""
    text = requested()
    if text is not None and text != ctx().yaml:
        st.info("The sidebar settings have changed since the last run; these results are from that run. "
                "Press **Run simulation** to update them.", icon=":material/update:")


def need_run() -> None:
    st.info("Press **Run simulation** in the sidebar to simulate the policies. The default comparison takes "
            "a few seconds; results are kept while you switch pages.", icon=":material/play_arrow:")
