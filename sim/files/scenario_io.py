"""The one funnel for every input file a user gives: scenarios, experiments, plans, exercises, templates.

Every YAML file is read by ``read_yaml_file`` (or, for text already in
memory such as an upload, ``read_yaml_text``), which returns the document as
plain data and the line of every key and list item in it, and checked by
``validate(model_type, data, lines, ...)``, which runs the file's pydantic
model and describes every problem the same way: the field path (by contact
type, policy, shift, template or factor id where there is one), the line of
the file and the bad value, e.g.
``contact_types[fraud].volume.per_day (line 12): Input should be greater than 0 (got -5)``.
Problems come back as an ``InputProblems`` subclass chosen by the caller
(``ScenarioError``, ``ExperimentError``, ``PlanningError``, ...), which the CLI
turns into exit code 2 and the app into a message; never a traceback.

Before anything is parsed, the file must be a regular file (never a FIFO,
a device such as ``/dev/zero`` or a folder, which would block or fill memory)
of at most ``MAX_FILE_BYTES``. The YAML reader is PyYAML's safe loader with
what surprised users taken out: a key written twice is an error (PyYAML keeps
the last one silently), a clock-like ``1:30`` is text, as in YAML 1.2 (YAML
1.1 reads it as the base-60 number 90), nesting deeper than ``MAX_DEPTH`` or
an integer longer than ``MAX_INT_DIGITS`` digits is refused before Python's
recursion or big-int limits turn it into a traceback, and anchors and aliases
(``&name`` / ``*name``) may repeat at most ``MAX_ALIAS_VALUES`` values in all
and never refer to themselves: a 766-byte "alias bomb" expands to billions.

Scenario files add CSV references: ``volume.table_csv: fraud.csv`` (a column
``expected_incidents``) and ``agents.tables[i].agents_csv: pool.csv`` (a
column ``agents``), relative to the YAML file. A CSV must be a regular file
inside the scenario's folder (after resolving links) and at most
``MAX_CSV_BYTES``; its size is checked before it is read, and no message
quotes its contents beyond its column names.
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
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from sim.errors import InputProblems
from sim.model.scenario import MAX_INTERVALS, Scenario
from sim.model.validation import Lines, ScenarioError, build_scenario, describe_validation_error, short_value

MAX_DEPTH = 32  # the scenario schema nests 8 deep; anything far deeper is not a scenario
MAX_INT_DIGITS = 30  # above any seed (2**64 has 20 digits) or count the schema takes
MAX_CSV_BYTES = 5_000_000  # a per-interval table of a year of 15-minute intervals is ~1 MB
MAX_FILE_BYTES = MAX_CSV_BYTES  # a YAML input file: the same cap (PyYAML reads ~1 MB a second)
MAX_ALIAS_VALUES = 10_000  # values that aliases may repeat, in all; far above any use of `<<: *defaults`
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
        if node is None:
            return None, lines
        _check_aliases(node)
        _collect_lines(node, (), lines)
        return loader.construct_document(node), lines
    finally:
        loader.dispose()


def _check_aliases(root) -> None:
    """Refuse a document whose aliases repeat more than ``MAX_ALIAS_VALUES`` values, or refer to themselves.

    An alias is the node of its anchor, shared: a document of a few hundred
    bytes can reach one node by 9**9 paths. Each node is sized once (memoised),
    so this is linear in the distinct nodes whatever the paths.
    """
    size: dict[int, int] = {}  # node id -> values reached from it, repeats included
    distinct = 0
    stack = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        children = _children(node)
        if children_done:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(child)] for child in children)
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise yaml.composer.ComposerError(
                None, None, "an alias (*name) refers to the value that contains it", node.start_mark
            )
        open_nodes.add(key)
        distinct += 1
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                raise yaml.composer.ComposerError(
                    None, None, "an alias (*name) refers to the value that contains it", child.start_mark
                )
            if id(child) not in size:
                stack.append((child, False))
    repeated_values = size[id(root)] - distinct
    if repeated_values > MAX_ALIAS_VALUES:
        raise yaml.composer.ComposerError(
            None, None,
            f"anchors and aliases (&name, *name) repeat {repeated_values:,} values, over the limit of "
            f"{MAX_ALIAS_VALUES:,}; write the values out or use fewer aliases",
            None,
        )


def _children(node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _collect_lines(node, path: tuple, lines: Lines) -> None:
    stack = [(node, path)]
    seen: set[int] = set()  # an aliased node is walked once, under the first path that reaches it
    while stack:  # iterative: the depth is bounded, but a recursion here would be the only one
        current, where = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
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


# ------------------------------------------------------------- the funnel

Model = TypeVar("Model", bound=BaseModel)


def read_yaml_text(text: str, source: str | None = None, error: type[InputProblems] = InputProblems
                   ) -> tuple[Any, Lines]:
    """YAML text as plain data and its line map (data path -> line); ``error`` names every problem.

    For text already in memory (an upload in the app): held to the same size cap as a file.
    """
    if len(text) > MAX_FILE_BYTES:
        raise error([f"the text is {len(text):,} characters, over the {MAX_FILE_BYTES:,}-byte limit"], source)
    try:
        return _read_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error([f"not valid YAML{where}: {problem}"], source) from None
    except (RecursionError, MemoryError):
        raise error(["not valid YAML: too large or too deeply nested to read"], source) from None


def read_input_text(path: str | Path, kind: str = "input", error: type[InputProblems] = InputProblems,
                    max_bytes: int = MAX_FILE_BYTES, fallback_encoding: str | None = None) -> str:
    """The text of a file a user named: a regular file of at most ``max_bytes``, UTF-8 (else
    ``fallback_encoding``, where given); else ``error``.

    ``kind`` says what the file is in messages ("scenario", "experiment", ...).
    Never blocks on a FIFO or reads a device: the file is checked once opened,
    before a byte is read.
    """
    path = Path(path)
    source = str(path)
    try:
        return _read_regular_file(path, max_bytes, fallback_encoding=fallback_encoding)
    except FileNotFoundError:
        raise error([f"file not found: {path}"], source) from None
    except FileRefused as exc:
        raise error([f"cannot read {path}: the {kind} file {exc}"], source) from None
    except OSError as exc:
        raise error([f"cannot read {path}: {exc.strerror or type(exc).__name__}"], source) from None


def read_yaml_file(path: str | Path, kind: str = "input", error: type[InputProblems] = InputProblems,
                   max_bytes: int = MAX_FILE_BYTES) -> tuple[Any, Lines]:
    """A YAML file a user named, as plain data and its line map; every problem is one ``error``.

    The one way an input file is read (see the module docstring): pass the
    data and lines to ``validate`` with the file's model.
    """
    return read_yaml_text(read_input_text(path, kind, error, max_bytes), str(path), error)


def validate(model_type: type[Model], data: Any, lines: Lines | None = None, *, source: str | None = None,
             error: type[InputProblems] = InputProblems, root: str = "document",
             id_keys: tuple[str, ...] = ("id",)) -> Model:
    """``model_type`` validated from ``data``, or ``error`` with one line per problem.

    Each line names the field by path (list items by the first of ``id_keys``
    they have, else by position), the file's line when ``lines`` has it, the
    message and the bad value; ``root`` names the document as a whole.
    """
    if not isinstance(data, dict):
        raise error([f"the document must be a mapping of fields, got {type(data).__name__}"], source)
    try:
        return model_type.model_validate(data)
    except ValidationError as exc:
        raise error(describe_validation_error(exc, data, lines, root=root, id_keys=id_keys), source) from None
    except (RecursionError, MemoryError):
        raise error(["too large or too deeply nested to check"], source) from None


def parse_scenario(text: str, read_csv: Callable[[str], str], source: str | None = None) -> Scenario:
    """Parse YAML text; ``read_csv(name)`` returns the text of a referenced CSV file."""
    data, lines = read_yaml_text(text, source, ScenarioError)
    if isinstance(data, dict):
        data = _inline_csv_tables(data, read_csv, source)
    try:
        return build_scenario(data, source, lines)
    except (RecursionError, MemoryError):
        raise ScenarioError(["too large or too deeply nested to check"], source) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario YAML file (and the CSV files it names, inside its folder)."""
    path = Path(path)
    text = read_input_text(path, "scenario", ScenarioError)

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
    return _read_regular_file(target, max_bytes, follow=False)


def _read_regular_file(path: Path, max_bytes: int, follow: bool = True, fallback_encoding: str | None = None) -> str:
    """The UTF-8 text of ``path`` if it is a regular file of at most ``max_bytes``; ``FileRefused`` otherwise.

    Opened without blocking and checked on the open file before a byte is
    read, so a FIFO, ``/dev/zero`` or a file swapped in meanwhile is never
    read or waited on. ``follow=False``: a link is refused (the caller
    resolved it already).
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow else getattr(os, "O_NOFOLLOW", 0))
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
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
        if fallback_encoding:  # an ACD export in Windows-1252 / Latin-1: every byte decodes
            return raw.decode(fallback_encoding)
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
            mapping[target] = read_column(read_csv(str(name)), column)
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


def read_column(text: str, column: str) -> list[float]:
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
