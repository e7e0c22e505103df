"""Results are written all or nothing, and the CLI fails with a message, never a traceback (issue 8, defect 7).

The SIGINT case kills a real ``python -m sim run`` subprocess; the failures
during the save (a full disk, Ctrl-C between two files) are injected
in-process into the one function that writes the tables.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "scenarios" / "classroom_mmc.yaml"  # three policies, seconds to run


def _run(out: Path, *extra: str) -> int:
    return main(["run", str(CLASSROOM), "--replications", "2", "--out", str(out), *extra])


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_the_wrote_line_lists_exactly_the_files_written(tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(out) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    listed = line.split(": ", 1)[1].split(", ")
    assert sorted(listed) == sorted(p.name for p in out.iterdir())
    assert sorted(listed) == json.loads((out / "provenance.json").read_text())["files"]


def test_provenance_states_currency_commit_and_the_time_of_the_export(tmp_path, capsys):
    out = tmp_path / "out"
    before = pd.Timestamp.now(tz="UTC").floor("s")
    assert _run(out) == 0
    record = json.loads((out / "provenance.json").read_text())
    assert record["currency"] == "USD" and "agent_cost" in record["money_columns"]
    assert before <= pd.Timestamp(record["created_utc"]) <= pd.Timestamp.now(tz="UTC")
    assert "git_commit" in record  # None outside a checkout, a commit inside one
    dictionary = pd.read_csv(out / "data_dictionary.csv")
    money = dictionary[(dictionary.file == "replications.csv") & (dictionary.column == "customer_loss")]
    assert list(money.currency) == ["USD"] and list(money.unit) == ["USD per run"]
    # the CLI's folder carries the same dictionary as the app's downloads: every column described
    assert not dictionary[dictionary.meaning.isna()].column.tolist()


def test_rerun_with_fewer_policies_leaves_no_stale_compare_csv(tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(out) == 0 and (out / "compare.csv").exists()
    assert _run(out, "--policy", "n14") == 0
    assert not (out / "compare.csv").exists()
    assert json.loads((out / "provenance.json").read_text())["policies"] == ["n14"]
    assert _leftovers(out) == []


def test_a_folder_named_replications_csv_inside_out_is_refused_before_the_run(tmp_path, capsys):
    out = tmp_path / "out"
    (out / "replications.csv").mkdir(parents=True)
    assert _run(out) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "replications.csv" in err and "Traceback" not in err
    assert [p.name for p in out.iterdir()] == ["replications.csv"]


def test_a_folder_with_other_files_is_never_replaced(tmp_path, capsys):
    out = tmp_path / "home"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    assert _run(out) == 2
    assert "holds other things than results" in capsys.readouterr().err
    assert (out / "thesis.docx").read_text() == "years of work"


def _fail_on_third_file(monkeypatch, exc: BaseException, nth: int = 3) -> None:
    real = pd.DataFrame.to_csv
    calls = {"n": 0}

    def to_csv(self, path=None, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == nth:
            raise exc
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)


def test_a_full_disk_during_the_save_exits_1_and_keeps_the_previous_results(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    assert _run(out) == 0
    before = _snapshot(out)
    capsys.readouterr()
    _fail_on_third_file(monkeypatch, OSError(errno.ENOSPC, "No space left on device"))
    assert _run(out) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "nothing was written" in err and "Traceback" not in err
    assert _snapshot(out) == before and _leftovers(out) == []


def test_ctrl_c_during_the_save_exits_130_and_keeps_the_previous_results(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    assert _run(out) == 0
    before = _snapshot(out)
    capsys.readouterr()
    _fail_on_third_file(monkeypatch, KeyboardInterrupt())
    assert _run(out) == 130
    err = capsys.readouterr().err
    assert err.strip().splitlines() == ["interrupted: stopped; no results were written"]
    assert _snapshot(out) == before and _leftovers(out) == []


def test_ctrl_c_during_the_save_into_a_new_folder_leaves_nothing(tmp_path, capsys, monkeypatch):
    out = tmp_path / "new"
    _fail_on_third_file(monkeypatch, KeyboardInterrupt())
    assert _run(out) == 130
    assert (not out.exists() or not any(out.iterdir())) and _leftovers(out) == []


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process CPU time from /proc")
def test_sigint_during_a_real_run_prints_one_line_and_exits_130(tmp_path):
    out = tmp_path / "out"
    scenario = ROOT / "scenarios" / "payment_platform.yaml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "run", str(scenario), "--replications", "20", "--out", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        # The state to wait for: the process is simulating (imports take ~2 s of CPU; the run minutes).
        deadline = time.monotonic() + 120
        while _cpu_seconds(proc.pid) < 4.0 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert stderr.strip().splitlines() == ["interrupted: stopped; no results were written"]
    assert (not out.exists() or not any(out.iterdir())) and _leftovers(out) == []


def test_an_unexpected_failure_is_one_line_and_exit_1(tmp_path, capsys, monkeypatch):
    import sim.present.terminal

    def broken(*args, **kwargs):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(sim.present.terminal, "render_summary", broken)  # the CLI imports it when it runs
    monkeypatch.delenv("HUMANLINE_TRACEBACK", raising=False)
    assert _run(tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert "unexpected failure (ZeroDivisionError" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "replications.csv").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["staff", str(CLASSROOM), "--method", "erlang_c"],
        ["erlang", "--calls-per-hour", "200", "--aht-s", "180", "--agents", "14"],
    ],
    ids=["staff", "erlang"],
)
def test_the_planning_commands_write_their_folder_whole_and_atomically_too(tmp_path, capsys, monkeypatch, command):
    out = tmp_path / "out"
    assert main([*command, "--out", str(out)]) == 0
    before = _snapshot(out)
    assert "provenance.json" in before and "data_dictionary.csv" in before
    capsys.readouterr()
    _fail_on_third_file(monkeypatch, OSError(errno.ENOSPC, "No space left on device"), nth=2)  # mid-way
    assert main([*command, "--out", str(out)]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert _snapshot(out) == before and _leftovers(out) == []


# ------------------------------------------ issue 24 items 9 and 10: folders that are not ours, loose ends


def test_experiment_out_dot_refuses_a_folder_holding_the_users_files(tmp_path, monkeypatch, capsys):
    scenario = (ROOT / "scenarios" / "classroom_mmc.yaml").read_text()
    (tmp_path / "scenario.yaml").write_text("# my notes\n" + scenario)
    (tmp_path / "experiment.yaml").write_text(
        "scenario: scenario.yaml\ndesign: {kind: one_at_a_time}\nreplications: 2\n"
        "factors:\n  - path: contact_types[calls].handle_time_s.mean\n    low: 150\n    high: 210\n")
    before = _snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["experiment", "experiment.yaml", "--out", "."]) == 2
    err = capsys.readouterr().err
    assert "holds other things than an experiment" in err and "scenario.yaml" in err
    assert _snapshot(tmp_path) == before  # the user's file, comments and all, untouched


def test_an_experiment_set_up_cut_short_is_redone_not_refused(tmp_path):
    from sim.studies.uncertainty.store import _SETTING_UP

    (tmp_path / "experiment.yaml").write_text(
        f"scenario: {CLASSROOM}\ndesign: {{kind: one_at_a_time}}\nreplications: 2\npolicies: [n14]\n"
        "factors:\n  - path: contact_types[calls].handle_time_s.mean\n    low: 150\n    high: 210\n")
    out = tmp_path / "exp"
    (out / "runs").mkdir(parents=True)  # what a kill during the set-up leaves: the mark, some files, no marker
    (out / _SETTING_UP).touch()
    (out / "scenario.yaml").write_text("partial")
    assert main(["experiment", str(tmp_path / "experiment.yaml"), "--out", str(out)]) == 0
    assert (out / "experiment.json").exists() and not (out / _SETTING_UP).exists()


def test_a_killed_save_leaves_a_writing_folder_that_the_next_run_removes_and_says_so(tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(out) == 0
    stale = tmp_path / ".out.writing-1a2b3c4d"  # the name a SIGKILL mid-save leaves (before pids were in it)
    stale.mkdir()
    (stale / "replications.csv").write_text("policy,repl")
    dead = tmp_path / f".out.writing-{_dead_pid()}-0a1b2c3d"
    dead.mkdir()
    capsys.readouterr()
    assert _run(out) == 0
    err = capsys.readouterr().err
    assert err.count("an unfinished save of an interrupted run") == 2 and _leftovers(out) == []


def test_an_unfinished_save_of_a_writer_still_running_is_left_alone(tmp_path):
    from sim.files.export import recover_output_folder

    live = tmp_path / f".out.writing-{os.getppid()}-0a1b2c3d"  # the parent of this process is alive
    live.mkdir()
    assert recover_output_folder(tmp_path / "out") == [] and live.exists()


def test_a_kill_between_the_two_renames_gets_the_previous_results_back(tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(out) == 0
    before = _snapshot(out)
    swapped = tmp_path / f".out.old-{_dead_pid()}-5e6f7a8b"
    os.rename(out, swapped)  # the state after the first rename: nothing at --out
    from sim.files.export import recover_output_folder

    (note,) = recover_output_folder(out)
    assert "restored the previous results" in note
    assert _snapshot(out) == before and _leftovers(out) == []


def test_a_swapped_out_folder_beside_new_results_is_removed_on_the_next_run(tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(out) == 0
    old = tmp_path / ".out.old-0a1b2c3d"  # the kill came after the second rename, before the clean-up
    old.mkdir()
    (old / "provenance.json").write_text("{}")
    capsys.readouterr()
    assert _run(out) == 0
    assert "already replaced" in capsys.readouterr().err and _leftovers(out) == []


def test_a_run_stopped_before_its_results_leaves_no_empty_out_folder(tmp_path, capsys, monkeypatch):
    import sim.runs.guard

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.runs.guard, "run_checked", interrupted)  # the CLI imports it when it runs
    out = tmp_path / "new" / "out"
    assert _run(out) == 130
    assert not out.exists() and not out.parent.exists()


def test_out_inside_a_read_only_folder_is_refused_before_the_run(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who may write anywhere")
        assert _run(locked / "out") == 2
        assert "permission denied" in capsys.readouterr().err
    finally:
        locked.chmod(0o700)


def _dead_pid() -> int:
    """The id of a process that has exited."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid
