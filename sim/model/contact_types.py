"""Contact types: what customers want, how many come and when, and how they behave.

A contact type carries its volume (per day with an intraday profile, or a
per-interval table), its handle and after-contact work, its customers'
patience, balking and redials, what the bot does with it, the money its
emergencies put at risk (the loss curve) and how its customers answer a
callback offer.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Discriminator, Field, PositiveFloat, PositiveInt, Tag, model_validator

from sim.model.clock import DailySpans, parse_daily_span
from sim.model.distributions import MAX_DURATION_S, MAX_VALUE, Amount, Deterministic, Duration, Exponential, Patience
from sim.model.economics import drained_fraction
from sim.model.loss_curves import named_curve, named_curves, points_share
from sim.model.schema import (
    MAX_PER_DAY,
    MAX_PER_INTERVAL,
    MAX_INTERVALS,
    MAX_WEEKDAY_FACTOR,
    FieldError,
    Identifier,
    Label,
    Money,
    Probability,
    StrictModel,
)

class Volume(StrictModel):
    """How many incidents of a type arrive, and when.

    Either ``per_day`` expected incidents shaped by an intraday ``profile`` and
    ``weekday_factors``, or an explicit ``table`` of expected incidents per
    interval (one day repeated, or the whole horizon).
    """

    per_day: PositiveFloat | None = Field(
        None, le=MAX_PER_DAY, description="expected incidents on a day with weekday factor 1 (at most 1e7)"
    )
    profile: list[Annotated[float, Field(ge=0, le=MAX_VALUE)]] | None = Field(
        None, max_length=96, description="relative weight of each interval of the day (any scale); flat if omitted"
    )
    weekday_factors: list[Annotated[float, Field(ge=0, le=MAX_WEEKDAY_FACTOR)]] = Field(
        default_factory=lambda: [1.0] * 7, min_length=7, max_length=7, description="multipliers mon..sun (0-100)"
    )
    table: list[Annotated[float, Field(ge=0, le=MAX_PER_INTERVAL)]] | None = Field(
        None,
        max_length=MAX_INTERVALS,
        description="expected incidents per interval: one day (repeated) or every interval of the horizon",
    )

    @model_validator(mode="after")
    def _one_source(self):
        if (self.per_day is None) == (self.table is None):
            raise ValueError("give either per_day (with an optional profile) or a per-interval table, not both")
        if self.table is not None and self.profile is not None:
            raise ValueError("profile only applies to per_day; a table already gives every interval")
        if self.profile is not None and sum(self.profile) <= 0:
            raise ValueError("profile must have at least one positive weight")
        return self


class Redial(StrictModel):
    probability: Probability = Field(0.0, description="chance an abandoned or blocked customer tries again")
    delay_s: Duration = Field(
        default_factory=lambda: Exponential(dist="exponential", mean=300.0), description="time before the redial"
    )
    max_attempts: PositiveInt = Field(3, le=50, description="attempts per incident, the first one included")
    busy_probability: Probability | None = Field(
        None, description="chance of trying again after a busy tone, a full queue or a closed line; null = probability"
    )
    busy_delay_s: Duration | None = Field(None, description="time before that redial; null = delay_s")

    @property
    def after_busy_probability(self) -> float:
        return self.probability if self.busy_probability is None else self.busy_probability


class BotBehaviour(StrictModel):
    """What the bot does with this contact type, when a policy puts it in front."""

    resolve_probability: Probability = Field(0.0, description="chance the bot genuinely resolves the contact")
    time_s: Duration = Field(
        default_factory=lambda: Exponential(dist="exponential", mean=120.0), description="time spent in the bot"
    )
    recognise_emergency_probability: Probability = Field(
        0.0, description="chance the bot spots an emergency and hands it to a human at once"
    )
    false_resolution_probability: Probability = Field(
        0.0, description="chance the bot says 'resolved' when it is not; the customer comes back later"
    )
    return_delay_s: Duration = Field(
        default_factory=lambda: Exponential(dist="exponential", mean=3600.0),
        description="time before a falsely resolved customer comes back",
    )

    @model_validator(mode="after")
    def _outcomes_fit(self):
        total = self.resolve_probability + self.false_resolution_probability
        if total > 1.0 + 1e-12:
            raise FieldError(
                "false_resolution_probability",
                f"resolve_probability ({self.resolve_probability:g}) + false_resolution_probability "
                f"({self.false_resolution_probability:g}) = {total:g} must not exceed 1"
            )
        return self


class CurvePoint(StrictModel):
    after_min: float = Field(description="minutes after the fraud began (greater than 0)")
    share_lost: float = Field(description="share of the amount at risk gone by then, in [0, 1]")


class CurvePoints(StrictModel):
    """A scenario's own loss curve: points joined by a monotone curve from (0, 0), flat after the last."""

    points: list[CurvePoint] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _a_loss_curve(self):
        # Checked here rather than by field bounds so that the message names the point and says why.
        previous = None
        for i, point in enumerate(self.points):
            where = f"points[{i}]"
            if not 0.0 < point.after_min <= MAX_DURATION_S / 60:
                raise FieldError(where, f"after_min {point.after_min:g} must be above 0 and at most 30 days")
            if not 0.0 <= point.share_lost <= 1.0:
                raise FieldError(where, f"share_lost {point.share_lost:g} (after {point.after_min:g} min) "
                                        "is outside [0, 1]")
            if previous is not None:
                if point.after_min <= previous.after_min:
                    raise FieldError(where, f"after_min {point.after_min:g} must be later than the point "
                                            f"before ({previous.after_min:g} min)")
                if point.share_lost < previous.share_lost:
                    raise FieldError(where, f"share_lost {point.share_lost:g} after {point.after_min:g} min is "
                                            f"below {previous.share_lost:g} after {previous.after_min:g} min: "
                                            "a loss curve never decreases")
            previous = point
        return self


class Loss(StrictModel):
    """Money lost while the customer cannot reach a human.

    The drain curve is either a named curve fitted to published evidence
    (``curve: instant_transfer``; sim.model.loss_curves), the scenario's own
    points (``curve: {points: [...]}``), or, without ``curve``, the
    half-life form ``1 - 2^(-t / half_life)`` of version 0.1.
    """

    amount_at_risk: Amount | None = Field(
        None, description="money at risk per emergency incident (currency units; mean at most 1e9)"
    )
    curve: Annotated[
        Annotated[Identifier, Tag("named_curve")] | Annotated[CurvePoints, Tag("curve_points")],
        # A tagged union: a bad point is reported once, under its own path, not beside "not a valid string".
        Discriminator(lambda v: "named_curve" if isinstance(v, str) else "curve_points"),
    ] | None = Field(
        None,
        description=(
            "the drain curve: a named curve fitted to published points (instant_transfer, international_wire), "
            "or {points: [{after_min, share_lost}, ...]}; none: the half-life form"
        ),
    )
    half_life_min: PositiveFloat = Field(
        60.0, le=MAX_DURATION_S / 60,
        description="minutes for half the amount at risk to be gone (up to 30 days); the curve when none is named",
    )
    window_h: PositiveFloat = Field(
        48.0,
        le=24 * 366,
        description=(
            "hours after an incident begins by which the victim's losses stop, reached or not: an incident "
            "that never reaches a human loses what the drain curve reaches then. Default 48 h: China's "
            "emergency stop-payment freezes the account receive-only for 48 hours (docs/reference/parameters.md)"
        ),
    )
    report_delay_s: Duration | None = Field(
        None,
        description=(
            "time from the fraud to the victim's first contact (the curve and the window run from the fraud); "
            "none: the victim calls as the fraud begins"
        ),
    )
    churn_cost_per_abandoned: Money = Field(
        0.0, description="cost of an incident that never reached a human (lost customer; currency units)"
    )
    churn_cost_per_false_resolution: Money = Field(
        0.0, description="cost of an incident the bot falsely marked resolved (currency units)"
    )

    @model_validator(mode="after")
    def _one_curve(self):
        # Compared with the default, not with the fields set: a dumped scenario writes every field out.
        default = type(self).model_fields["half_life_min"].default
        if self.curve is not None and self.half_life_min != default:
            raise FieldError("half_life_min", "give either a curve or half_life_min, not both")
        if isinstance(self.curve, str) and self.curve not in named_curves():
            raise FieldError("curve", f"unknown loss curve {self.curve!r}; named curves: {', '.join(named_curves())}")
        return self

    def share_lost(self, elapsed_s, band: float = 0.5) -> np.ndarray:
        """Share of the amount at risk gone after ``elapsed_s`` (``band``: where in a named curve's band)."""
        if self.curve is None:
            return drained_fraction(elapsed_s, self.half_life_min * 60.0)
        if isinstance(self.curve, str):
            return named_curve(self.curve, band).share_lost(elapsed_s)
        return points_share(elapsed_s, [p.after_min * 60.0 for p in self.curve.points],
                            [p.share_lost for p in self.curve.points])


class CallbackBehaviour(StrictModel):
    """How customers of a type respond to a callback offer, when a policy makes one (``front_door.callback``)."""

    accept_probability: Probability = Field(
        0.0, description="chance a customer offered a callback takes it (one decision per attempt)"
    )
    answer_probability: Probability = Field(
        1.0, description="chance the customer picks up each call back"
    )


class ContactType(StrictModel):
    id: Identifier
    label: Label = ""
    emergency: bool = Field(False, description="time-to-human and losses are tracked for emergencies")
    priority: int = Field(0, ge=0, le=100, description="higher is served first; non-preemptive")
    skill: Identifier | None = Field(None, description="skill an agent needs; defaults to the type id")
    target_s: PositiveFloat = Field(
        20.0, le=MAX_DURATION_S, description="service-level target: answered within this many seconds"
    )
    volume: Volume
    handle_time_s: Duration
    after_contact_work_s: Duration = Field(
        default_factory=lambda: Deterministic(dist="deterministic", value=0.0)
    )
    patience_s: Patience  # up to 1e9 s: 'never hangs up' is a huge patience
    balk_probability: Probability = Field(0.0, description="chance of hanging up at once when no agent is free")
    redial: Redial = Field(default_factory=Redial)
    bot: BotBehaviour = Field(default_factory=BotBehaviour)
    loss: Loss = Field(default_factory=Loss)
    callback: CallbackBehaviour = Field(default_factory=CallbackBehaviour)
    hours: DailySpans = Field(
        default_factory=list, max_length=24,
        description="daily spans 'HH:MM-HH:MM' the type's line is open; empty = always open",
    )
    at_closing: Literal["serve", "disconnect"] = Field(
        "serve", description="callers still waiting when an open span ends: served, or disconnected"
    )
    max_wait_s: PositiveFloat | None = Field(
        None, le=MAX_DURATION_S, description="after this long in the human queue the caller leaves a message"
    )

    @property
    def required_skill(self) -> str:
        return self.skill or self.id

    @property
    def open_spans(self) -> list[tuple[int, int]]:
        return [parse_daily_span(t) for t in self.hours]

    @model_validator(mode="after")
    def _emergency_loss(self):
        if self.loss.amount_at_risk is not None and not self.emergency:
            raise FieldError("loss.amount_at_risk", "applies to emergency types only; set emergency: true")
        return self
