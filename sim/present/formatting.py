"""How numbers are written for people: one set of rules for the CLI, the app and the reports.

Every figure a person reads goes through here, so a share, an amount of
money or a time looks the same in the terminal, in the browser and in an
export. Kinds:

``money``   whole units with thousands separators; ``compact`` writes 12.3k / 1.25M
``share``   a fraction as a percentage with one decimal
``pp``      a difference of two shares, in percentage points with one decimal ("-84.9 pp"):
            a share minus a share is not a percentage of anything (``fmt_difference``)
``seconds`` a duration: one decimal below 100 s (an ASA of 7.8 s is not "8 s"),
            whole seconds below 10 min, minutes above
``count``   a mean of counts, one decimal (12.4 incidents per run)
``integer`` a whole count
``number``  anything else, one decimal

A value that rounds to zero is written without a sign: "0", never "-0".
Missing values (None, NaN) are "n/a".
"""

from __future__ import annotations

import math
from typing import Any

MISSING = "n/a"


def is_missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _unsigned(text: str) -> str:
    # a value that rounds to zero keeps no sign: "-0", "-0.0" and "-0.0%" read as a loss that is not there
    return text[1:] if text.startswith("-") and not any(ch in "123456789" for ch in text) else text


def money_unit(values) -> str:
    """The one compact unit ('', 'k' or 'M') to write a whole column of ``values`` in (``fmt_money_in``), so
    one column never mixes "-3,059" with "-11.4k": thousands once the largest reaches 10,000, millions
    only when every amount does (1.45M beside 12.3k reads "1,450.0k", not "0.01M")."""
    finite = [abs(float(v)) for v in values if not is_missing(v) and math.isfinite(float(v))]
    nonzero = [v for v in finite if v >= 0.5]
    if nonzero and min(nonzero) >= 1e6:
        return "M"
    return "k" if max(finite, default=0.0) >= 1e4 else ""


def fmt_money_in(x: float, unit: str, currency: str = "") -> str:
    """An amount in the given compact unit ('' whole units, 'k' thousands, 'M' millions)."""
    if is_missing(x):
        return MISSING
    v = abs(x)
    text = f"{v / 1e6:,.2f}M" if unit == "M" else f"{v / 1e3:,.1f}k" if unit == "k" else f"{v:,.0f}"
    if not any(ch in "123456789" for ch in text):
        return f"{currency + ' ' if currency else ''}0"  # nothing: "0" in any unit, never "0.0k" or "-0"
    sign = "-" if x < 0 else ""
    return f"{sign}{currency + ' ' if currency else ''}{text}"


def fmt_money(x: float, currency: str = "", compact: bool = False) -> str:
    if is_missing(x):
        return MISSING
    return fmt_money_in(x, money_unit([x]) if compact else "", currency)


def fmt_value(x: float, kind: str, currency: str = "", compact: bool = False) -> str:
    if is_missing(x):
        return MISSING
    if isinstance(x, float) and math.isinf(x):
        return "never" if kind == "seconds" else ("inf" if x > 0 else "-inf")
    if kind == "money":
        return fmt_money(x, currency, compact)
    if kind == "share":
        return _unsigned(f"{100 * x:.1f}%")
    if kind == "pp":
        return _unsigned(f"{100 * x:.1f} pp")
    if kind == "seconds":
        if abs(x) < 100:
            return _unsigned(f"{x:.1f}") + " s"
        return f"{x:,.0f} s" if abs(x) < 600 else f"{x / 60:,.1f} min"
    if kind == "count":
        return _unsigned(f"{x:,.1f}")
    if kind == "integer":
        return _unsigned(f"{x:,.0f}")
    return _unsigned(f"{x:,.1f}")


def difference_kind(kind: str) -> str:
    """The kind a difference of two values of ``kind`` is written as: shares differ in percentage points."""
    return "pp" if kind == "share" else kind


def fmt_difference(x: float, kind: str, currency: str = "", compact: bool = False) -> str:
    """A difference of two values of ``kind`` (policy minus baseline): a share's in pp, others as their kind."""
    return fmt_value(x, difference_kind(kind), currency, compact)


def fmt_signed(x: float, kind: str) -> str:
    """A change or a gap, with its sign always written ("+1.5", "-0.5"); zero is "0"."""
    text = fmt_value(x, kind)
    if is_missing(x) or text.startswith("-") or not any(ch in "123456789" for ch in text):
        return text
    return "+" + text


def fmt_ci(lo: float, hi: float, kind: str, currency: str = "", compact: bool = False) -> str:
    """'low to high' of an interval; 'CI n/a' when a bound is missing (a single replication)."""
    if is_missing(lo) or is_missing(hi):
        return "CI n/a"
    return f"{fmt_value(lo, kind, currency, compact)} to {fmt_value(hi, kind, currency, compact)}"


def fmt_estimate(mean: float, lo: float, hi: float, kind: str, currency: str = "", compact: bool = False) -> str:
    """'mean (low to high)', or the mean alone when there is no interval."""
    value = fmt_value(mean, kind, currency, compact)
    if is_missing(lo) or is_missing(hi):
        return value
    return f"{value} ({fmt_ci(lo, hi, kind, '', compact)})"


def fmt_pm(mean: float, lo: float, hi: float, kind: str) -> str:
    """'mean ± half-width' for terminal tables (the half-width of the interval as given)."""
    if is_missing(lo) or is_missing(hi):
        return fmt_value(mean, kind)
    half = fmt_value((hi - lo) / 2, kind)
    return f"{fmt_value(mean, kind)} ± {half}"


def fmt_parameter(value: Any, digits: int = 4) -> str:
    """A scenario parameter's value for people: numbers to ``digits`` significant figures with no float noise
    (0.17499999999999996 is "0.175", 21.428571428571427 is "21.43"), whole numbers as they are, booleans
    as YAML writes them, lists and mappings item by item."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if abs(value) >= 10 ** digits:
            return f"{value:,.0f}"
        return f"{value:.{digits}g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {fmt_parameter(v, digits)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(fmt_parameter(v, digits) for v in value) + "]"
    return str(value)


def fmt_change(before: Any, after: Any) -> str:
    """'before → after' of an edited parameter, each with ``fmt_parameter``, with more digits only where the
    two would otherwise read the same (0.2 → 0.2001, never 0.2 → 0.2); a parameter added or removed reads
    'not in the file' or 'removed'."""
    if before is None:
        return f"not in the file → {fmt_parameter(after)}"
    if after is None:
        return f"{fmt_parameter(before)} → removed"
    for digits in (4, 6, 9, 12, 17):
        old, new = fmt_parameter(before, digits), fmt_parameter(after, digits)
        if old != new:
            break
    return f"{old} → {new}"


def seconds_unit(values) -> str:
    """'min' when the longest of ``values`` reaches 10 minutes, else 's': one unit for a whole column of times."""
    finite = [abs(float(v)) for v in values if not is_missing(v) and math.isfinite(float(v))]
    return "min" if max(finite, default=0.0) >= 600 else "s"


def fmt_seconds_in(x: float, unit: str) -> str:
    """A duration in seconds written in ``unit`` ('s' as ``fmt_value`` writes seconds, or 'min')."""
    if is_missing(x) or unit != "min" or (isinstance(x, float) and math.isinf(x)):
        return fmt_value(x, "seconds")
    return _unsigned(f"{x / 60:,.1f}") + " min"


def fmt_significant(x: float, digits: int = 4) -> str:
    """A figure set beside a published one: ``digits`` significant digits (0.9012, 1816.1, 0.03420).

    Published tables print three or four digits; a comparison at one decimal of a percent would
    hide the differences the agreement table is about.
    """
    if is_missing(x):
        return MISSING
    if isinstance(x, float) and math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    magnitude = int(math.floor(math.log10(abs(x))))
    decimals = max(0, digits - 1 - magnitude)
    return _unsigned(f"{x:,.{decimals}f}")
