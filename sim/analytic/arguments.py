"""The arguments of the Erlang formulas, checked: what is out of domain is an ``ErlangInputError`` naming it.

A planner types these numbers (the ``erlang`` command, the app), so every one
is checked for type, finiteness and range before any formula runs.
"""

from __future__ import annotations

import math
import numbers

from sim.errors import ArgumentError


class ErlangInputError(ArgumentError):
    """An argument to an Erlang formula is out of its domain; ``argument`` names it where one argument is at fault."""


class TargetUnreachable(ErlangInputError):
    """No number of servers up to the cap meets the target: the cap (``max_servers``) is what binds."""

    def __init__(self, detail: str):
        super().__init__(detail, "max_servers")


def check_real(name: str, value: object) -> float:
    # bool is an int subclass; True servers or True seconds is always a bug.
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ErlangInputError("must be a real number", name, value=value)
    v = float(value)
    if not math.isfinite(v):
        raise ErlangInputError("must be finite", name, value=v)
    return v


def check_non_negative(name: str, value: object) -> float:
    v = check_real(name, value)
    if v < 0:
        raise ErlangInputError("must be >= 0", name, value=v)
    return v


def check_positive(name: str, value: object) -> float:
    v = check_real(name, value)
    if v <= 0:
        raise ErlangInputError("must be > 0", name, value=v)
    return v


def check_count(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        # Accept 14.0 from a spreadsheet but not 14.5: a fractional agent is a bug upstream.
        if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer():
            value = int(value)
        else:
            raise ErlangInputError("must be a whole number", name, value=value)
    n = int(value)
    if n < minimum:
        raise ErlangInputError(f"must be >= {minimum}", name, value=n)
    return n


def check_fraction(name: str, value: object, *, allow_zero: bool, allow_one: bool) -> float:
    v = check_real(name, value)
    low_ok = v > 0 or (allow_zero and v == 0)
    high_ok = v < 1 or (allow_one and v == 1)
    if not (low_ok and high_ok):
        lo = "[0" if allow_zero else "(0"
        hi = "1]" if allow_one else "1)"
        raise ErlangInputError(f"must be in {lo}, {hi}", name, value=v)
    return v
