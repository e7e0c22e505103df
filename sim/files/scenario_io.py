"""Reading and writing scenario files (YAML, with CSV tables beside them).

This is the only place that touches the file system for inputs. It turns a
YAML document into plain data, inlines the CSV tables it refers to, and hands
the result to the ``Scenario`` model, which does all the checking. Every
problem comes back as a ``ScenarioError`` whose lines name the field path (by
contact type, policy, shift or table id where there is one), the line of the
file and the bad value, e.g.
``contact_types[fraud].volume.per_day (line 12): Input should be greater than 0 (got -5)``.

The YAML reader is PyYAML's safe loader with what surprised users taken out:
a key written twice is an error (PyYAML keeps the last one silently), a
clock-like ``1:30`` is text, as in YAML 1.2 (YAML 1.1 reads it as the base-60
number 90), and nesting deeper than ``MAX_DEPTH`` or an integer longer than
``MAX_INT_DIGITS`` digits is refused before Python's recursion or big-int
limits turn it into a traceback.

CSV references: ``volume.table_csv: fraud.csv`` (a column ``expected_incidents``)
and ``agents.tables[i].agents_csv: pool.csv`` (a column ``agents``), relative
to the YAML file. A CSV must be a regular file inside the scenario's folder
(after resolving links) and at most ``MAX_CSV_BYTES``; its size is checked
before it is read, and no message quotes its contents beyond its column names.
"""

from __future__ import annotations

import copy
import csv
import io
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from sim.model.scenario import MAX_INTERVALS, Scenario
from sim.model.validation import Lines, ScenarioError, build_scenario, short_value

MAX_DEPTH = 32  # the scenario schema nests 8 deep; anything far deeper is not a scenario
MAX_INT_DIGITS = 30  # above any seed (2**64 has 20 digits) or count the schema takes
MAX_CSV_BYTES = 5_000_000  # a per-interval table of a year of 15-minute intervals is ~1 MB
_SHOWN_NAME_CHARS = 40  # column names are quoted in messages, cut to this length

# --------------------------------------------------------------------- YAML

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader without its silent surprises (see the module docstring)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_DEPTH} levels", self.peek_event().start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None,
                        f"key {short_value(key_node.value)} is written twice (first on line {seen[key]}); "
                        "keep one",
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)

    def construct_yaml_int(self, node):
        digits = sum(ch.isdigit() for ch in str(node.value))
        if digits > MAX_INT_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"a number of {digits} digits; no field takes more than {MAX_INT_DIGITS}",
                node.start_mark,
            )
        return super().construct_yaml_int(node)


_Loader.add_constructor(_INT, _Loader.construct_yaml_int)
# YAML 1.1's int and float resolvers, minus the base-60 forms (1:30 -> 90): such text stays text.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT, _FLOAT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _INT,
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def _read_yaml(text: str) -> tuple[Any, Lines]:
    """The document as plain data, and the line of every mapping key and list item in it."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        lines: Lines = {}
        if node is not None:
            _collect_lines(node, (), lines)
        return (loader.construct_document(node) if node is not None else None), lines
    finally:
        loader.dispose()


def _collect_lines(node, path: tuple, lines: Lines) -> None:
    stack = [(node, path)]
    while stack:  # iterative: the depth is bounded, but a recursion here would be the only one
        current, where = stack.pop()
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if isinstance(key_node, yaml.ScalarNode):
                    key = (*where, key_node.value)
                    lines.setdefault(key, key_node.start_mark.line + 1)
                    stack.append((value_node, key))
        elif isinstance(current, yaml.SequenceNode):
            for i, item in enumerate(current.value):
                lines.setdefault((*where, i), item.start_mark.line + 1)
                stack.append((item, (*where, i)))


def parse_scenario(text: str, read_csv: Callable[[str], str], source: str | None = None) -> Scenario:
    """Parse YAML text; ``read_csv(name)`` returns the text of a referenced CSV file."""
    try:
        data, lines = _read_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([f"not valid YAML{where}: {problem}"], source) from None
    except (RecursionError, MemoryError):
        raise ScenarioError(["not valid YAML: too large or too deeply nested to read"], source) from None
    if isinstance(data, dict):
        data = _inline_csv_tables(data, read_csv, source)
    return build_scenario(data, source, lines)


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario YAML file (and the CSV files it names, inside its folder)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([f"file not found: {path}"], str(path)) from None
    except UnicodeDecodeError:
        raise ScenarioError([f"cannot read {path}: not UTF-8 text"], str(path)) from None
    except OSError as exc:
        raise ScenarioError([f"cannot read {path}: {exc.strerror or type(exc).__name__}"], str(path)) from None

    def read_csv(name: str) -> str:
        return read_confined_file(path.parent, name, MAX_CSV_BYTES)

    return parse_scenario(text, read_csv, str(path))


class FileRefused(ValueError):
    """A referenced file that may not be read; the message never quotes the file."""


def read_confined_file(folder: Path, name: str, max_bytes: int) -> str:
    """The text of ``folder/name``: a regular file inside ``folder`` (links resolved) of at most ``max_bytes``.

    Checked before anything is read, and again on the opened file, so that a
    link swapped in meanwhile, ``/dev/zero`` or a FIFO is never read or waited on.
    """
    if not isinstance(name, str) or not name or "\0" in name:
        raise FileRefused("must be a file name, relative to the scenario's folder")
    root = folder.resolve()
    try:
        target = (root / name).resolve(strict=True)
    except FileNotFoundError:
        raise FileNotFoundError(name) from None
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop
        raise FileRefused("cannot be resolved to a file") from None
    if not target.is_relative_to(root):
        raise FileRefused("must be inside the scenario's folder (links are followed before checking)")
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise FileRefused(f"cannot be opened: {exc.strerror or type(exc).__name__}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused("is not a regular file")
        if info.st_size > max_bytes:
            raise FileRefused(f"is {info.st_size:,} bytes, over the {max_bytes:,}-byte limit")
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise FileRefused(f"is over the {max_bytes:,}-byte limit")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused("is not UTF-8 text") from None


def scenario_to_yaml(scenario: Scenario) -> str:
    """The scenario as a YAML document that loads back to an equal Scenario."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    return dump_yaml(data)


class _QuotingDumper(yaml.SafeDumper):
    """Quotes clock-like text: PyYAML writes '00:30' bare, which YAML 1.1 tools read as the number 30."""


def _represent_str(dumper: yaml.SafeDumper, value: str):
    clock_like = ":" in value and value.replace(":", "").replace("-", "").replace(".", "").isdigit()
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'" if clock_like else None)


_QuotingDumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    """YAML text of plain data, in its key order, with clock-like text quoted: what every file we write uses."""
    return yaml.dump(data, Dumper=_QuotingDumper, sort_keys=False, allow_unicode=True)


def _inline_csv_tables(data: dict, read_csv: Callable[[str], str], source: str | None) -> dict:
    problems: list[str] = []

    def inline(mapping: dict, key: str, target: str, column: str, where: str) -> None:
        name = mapping.pop(key)
        if target in mapping:
            problems.append(f"{where}: give either {target} or {key}, not both")
            return
        shown = short_value(name)
        try:
            mapping[target] = _read_column(read_csv(str(name)), column)
        except FileNotFoundError:
            problems.append(f"{where}.{key}: file not found: {shown}")
        except UnicodeDecodeError:
            problems.append(f"{where}.{key}: cannot read {shown}: not UTF-8 text")
        except OSError as exc:  # the reason only: the full error would show the server's paths
            problems.append(f"{where}.{key}: cannot read {shown}: {exc.strerror or type(exc).__name__}")
        except ValueError as exc:
            problems.append(f"{where}.{key}: {shown} {exc}" if isinstance(exc, FileRefused)
                            else f"{where}.{key}: {shown}: {exc}")

    def agents_block(agents: Any, where: str) -> None:
        if isinstance(agents, dict):
            for j, table in enumerate(items(agents.get("tables"))):
                if isinstance(table, dict) and "agents_csv" in table:
                    inline(table, "agents_csv", "agents", "agents", f"{where}.tables[{_label(table, j)}]")

    def items(value) -> list:
        # Anything but a list is left for the Scenario model to reject with its own message.
        return value if isinstance(value, list) else []

    data = copy.deepcopy(data)
    for i, ct in enumerate(items(data.get("contact_types"))):
        volume = ct.get("volume") if isinstance(ct, dict) else None
        if isinstance(volume, dict) and "table_csv" in volume:
            inline(volume, "table_csv", "table", "expected_incidents", f"contact_types[{_label(ct, i)}].volume")
    agents_block(data.get("agents"), "agents")
    for i, policy in enumerate(items(data.get("policies"))):
        if isinstance(policy, dict):
            agents_block(policy.get("agents"), f"policies[{_label(policy, i)}].agents")
    if problems:
        raise ScenarioError(problems, source)
    return data


def _label(item: dict, index: int) -> str | int:
    ident = item.get("id") if isinstance(item, dict) else None
    return ident if isinstance(ident, str) and ident else index


def _read_column(text: str, column: str) -> list[float]:
    """The numbers of the column named ``column``; problems name the line and column, never a cell."""
    if len(text) > MAX_CSV_BYTES:
        raise ValueError(f"is over the {MAX_CSV_BYTES:,}-byte limit")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
        if header is None:
            raise ValueError("is empty; the first line must name the columns")
        found = ", ".join(repr(h.strip()[:_SHOWN_NAME_CHARS]) for h in header[:10])
        found += ", ..." if len(header) > 10 else ""
        names = [h.strip() for h in header]
        if column not in names:
            raise ValueError(f"needs a column named {column!r}; its first line has {found}")
        at = names.index(column)
        values = []
        for row in reader:
            if not row:
                continue  # a blank line, e.g. at the end
            n = reader.line_num
            if len(row) != len(header):
                raise ValueError(f"line {n} has {len(row)} cells; the header has {len(header)} ({found})")
            if len(values) >= MAX_INTERVALS:
                raise ValueError(f"has more than {MAX_INTERVALS:,} rows, more than any horizon has intervals")
            try:
                values.append(float(row[at]))
            except ValueError:
                raise ValueError(f"line {n}, column {column!r}: not a number") from None
    except csv.Error:  # e.g. a cell over csv's field_size_limit (131,072 characters)
        raise ValueError(f"line {reader.line_num}: not a readable CSV line (a huge cell or a stray quote)") from None
    if not values:
        raise ValueError("has no data rows")
    return values
