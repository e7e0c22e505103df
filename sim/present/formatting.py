"""How numbers are written for people: one set of rules for the CLI, the app and the reports.

Every figure a person reads goes through here, so a share, an amount of
money or a time looks the same in the terminal, in the browser and in an
export. Kinds:

``money``   whole units with thousands separators; ``compact`` writes 12.3k / 1.25M
``share``   a fraction as a percentage with one decimal
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


def fmt_money(x: float, currency: str = "", compact: bool = False) -> str:
    if is_missing(x):
        return MISSING
    v = abs(x)
    if compact and v >= 1e6:
        text = f"{v / 1e6:,.2f}M"
    elif compact and v >= 1e4:
        text = f"{v / 1e3:,.1f}k"
    else:
        text = f"{v:,.0f}"
    sign = "-" if x < 0 and any(ch in "123456789" for ch in text) else ""
    return f"{sign}{currency + ' ' if currency else ''}{text}"


def fmt_value(x: float, kind: str, currency: str = "", compact: bool = False) -> str:
    if is_missing(x):
        return MISSING
    if isinstance(x, float) and math.isinf(x):
        return "never" if kind == "seconds" else ("inf" if x > 0 else "-inf")
    if kind == "money":
        return fmt_money(x, currency, compact)
    if kind == "share":
        return _unsigned(f"{100 * x:.1f}%")
    if kind == "seconds":
        if abs(x) < 100:
            return _unsigned(f"{x:.1f}") + " s"
        return f"{x:,.0f} s" if abs(x) < 600 else f"{x / 60:,.1f} min"
    if kind == "count":
        return _unsigned(f"{x:,.1f}")
    if kind == "integer":
        return _unsigned(f"{x:,.0f}")
    return _unsigned(f"{x:,.1f}")


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
