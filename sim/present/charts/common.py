"""What every chart shares: the policies' colours, the guarantee's colour, labels that wrap, time axes.

A policy keeps its colour on every chart: colours follow the order of the policies.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import pandas as pd
from plotly.colors import qualitative

PALETTE = qualitative.Safe + qualitative.Vivid
GUARANTEE_COLOUR = "#b2182b"


def policy_colours(policies: Sequence[str]) -> dict[str, str]:
    return {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(policies)}


def rgba(colour: str, alpha: float) -> str:
    """'#rrggbb' or 'rgb(r, g, b)' -> 'rgba(r,g,b,alpha)'."""
    if colour.startswith("#"):
        r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    else:
        r, g, b = (int(float(x)) for x in colour[colour.index("(") + 1 : colour.index(")")].split(",")[:3])
    return f"rgba({r},{g},{b},{alpha})"


def wrap_label(text: str, width: int = 20) -> str:
    """A long name broken into lines of about ``width`` characters (Plotly's ``<br>``), so that names on an axis
    or above a panel stay whole and apart instead of being rotated, overlapped or cut."""
    return "<br>".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


def error_bars(mean: float, lo: float, hi: float) -> tuple[float, float]:
    """(up, down) lengths of an error bar from an interval; none when a bound is missing."""
    if any(isinstance(x, float) and math.isnan(x) for x in (lo, hi)):
        return 0.0, 0.0
    return hi - mean, mean - lo


def timestamps(interval_start_s: pd.Series, start_weekday_index: int) -> pd.Series:
    """Model seconds as timestamps whose weekday and clock time are the scenario's (the date means nothing)."""
    # 2024-01-01 was a Monday: any date works, only weekday and time are shown.
    origin = pd.Timestamp("2024-01-01") + pd.Timedelta(days=start_weekday_index)
    return origin + pd.to_timedelta(interval_start_s, unit="s")


def nice_step(top: float, ticks: int = 5) -> int:
    """A whole-number tick step (1, 2, 5, 10, 20, ...) giving about ``ticks`` ticks up to ``top``."""
    raw = max(top, 1.0) / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * magnitude:
            return max(1, int(m * magnitude))
    return max(1, int(10 * magnitude))
