"""The sidebar's scenario input: a bundled preset, or an uploaded YAML with the CSV tables it names.

An upload lives in session state, not in the uploader widget, so that a page
without the sidebar (Classroom) and coming back do not swap the user's
scenario for a preset; a refused upload keeps what was loaded before and
says why, naming the field.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import sim
from sim.model.scenario import Scenario

from . import compute

ROOT = Path(__file__).resolve().parent.parent
PRESETS_DIR = ROOT / "scenarios"
DEFAULT_PRESET = "payment_platform.yaml"
MAX_UPLOAD_MB = 1  # per file; a year of 15-minute intervals as CSV is ~0.3 MB


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
        use_as_upload(name, text, next(f.name for f in files if f.name.lower().endswith((".yaml", ".yml"))))


def use_as_upload(name: str, text: str, file: str) -> None:
    """Load the scenario ``text`` in the sidebar as an upload of ``file`` would (a calibrated centre's)."""
    st.session_state["upload_ok"] = {"name": name, "yaml": text, "file": file}
    st.session_state.pop("_upload_problems", None)


def forget_upload(clear_widget: bool = True) -> None:
    st.session_state.pop("upload_ok", None)
    st.session_state.pop("_upload_problems", None)
    if clear_widget:
        st.session_state[UPLOAD_GEN] = st.session_state.get(UPLOAD_GEN, 0) + 1


def scenario_input() -> tuple[str, str, Scenario]:
    """Draw the scenario input in the sidebar: (source, YAML, Scenario) of the scenario loaded now."""
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
