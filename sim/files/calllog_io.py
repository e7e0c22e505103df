"""Reading the files a calibration starts from: a call log and its column mapping.

A call log is a user's ACD export, one row per call; it is read as text with
a size cap (``MAX_LOG_BYTES``) and never quoted in a message beyond its
column names. A column mapping is a small YAML file read by the project's
hardened YAML reader (``sim.files.scenario_io``: duplicate keys refused,
depth and number caps) and validated by ``sim.calibration.columns.ColumnMap``;
a bad one is a ``CallLogError`` whose lines name the field and its line.
"""

from __future__ import annotations

from pathlib import Path

from sim.errors import InputProblems
from sim.files.scenario_io import read_input_text, read_yaml_text, validate

MAX_LOG_BYTES = 500_000_000  # a year of a large centre's calls (~5 million rows) at ~100 bytes a row
MAX_MAP_BYTES = 100_000


class CallLogError(InputProblems):
    """A call log or column mapping that cannot be used; one line per problem, naming the column or field."""

    heading = "cannot calibrate from this log"


def read_text_file(path: str | Path, max_bytes: int, what: str) -> str:
    """The text of a regular file of at most ``max_bytes`` (UTF-8, else Latin-1), or CallLogError saying why not
    (never its contents): the project's one reader of user files (``sim.files.scenario_io.read_input_text``)."""
    return read_input_text(path, what, CallLogError, max_bytes, fallback_encoding="latin-1")


def parse_column_map(text: str, source: str | None = None):
    """A ColumnMap from YAML text, every problem naming its field (and line)."""
    from sim.calibration.columns import ColumnMap

    data, lines = read_yaml_text(text, source, CallLogError)
    return validate(ColumnMap, data, lines, source=source, error=CallLogError, root="mapping")


def load_column_map(path: str | Path):
    """Read and validate a column-mapping YAML file (see sim.calibration.columns)."""
    return parse_column_map(read_text_file(path, MAX_MAP_BYTES, "--columns"), str(path))
