"""Money: what a policy pays for people and bots, and what customers lose.

The loss model for emergencies is a drain curve. An amount is at risk when the
incident starts (a fraud in progress, a hijacked account); it leaves at a
steady relative rate until a human who can freeze the account answers. With a
half-life h the lost fraction after t seconds is ``1 - exp(-t ln 2 / h)``: the
RUSI/Lloyds figure that about half of mule-account funds move on within an
hour fits h near 60 minutes. Draining stops at the first human answer, or at
the end of the incident's loss window (``loss.window_h``, by default the
48 hours of an emergency stop-payment freeze), whichever comes first: an
incident that never reaches a human loses what the curve reaches at the end
of its window, the same wherever in the week it began and however long the
run. (Version 0.1 drained it until the run ended: a victim who gave up late
on the last day lost less than one who gave up on Monday.)

The curve is non-decreasing in t, so a policy that makes people wait longer
never shows smaller losses for the same incident: the comparison cannot
reward slowness by accident.

A scenario's ``Economics`` holds the money inputs: currency, who pays back
customers' losses (a liability rule), bot costs and the night premium.

Agent cost is paid time (overtime at shift end included) at the group's
hourly cost, plus a night premium on the hours inside the night span.
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from pydantic import Discriminator, Field, NonNegativeFloat, Tag, field_validator, model_validator

from sim.model.clock import parse_daily_span
from sim.model.liability import LIABILITY_PRESETS, LiabilityRule
from sim.model.schema import MAX_NIGHT_PREMIUM, FieldError, Identifier, Money, Probability, StrictModel

_DAY_S = 86400.0


def drained_fraction(elapsed_s: np.ndarray | float, half_life_s: float) -> np.ndarray:
    """Share of the amount at risk gone after ``elapsed_s`` seconds."""
    elapsed = np.maximum(np.asarray(elapsed_s, dtype=float), 0.0)
    return -np.expm1(-elapsed * (math.log(2.0) / half_life_s))


def overlap_with_daily_span(start_s: np.ndarray, end_s: np.ndarray, span: tuple[int, int]) -> np.ndarray:
    """Seconds of each [start, end) that fall inside a daily clock span (which may wrap midnight).

    Closed form, one step per presence whatever its length: with ``F(t)`` the
    span seconds in [0, t) — whole days times the span's length plus the part
    of the last day — the overlap is ``F(end) - F(start)``. (A loop over days
    ran for ever when one heavy-tailed handle time kept an agent on for 1e13
    days.) Times are shifted to the start's midnight first so that ordinary
    presences keep full float precision.
    """
    start_s = np.asarray(start_s, dtype=float)
    end_s = np.maximum(np.asarray(end_s, dtype=float), start_s)
    lo, hi = span
    windows = [(lo, hi)] if lo < hi else [(0, hi), (lo, _DAY_S)]
    midnight = np.floor(start_s / _DAY_S) * _DAY_S
    return _span_seconds_before(end_s - midnight, windows) - _span_seconds_before(start_s - midnight, windows)


def _span_seconds_before(t: np.ndarray, windows: list[tuple[int, int]]) -> np.ndarray:
    """Seconds of [0, t) inside the daily windows, for t >= 0."""
    days = np.floor(t / _DAY_S)
    clock = t - days * _DAY_S
    total = np.zeros_like(t)
    for a, b in windows:
        total += days * (b - a) + np.clip(clock - a, 0.0, b - a)
    return total


class Economics(StrictModel):
    currency: str = Field("USD", min_length=1, max_length=12, description="the unit of every money figure")
    liability_share: Probability = Field(0.0, description="share of customer losses the platform pays back")
    liability: Annotated[
        Annotated[Identifier, Tag("liability_preset")] | Annotated[LiabilityRule, Tag("liability_rule")],
        Discriminator(lambda v: "liability_preset" if isinstance(v, str) else "liability_rule"),
    ] | None = Field(
        None,
        description=(
            "who pays, as a rule (share, cap per claim, conditions; sim.model.liability) or a preset's name "
            "(uk_mandatory_2024, proposal_2020); none: liability_share of every loss"
        ),
    )
    bot_cost_per_session: Money = Field(0.0, description="currency units per bot session")
    bot_fixed_cost_per_day: Money = Field(0.0, description="currency units per day the bot runs")
    night_premium: NonNegativeFloat = Field(
        0.0, le=MAX_NIGHT_PREMIUM, description="extra share of hourly cost paid at night (0.25 = +25%)"
    )
    night_hours: str = Field("22:00-06:00", description="daily span when the night premium applies")

    @field_validator("night_hours")
    @classmethod
    def _span(cls, value: str) -> str:
        parse_daily_span(value)
        return value

    @model_validator(mode="after")
    def _liability(self):
        if self.liability is None:
            return self
        if self.liability_share != 0:
            raise FieldError("liability", "give either a liability rule or liability_share, not both")
        if isinstance(self.liability, str):
            if self.liability not in LIABILITY_PRESETS:
                raise FieldError("liability", f"unknown liability preset {self.liability!r}; presets: "
                                              f"{', '.join(sorted(LIABILITY_PRESETS))}")
            rule, cap_currency = LIABILITY_PRESETS[self.liability]
            if cap_currency is not None and cap_currency != self.currency:
                raise FieldError(
                    "liability",
                    f"the preset {self.liability!r} caps claims at {cap_currency} {rule.cap_per_claim:,.0f} and this "
                    f"scenario counts in {self.currency}: write the rule out with cap_per_claim in {self.currency}",
                )
        return self

    @property
    def liability_rule(self) -> LiabilityRule:
        """The rule the platform pays by: the named preset, the rule written out, or liability_share of every loss."""
        if self.liability is None:
            return LiabilityRule(share=self.liability_share)
        if isinstance(self.liability, str):
            return LIABILITY_PRESETS[self.liability][0]
        return self.liability
