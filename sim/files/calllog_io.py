"""Reading the files a calibration starts from: a call log and its column mapping.

A call log is a user's ACD export, one row per call; it is read as text with
a size cap (``MAX_LOG_BYTES``) and never quoted in a message beyond its
column names. A column mapping is a small YAML file read by the project's
hardened YAML reader (``sim.files.scenario_io``: duplicate keys refused,
depth and number caps) and validated by ``sim.calibration.columns.ColumnMap``;
a bad one is a ``CallLogError`` whose lines name the field and its line.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import yaml
from pydantic import ValidationError

from sim.errors import InputProblems
from sim.files.scenario_io import _read_yaml
from sim.model.validation import describe_validation_error

MAX_LOG_BYTES = 500_000_000  # a year of a large centre's calls (~5 million rows) at ~100 bytes a row
MAX_MAP_BYTES = 100_000


class CallLogError(InputProblems):
    """A call log or column mapping that cannot be used; one line per problem, naming the column or field."""

    heading = "cannot calibrate from this log"


def read_text_file(path: str | Path, max_bytes: int, what: str) -> str:
    """The text of a regular file of at most ``max_bytes``, or CallLogError saying why not (never its contents)."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise CallLogError([f"{what}: file not found: {path}"], str(path)) from None
    except OSError as exc:
        raise CallLogError([f"{what}: cannot open {path}: {exc.strerror or type(exc).__name__}"], str(path)) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise CallLogError([f"{what}: {path} is not a regular file"], str(path))
        if info.st_size > max_bytes:
            raise CallLogError([f"{what}: {path} is {info.st_size:,} bytes, over the {max_bytes:,}-byte limit"],
                               str(path))
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise CallLogError([f"{what}: {path} is over the {max_bytes:,}-byte limit"], str(path))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # ACD exports are often Windows-1252/Latin-1; every byte decodes


def parse_column_map(text: str, source: str | None = None):
    """A ColumnMap from YAML text, every problem naming its field (and line)."""
    from sim.calibration.columns import ColumnMap

    try:
        data, lines = _read_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CallLogError([f"column mapping: not valid YAML{where}: {problem}"], source) from None
    except (RecursionError, MemoryError):
        raise CallLogError(["column mapping: too large or too deeply nested to read"], source) from None
    if not isinstance(data, dict):
        raise CallLogError([f"column mapping: must be a mapping of fields, got {type(data).__name__}"], source)
    try:
        return ColumnMap.model_validate(data)
    except ValidationError as exc:
        problems = [p.replace("scenario", "mapping", 1) if p.startswith("scenario") else p
                    for p in describe_validation_error(exc, data, lines)]
        raise CallLogError(problems, source) from None


def load_column_map(path: str | Path):
    """Read and validate a column-mapping YAML file (see sim.calibration.columns)."""
    return parse_column_map(read_text_file(path, MAX_MAP_BYTES, "--columns"), str(path))
