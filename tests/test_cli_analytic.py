"""The analytic commands, end to end: ``python -m sim erlang|staff|breakeven``.

Most cases call ``sim.cli.commands`` in-process (what ``python -m sim`` runs; an
exception escaping it would be a traceback); two real subprocesses, started
together at module start, check the installed entry point: a calculator run
and a bad-input exit. Numbers checked are the published Erlang cases of
docs/reference/erlang_cases.md (C1 and A1: 100 calls per 30 minutes, AHT
180 s, 14 agents).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM_MMC = ROOT / "scenarios" / "classroom_mmc.yaml"
TIMEOUT_S = 120


def _main(args: list[str], capsys) -> tuple[int | str | None, str, str]:
    from sim.cli import main

    try:
        code = main(args)
    except SystemExit as exc:  # argparse exits on usage errors, as the real command does
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _run_cli(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )


SUBPROCESSES = {
    "erlang": ["erlang", "--calls-per-hour", "200", "--aht-s", "180", "--agents", "14"],
    "bad-policy": ["staff", str(CLASSROOM_MMC), "--policy", "no_such_policy"],
}


@pytest.fixture(scope="module")
def real_runs():
    pool = ThreadPoolExecutor(max_workers=2)
    futures = {name: pool.submit(_run_cli, args) for name, args in SUBPROCESSES.items()}
    yield {name: f for name, f in futures.items()}
    pool.shutdown(wait=True, cancel_futures=True)


def _small_emergency_scenario(minimal_scenario: dict) -> dict:
    data = minimal_scenario
    data["contact_types"].append(
        {
            "id": "fraud",
            "emergency": True,
            "priority": 5,
            "volume": {"per_day": 40},
            "handle_time_s": {"dist": "exponential", "mean": 400},
            "patience_s": {"dist": "exponential", "mean": 300},
            "loss": {"amount_at_risk": {"dist": "deterministic", "value": 1000}},
        }
    )
    data["agents"] = {"shifts": [{"id": "all", "start": "00:00", "length_h": 24, "headcount": 4, "cost_per_hour": 20}]}
    data["guarantee_s"] = 60
    data["guarantee_share"] = 0.8
    return data


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


# ------------------------------------------------------------------ erlang


def test_erlang_c_prints_the_published_case_c1(capsys):
    code, out, err = _main(["erlang", "--calls-per-hour", "200", "--aht-s", "180", "--agents", "14"], capsys)
    assert code == 0, err
    row = next(line for line in out.splitlines() if line.strip().startswith("14 "))
    for value in ("17.4%", "7.8", "88.8%", "71.4%", "<"):  # P(wait), ASA, SL(20 s), occupancy, the row asked for
        assert value in row, row
    assert "Erlang C" in out and "10 Erlangs" in out


def test_erlang_a_prints_the_published_case_a1(capsys):
    args = ["erlang", "--calls-per-hour", "200", "--aht-s", "180", "--agents", "14", "--patience-s", "300"]
    code, out, err = _main(args, capsys)
    assert code == 0, err
    row = next(line for line in out.splitlines() if line.strip().startswith("14 "))
    for value in ("14.5%", "1.40%", "4.2", "91.7%", "70.4%"):  # P(wait), abandon, mean wait, SL, occupancy
        assert value in row, row
    assert "Erlang A" in out


def test_erlang_with_a_service_level_finds_the_agents_needed_and_the_roster(capsys):
    args = ["erlang", "--calls-per-hour", "200", "--aht-s", "180", "--service-level", "0.8", "--shrinkage", "0.3"]
    code, out, err = _main(args, capsys)
    assert code == 0, err
    assert "needed for 80% within 20 s: 14 agents" in out
    row = next(line for line in out.splitlines() if line.strip().startswith("14 "))
    assert row.split()[-2:] == ["20", "<"]  # 14 on the phones at 30% shrinkage: roster 20


def test_erlang_out_writes_the_table_and_provenance(tmp_path, capsys):
    out_dir = tmp_path / "erl"
    args = ["erlang", "--calls-per-hour", "200", "--aht-s", "180", "--agents", "14", "--out", str(out_dir)]
    code, _, err = _main(args, capsys)
    assert code == 0, err
    columns, rows = _read_csv(out_dir / "erlang.csv")
    assert {"agents", "p_wait", "asa_s", "service_level", "occupancy"} <= set(columns)
    assert float(next(r for r in rows if r["agents"] == "14")["p_wait"]) == pytest.approx(0.17413, abs=1e-5)
    prov = json.loads((out_dir / "provenance.json").read_text())
    assert prov["inputs"]["calls_per_hour"] == 200 and prov["model"].startswith("Erlang C")
    assert "erlang" in prov["command"] and prov["versions"]


ERLANG_BAD = {
    "negative-rate": (["--calls-per-hour", "-5", "--aht-s", "180", "--agents", "14"], ["--calls-per-hour"]),
    "rate-not-a-number": (["--calls-per-hour", "many", "--aht-s", "180", "--agents", "14"], ["--calls-per-hour", "'many'"]),
    "zero-aht": (["--calls-per-hour", "200", "--aht-s", "0", "--agents", "14"], ["--aht-s"]),
    "negative-agents": (["--calls-per-hour", "200", "--aht-s", "180", "--agents", "-1"], ["--agents"]),
    "more-load-than-agents": (
        ["--calls-per-hour", "200", "--aht-s", "180", "--agents", "9"],
        ["--agents", "10 Erlangs >= 9 agents", "no steady state", "--patience-s"],
    ),
    "service-level-above-1": (["--calls-per-hour", "200", "--aht-s", "180", "--service-level", "1.5"], ["--service-level"]),
    "target-unreachable": (
        ["--calls-per-hour", "200", "--aht-s", "180", "--service-level", "0.99", "--max-agents", "12"],
        ["--service-level", "cannot be met with at most 12 agents"],
    ),
    "agents-and-service-level": (
        ["--calls-per-hour", "200", "--aht-s", "180", "--agents", "14", "--service-level", "0.8"],
        ["--service-level", "not allowed with"],
    ),
    "neither-agents-nor-service-level": (["--calls-per-hour", "200", "--aht-s", "180"], ["--agents", "--service-level"]),
    "negative-patience": (["--calls-per-hour", "200", "--aht-s", "180", "--agents", "14", "--patience-s", "-1"],
                          ["--patience-s", "got -1"]),
    "rate-shown-as-typed": (["--calls-per-hour", "-5", "--aht-s", "180", "--agents", "14"],
                            ["--calls-per-hour: must be >= 0, got -5"]),
    "shrinkage-of-one": (["--calls-per-hour", "200", "--aht-s", "180", "--agents", "14", "--shrinkage", "1"],
                         ["--shrinkage"]),
    "redial-probability-above-1": (["--calls-per-hour", "200", "--aht-s", "180", "--agents", "14", "--patience-s",
                                    "300", "--redial-probability", "1.5"], ["--redial-probability"]),
    "occupancy-with-patience": (
        ["--calls-per-hour", "200", "--aht-s", "180", "--agents", "14", "--patience-s", "300", "--max-occupancy", "0.8"],
        ["--max-occupancy", "Erlang C only"],
    ),
}


@pytest.mark.parametrize("name", list(ERLANG_BAD))
def test_erlang_bad_input_exits_2_naming_the_argument_without_a_traceback(name, capsys):
    args, expected = ERLANG_BAD[name]
    code, out, err = _main(["erlang", *args], capsys)
    assert code == 2, f"exit {code}\n{out}\n{err}"
    for text in expected:
        assert text in err, f"expected {text!r} in:\n{err}"
    assert "Traceback" not in out + err


def test_the_real_command_runs_the_calculator(real_runs):
    proc = real_runs["erlang"].result(timeout=TIMEOUT_S)
    assert proc.returncode == 0, proc.stderr
    assert "88.8%" in proc.stdout and "Traceback" not in proc.stderr


# ------------------------------------------------------------------- staff


def test_staff_on_the_mmc_preset_needs_its_14_agents_in_every_interval(tmp_path, capsys):
    out_dir = tmp_path / "staff"
    code, out, err = _main(["staff", str(CLASSROOM_MMC), "--out", str(out_dir)], capsys)
    assert code == 0, err
    assert "erlang_c" in out and "erlang_c_lagged" in out and "rostered" in out
    assert "short in 0 of 48 intervals" in out  # C1: 80% within 20 s needs 14, and 14 are rostered
    columns, rows = _read_csv(out_dir / "staffing.csv")
    for column in ("interval", "interval_start_s", "day", "time", "contact_type", "method", "agents_needed",
                   "rostered", "gap"):
        assert column in columns
    assert {r["agents_needed"] for r in rows} == {"14"} and {float(r["gap"]) for r in rows} == {0.0}
    assert len(rows) == 2 * 48
    prov = json.loads((out_dir / "provenance.json").read_text())
    assert prov["methods"] == ["erlang_c", "erlang_c_lagged"] and len(prov["scenario_sha256"]) == 64


def test_staff_by_type_with_erlang_a_and_isa(tmp_path, write_scenario, minimal_scenario, capsys):
    path = write_scenario(tmp_path, _small_emergency_scenario(minimal_scenario))
    out_dir = tmp_path / "out"
    args = ["staff", str(path), "--method", "erlang_a", "--by", "type", "--out", str(out_dir)]
    code, out, err = _main(args, capsys)
    assert code == 0, err
    assert "contact type calls:" in out and "contact type fraud:" in out
    args = ["staff", str(path), "--method", "isa", "--replications", "3", "--seed", "1", "--out", str(out_dir)]
    code, out, err = _main(args, capsys)
    assert code == 0, err
    assert "isa iteration 1" in err and "emergency guarantee" in out
    assert (out_dir / "isa_iterations.csv").is_file()
    prov = json.loads((out_dir / "provenance.json").read_text())
    assert prov["isa"]["replications"] == 3 and prov["isa"]["seed"] == 1


STAFF_BAD = {
    "unknown-policy": (["--policy", "no_such_policy"], ["--policy", "no_such_policy", "n14"]),
    "unknown-method": (["--method", "erlang_z"], ["--method", "erlang_z"]),
    "service-level-zero": (["--service-level", "0"], ["--service-level"]),
    "negative-target": (["--target-s", "-20"], ["--target-s"]),
    "too-few-agents-allowed": (["--max-agents", "5"], ["--max-agents", "not reachable with max_servers=5"]),
    "isa-without-emergencies": (["--method", "isa"], ["--criterion", "no emergency contact type"]),
    "replications-beyond-the-model-bound": (["--replications", "20000"], ["--replications", "10000"]),
}


@pytest.mark.parametrize("name", list(STAFF_BAD))
def test_staff_bad_input_exits_2_naming_the_argument_without_a_traceback(name, capsys):
    args, expected = STAFF_BAD[name]
    code, out, err = _main(["staff", str(CLASSROOM_MMC), *args], capsys)
    assert code == 2, f"exit {code}\n{out}\n{err}"
    for text in expected:
        assert text in err, f"expected {text!r} in:\n{err}"
    assert "Traceback" not in out + err


def test_the_real_command_rejects_an_unknown_policy_with_exit_code_2(real_runs):
    proc = real_runs["bad-policy"].result(timeout=TIMEOUT_S)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "--policy" in proc.stderr and "Traceback" not in proc.stderr


# --------------------------------------------------------------- breakeven


def test_breakeven_prints_every_criterion_and_writes_the_runs(tmp_path, write_scenario, minimal_scenario, capsys):
    path = write_scenario(tmp_path, _small_emergency_scenario(minimal_scenario))
    out_dir = tmp_path / "be"
    args = ["breakeven", str(path), "--values", "1,0.5", "--replications", "3", "--seed", "4", "--out", str(out_dir)]
    code, out, err = _main(args, capsys)
    assert code == 0, err
    for criterion in ("guarantee_confident", "guarantee_mean", "saving_confident", "saving_mean"):
        assert criterion in out
    assert "members tested" in out
    for name in ("breakeven.csv", "breakeven_findings.csv", "breakeven_runs.csv", "provenance.json"):
        assert (out_dir / name).is_file(), name
    columns, rows = _read_csv(out_dir / "breakeven_runs.csv")
    assert {"value", "metric", "mean", "ci_low", "ci_high", "batch"} <= set(columns)
    prov = json.loads((out_dir / "provenance.json").read_text())
    assert prov["seed"] == 4 and prov["replications"] == 3 and set(prov["findings"]) == {
        "guarantee_confident", "guarantee_mean", "saving_confident", "saving_mean"}


BREAKEVEN_BAD = {
    "unknown-template": (["--template", "nope"], ["--template", "nope", "n14"]),
    "bot-family-without-a-bot": (["--kind", "bot_resolve"], ["--template", "no bot front door"]),
    "one-replication": (["--replications", "1"], ["--replications", "at least 2"]),
    "negative-value": (["--values", "1,-0.5"], ["--values"]),
    "values-not-numbers": (["--values", "a,b"], ["--values"]),
    "value-beyond-the-policy-bound": (["--values", "1,20"], ["--values", "20"]),
    "unknown-kind": (["--kind", "layoffs"], ["--kind"]),
    "confidence-one": (["--confidence", "1"], ["--confidence"]),
}


@pytest.mark.parametrize("name", list(BREAKEVEN_BAD))
def test_breakeven_bad_input_exits_2_naming_the_argument_without_a_traceback(name, capsys):
    args, expected = BREAKEVEN_BAD[name]
    code, out, err = _main(["breakeven", str(CLASSROOM_MMC), *args], capsys)
    assert code == 2, f"exit {code}\n{out}\n{err}"
    for text in expected:
        assert text in err, f"expected {text!r} in:\n{err}"
    assert "Traceback" not in out + err
