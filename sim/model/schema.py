"""The building blocks every section of a scenario is made of.

``StrictModel`` is the base of every input section (unknown keys refused,
frozen, no inf or nan); the bounds say what a contact centre can mean, so that
a validated scenario runs to finite figures (the app reads its widget bounds
from the fields' metadata); ``FieldError`` is a cross-field check that names
the field it is about, by id where there is one.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from sim.model.distributions import MAX_VALUE

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$", max_length=64)]


# ------------------------------------------------------------------ bounds
# What a contact centre can mean; beyond these the figures stop meaning anything
# (and numpy's samplers or float sums overflow to inf).
MAX_PER_DAY = 1e7  # incidents a day: the busiest national helplines take ~1e6
MAX_PER_INTERVAL = 1e7  # a table entry: a whole day's maximum in one interval
MAX_WEEKDAY_FACTOR = 100.0
MAX_HEADCOUNT = 100_000  # agents in one shift or table cell: the largest centres employ ~1e4-1e5
MAX_COST_PER_HOUR = 1e7  # currency units: a 400 USD/h specialist in Vietnamese dong
MAX_MONEY = MAX_VALUE  # any other amount or cost, currency units
MAX_MENU_S = 3600.0  # an hour of menus: nobody is still listening
MAX_NIGHT_PREMIUM = 10.0  # +1000%
MAX_INTERVALS = 96 * 366  # a per-interval table: every 15-minute interval of the longest horizon
MAX_GROUPS = 1000  # shifts or tables in one roster
MAX_CONTACT_TYPES = 100
MAX_POLICIES = 100
MAX_SEED = 2**53 - 1  # the largest whole number a browser number box holds exactly
MIN_CV = 1e-3  # a gamma busyness factor with a smaller cv is 1 to float precision

Money = Annotated[float, Field(ge=0, le=MAX_MONEY)]
Text = Annotated[str, Field(max_length=10_000)]
Label = Annotated[str, Field(max_length=200)]


class FieldError(ValueError):
    """A cross-field check that failed; ``field`` is the path it is about, relative to the model checked.

    The loader joins it to the model's own location, so the message names the
    field (by id where there is one) without anyone parsing message text.
    """

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def repeated(ids) -> list[str]:
    """The ids that appear more than once, sorted: what a uniqueness check names."""
    ids = list(ids)
    return sorted({i for i in ids if ids.count(i) > 1})


class StrictModel(BaseModel):
    # Unknown keys are almost always typos in a hand-written YAML file; failing
    # loudly beats silently running a scenario the user did not write.
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)
