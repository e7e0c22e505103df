"""Every input file through one funnel (issue 22 item 4; issue 24 items 5, 8, 12).

Experiments, plans, exercises and plan templates are read by the same
``sim.files.scenario_io.read_yaml_file`` as scenarios and checked by the same
``validate``: hostile files are refused with one clear message and exit code
2, never a traceback or a hang, and a validation problem names the field by id
(a factor by its path, a template by its id) and its line.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field

from sim.cli import main
from sim.errors import InputProblems
from sim.files.scenario_io import MAX_FILE_BYTES, read_yaml_file, read_yaml_text, validate
from sim.studies.classroom import ExerciseError, load_exercise
from sim.studies.planning import PlanningError, load_plan, load_templates
from sim.studies.uncertainty import ExperimentError, load_experiment

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "payment_platform.yaml"
EXERCISE_SCENARIO = ROOT / "scenarios" / "exercises" / "one_agent_fewer.yaml"

EXPERIMENT = f"""name: hostile
scenario: {SCENARIO}
design: {{kind: one_at_a_time}}
replications: 2
factors:
  - path: contact_types[fraud].loss.half_life_min
    low: 20
    high: 400
"""
PLAN = f"""scenario: {SCENARIO}
templates:
  - id: full8
    length_h: 8
    cost_per_hour: 27
"""
EXERCISE = f"""title: x
scenario: {EXERCISE_SCENARIO}
task: t
kind: value
metric: service_level
"""

# What each hostile file adds to a valid one, and a word its message must hold.
HOSTILE = {
    "20,000-deep nesting": ("deep: " + "[" * 20_000 + "]" * 20_000 + "\n", "nested deeper than"),
    "a 5,000-digit integer": ("big: " + "9" * 5000 + "\n", "5000 digits"),
    "a key written twice": ("scenario: again.yaml\n", "written twice"),
    "an alias bomb": ("bomb:\n  l0: &l0 [x, x, x, x, x, x, x, x, x]\n"
                      + "".join(f"  l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" for n in range(1, 9)),
                      "aliases"),
}
VALID = {"experiment": EXPERIMENT, "plan": PLAN, "exercise": EXERCISE}
LOADERS = {
    "experiment": (load_experiment, ExperimentError),
    "plan": (load_plan, PlanningError),
    "exercise": (load_exercise, ExerciseError),
    "plan templates": (load_templates, PlanningError),
}


def _problems(kind: str, path: Path) -> str:
    loader, error = LOADERS[kind]
    with pytest.raises(error) as excinfo:
        loader(path)
    return str(excinfo.value)


@pytest.mark.parametrize("hostile", HOSTILE, ids=list(HOSTILE))
@pytest.mark.parametrize("kind", LOADERS, ids=list(LOADERS))
def test_hostile_text_in_any_input_file_is_one_clear_problem(kind, hostile, tmp_path):
    addition, word = HOSTILE[hostile]
    path = tmp_path / "file.yaml"
    path.write_text(VALID.get(kind, PLAN) + addition, encoding="utf-8")
    message = _problems(kind, path)
    assert word in message and "Traceback" not in message


def _cli(kind: str, path: Path, out: Path) -> list[str]:
    if kind == "experiment":
        return ["experiment", str(path), "--out", str(out)]
    return ["roster", str(SCENARIO), "--plan", str(path), "--out", str(out)]


@pytest.mark.parametrize("hostile", HOSTILE, ids=list(HOSTILE))
@pytest.mark.parametrize("kind", ["experiment", "plan"])
def test_hostile_experiment_and_plan_files_exit_2_on_the_command_line(kind, hostile, tmp_path, capsys):
    addition, word = HOSTILE[hostile]
    path = tmp_path / "file.yaml"
    path.write_text(VALID[kind] + addition, encoding="utf-8")
    assert main(_cli(kind, path, tmp_path / "out")) == 2
    err = capsys.readouterr().err
    assert word in err and "unexpected failure" not in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_clock_like_value_is_text_not_a_base_60_number(tmp_path):
    path = tmp_path / "experiment.yaml"
    path.write_text(EXPERIMENT.replace("low: 20", "low: 3:20"), encoding="utf-8")  # YAML 1.1: 200
    message = _problems("experiment", path)
    assert "factors[contact_types[fraud].loss.half_life_min].low (line 7)" in message and "'3:20'" in message


def test_a_template_problem_names_the_template_by_id_and_its_line(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.replace("length_h: 8", "length_h: 30"), encoding="utf-8")
    assert "templates[full8].length_h (line 4): Input should be less than or equal to 24" in _problems("plan", path)


def test_an_exercise_field_problem_names_its_line(tmp_path):
    path = tmp_path / "x.exercise.yaml"
    path.write_text(EXERCISE.replace("kind: value", "kind: guess"), encoding="utf-8")
    assert "kind (line 4):" in _problems("exercise", path)


def _capped(args: list[str]) -> subprocess.CompletedProcess:
    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))

    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=900, preexec_fn=cap)


@pytest.mark.parametrize("kind", ["experiment", "plan"])
@pytest.mark.parametrize("special", ["fifo", "dev-zero", "folder"])
def test_a_file_that_is_not_a_regular_file_exits_2_without_waiting_or_reading(kind, special, tmp_path):
    path = tmp_path / "file.yaml"
    if special == "fifo":
        os.mkfifo(path)  # nobody writes: a blocking read would wait for ever
    elif special == "dev-zero":
        path.symlink_to("/dev/zero")  # endless: a read would fill memory
    else:
        path.mkdir()
    done = _capped(_cli(kind, path, tmp_path / "out"))
    assert done.returncode == 2 and "not a regular file" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("kind", LOADERS, ids=list(LOADERS))
def test_an_input_file_over_the_size_limit_is_refused_before_it_is_parsed(kind, tmp_path):
    path = tmp_path / "file.yaml"
    path.write_text(VALID.get(kind, PLAN) + "# " + "x" * MAX_FILE_BYTES + "\n", encoding="utf-8")
    assert "byte limit" in _problems(kind, path)


def test_a_missing_input_file_is_named():
    assert "file not found" in _problems("experiment", Path("/nonexistent/experiment.yaml"))


# --------------------------------------------------------------- the public funnel


class Mapping(BaseModel):
    """A column-mapping file as another helper might add: the funnel's contract, not a real format."""

    model_config = ConfigDict(extra="forbid")
    columns: list[Column] = Field(min_length=1)


class Column(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    source: str
    scale: float = Field(1.0, gt=0)


Mapping.model_rebuild()


class MappingError(InputProblems):
    heading = "invalid column mapping"


def test_a_new_kind_of_file_gets_lines_ids_and_its_own_error_type_from_the_funnel(tmp_path):
    path = tmp_path / "mapping.yaml"
    path.write_text("columns:\n  - id: wait\n    source: Q_TIME\n  - id: talk\n    source: SER_TIME\n"
                    "    scale: -1\n    colour: red\n", encoding="utf-8")
    data, lines = read_yaml_file(path, "column mapping", MappingError)
    assert lines[("columns", 1, "scale")] == 6
    with pytest.raises(MappingError) as excinfo:
        validate(Mapping, data, lines, source=str(path), error=MappingError, root="mapping")
    assert excinfo.value.problems == [
        "columns[talk].scale (line 6): Input should be greater than 0 (got -1)",
        "columns[talk].colour (line 7): unknown field (check the spelling; see the README for the format)",
    ]


def test_the_funnel_refuses_what_is_not_a_mapping_with_the_callers_error():
    data, lines = read_yaml_text("- a\n- b\n", "upload", MappingError)
    with pytest.raises(MappingError, match="must be a mapping of fields, got list"):
        validate(Mapping, data, lines, source="upload", error=MappingError)


def test_yaml_problems_come_back_as_the_callers_error_type():
    with pytest.raises(MappingError, match="not valid YAML at line 2"):
        read_yaml_text("a: 1\na: 2\n", "upload", MappingError)
    assert yaml.safe_load("a: 1:30") == {"a": 90}  # what the funnel spares its users
    assert read_yaml_text("a: 1:30")[0] == {"a": "1:30"}


def test_uploaded_text_is_held_to_the_same_caps_as_a_file():
    import sim

    bomb = HOSTILE["an alias bomb"][0]
    with pytest.raises(sim.ScenarioError, match="aliases"):  # the app's upload path: text, no file
        sim.parse_scenario("days: 1\n" + bomb, read_csv=lambda name: "", source="upload")
    with pytest.raises(sim.ScenarioError, match="byte limit"):
        sim.parse_scenario("days: 1\n# " + "x" * MAX_FILE_BYTES, read_csv=lambda name: "", source="upload")
