"""Streamlit glue: the sidebar (scenario in, knobs), the cached runs, the progress bar.

The sidebar maps widgets onto ``sim.knobs`` edits of the loaded Scenario and
publishes a ``Context`` (the scenario as loaded and as edited, and its YAML)
for the pages. Runs are cached with ``st.cache_data`` keyed on that YAML —
which carries replications and seed — so switching pages or coming back to
earlier settings never reruns a simulation. Simulations only start from the
"Run simulation" button; the pages then read the last requested run.
"""

from __future__ import annotations

import hashlib
import os
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

import sim
from sim import knobs
from sim.scenario import BotBehaviour, Economics, FrontDoor, Loss, Policy, Scenario

from . import compute

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

POLICY_KNOBS = ("knob_kept", "knob_found", "knob_attempts")
SCENARIO_KNOBS = ("knob_bot", "knob_emergency", "knob_half_life", "knob_liability", "knob_reps", "knob_seed",
                  "knob_policy")


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


def _scenario_input() -> tuple[str, str, Scenario]:
    sb = st.sidebar
    sb.subheader("Scenario")
    options = presets()
    names = list(options)
    preset = sb.selectbox(
        "Preset", names, index=names.index(DEFAULT_PRESET) if DEFAULT_PRESET in names else 0,
        format_func=lambda n: options[n][0], key="preset",
        help="Bundled scenarios (scenarios/*.yaml). Each file's comments say where its numbers come from.",
    )
    files = sb.file_uploader(
        "…or upload a scenario YAML with its CSV files", type=["yaml", "yml", "csv"],
        accept_multiple_files=True, max_upload_size=MAX_UPLOAD_MB, key="upload",
        help=f"One YAML file, plus any CSV tables it names (volume.table_csv, agents_csv). "
             f"Up to {MAX_UPLOAD_MB} MB per file.",
    )
    if files:
        signature = tuple((f.name, f.size, f.file_id) for f in files)
        if st.session_state.get("_upload_seen") != signature:
            st.session_state["_upload_seen"] = signature
            name, text, problems = parse_upload(files)
            st.session_state["_upload_problems"] = problems
            if not problems:
                st.session_state["upload_ok"] = {"name": name, "yaml": text, "file": next(
                    f.name for f in files if f.name.lower().endswith((".yaml", ".yml")))}
        problems = st.session_state.get("_upload_problems") or []
        if problems:
            kept = st.session_state.get("upload_ok")
            keeping = f"the previous upload ({kept['file']})" if kept else "the preset"
            sb.error("\n\n".join([*problems[:1], *(f"- {p}" for p in problems[1:12])])
                     + f"\n\nKeeping {keeping}.")
    else:
        st.session_state.pop("upload_ok", None)
        st.session_state.pop("_upload_seen", None)
        st.session_state.pop("_upload_problems", None)
    upload = st.session_state.get("upload_ok")
    if upload:
        source, text = f"upload: {upload['file']}", upload["yaml"]
    else:
        source, text = f"preset: {preset}", options[preset][1]
    return source, text, _parsed(text)


# -------------------------------------------------------------------- knobs


def _bounds(spec: knobs.FieldSpec, step: float, cap: float | None = None) -> tuple[float, float | None]:
    lo = spec.min if spec.min is not None else 0.0
    if spec.min_exclusive:
        lo = lo + step
    hi = spec.max
    if cap is not None:
        hi = cap if hi is None else min(hi, cap)
    return lo, hi


def _reset_on_change(scope_key: str, scope: str, keys: tuple[str, ...]) -> None:
    """Knob widgets start from the loaded scenario's values: forget them when the scenario changes."""
    if st.session_state.get(scope_key) != scope:
        for k in keys:
            st.session_state.pop(k, None)
        st.session_state[scope_key] = scope


def _changed(new: float, old: float, tol: float = 1e-9) -> bool:
    return abs(float(new) - float(old)) > tol


def sidebar() -> Context:
    """Draw the sidebar and return the Context for the pages (also stored in session state)."""
    source, text, base = _scenario_input()
    base_id = short_hash(source + text)
    _reset_on_change("_knob_scope", base_id, POLICY_KNOBS + SCENARIO_KNOBS)
    sb = st.sidebar
    sb.caption(f"Using **{base.name}** ({source})."
               + (" Remove the uploaded files to go back to the presets." if source.startswith("upload") else ""))

    sb.subheader("Run")
    run_clicked = sb.button("Run simulation", type="primary", key="run", width="stretch",
                            help="Simulate every policy with the settings below. Results are kept, so "
                                 "switching pages never reruns.")
    reps_spec = knobs.field_spec(Scenario, "replications")
    seed_spec = knobs.field_spec(Scenario, "seed")
    c1, c2 = sb.columns(2)
    reps = c1.number_input(
        "Replications", min_value=int(reps_spec.min), max_value=int(reps_spec.max),
        value=int(min(base.replications, APP_DEFAULT_REPLICATIONS)), step=1, key="knob_reps",
        help=f"Independent runs; more give tighter confidence intervals but take longer. The scenario asks for "
             f"{base.replications}; the app starts at {APP_DEFAULT_REPLICATIONS} at most to stay quick.",
    )
    seed = c2.number_input("Seed", min_value=int(seed_spec.min), max_value=seed_spec.max, value=int(base.seed),
                           step=1, key="knob_seed", help="Same seed, same numbers.")

    problems: list[str] = []
    edited = base

    def apply(fn, *args, **kwargs):
        nonlocal edited
        try:
            edited = fn(edited, *args, **kwargs)
        except ValueError as exc:  # sim.ScenarioError included
            problems.extend(getattr(exc, "problems", None) or [str(exc)])

    # ---- policy knobs
    sb.subheader("Policy knobs")
    policies = base.effective_policies
    choices = [p.id for p in policies if not p.baseline] or [p.id for p in policies]
    labels = compute.policy_labels(base)
    adjusted = sb.selectbox("Policy to adjust", choices, format_func=lambda p: labels[p], key="knob_policy",
                            help="The knobs below change this policy only; the others run as written.")
    _reset_on_change("_policy_scope", f"{base_id}:{adjusted}", POLICY_KNOBS)
    kept_spec = knobs.field_spec(Policy, "staffing_scale")
    kept_now = knobs.agents_kept(base, adjusted)
    lo, hi = _bounds(kept_spec, 0.05, cap=max(1.0, kept_now))
    kept = sb.slider("Share of its human agents kept", min_value=float(lo), max_value=float(hi),
                     value=float(kept_now), step=0.05, key="knob_kept", format="%.2f",
                     help=f"{kept_spec.description}. 1 = the policy's roster as written.")
    if _changed(kept, kept_now):
        apply(knobs.with_agents_kept, kept, adjusted)
    door = knobs.front_door_of(base, adjusted)
    has_bot = door.bot_enabled or bool(door.bot_only_hours)
    found_spec = knobs.field_spec(FrontDoor, "human_option_found_probability")
    found = sb.slider("Customers who find the human option", min_value=float(found_spec.min),
                      max_value=float(found_spec.max), value=float(door.human_option_found_probability),
                      step=0.05, key="knob_found", disabled=not has_bot,
                      help=f"Friction: {found_spec.description}.")
    att_spec = knobs.field_spec(FrontDoor, "attempts_before_human")
    attempts = sb.number_input("Attempts before a human is offered", min_value=int(att_spec.min),
                               max_value=int(att_spec.max), value=int(door.attempts_before_human), step=1,
                               key="knob_attempts", disabled=not has_bot,
                               help=f"Friction: {att_spec.description} (1 = from the first call).")
    if not has_bot:
        sb.caption("This policy has no bot front door, so friction does not apply.")
    if _changed(found, door.human_option_found_probability) or attempts != door.attempts_before_human:
        apply(knobs.with_friction, adjusted, human_option_found_probability=found,
              attempts_before_human=int(attempts))

    # ---- scenario knobs
    sb.subheader("Scenario knobs")
    bot_spec = knobs.field_spec(BotBehaviour, "resolve_probability")
    bot_now = round(knobs.bot_resolve_rate(base), 3)
    bot = sb.slider("Bot resolve rate (non-emergency contacts)", min_value=float(bot_spec.min),
                    max_value=float(bot_spec.max), value=bot_now, step=0.01, key="knob_bot",
                    help=f"{bot_spec.description}; volume-weighted over the non-emergency types, each scaled "
                         f"in proportion. Applies wherever a policy puts the bot in front.")
    if _changed(bot, bot_now):
        apply(knobs.with_bot_resolve, bot)
    em_now = knobs.emergency_share(base)
    has_emergency = 0 < em_now < 1
    em_lo, em_hi = knobs.EMERGENCY_SHARE_BOUNDS
    em_default = round(min(max(em_now, em_lo), em_hi), 3)
    em = sb.slider("Emergency share of volume", min_value=em_lo, max_value=em_hi, value=em_default,
                   step=0.001, format="%.3f", key="knob_emergency", disabled=not has_emergency,
                   help="Share of expected incidents that are emergencies; emergency volume is rescaled, the "
                        "rest is unchanged.")
    if has_emergency and _changed(em, em_default):
        apply(knobs.with_emergency_share, em)
    hl_spec = knobs.field_spec(Loss, "half_life_min")
    hl_now = knobs.half_life(base)
    if hl_now is not None:
        hl_lo, _ = _bounds(hl_spec, 0.5)
        hl_default = round(float(hl_now), 1)
        hl = sb.number_input("Drain half-life of emergency money (min)", min_value=float(hl_lo),
                             value=hl_default, step=5.0, key="knob_half_life",
                             help=f"{hl_spec.description}; volume-weighted over the emergency types, each "
                                  f"scaled in proportion.")
        if _changed(hl, hl_default):
            apply(knobs.with_half_life, hl)
    li_spec = knobs.field_spec(Economics, "liability_share")
    li_now = knobs.liability(base)
    li = sb.slider("Platform liability share", min_value=float(li_spec.min), max_value=float(li_spec.max),
                   value=float(li_now), step=0.01, key="knob_liability", help=f"{li_spec.description}.")
    if _changed(li, li_now):
        apply(knobs.with_liability, li)
    if int(reps) != base.replications or int(seed) != base.seed:
        apply(knobs.with_run_settings, replications=int(reps), seed=int(seed))

    if problems:
        sb.error("These settings were refused by the scenario model:\n\n" + "\n".join(f"- {p}" for p in problems))
    context = Context(source=source, base=base, scenario=edited,
                      yaml=text if edited is base else sim.scenario_to_yaml(edited),
                      adjusted_policy=adjusted, base_id=base_id, problems=problems, workers=workers())
    st.session_state["ctx"] = context
    if run_clicked:
        st.session_state["requested"] = {"yaml": context.yaml, "base": base_id}
    return context


# ------------------------------------------------------------ cached runs


@st.cache_data(show_spinner=False, max_entries=8)
def _comparison_cached(scenario_yaml: str, _workers: int = 1, _progress=None) -> compute.Comparison:
    return compute.run_comparison(scenario_yaml, workers=_workers, progress=_progress)


@st.cache_data(show_spinner=False, max_entries=16)
def _frontier_cached(scenario_yaml: str, template: str, values: tuple[float, ...], _workers: int = 1,
                     _progress=None) -> compute.Frontier:
    return compute.run_frontier(scenario_yaml, template, values=values, workers=_workers, progress=_progress)


@st.cache_data(show_spinner=False, max_entries=64)
def _classroom_cached(params: tuple, _progress=None) -> compute.Classroom:
    return compute.run_classroom(**dict(params))


def _with_progress(label: str, fn, *args):
    """Call ``fn(*args, _progress=cb)`` in a worker thread and show a progress bar while it runs.

    The worker thread keeps Streamlit calls out of the cached function (they
    would be recorded and replayed on every cache hit); a cache hit returns
    at once and draws no bar.
    """
    box = {"done": 0, "total": 0}

    def progress(done: int, total: int) -> None:
        box["done"], box["total"] = done, total

    bar = None
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="humanline-run") as pool:
        future = pool.submit(fn, *args, _progress=progress)
        while True:
            try:
                result = future.result(timeout=0.2)
                break
            except FutureTimeout:
                done, total = box["done"], box["total"]
                share = done / total if total else 0.0
                text = f"{label}: {done} of {total} policy runs, {time.perf_counter() - started:.0f} s"
                if bar is None:
                    bar = st.progress(share, text=text)
                else:
                    bar.progress(share, text=text)
    if bar is not None:
        bar.empty()
    return result


def requested() -> str | None:
    """The scenario YAML of the last "Run simulation" click on the scenario loaded now, if any.

    Results of another preset or upload are not shown as if they were this one's.
    """
    req = st.session_state.get("requested")
    if req is None or req["base"] != ctx().base_id:
        return None
    return req["yaml"]


def comparison() -> compute.Comparison | None:
    text = requested()
    if text is None:
        return None
    return _with_progress("Simulating the policies", _comparison_cached, text, ctx().workers)


def frontier(template: str) -> compute.Frontier | None:
    text = requested()
    if text is None:
        return None
    values = tuple(compute.FRONTIER_VALUES)
    return _with_progress("Tracing the frontier", _frontier_cached, text, template, values, ctx().workers)


def classroom(**params) -> compute.Classroom:
    return _with_progress("Simulating the queue", _classroom_cached, tuple(sorted(params.items())))


def stale_notice() -> None:
    """Say so when the results on screen are from other settings than the sidebar's."""
    text = requested()
    if text is not None and text != ctx().yaml:
        st.info("The sidebar settings have changed since the last run; these results are from that run. "
                "Press **Run simulation** to update them.", icon=":material/update:")


def need_run() -> None:
    st.info("Press **Run simulation** in the sidebar to simulate the policies. The default comparison takes "
            "a few seconds; results are kept while you switch pages.", icon=":material/play_arrow:")
