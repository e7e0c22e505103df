"""Reading and writing scenario files (YAML, with CSV tables beside them).

This is the only place that touches the file system for inputs. It turns a
YAML document into plain data, inlines the CSV tables it refers to, and hands
the result to the ``Scenario`` model, which does all the checking. Every
problem comes back as a ``ScenarioError`` whose lines name the field path and
the bad value, e.g. ``contact_types[0].volume.per_day: must be > 0 (got -5)``.

CSV references: ``volume.table_csv: fraud.csv`` (a column ``expected_incidents``,
or the only column) and ``agents.tables[i].agents_csv: pool.csv`` (a column
``agents``, or the only column), relative to the YAML file.
"""

from __future__ import annotations

import copy
import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .scenario import Scenario


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``problems`` has one line per field."""

    def __init__(self, problems: list[str], source: str | None = None):
        self.problems = problems
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(where + "invalid scenario\n" + "\n".join(f"  - {p}" for p in problems))


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("exponential", "lognormal", "gamma", "weibull", "deterministic", "empirical"):
            continue  # the discriminated-union branch adds nothing for the reader
        else:
            out += f".{part}" if out else str(part)
    return out or "scenario"


# Cross-field checks run on the whole model and name their field in the message itself.
_PATH_PREFIX = re.compile(r"^[A-Za-z_][\w\[\].*]*: ")


def describe_validation_error(exc: ValidationError) -> list[str]:
    problems = []
    for err in exc.errors():
        message = err["msg"].removeprefix("Value error, ")
        path = _loc(err["loc"])
        line = message if path == "scenario" and _PATH_PREFIX.match(message) else f"{path}: {message}"
        if (
            err["type"] not in ("missing", "extra_forbidden")
            and "input" in err
            and not isinstance(err["input"], (dict, list))
            and f"got {err['input']!r}" not in message
        ):
            line += f" (got {err['input']!r})"
        if err["type"] == "extra_forbidden":
            line = f"{_loc(err['loc'])}: unknown field (check the spelling; see the README for the format)"
        problems.append(line)
    return problems


def build_scenario(data: Any, source: str | None = None) -> Scenario:
    """Validate plain data into a Scenario, or raise ScenarioError."""
    if not isinstance(data, dict):
        raise ScenarioError([f"the document must be a mapping of fields, got {type(data).__name__}"], source)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(describe_validation_error(exc), source) from None


def parse_scenario(text: str, read_csv: Callable[[str], str], source: str | None = None) -> Scenario:
    """Parse YAML text; ``read_csv(name)`` returns the text of a referenced CSV file."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([f"not valid YAML{where}: {problem}"], source) from None
    if isinstance(data, dict):
        data = _inline_csv_tables(data, read_csv, source)
    return build_scenario(data, source)


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario YAML file (and the CSV files it names, relative to it)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([f"file not found: {path}"], str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"cannot read {path}: {exc}"], str(path)) from None

    def read_csv(name: str) -> str:
        return (path.parent / name).read_text(encoding="utf-8")

    return parse_scenario(text, read_csv, str(path))


def with_run_settings(scenario: Scenario, replications: int | None = None, seed: int | None = None) -> Scenario:
    """The scenario with its replications and seed overridden, checked against the model's bounds."""
    update = {k: v for k, v in (("replications", replications), ("seed", seed)) if v is not None}
    if not update:
        return scenario
    return build_scenario({**scenario.model_dump(mode="json"), **update})


def scenario_to_yaml(scenario: Scenario) -> str:
    """The scenario as a YAML document that loads back to an equal Scenario."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _inline_csv_tables(data: dict, read_csv: Callable[[str], str], source: str | None) -> dict:
    problems: list[str] = []

    def inline(mapping: dict, key: str, target: str, column: str, where: str) -> None:
        name = mapping.pop(key)
        if target in mapping:
            problems.append(f"{where}: give either {target} or {key}, not both")
            return
        try:
            mapping[target] = _read_column(read_csv(str(name)), column)
        except FileNotFoundError:
            problems.append(f"{where}.{key}: file not found: {name}")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{where}.{key}: cannot read {name}: {exc}")
        except ValueError as exc:
            problems.append(f"{where}.{key}: {name}: {exc}")

    def agents_block(agents: Any, where: str) -> None:
        if isinstance(agents, dict):
            for j, table in enumerate(items(agents.get("tables"))):
                if isinstance(table, dict) and "agents_csv" in table:
                    inline(table, "agents_csv", "agents", "agents", f"{where}.tables[{j}]")

    def items(value) -> list:
        # Anything but a list is left for the Scenario model to reject with its own message.
        return value if isinstance(value, list) else []

    data = copy.deepcopy(data)
    for i, ct in enumerate(items(data.get("contact_types"))):
        volume = ct.get("volume") if isinstance(ct, dict) else None
        if isinstance(volume, dict) and "table_csv" in volume:
            inline(volume, "table_csv", "table", "expected_incidents", f"contact_types[{i}].volume")
    agents_block(data.get("agents"), "agents")
    for i, policy in enumerate(items(data.get("policies"))):
        if isinstance(policy, dict):
            agents_block(policy.get("agents"), f"policies[{i}].agents")
    if problems:
        raise ScenarioError(problems, source)
    return data


def _read_column(text: str, column: str) -> list[float]:
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        raise ValueError("no data rows")
    fields = list(rows[0].keys())
    name = column if column in fields else (fields[0] if len(fields) == 1 else None)
    if name is None:
        raise ValueError(f"needs a column named {column!r} (found {', '.join(map(str, fields))})")
    values = []
    for n, row in enumerate(rows, start=2):
        try:
            values.append(float(row[name]))
        except (TypeError, ValueError):
            raise ValueError(f"line {n}: {row[name]!r} in column {name!r} is not a number") from None
    return values

