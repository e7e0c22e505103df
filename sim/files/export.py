"""Writing results to disk: the tables as CSV, a data dictionary and a provenance record.

``provenance.json`` says exactly what produced the numbers — a hash of the
validated scenario, the seed and replication count, the policies, the
currency of every money figure, the package versions, the git commit of the
code when it runs from a checkout, the command, and when the export was
made — so that a policy analyst can show where a figure came from and anyone
can reproduce it. ``data_dictionary.csv`` gives every column's meaning and
unit (money columns in the scenario's currency).

A results folder holds one complete, consistent set or nothing new: the
files are written into a temporary folder beside it and renamed into place,
so an interrupted or failed save (Ctrl-C, a full disk) leaves the previous
set untouched, and a re-run with fewer policies leaves no stale file behind.
Only an empty folder or an earlier results folder (``check_output_folder``) is replaced.

What a process killed outright (SIGKILL, a power cut) can leave beside the
folder is put right on the next save into it (``recover_output_folder``), and
said: an unfinished ``.NAME.writing-*`` is removed; a ``.NAME.old-*`` (the
previous results, swapped out just before the new ones were to be renamed in)
is put back where the folder is missing, or removed once the new set is in
place. A writer that is still running (its process id is in the name) is left
alone.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import uuid
import warnings
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import pandas as pd

from sim.files.dictionary import data_dictionary
from sim.model.metrics import MONEY_COLUMNS
from sim.model.scenario import Scenario

_PACKAGES = ("humanline", "simpy", "numpy", "scipy", "pandas", "pydantic")
RESULT_SUFFIXES = (".csv", ".json", ".yaml")  # what a results folder may hold (check_output_folder)
RESULT_FILES = (
    "headline.csv",
    "replications.csv",
    "summary.csv",
    "intervals.csv",
    "interval_means.csv",
    "agents.csv",
    "incidents.csv",
    "compare.csv",
    "data_dictionary.csv",
    "provenance.json",
)

class OutputFolderError(ValueError):
    """A results folder that may not be written or replaced; the message names it and why."""


def scenario_hash(scenario: Scenario) -> str:
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


_PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # the sim package


@functools.cache
def code_fingerprint() -> str:
    """A SHA-256 of the sim package's source: the model that made a result, checkout or not.

    The version number does not change with every edit and a git commit is not
    there in an installed copy, so results that must never be mixed across
    model versions (an experiment resumed, the app's cached experiments) are
    keyed by this.
    """
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE_ROOT.rglob("*.py")):
        digest.update(path.relative_to(_PACKAGE_ROOT).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def git_commit() -> str | None:
    """The commit of the code that runs, with '-dirty' if it has uncommitted changes; None outside a checkout."""
    here = _PACKAGE_ROOT
    try:
        commit = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
        if commit.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no", "--", "."],
            capture_output=True, text=True, timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return commit.stdout.strip() + ("-dirty" if dirty.returncode == 0 and dirty.stdout.strip() else "")


def provenance_record(command: str | None = None, scenario: Scenario | None = None, **facts) -> dict:
    """What produced a set of numbers: the command, the scenario's hash and currency, the facts given,
    versions, the code's commit, and ``created_utc``: the time of this call, so make it when exporting."""
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    record: dict = {}
    if scenario is not None:
        record.update(
            {
                "scenario": scenario.name,
                "scenario_sha256": scenario_hash(scenario),
                "currency": scenario.economics.currency,
                "money_columns": list(MONEY_COLUMNS),
            }
        )
    record.update(facts)
    record.update(
        {
            "command": command if command is not None else " ".join(sys.argv),
            "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "git_commit": git_commit(),
            "code_sha256": code_fingerprint(),
            "python": platform.python_version(),
            "versions": versions,
        }
    )
    return record


def provenance(results, command: str | None = None) -> dict:
    return provenance_record(
        command,
        results.scenario,
        seed=results.seed,
        replications=results.n_replications,
        policies=list(results.policies),
        baseline=results.scenario.baseline_policy.id,
        **results.meta,
    )


def check_output_folder(directory: Path) -> None:
    """Raise ``OutputFolderError`` unless ``directory`` is absent, empty, or a results folder.

    A results folder is what a humanline command wrote: a ``provenance.json``
    and nothing but regular ``.csv``, ``.json`` and ``.yaml`` files (``roster``
    writes its roster as YAML). Anything else (a home folder, a sub-folder
    named ``replications.csv``) is never replaced.
    """
    directory = Path(directory)
    if not directory.exists() and not directory.is_symlink():
        return
    if directory.is_symlink() or not directory.is_dir():
        raise OutputFolderError(f"{str(directory)!r} exists and is not a folder")
    entries = list(os.scandir(directory))
    if not entries:
        return
    foreign = sorted(
        entry.name for entry in entries
        if not entry.is_file(follow_symlinks=False) or not entry.name.endswith(RESULT_SUFFIXES)
    )
    if not foreign and any(entry.name == "provenance.json" for entry in entries):
        return
    shown = ", ".join((foreign or sorted(e.name for e in entries))[:5])
    raise OutputFolderError(
        f"{str(directory)!r} holds other things than results ({shown}"
        f"{', ...' if len(foreign or entries) > 5 else ''}); "
        "name a new or empty folder, or one written by an earlier run"
    )


_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<kind>writing|old)-(?:(?P<pid>\d+)-)?[0-9a-f]{8}$")


def _leftovers(directory: Path) -> list[tuple[Path, str, int | None]]:
    """(path, "writing" or "old", writer's pid if recorded) of what saves into ``directory`` left beside it."""
    parent = directory.absolute().parent
    if not parent.is_dir():
        return []
    found = []
    for entry in os.scandir(parent):
        match = _LEFTOVER.match(entry.name)
        if match and match["name"] == directory.absolute().name and entry.is_dir(follow_symlinks=False):
            found.append((Path(entry.path), match["kind"], int(match["pid"]) if match["pid"] else None))
    return sorted(found)


def _alive(pid: int | None) -> bool:
    if pid is None or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _is_results_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and (path / "provenance.json").is_file()


def recover_output_folder(directory: Path) -> list[str]:
    """Put right what a killed save into ``directory`` left beside it; one line per thing done.

    Leftovers of a writer that is still running are not touched.
    """
    directory = Path(directory)
    done = []
    for path, kind, pid in _leftovers(directory):
        if _alive(pid):
            continue
        if kind == "writing":
            shutil.rmtree(path, ignore_errors=True)
            done.append(f"removed {path.name}, an unfinished save of an interrupted run")
            continue
        target_empty = directory.is_dir() and not directory.is_symlink() and not any(os.scandir(directory))
        if _is_results_folder(path) and (not os.path.lexists(directory) or target_empty):
            if target_empty:
                directory.rmdir()
            os.rename(path, directory)
            done.append(f"restored the previous results of {str(directory)!r} from {path.name}, "
                        "where an interrupted save had left them")
        else:
            shutil.rmtree(path, ignore_errors=True)
            done.append(f"removed {path.name}, results an interrupted save had already replaced")
    return done


def save_results(results, directory: Path, command: str | None = None) -> Path:
    """Write every table, the data dictionary and the provenance into ``directory``, all or nothing."""
    from sim.files.headline import headline_table

    tables = {
        "headline": headline_table(results),
        "replications": results.replications,
        "summary": results.summary(),
        "intervals": results.intervals,
        "interval_means": results.interval_means(),
        "agents": results.agents,
    }
    if len(results.incidents):
        tables["incidents"] = results.incidents
    if len(results.policies) > 1:
        tables["compare"] = results.compare()
    write_folder(directory, tables, provenance(results, command), results.scenario.economics.currency)
    return Path(directory)


def write_folder(directory: Path, tables: dict[str, pd.DataFrame], record: dict, currency: str | None,
                 texts: dict[str, str] | None = None) -> list[str]:
    """``name.csv`` for each table, ``data_dictionary.csv`` and ``provenance.json`` into ``directory``, atomically.

    ``texts`` are further files by name (``roster.yaml``), written as they are.
    The files are written into a new folder beside ``directory`` and renamed
    into place; on any failure (Ctrl-C included) that folder is removed and
    ``directory`` is as it was. Returns the names of the files written;
    ``record["files"]`` lists them too. Any command's exports can use it.
    """
    directory = Path(directory)
    texts = texts or {}
    bad = [name for name in texts if Path(name).name != name or not name.endswith(RESULT_SUFFIXES)]
    if bad:
        raise ValueError(f"not a results file name: {', '.join(bad)}")
    for note in recover_output_folder(directory):
        warnings.warn(note, stacklevel=2)
    check_output_folder(directory)
    parent = directory.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = parent / f".{directory.absolute().name}.writing-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()  # mode 0o777 less the umask, as the final folder would have
    names = sorted([f"{name}.csv" for name in tables] + list(texts) + ["data_dictionary.csv", "provenance.json"])
    try:
        for name, text in texts.items():
            (staging / name).write_text(text, encoding="utf-8")
        for name, table in tables.items():
            table.to_csv(staging / f"{name}.csv", index=False)
        data_dictionary(tables, currency or "currency units").to_csv(staging / "data_dictionary.csv", index=False)
        record = {**record, "files": names}
        (staging / "provenance.json").write_text(json.dumps(record, indent=2, default=_plain) + "\n")
        _replace_folder(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return names


def write_text_whole(text: str, out: Path) -> Path:
    """Write ``text`` to ``out`` whole or not at all: a temporary file beside it, then one rename (a report, a
    markdown table), so an interrupted write leaves an earlier file as it was."""
    out = Path(out)
    staging = out.with_name(f".{out.name}.writing-{uuid.uuid4().hex[:8]}")
    try:
        staging.write_text(text, encoding="utf-8")
        os.replace(staging, out)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    return out


def _plain(value):
    """JSON for numpy scalars and anything else a record may hold."""
    return value.item() if hasattr(value, "item") else str(value)


def written_files(directory: Path) -> list[str]:
    """The files of a results folder, in the order they are listed to the user."""
    present = {p.name for p in Path(directory).iterdir()}
    return [name for name in RESULT_FILES if name in present]


def _replace_folder(new: Path, target: Path) -> None:
    """Put ``new`` where ``target`` is; a previous ``target`` is swapped out, restored if the swap fails."""
    try:
        os.rename(new, target)  # POSIX: succeeds onto a missing or empty folder
        return
    except OSError:
        if not target.is_dir():
            raise
    old = target.with_name(f".{target.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
