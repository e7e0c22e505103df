"""The command line, end to end: ``python -m sim validate|run``.

``run`` is exercised as a real ``python -m sim`` subprocess (twice with the same
seed, so determinism is checked across separate interpreters), and so is a
representative bad input of each kind (a scenario that does not validate, so
``main`` returns 2; an argument argparse rejects, so it exits 2).

Every ``python -m sim`` process spends ~2 s of CPU importing pandas and scipy
before it does anything (sim/cli/commands.py imports sim.runs.runner at module level), so
one subprocess per case would take this file well past its time budget. The
module therefore starts its few subprocesses together (``cli_runs``) and each
test waits for its own; the full list of bad-input cases, and ``validate`` on
every preset, call ``sim.cli.commands`` in-process, which is what ``python -m sim``
runs (sim/__main__.py: ``raise SystemExit(main())``): a traceback there would be
an exception escaping ``main``.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PRESETS = sorted((ROOT / "scenarios").glob("*.yaml"))
CLASSROOM = ROOT / "scenarios" / "classroom_mmcm.yaml"
CLASSROOM_POLICIES = ("n14", "n11")

# DESIGN.md §4: the replications columns other parts rely on.
REPLICATION_COLUMNS = (
    "policy", "replication", "contact_type", "incidents", "attempts", "bot_sessions", "bot_resolved",
    "offered", "answered", "abandoned", "balked", "delayed", "answered_within_target",
    "abandoned_within_target", "wait_sum_s", "answered_wait_sum_s", "reached_human", "within_guarantee",
    "time_to_human_sum_s", "agent_cost", "bot_cost", "customer_loss", "platform_liability", "churn_cost",
)
TIMEOUT_S = 120

# Bad input on the command line: (args, texts stderr must contain).
# "{tmp}" is a scratch directory holding the files written by _write_bad_files.
BAD_INPUT = {
    "malformed-yaml-file": (["run", "{tmp}/malformed.yaml"], ["malformed.yaml", "not valid YAML", "line 2"]),
    "missing-scenario-file": (["validate", "{tmp}/no_such.yaml"], ["no_such.yaml", "file not found"]),
    "unknown-policy": (
        ["run", str(CLASSROOM), "--policy", "n14", "--policy", "no_such_policy", "--replications", "1"],
        ["--policy", "no_such_policy", "n14", "n11"],
    ),
    "replications-zero": (["run", str(CLASSROOM), "--replications", "0"], ["--replications", "0"]),
    "replications-not-a-number": (["run", str(CLASSROOM), "--replications", "abc"], ["--replications", "'abc'"]),
    "probability-above-1": (
        ["validate", "{tmp}/probability.yaml"],
        ["probability.yaml", "contact_types[calls].balk_probability", "1.5"],
    ),
}
# Also run as real subprocesses: a scenario error (main returns 2) and a usage error (argparse exits 2).
BAD_INPUT_AS_SUBPROCESS = ("probability-above-1", "replications-not-a-number")


def _bad_args(name: str, tmp: Path) -> list[str]:
    return [a.replace("{tmp}", str(tmp)) for a in BAD_INPUT[name][0]]


def _run_cli(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )


class CliRuns:
    """CLI subprocesses started together; ``result(name)`` waits for one of them."""

    def __init__(self, tmp: Path, jobs: dict[str, list[str]]):
        self.tmp = tmp
        self._pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
        self._futures: dict[str, Future] = {name: self._pool.submit(_run_cli, args) for name, args in jobs.items()}

    def result(self, name: str) -> subprocess.CompletedProcess:
        return self._futures[name].result(timeout=TIMEOUT_S)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _write_bad_files(tmp: Path) -> None:
    (tmp / "malformed.yaml").write_text("name: [unclosed\ndays: 1\n")
    bad = yaml.safe_load(CLASSROOM.read_text())
    bad["contact_types"][0]["balk_probability"] = 1.5
    (tmp / "probability.yaml").write_text(yaml.safe_dump(bad, sort_keys=False))


@pytest.fixture(scope="module", autouse=True)
def cli_runs(tmp_path_factory) -> CliRuns:
    """Start the CLI subprocesses of this module together (see the module docstring).

    Autouse, so that they run while the in-process tests (earlier in this file) do.
    """
    tmp = tmp_path_factory.mktemp("cli")
    _write_bad_files(tmp)
    jobs: dict[str, list[str]] = {}
    for i in (1, 2):  # the same seed twice, for determinism
        jobs[f"run-{i}"] = ["run", str(CLASSROOM), "--replications", "2", "--seed", "7", "--out", str(tmp / f"out{i}")]
    for name in BAD_INPUT_AS_SUBPROCESS:
        jobs[f"bad:{name}"] = _bad_args(name, tmp)
    runs = CliRuns(tmp, jobs)
    yield runs
    runs.close()


def _describe(proc: subprocess.CompletedProcess) -> str:
    return f"exit {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _main(args: list[str], capsys) -> tuple[int | str | None, str, str]:
    """Run the CLI in-process as ``python -m sim`` would; (exit code, stdout, stderr)."""
    from sim.cli import main

    try:
        code = main(args)
    except SystemExit as exc:  # argparse exits on usage errors, as the real command does
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ validate


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.stem)
def test_validate_accepts_every_preset_with_exit_code_0(preset, capsys):
    code, out, err = _main(["validate", str(preset)], capsys)
    assert code == 0, err
    assert "valid" in out and preset.name in out


def test_there_are_presets_to_validate():
    assert PRESETS, "scenarios/*.yaml is empty"


# ----------------------------------------------------------------- bad input


@pytest.mark.parametrize("name", list(BAD_INPUT))
def test_bad_input_exits_2_with_a_message_naming_the_problem_and_no_traceback(name, tmp_path, capsys):
    _write_bad_files(tmp_path)
    code, out, err = _main(_bad_args(name, tmp_path), capsys)  # an escaping exception fails the test
    assert code == 2, f"exit {code}\n--- stdout\n{out}\n--- stderr\n{err}"
    for text in BAD_INPUT[name][1]:
        assert text in err, f"expected {text!r} on stderr:\n{err}"
    assert "Traceback" not in out + err


# ------------------------------------------------- in-process argument checks


@pytest.mark.parametrize(
    "args, expected",
    [
        pytest.param(["run", str(CLASSROOM), "--seed", "-1"], "--seed", id="negative-seed"),
        pytest.param(["run", str(CLASSROOM), "--seed", "x"], "--seed", id="seed-not-a-number"),
        pytest.param(["run", str(CLASSROOM), "--replications", "-3"], "--replications", id="negative-replications"),
        pytest.param(["run", str(CLASSROOM), "--precision", "2"], "--precision: must be a relative half-width",
                     id="precision-above-1"),
        pytest.param(["run", str(CLASSROOM), "--precision", "0.1", "--max-replications", "1"],
                     "--max-replications: must be at least 2, got 1", id="max-replications-below-2"),
        pytest.param(["run", str(CLASSROOM), "--workers", "-1"], "--workers", id="negative-workers"),
        pytest.param(["run", str(CLASSROOM), "--workers", "many"], "--workers", id="workers-not-a-number"),
        pytest.param(["run", str(CLASSROOM), "--bogus"], "--bogus", id="unknown-option"),
        pytest.param(["simulate", str(CLASSROOM)], "simulate", id="unknown-command"),
        pytest.param([], "command", id="no-command"),
    ],
)
def test_bad_argument_returns_exit_code_2_naming_the_argument(args, expected, capsys):
    code, out, err = _main(args, capsys)
    assert code == 2, err
    assert expected in err, err
    assert "Traceback" not in out + err


def test_out_naming_an_existing_file_exits_2_naming_out(minimal_scenario, tmp_path, write_scenario, capsys):
    scenario = write_scenario(tmp_path, minimal_scenario)
    existing_file = tmp_path / "results.txt"
    existing_file.write_text("not a directory\n")
    code, _, err = _main(["run", str(scenario), "--replications", "1", "--out", str(existing_file)], capsys)
    assert code == 2
    assert "--out" in err


def test_validate_of_a_scenario_whose_contact_types_is_a_number_exits_2_naming_it(
    minimal_scenario, tmp_path, write_scenario, capsys
):
    minimal_scenario["contact_types"] = 5
    code, _, err = _main(["validate", str(write_scenario(tmp_path, minimal_scenario))], capsys)
    assert code == 2
    assert "contact_types" in err


# ----------------------------------------------------------------------- run


def test_run_exits_0_and_prints_a_table_with_every_policy(cli_runs):
    proc = cli_runs.result("run-1")
    assert proc.returncode == 0, _describe(proc)
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    for policy in CLASSROOM_POLICIES:
        assert any(line.split() and line.split()[0] == policy for line in lines), (
            f"no table row starting with {policy!r}:\n{proc.stdout}"
        )


def test_run_with_out_writes_the_result_files(cli_runs):
    assert cli_runs.result("run-1").returncode == 0
    out = cli_runs.tmp / "out1"
    for name in ("replications.csv", "summary.csv", "intervals.csv", "provenance.json"):
        assert (out / name).is_file(), f"{name} missing from {sorted(p.name for p in out.iterdir())}"
        assert (out / name).stat().st_size > 0, f"{name} is empty"


def test_provenance_records_scenario_hash_seed_versions_and_command(cli_runs):
    assert cli_runs.result("run-1").returncode == 0
    provenance = json.loads((cli_runs.tmp / "out1" / "provenance.json").read_text())
    for key in ("scenario_sha256", "seed", "versions", "command"):
        assert key in provenance, f"provenance.json lacks {key!r}: {sorted(provenance)}"
    digest = provenance["scenario_sha256"]
    assert len(digest) == 64 and all(c in "0123456789abcdef" for c in digest), digest
    assert provenance["seed"] == 7
    assert isinstance(provenance["versions"], dict) and provenance["versions"], provenance["versions"]
    assert "run" in provenance["command"] and "--seed 7" in provenance["command"], provenance["command"]
    assert "classroom_mmcm.yaml" in provenance["command"]


def test_replications_csv_has_the_documented_columns_and_one_row_per_policy_replication_type(cli_runs):
    assert cli_runs.result("run-1").returncode == 0
    columns, rows = _read_csv(cli_runs.tmp / "out1" / "replications.csv")
    missing = [c for c in REPLICATION_COLUMNS if c not in columns]
    assert not missing, f"replications.csv lacks {missing}; has {columns}"
    assert columns[:3] == ["policy", "replication", "contact_type"]
    keys = sorted((r["policy"], r["replication"], r["contact_type"]) for r in rows)
    assert keys == sorted((p, str(r), "calls") for p in CLASSROOM_POLICIES for r in (0, 1))


def test_same_scenario_and_seed_give_byte_identical_results(cli_runs):
    first, second = cli_runs.result("run-1"), cli_runs.result("run-2")
    assert first.returncode == 0 and second.returncode == 0
    out1, out2 = cli_runs.tmp / "out1", cli_runs.tmp / "out2"
    for name in ("replications.csv", "summary.csv", "intervals.csv"):
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes(), f"{name} differs"
    hashes = [json.loads((d / "provenance.json").read_text())["scenario_sha256"] for d in (out1, out2)]
    assert hashes[0] == hashes[1]
    assert first.stdout.replace(str(out1), "OUT") == second.stdout.replace(str(out2), "OUT")


# ------------------------------------------------- bad input, real command


@pytest.mark.parametrize("name", BAD_INPUT_AS_SUBPROCESS)
def test_bad_input_to_the_real_command_exits_2_with_the_message_on_stderr_and_no_traceback(cli_runs, name):
    proc = cli_runs.result(f"bad:{name}")
    assert proc.returncode == 2, _describe(proc)
    for text in BAD_INPUT[name][1]:
        assert text in proc.stderr, f"expected {text!r} on stderr\n{_describe(proc)}"
    assert "Traceback" not in proc.stdout + proc.stderr, _describe(proc)
