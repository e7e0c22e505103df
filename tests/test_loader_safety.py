"""Hostile scenario files and CSV references (issue 8, defects 5 and 6).

Every case is a real file read by ``sim.load_scenario`` and, for the
tracebacks the issue saw, by ``python -m sim validate`` in-process: the answer
is always one ``ScenarioError`` naming the field or line, never a traceback,
and a referenced file outside the scenario's folder is never read, waited on
or quoted.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

import sim
from sim.cli import main
from sim.files.scenario_io import MAX_CSV_BYTES

SECRET = "root:x:0:0:secret-line-that-must-not-leak"


def _error(path: Path) -> sim.ScenarioError:
    with pytest.raises(sim.ScenarioError) as excinfo:
        sim.load_scenario(path)
    return excinfo.value


def _validate_exits_2_without_traceback(path: Path, capsys) -> str:
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return captured.err


# ------------------------------------------------------------------ defect 5


def test_ten_thousand_nested_brackets_are_refused_as_too_deep(minimal_scenario, tmp_path, write_scenario, capsys):
    text = yaml.safe_dump(minimal_scenario) + "sources: " + "[" * 10_000 + "]" * 10_000 + "\n"
    path = write_scenario(tmp_path, text)
    assert "nested deeper than" in str(_error(path))
    _validate_exits_2_without_traceback(path, capsys)


def test_a_5000_digit_integer_is_refused_naming_its_line(minimal_scenario, tmp_path, write_scenario, capsys):
    text = yaml.safe_dump(minimal_scenario, sort_keys=False).replace("days: 1\n", "days: " + "9" * 5000 + "\n")
    path = write_scenario(tmp_path, text)
    message = str(_error(path))
    assert "5000 digits" in message and "line 2" in message
    _validate_exits_2_without_traceback(path, capsys)


def test_a_csv_cell_over_131072_characters_is_refused_naming_the_file(minimal_scenario, tmp_path, write_scenario,
                                                                       capsys):
    minimal_scenario["contact_types"][0]["volume"] = {"table_csv": "calls.csv"}
    csv_text = "expected_incidents\n" + "1" * 200_000 + "\n"
    path = write_scenario(tmp_path, minimal_scenario, {"calls.csv": csv_text})
    (problem,) = _error(path).problems
    assert problem.startswith("contact_types[calls].volume.table_csv: 'calls.csv'") and "line" in problem
    _validate_exits_2_without_traceback(path, capsys)


def test_a_key_written_twice_is_refused_naming_the_key_and_both_lines(minimal_scenario, tmp_path, write_scenario):
    text = yaml.safe_dump(minimal_scenario, sort_keys=False) + "days: 3\n"
    path = write_scenario(tmp_path, text)
    message = str(_error(path))
    last_line = len(text.splitlines())
    assert "'days' is written twice (first on line 2)" in message and f"line {last_line}" in message


def test_a_key_written_twice_inside_a_list_item_is_refused(minimal_scenario, tmp_path, write_scenario):
    text = yaml.safe_dump(minimal_scenario, sort_keys=False).replace(
        "headcount: 2\n", "headcount: 2\n    headcount: 5\n"
    )
    assert text.count("headcount") == 2
    assert "'headcount' is written twice" in str(_error(write_scenario(tmp_path, text)))


def test_yaml_merge_keys_may_still_override_a_merged_value(minimal_scenario, tmp_path, write_scenario):
    shift = "{id: day, start: '08:00', length_h: 8, headcount: 2}"
    text = yaml.safe_dump({k: v for k, v in minimal_scenario.items() if k != "agents"}, sort_keys=False)
    text += f"agents:\n  shifts:\n    - <<: {shift}\n      headcount: 3\n"
    scenario = sim.load_scenario(write_scenario(tmp_path, text))
    assert scenario.agents.shifts[0].headcount == 3


def test_a_validation_error_names_the_line_of_the_field(minimal_scenario, tmp_path, write_scenario):
    minimal_scenario["agents"]["shifts"][0]["headcount"] = -1
    text = yaml.safe_dump(minimal_scenario, sort_keys=False)
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if "headcount" in row)
    (problem,) = _error(write_scenario(tmp_path, text)).problems
    assert problem.startswith(f"agents.shifts[day].headcount (line {line}):")


# ------------------------------------------------------------------ defect 6


@pytest.fixture
def outside(tmp_path) -> Path:
    """A file outside the scenario's folder whose content must never appear in a message."""
    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text(f"{SECRET}\n1\n", encoding="utf-8")
    return secret


def _with_csv(minimal: dict, name: str) -> dict:
    minimal["contact_types"][0]["volume"] = {"table_csv": name}
    return minimal


@pytest.mark.parametrize("name", ["/etc/passwd", "../outside/passwd", "../../etc/passwd"])
def test_a_csv_path_outside_the_scenario_folder_is_refused_without_reading_it(
    name, outside, minimal_scenario, tmp_path, write_scenario
):
    folder = tmp_path / "scenario"
    folder.mkdir()
    path = write_scenario(folder, _with_csv(minimal_scenario, name))
    message = str(_error(path))
    assert "inside the scenario's folder" in message or "file not found" in message
    assert "root:" not in message and SECRET not in message


def test_a_symlink_out_of_the_folder_is_refused(outside, minimal_scenario, tmp_path, write_scenario):
    folder = tmp_path / "scenario"
    folder.mkdir()
    (folder / "calls.csv").symlink_to(outside)
    message = str(_error(write_scenario(folder, _with_csv(minimal_scenario, "calls.csv"))))
    assert "inside the scenario's folder" in message and SECRET not in message


def test_a_symlink_to_dev_zero_is_refused_without_reading(minimal_scenario, tmp_path, write_scenario):
    (tmp_path / "calls.csv").symlink_to("/dev/zero")
    message = str(_error(write_scenario(tmp_path, _with_csv(minimal_scenario, "calls.csv"))))
    assert "inside the scenario's folder" in message


def test_a_symlink_inside_the_folder_is_followed(minimal_scenario, tmp_path, write_scenario):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "real.csv").write_text("expected_incidents\n" + "2\n" * 24, encoding="utf-8")
    (tmp_path / "calls.csv").symlink_to(tmp_path / "data" / "real.csv")
    scenario = sim.load_scenario(write_scenario(tmp_path, _with_csv(minimal_scenario, "calls.csv")))
    assert scenario.contact_types[0].volume.table == [2.0] * 24


def test_a_fifo_is_refused_without_blocking(minimal_scenario, tmp_path, write_scenario):
    os.mkfifo(tmp_path / "calls.csv")  # nobody writes to it: opening it blocking would wait for ever
    message = str(_error(write_scenario(tmp_path, _with_csv(minimal_scenario, "calls.csv"))))
    assert "not a regular file" in message


def test_a_folder_named_like_the_csv_is_refused(minimal_scenario, tmp_path, write_scenario):
    (tmp_path / "calls.csv").mkdir()
    message = str(_error(write_scenario(tmp_path, _with_csv(minimal_scenario, "calls.csv"))))
    assert "not a regular file" in message


def test_a_csv_over_the_size_limit_is_refused_before_it_is_read(minimal_scenario, tmp_path, write_scenario):
    big = tmp_path / "calls.csv"
    with open(big, "wb") as handle:  # sparse: the size is there, nothing is written
        handle.truncate(MAX_CSV_BYTES + 1)
    message = str(_error(write_scenario(tmp_path, _with_csv(minimal_scenario, "calls.csv"))))
    assert "byte limit" in message


def test_a_csv_with_a_bad_cell_names_line_and_column_but_not_the_cell(minimal_scenario, tmp_path, write_scenario):
    csv_text = "expected_incidents\n1\nsecret-cell-value\n" + "1\n" * 22
    path = write_scenario(tmp_path, _with_csv(minimal_scenario, "calls.csv"), {"calls.csv": csv_text})
    (problem,) = _error(path).problems
    assert "line 3, column 'expected_incidents': not a number" in problem and "secret-cell-value" not in problem


def test_a_csv_with_more_cells_than_its_header_is_refused_naming_the_line(minimal_scenario, tmp_path, write_scenario):
    csv_text = "expected_incidents\n" + ",".join(["5"] * 24) + "\n"
    path = write_scenario(tmp_path, _with_csv(minimal_scenario, "calls.csv"), {"calls.csv": csv_text})
    (problem,) = _error(path).problems
    assert "line 2 has 24 cells; the header has 1" in problem


# ------------------------------------------- issue 24 items 5 and 8: the scenario file itself

def _alias_bomb(levels: int, width: int = 9) -> str:
    """A few hundred bytes whose aliases reach ``width ** levels`` values."""
    lines = ["  l0: &l0 [" + ", ".join(["x"] * width) + "]"]
    for n in range(1, levels):
        lines.append(f"  l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * width) + "]")
    return "sources:\n" + "\n".join(lines) + "\n"


def _limited_subprocess(args: list[str], memory_mb: int = 2048, timeout_s: float = 900):
    """``python -m sim ARGS`` under a memory cap, so a defect fails the test instead of filling the machine."""
    import resource
    import subprocess
    import sys

    def cap():
        limit = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    root = Path(__file__).resolve().parents[1]
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=root, capture_output=True, text=True,
                          timeout=timeout_s, preexec_fn=cap)


def test_aliases_repeating_more_values_than_the_limit_are_refused_naming_aliases(
    minimal_scenario, tmp_path, write_scenario, capsys
):
    text = yaml.safe_dump(minimal_scenario, sort_keys=False) + _alias_bomb(levels=5)  # 59,049 values
    path = write_scenario(tmp_path, text)
    message = str(_error(path))
    assert "aliases" in message and "over the limit" in message
    _validate_exits_2_without_traceback(path, capsys)


def test_a_766_byte_alias_bomb_is_refused_at_once_without_filling_memory(minimal_scenario, tmp_path, write_scenario):
    text = yaml.safe_dump(minimal_scenario, sort_keys=False) + _alias_bomb(levels=9)  # 9**9 values
    path = write_scenario(tmp_path, text)
    assert path.stat().st_size < 2000
    done = _limited_subprocess(["validate", str(path)])
    assert done.returncode == 2 and "aliases" in done.stderr and "Traceback" not in done.stderr


def test_an_alias_inside_its_own_anchor_is_refused(minimal_scenario, tmp_path, write_scenario):
    text = yaml.safe_dump(minimal_scenario, sort_keys=False) + "sources: &me {loop: *me}\n"
    assert "refers to the value that contains it" in str(_error(write_scenario(tmp_path, text)))


def test_a_few_aliases_as_people_use_them_still_load(minimal_scenario, tmp_path, write_scenario):
    text = yaml.safe_dump({k: v for k, v in minimal_scenario.items() if k != "agents"}, sort_keys=False)
    text += ("agents:\n  shifts:\n    - &day {id: day, start: '08:00', length_h: 8, headcount: 2}\n"
             "    - <<: *day\n      id: late\n      start: '14:00'\n")
    scenario = sim.load_scenario(write_scenario(tmp_path, text))
    assert [s.id for s in scenario.agents.shifts] == ["day", "late"]


def test_validate_of_a_fifo_as_the_scenario_exits_2_without_waiting(tmp_path):
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)  # nobody writes to it: reading it would wait for ever
    done = _limited_subprocess(["validate", str(fifo)])
    assert done.returncode == 2 and "not a regular file" in done.stderr and "Traceback" not in done.stderr


def test_validate_of_dev_zero_exits_2_naming_it_not_a_regular_file():
    done = _limited_subprocess(["validate", "/dev/zero"])
    assert done.returncode == 2 and "not a regular file" in done.stderr and "unexpected failure" not in done.stderr


def test_a_scenario_file_over_the_size_limit_is_refused_before_it_is_parsed(minimal_scenario, tmp_path,
                                                                            write_scenario, capsys):
    from sim.files.scenario_io import MAX_FILE_BYTES

    # A valid scenario under a long comment: the size alone is refused, before PyYAML spends minutes on it.
    text = yaml.safe_dump(minimal_scenario, sort_keys=False) + "# " + "x" * MAX_FILE_BYTES + "\n"
    path = write_scenario(tmp_path, text)
    assert "byte limit" in str(_error(path))
    _validate_exits_2_without_traceback(path, capsys)
