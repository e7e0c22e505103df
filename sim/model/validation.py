"""Plain data to a Scenario, with every problem named by its field.

Pydantic reports a problem at a location such as
``('contact_types', 0, 'volume', 'per_day')``; people read
``contact_types[fraud].volume.per_day: Input should be greater than 0 (got -5)``.
This module makes that translation once, for every way a scenario is built:
from a file (``sim.files.scenario_io``, which adds the YAML line), from the
app's widgets and the knobs, from an experiment's or a plan's edits. A
``ScenarioError`` carries one such line per problem.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from sim.errors import InputProblems
from sim.model.scenario import FieldError, Scenario

Lines = dict[tuple, int]  # data path (keys and list indexes) -> 1-based line in the YAML file


class ScenarioError(InputProblems):
    """A scenario that cannot be used; ``problems`` has one line per field."""

    heading = "invalid scenario"


_UNION_TAGS = ("exponential", "lognormal", "gamma", "weibull", "deterministic", "empirical", "named_curve", "curve_points",
                "liability_preset", "liability_rule", "unanswered_guarantee", "unanswered_seconds")


def _path(loc: tuple, data: Any) -> tuple[str, tuple]:
    """A pydantic error location as a field path naming list items by id, and the raw data path.

    ``('contact_types', 0, 'volume', 'per_day')`` -> ``contact_types[fraud].volume.per_day`` when the
    first contact type's id is ``fraud`` (by index where the item has no id, or shares it).
    """
    out, raw, node = "", [], data
    for part in loc:
        if isinstance(part, int):
            label: Any = part
            if isinstance(node, list) and 0 <= part < len(node):
                item = node[part]
                ident = item.get("id") if isinstance(item, dict) else None
                siblings = [x.get("id") for x in node if isinstance(x, dict)]
                if isinstance(ident, str) and ident and siblings.count(ident) == 1:
                    label = ident
                node = item
            else:
                node = None
            out += f"[{label}]"
        elif part in _UNION_TAGS and not (isinstance(node, dict) and part in node):
            continue  # the discriminated-union branch adds nothing for the reader
        else:
            node = node.get(part) if isinstance(node, dict) else None
            out += f".{part}" if out else str(part)
        raw.append(part)
    return out or "scenario", tuple(raw)


def _line_of(raw: tuple, lines: Lines | None) -> int | None:
    """The line of the deepest part of ``raw`` the YAML file has (an inlined CSV has none of its own)."""
    if not lines:
        return None
    for n in range(len(raw), 0, -1):
        if raw[:n] in lines:
            return lines[raw[:n]]
    return None


def describe_validation_error(exc: ValidationError, data: Any = None, lines: Lines | None = None) -> list[str]:
    """One line per problem: the field path (by id), the YAML line when known, the message, the bad value."""
    problems = []
    for err in exc.errors():
        path, raw = _path(err["loc"], data)
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, FieldError):
            # A cross-field check names its own field, relative to the model that ran it.
            path = cause.field if path == "scenario" else f"{path}.{cause.field}"
            message = cause.message
        else:
            message = err["msg"].removeprefix("Value error, ")
        line = _line_of(raw, lines)
        where = f"{path} (line {line})" if line else path
        if err["type"] == "extra_forbidden":
            problems.append(f"{where}: unknown field (check the spelling; see the README for the format)")
            continue
        text = f"{where}: {message}"
        if (
            err["type"] != "missing"
            and "input" in err
            and not isinstance(err["input"], (dict, list))
            and f"got {err['input']!r}" not in message
        ):
            text += f" (got {short_value(err['input'])})"
        problems.append(text)
    return problems


def short_value(value: Any) -> str:
    """A value as quoted in a message: its repr, cut to 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def build_scenario(data: Any, source: str | None = None, lines: Lines | None = None) -> Scenario:
    """Validate plain data into a Scenario, or raise ScenarioError."""
    if not isinstance(data, dict):
        raise ScenarioError([f"the document must be a mapping of fields, got {type(data).__name__}"], source)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(describe_validation_error(exc, data, lines), source) from None
