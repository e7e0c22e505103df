"""Experiments over uncertain inputs: designs, keyed resumable runs, executors, analysis (sim.studies.uncertainty)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.runs.settings import RunSettings
from sim.studies.uncertainty import analyse, load_experiment, run_experiment
from sim.studies.uncertainty.analysis import sobol_indices
from sim.studies.uncertainty.designs import design_points, salib_problem
from sim.studies.uncertainty.spec import ExperimentError
from sim.studies.uncertainty.store import read_runs

ROOT = Path(__file__).resolve().parent.parent

TINY = {
    "name": "tiny",
    "days": 1,
    "interval_min": 60,
    "seed": 3,
    "contact_types": [
        {"id": "fraud", "emergency": True, "priority": 10, "volume": {"per_day": 150},
         "handle_time_s": {"dist": "exponential", "mean": 300}, "patience_s": {"dist": "exponential", "mean": 120},
         "redial": {"probability": 0.5, "max_attempts": 3},
         "loss": {"amount_at_risk": {"dist": "deterministic", "value": 1000}, "half_life_min": 60}},
        {"id": "routine", "volume": {"per_day": 500}, "handle_time_s": {"dist": "exponential", "mean": 240},
         "patience_s": {"dist": "exponential", "mean": 180}, "bot": {"resolve_probability": 0.4}},
    ],
    "agents": {"shifts": [{"id": "all", "start": "00:00", "length_h": 24, "headcount": 4, "cost_per_hour": 20}]},
    "economics": {"bot_cost_per_session": 0.5},
    "policies": [
        {"id": "today", "baseline": True},
        {"id": "bot_cut", "staffing_scale": 0.5,
         "front_door": {"bot_enabled": True, "menu_s": 30, "human_option_found_probability": 0.7}},
    ],
}


def _write(folder: Path, design: dict, factors: list[dict], replications: int = 2, **extra) -> Path:
    (folder / "tiny.yaml").write_text(yaml.safe_dump(TINY, sort_keys=False))
    spec = {"name": "tiny experiment", "scenario": "tiny.yaml", "replications": replications, "seed": 11,
            "design": design, "factors": factors, **extra}
    path = folder / "experiment.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


HALF_LIFE = {"path": "contact_types[fraud].loss.half_life_min", "low": 15, "high": 240}
FOUND = {"path": "policies[bot_cut].front_door.human_option_found_probability", "low": 0.3, "high": 0.95}
BOT_COST = {"path": "economics.bot_cost_per_session", "low": 0.1, "high": 1.8}


# ---------------------------------------------------------------- designs


@pytest.mark.parametrize(
    "design, expected",
    [
        ({"kind": "full_factorial", "grid_levels": 3}, 27),
        ({"kind": "one_at_a_time"}, 1 + 2 * 3),
        ({"kind": "lhs", "samples": 10}, 10),
        ({"kind": "sobol", "samples": 8}, 8 * (3 + 2)),
        ({"kind": "morris", "samples": 4, "grid_levels": 4}, 4 * (3 + 1)),
    ],
)
def test_each_design_has_the_expected_number_of_points_inside_the_ranges(tmp_path, design, expected):
    experiment = load_experiment(_write(tmp_path, design, [HALF_LIFE, FOUND, BOT_COST]))
    points = design_points(experiment)
    assert len(points) == expected
    for factor in (HALF_LIFE, FOUND, BOT_COST):
        column = points[factor["path"]]
        assert column.between(factor["low"], factor["high"]).all()


def test_one_at_a_time_moves_each_factor_alone_from_the_scenarios_own_value(tmp_path):
    points = design_points(load_experiment(_write(tmp_path, {"kind": "one_at_a_time"}, [HALF_LIFE, FOUND])))
    base = points.iloc[0]
    assert base[HALF_LIFE["path"]] == 60 and base[FOUND["path"]] == 0.7  # the scenario's values
    assert points.iloc[1][HALF_LIFE["path"]] == 15 and points.iloc[1][FOUND["path"]] == 0.7
    assert points.iloc[4][FOUND["path"]] == 0.95 and points.iloc[4][HALF_LIFE["path"]] == 60


def test_a_factor_into_a_policy_override_changes_only_that_policy(tmp_path):
    experiment = load_experiment(_write(tmp_path, {"kind": "one_at_a_time"}, [FOUND]))
    moved = experiment.scenario_at({FOUND["path"]: 0.3})
    assert moved.policy("bot_cut").front_door.human_option_found_probability == 0.3
    assert moved.front_door.human_option_found_probability == 1.0
    assert moved.policy("bot_cut").front_door.menu_s == 30  # the rest of its override kept


def test_sobol_indices_of_the_ishigami_function_through_the_design_and_analysis_path(tmp_path):
    # Three factors on [0, 2 pi], shifted to [-pi, pi]: Ishigami's S1 = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244).
    factors = [{"path": p, "low": 0.0, "high": 2 * np.pi} for p in
               ("economics.bot_cost_per_session", "economics.bot_fixed_cost_per_day", "economics.night_premium")]
    experiment = load_experiment(_write(tmp_path, {"kind": "sobol", "samples": 2048}, factors))
    x = design_points(experiment).to_numpy() - np.pi
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    table = sobol_indices(salib_problem(experiment), y)
    assert np.allclose(table["S1"], [0.3139, 0.4424, 0.0], atol=0.04)
    assert np.allclose(table["ST"], [0.5576, 0.4424, 0.2437], atol=0.04)
    assert (table["S1_conf"] > 0).all()


# ---------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    "factors, message",
    [
        ([{"path": "contact_types[fruad].loss.half_life_min", "low": 1, "high": 2}], "no contact_types with id 'fruad'"),
        ([{"path": "economics.liability_share", "low": 0.5, "high": 1.5}], "out of the field's bounds"),
        ([{"path": "contact_types[fraud].label", "low": 1, "high": 2}], "not a number"),
        ([], "factors"),
    ],
    ids=["unknown-id", "out-of-bounds", "not-a-number", "no-factors"],
)
def test_a_bad_experiment_file_exits_2_naming_the_factor(tmp_path, factors, message):
    path = _write(tmp_path, {"kind": "one_at_a_time"}, factors)
    done = subprocess.run([sys.executable, "-m", "sim", "experiment", str(path), "--out", str(tmp_path / "out")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    if factors:
        assert f"factors[{factors[0]['path']}]" in done.stderr


# ---------------------------------------------------------------- runs


@pytest.fixture(scope="module")
def oat(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oat")
    path = _write(folder, {"kind": "one_at_a_time"}, [HALF_LIFE, FOUND], replications=3)
    return path, run_experiment(path, folder / "sequential")


def test_runs_are_identical_in_process_on_local_cores_and_on_a_dask_cluster(oat, tmp_path):
    path, sequential = oat
    local = run_experiment(path, tmp_path / "local", settings=RunSettings(workers=2))
    on_dask = run_experiment(path, tmp_path / "dask", settings=RunSettings(workers=2), dask="local")
    pd.testing.assert_frame_equal(sequential, local)
    pd.testing.assert_frame_equal(sequential, on_dask)
    assert len(sequential) == 5 * 3 * 2  # points x replications x policies


def test_every_point_meets_the_same_incidents_within_a_replication(oat):
    _, runs = oat
    base = runs[runs["policy"] == "today"]
    # The factors only touch losses and the bot policy: the baseline's wages are the same at every point.
    assert base.groupby("replication")["agent_cost"].nunique().eq(1).all()


def test_raising_the_drain_half_life_lowers_the_bot_policys_added_losses(oat):
    path, _ = oat
    tables = analyse(path.parent / "sequential")
    row = tables["tornado"].query("policy == 'bot_cut' and figure == 'net_saving' and factor == @HALF_LIFE['path']")
    assert row["high_change"].iloc[0] > 0 > row["low_change"].iloc[0]
    assert (path.parent / "sequential" / "analysis" / "tornado.csv").exists()


def test_rerunning_a_finished_experiment_runs_nothing_and_changes_nothing(oat):
    path, sequential = oat
    again = run_experiment(path, path.parent / "sequential")
    pd.testing.assert_frame_equal(sequential, again)


def test_a_changed_experiment_file_on_an_existing_folder_is_refused(oat, tmp_path):
    path, _ = oat
    changed = tmp_path / "experiment.yaml"
    (tmp_path / "tiny.yaml").write_text((path.parent / "tiny.yaml").read_text())
    changed.write_text(path.read_text().replace("replications: 3", "replications: 4"))
    done = subprocess.run([sys.executable, "-m", "sim", "experiment", str(changed), "--out",
                           str(path.parent / "sequential")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "another experiment" in done.stderr


def test_a_folder_started_by_another_version_of_the_code_is_never_resumed(oat, tmp_path):
    path, _ = oat
    folder = tmp_path / "older"
    shutil.copytree(path.parent / "sequential", folder)
    record = json.loads((folder / "experiment.json").read_text())
    record["code_sha256"] = "0" * 64  # what an older model version wrote
    (folder / "experiment.json").write_text(json.dumps(record))
    with pytest.raises(ExperimentError, match="another version of humanline's code"):
        run_experiment(path, folder)


def test_an_experiment_killed_mid_way_resumes_without_losing_or_duplicating_a_run(tmp_path):
    path = _write(tmp_path, {"kind": "lhs", "samples": 12}, [HALF_LIFE, FOUND, BOT_COST], replications=3)
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "sim", "experiment", str(path), "--out", str(out)]
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Wait for the state we need: some batches written, the experiment not finished.
        while len(list((out / "runs").glob("batch-*.parquet"))) < 2:
            assert child.poll() is None, "the experiment finished before it could be killed"
            os.sched_yield()
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    partial = read_runs(out)
    assert 0 < len(partial) < 12 * 3 * 2
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    resumed = read_runs(out)
    assert not resumed.duplicated(["point", "replication", "policy"]).any()
    uninterrupted = run_experiment(path, tmp_path / "whole")
    pd.testing.assert_frame_equal(resumed, uninterrupted)


def test_the_bundled_experiment_loads_and_names_only_known_inputs():
    experiment = load_experiment(ROOT / "experiments" / "payment_platform_what_matters.yaml")
    assert len(design_points(experiment)) == 1 + 2 * len(experiment.spec.factors)
    assert experiment.baseline == "today"


def test_an_unknown_folder_for_analysis_is_a_clear_error(tmp_path):
    with pytest.raises(ExperimentError, match="not an experiment folder"):
        analyse(tmp_path)


def test_the_verdict_map_finds_the_box_where_the_verdict_flips():
    from sim.studies.uncertainty.analysis import verdict_map

    rng = np.random.default_rng(5)
    design = pd.DataFrame(rng.random((400, 3)), columns=["a", "b", "c"])
    design.index.name = "point"
    net = np.where((design["a"] > 0.6) & (design["b"] < 0.3), 1000.0, -1000.0)
    points = pd.DataFrame({"point": design.index, "policy": "bot", "figure": "net_saving", "mean": net})
    wide, boxes = verdict_map(points, design, guarantee_share=0.9)
    assert wide["saves_money"].sum() == (net > 0).sum()
    box = boxes.set_index("factor")
    assert set(box.index) == {"a", "b"}  # c does not matter, so it is not restricted
    assert box.loc["a", "low"] == pytest.approx(0.6, abs=0.05) and box.loc["b", "high"] == pytest.approx(0.3, abs=0.05)
    assert box["density"].iloc[0] > 0.9 and box["coverage"].iloc[0] > 0.9
