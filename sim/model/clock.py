"""Clock times and daily spans as a scenario writes them, in seconds as the model uses them.

``"08:30"`` is 30600 seconds after midnight; a daily span ``"22:00-08:00"``
may wrap past midnight; weekdays are ``mon`` .. ``sun``.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_SPAN = re.compile(r"^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


def clock_to_s(text: str) -> int:
    """'08:30' -> 30600 seconds after midnight."""
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f"expected a clock time HH:MM between 00:00 and 23:59, got {text!r}")
    return int(match.group(1)) * 3600 + int(match.group(2)) * 60


def parse_daily_span(text: str) -> tuple[int, int]:
    """'22:00-08:00' -> (79200, 28800); a span may wrap past midnight."""
    match = _SPAN.match(text)
    if not match:
        raise ValueError(f"expected a span of hours 'HH:MM-HH:MM', got {text!r}")
    start, end = clock_to_s(match.group(1)), clock_to_s(match.group(2))
    if start == end:
        raise ValueError(f"span {text!r} is empty: start and end are the same time")
    return start, end


def in_daily_spans(seconds_of_day: float, spans: list[tuple[int, int]]) -> bool:
    for start, end in spans:
        if start < end:
            if start <= seconds_of_day < end:
                return True
        elif seconds_of_day >= start or seconds_of_day < end:
            return True
    return False


def _valid_spans(value: list[str]) -> list[str]:
    for text in value:
        parse_daily_span(text)
    return value


# A list of daily spans 'HH:MM-HH:MM' (a scenario's open hours, bot-only hours), each checked as it is read.
DailySpans = Annotated[list[str], AfterValidator(_valid_spans)]
