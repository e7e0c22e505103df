"""An experiment's folder: what it is, its design, and its runs as a Parquet dataset.

Layout of ``DIR``::

    experiment.yaml      the experiment file as given
    experiment.json      its fingerprint (spec + base scenario), provenance
    scenario.yaml        the base scenario as validated
    design.csv           one row per point: the factor values
    runs/batch-*.parquet one file per finished batch of runs
    analysis/*.csv       written by ``analyse``

Every run — one point x one replication, all policies — has a key
(``point``, ``replication``). A batch's rows are written to a hidden
temporary file and renamed into ``runs/`` only when complete, so a folder
holds finished batches or nothing: a run killed at any instant (SIGKILL
included) leaves at most a temporary file, which is ignored and removed, and
the next run of the same command skips every finished key. Reading the
dataset sorts by key, so the table does not depend on how runs were batched,
interrupted or distributed. A folder that holds another experiment (another
fingerprint) is refused, never mixed, and so is a folder that holds anything
else (``--out .`` beside the user's own ``scenario.yaml``): a new experiment
starts only in a new or empty folder. Setting a folder up marks it first
(``.humanline-setting-up``), so a set-up cut short is recognised as ours
and redone, never mistaken for the user's files.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pandas as pd

from sim.files.export import code_fingerprint, provenance_record
from sim.files.scenario_io import scenario_to_yaml
from sim.studies.uncertainty.spec import Experiment, ExperimentError

KEY = ["point", "replication"]
RUNS = "runs"
_TMP_PREFIX = ".tmp-"
_SETTING_UP = ".humanline-setting-up"  # present while a folder is being set up; removed when it is
_SET_UP_NAMES = {"experiment.yaml", "scenario.yaml", "design.csv", RUNS, _SETTING_UP}


def prepare_folder(experiment: Experiment, folder: Path, design: pd.DataFrame, command: str | None = None) -> None:
    """Create the folder for ``experiment``, or check that it already holds this same experiment."""
    marker = folder / "experiment.json"
    if marker.exists():
        try:
            held = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ExperimentError([f"--out: {folder} has an unreadable experiment.json ({exc}); use a new folder"])
        if held.get("fingerprint") != experiment.fingerprint:
            raise ExperimentError([
                f"--out: {folder} holds the results of another experiment ({held.get('name')!r}, "
                f"fingerprint {str(held.get('fingerprint'))[:12]}); the file or its scenario changed since. "
                "Use a new folder, or remove this one to start again."
            ])
        if held.get("code_sha256") != code_fingerprint():
            # Runs of two model versions in one dataset would be an artefact nobody could see.
            raise ExperimentError([
                f"--out: {folder} was started by another version of humanline's code (code "
                f"{str(held.get('code_sha256'))[:12]}, this one {code_fingerprint()[:12]}); its runs cannot be "
                "mixed with this version's. Use a new folder, or remove this one to start again."
            ])
        _remove_temporaries(folder)
        return
    _check_new_folder(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / _SETTING_UP).touch()
        (folder / RUNS).mkdir(exist_ok=True)
    except OSError as exc:
        raise ExperimentError([f"--out: cannot use {str(folder)!r} as a folder: {exc.strerror or exc}"]) from None
    _write_atomic(folder / "experiment.yaml", experiment.source_text)
    _write_atomic(folder / "scenario.yaml", scenario_to_yaml(experiment.scenario))
    _write_atomic(folder / "design.csv", design.to_csv())
    record = provenance_record(
        command,
        experiment.scenario,
        name=experiment.spec.name,
        fingerprint=experiment.fingerprint,
        design=experiment.spec.design.kind,
        points=len(design),
        replications=experiment.spec.replications,
        seed=experiment.spec.seed,
        policies=experiment.policies,
        baseline=experiment.baseline,
    )
    # Written last: its presence says the folder is fully set up.
    _write_atomic(marker, json.dumps(record, indent=2) + "\n")
    (folder / _SETTING_UP).unlink(missing_ok=True)


def _check_new_folder(folder: Path) -> None:
    """Refuse to start an experiment in a folder that holds anything but an unfinished set-up of ours."""
    if not folder.exists() and not folder.is_symlink():
        return
    if folder.is_symlink() or not folder.is_dir():
        raise ExperimentError([f"--out: {str(folder)!r} exists and is not a folder"])
    names = sorted(entry.name for entry in os.scandir(folder))
    if not names or (_SETTING_UP in names and set(names) <= _SET_UP_NAMES):
        return
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    raise ExperimentError([
        f"--out: {str(folder)!r} holds other things than an experiment ({shown}); nothing in it was changed. "
        "Name a new or empty folder, or the folder of this same experiment to resume it."
    ])


def finished_keys(folder: Path) -> set[tuple[int, int]]:
    keys: set[tuple[int, int]] = set()
    for path in _batch_files(folder):
        frame = pd.read_parquet(path, columns=KEY)
        keys.update(zip(frame["point"].tolist(), frame["replication"].tolist()))
    return keys


def write_batch(folder: Path, rows: pd.DataFrame) -> Path:
    """Write one finished batch of runs: to a temporary name, then renamed into the dataset."""
    first = rows.sort_values(KEY).iloc[0]
    final = folder / RUNS / f"batch-p{int(first['point']):06d}-r{int(first['replication']):04d}-{uuid.uuid4().hex[:8]}.parquet"
    tmp = final.with_name(_TMP_PREFIX + final.name)
    rows.to_parquet(tmp, index=False)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, final)
    return final


def read_runs(folder: Path) -> pd.DataFrame:
    """Every finished run, sorted by key (and policy): the same table however the runs were made."""
    files = _batch_files(folder)
    if not files:
        return pd.DataFrame()
    frame = pd.concat([pd.read_parquet(p) for p in files], ignore_index=True)
    return frame.sort_values([*KEY, "policy"], kind="stable").reset_index(drop=True)


def read_design(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "design.csv", index_col="point")


def read_record(folder: Path) -> dict:
    try:
        return json.loads((folder / "experiment.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExperimentError([f"{folder}: not an experiment folder (no experiment.json)"]) from None


def _batch_files(folder: Path) -> list[Path]:
    return sorted(p for p in (folder / RUNS).glob("batch-*.parquet"))


def _remove_temporaries(folder: Path) -> None:
    for path in (folder / RUNS).glob(_TMP_PREFIX + "*"):
        path.unlink(missing_ok=True)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(_TMP_PREFIX + path.name)
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
