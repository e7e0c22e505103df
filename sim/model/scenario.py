"""The Scenario: the one validated description of a contact centre to simulate.

Everything a run needs — horizon, contact types and their behaviour, the
roster, the bot front door, the money, and the policies to compare — lives in
this pydantic model. It is the single source of truth for inputs, defaults and
bounds: the YAML loader, the CLI and the app all build a ``Scenario`` and let it
do the checking, so no other layer repeats a bound or a default.

Units are in the field names. Durations that are random are distributions in
seconds (``handle_time_s``); clock times are ``"HH:MM"`` strings; shift lengths
and warm-up are in hours because that is how rosters are written. Inside the
model everything is converted to seconds.

Bounds. Every number is bounded to what a contact centre can mean, so that a
validated scenario runs to finite figures (see the constants below and each
field's description); the app reads its widget bounds from this metadata.
Cross-field checks raise ``FieldError`` naming the field by contact type,
policy, shift or table id (``contact_types[fraud].volume.profile``), and
``Scenario.warnings`` lists what validates but is probably not what the
author meant.

A *policy* is a named set of overrides of the base scenario (staffing scale, a
replacement roster, front-door settings, economics). ``Scenario.for_policy``
returns the scenario as that policy would run it.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    Tag,
    field_validator,
    model_validator,
)

from sim.model.capacity import Capacity
from sim.model.distributions import MAX_DURATION_S, MAX_VALUE, Amount, Deterministic, Duration, Exponential, Patience
from sim.model.economics import drained_fraction
from sim.model.liability import LIABILITY_PRESETS, LiabilityRule
from sim.model.loss_curves import named_curve, named_curves, points_share

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
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


def check_breaks_inside(breaks, length_h: float) -> None:
    """Every break ends within a shift of ``length_h`` hours, or FieldError naming the first that does not."""
    for i, brk in enumerate(breaks):
        if brk.after_h + brk.length_min / 60 > length_h:
            raise FieldError(
                f"breaks[{i}]", f"ends after the shift: {brk.after_h} h + {brk.length_min} min > {length_h} h"
            )


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


class _Model(BaseModel):
    # Unknown keys are almost always typos in a hand-written YAML file; failing
    # loudly beats silently running a scenario the user did not write.
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)


# ---------------------------------------------------------------- contact types


class Volume(_Model):
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


class Redial(_Model):
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


class BotBehaviour(_Model):
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


class CurvePoint(_Model):
    after_min: float = Field(description="minutes after the fraud began (greater than 0)")
    share_lost: float = Field(description="share of the amount at risk gone by then, in [0, 1]")


class CurvePoints(_Model):
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


class Loss(_Model):
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


class CallbackBehaviour(_Model):
    """How customers of a type respond to a callback offer, when a policy makes one (``front_door.callback``)."""

    accept_probability: Probability = Field(
        0.0, description="chance a customer offered a callback takes it (one decision per attempt)"
    )
    answer_probability: Probability = Field(
        1.0, description="chance the customer picks up each call back"
    )


class ContactType(_Model):
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
    hours: list[str] = Field(
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

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: list[str]) -> list[str]:
        for text in value:
            parse_daily_span(text)
        return value

    @property
    def open_spans(self) -> list[tuple[int, int]]:
        return [parse_daily_span(t) for t in self.hours]

    @model_validator(mode="after")
    def _emergency_loss(self):
        if self.loss.amount_at_risk is not None and not self.emergency:
            raise FieldError("loss.amount_at_risk", "applies to emergency types only; set emergency: true")
        return self


# ------------------------------------------------------------------------ agents


class Break(_Model):
    after_h: NonNegativeFloat = Field(le=24, description="hours after shift start")
    length_min: PositiveFloat = Field(le=24 * 60)


class _Group(_Model):
    """What shifts and staffing tables share: who the agents can serve."""

    def serves(self, contact_type: "ContactType") -> bool:
        if self.reserved_for and contact_type.id not in self.reserved_for:
            return False
        return self.skills is None or contact_type.required_skill in self.skills


class Shift(_Group):
    """A group of agents with the same hours, skills and pay."""

    id: Identifier
    start: str = Field(description="clock time HH:MM the shift starts")
    length_h: float = Field(gt=0, le=24)
    weekdays: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS), min_length=1, max_length=7)
    headcount: NonNegativeInt = Field(le=MAX_HEADCOUNT, description="agents in the shift (at most 100,000)")
    skills: list[Identifier] | None = Field(
        None, max_length=MAX_CONTACT_TYPES, description="skills held; all skills if omitted"
    )
    reserved_for: list[Identifier] = Field(
        default_factory=list,
        max_length=MAX_CONTACT_TYPES,
        description="contact type ids these agents serve exclusively (empty: any they can)",
    )
    cost_per_hour: NonNegativeFloat = Field(0.0, le=MAX_COST_PER_HOUR, description="currency units per paid hour")
    breaks: list[Break] = Field(default_factory=list, max_length=24)

    @field_validator("start", mode="before")
    @classmethod
    def _clock(cls, value):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError(f"expected a clock time 'HH:MM' as text, e.g. \"22:00\", got the number {value}")
        if isinstance(value, str):
            clock_to_s(value)
        return value

    @model_validator(mode="after")
    def _breaks_inside(self):
        check_breaks_inside(self.breaks, self.length_h)
        return self

    @property
    def start_s(self) -> int:
        return clock_to_s(self.start)


class StaffingTable(_Group):
    """Agents on duty per interval, for planners who staff by interval not by shift."""

    id: Identifier
    agents: list[Annotated[int, Field(ge=0, le=MAX_HEADCOUNT)]] = Field(
        min_length=1,
        max_length=MAX_INTERVALS,
        description="agents per interval: one day (repeated) or every interval of the horizon",
    )
    skills: list[Identifier] | None = Field(None, max_length=MAX_CONTACT_TYPES)
    reserved_for: list[Identifier] = Field(default_factory=list, max_length=MAX_CONTACT_TYPES)
    cost_per_hour: NonNegativeFloat = Field(0.0, le=MAX_COST_PER_HOUR, description="currency units per paid hour")


class Agents(_Model):
    shifts: list[Shift] = Field(default_factory=list, max_length=MAX_GROUPS)
    tables: list[StaffingTable] = Field(default_factory=list, max_length=MAX_GROUPS)
    absence_probability: Probability = Field(0.0, description="chance an agent misses a given shift (shrinkage)")

    @model_validator(mode="after")
    def _unique_ids(self):
        dupes = repeated([s.id for s in self.shifts] + [t.id for t in self.tables])
        if dupes:
            raise FieldError("shifts", f"shift/table ids must be unique, repeated: {', '.join(dupes)}")
        return self


# ------------------------------------------------------------- policy settings


class EmergencyLine(_Model):
    enabled: bool = False
    share_of_emergency_callers: Probability = Field(
        1.0, description="share of emergency callers who know and use the direct line"
    )


MAX_CALLBACK_CALLS = 10  # calls placed per accepted callback; diallers give up after 3-5


class CallbackOffer(_Model):
    """Virtual hold: a caller facing a long wait may leave the line and be called back.

    Offered when the caller joins the human queue, no eligible agent is free
    and the *predicted* wait exceeds ``threshold_s``; with ``offer_in_queue``
    it is offered again to a caller still waiting live when its wait reaches
    ``threshold_s``. The predictors (sim/model engine docs, docs/design.md):
    ``queue_length`` = (callers ahead + 1) x mean service time / agents on
    duty for the type (with none on duty: the time until the next of them
    starts, plus that work shared by those starting then); ``head_of_line`` =
    how long the caller at the head of its type's queue has waited. No
    prediction exceeds the largest threshold, so a threshold at its maximum
    offers nothing, whatever the roster. Who accepts, and who picks up, is the
    contact type's ``callback`` behaviour. A callback does not abandon: its
    patience does not run. ``queue`` says where it waits: ``keep_place``
    keeps its place in its type's queue (served in order of the time it
    joined, at its type's priority); ``when_idle`` serves callbacks only when
    no live caller is waiting for that agent.
    """

    enabled: bool = False
    threshold_s: PositiveFloat = Field(
        600.0, le=MAX_DURATION_S, description="offer a callback when the predicted wait exceeds this many seconds"
    )
    predictor: Literal["queue_length", "head_of_line"] = Field(
        "queue_length", description="how the wait is predicted when a caller joins the queue"
    )
    offer_in_queue: bool = Field(
        True, description="also offer to a caller still waiting live when its wait reaches threshold_s"
    )
    offer_to: list[Identifier] = Field(
        default_factory=list, max_length=MAX_CONTACT_TYPES,
        description="contact type ids offered a callback (empty: every type; chats never are)",
    )
    queue: Literal["keep_place", "when_idle"] = Field(
        "keep_place", description="keep_place: served by the time it joined; when_idle: only when no live caller waits"
    )
    dial_time_s: Duration = Field(
        default_factory=lambda: Deterministic(dist="deterministic", value=20.0),
        description="agent time to place a call back until the customer answers or it is given up",
    )
    retry_delay_s: Duration = Field(
        default_factory=lambda: Deterministic(dist="deterministic", value=600.0),
        description="time after an unanswered call back before the next try",
    )
    max_calls: PositiveInt = Field(
        3, le=MAX_CALLBACK_CALLS, description="calls placed per accepted callback before it counts as unanswered"
    )

    def offers(self, contact_type: "ContactType", chat_types) -> bool:
        """Whether this policy offers callbacks to ``contact_type`` at all."""
        if not self.enabled or contact_type.id in chat_types:
            return False
        return not self.offer_to or contact_type.id in self.offer_to


class FrontDoor(_Model):
    """How customers reach a human: straight, or through a bot with friction."""

    bot_enabled: bool = False
    bot_only_hours: list[str] = Field(
        default_factory=list, max_length=24, description="daily spans 'HH:MM-HH:MM' when the bot is the only door"
    )
    menu_s: NonNegativeFloat = Field(
        0.0, le=MAX_MENU_S, description="seconds of menus before the human option appears (up to an hour)"
    )
    human_option_found_probability: Probability = Field(
        1.0, description="chance a customer finds the human option at all (hidden entry)"
    )
    attempts_before_human: PositiveInt = Field(
        1, le=50, description="the human option is offered from this attempt on"
    )
    emergency_line: EmergencyLine = Field(default_factory=EmergencyLine)
    callback: CallbackOffer = Field(default_factory=CallbackOffer)

    @field_validator("bot_only_hours")
    @classmethod
    def _spans(cls, value: list[str]) -> list[str]:
        for text in value:
            parse_daily_span(text)
        return value

    @property
    def bot_can_be_in_front(self) -> bool:
        """Whether a bot is ever the front door: always on, or in bot-only hours.

        The one answer the engine routes by, the bot's fixed cost is charged on
        and the break-even search checks a bot template against.
        """
        return self.bot_enabled or bool(self.bot_only_hours)

    @property
    def bot_only_spans(self) -> list[tuple[int, int]]:
        return [parse_daily_span(t) for t in self.bot_only_hours]


class OverflowStage(_Model):
    after_s: NonNegativeFloat = Field(
        le=MAX_DURATION_S, description="seconds a contact has waited before these groups may take it too"
    )
    groups: list[Identifier] = Field(
        min_length=1, max_length=MAX_GROUPS, description="shift or staffing-table ids that take the overflow"
    )


class Overflow(_Model):
    """Staged overflow of one contact type: after each stage's delay, more groups may answer it.

    The type's own groups (those with its skill) keep serving it throughout;
    from ``after_s`` of waiting on, agents of the stage's groups may take it
    too — whatever their skills and reservations — picking it among their
    own work by its type's priority, then by the time it joined.
    """

    contact_type: Identifier
    stages: list[OverflowStage] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _increasing(self):
        delays = [st.after_s for st in self.stages]
        if any(b <= a for a, b in zip(delays, delays[1:])):
            raise FieldError("stages", f"after_s must increase from stage to stage, got {delays}")
        return self


class Routing(_Model):
    overflow: list[Overflow] = Field(default_factory=list, max_length=MAX_CONTACT_TYPES)

    @model_validator(mode="after")
    def _unique(self):
        dupes = repeated([o.contact_type for o in self.overflow])
        if dupes:
            raise FieldError("overflow", f"one overflow chain per contact type, repeated: {', '.join(dupes)}")
        return self


MAX_CHATS_PER_AGENT = 12  # commercial suites allow 1-12 concurrent chats


class Chat(_Model):
    """Contact types handled as chats, several at once per agent.

    An agent holds up to ``max_per_agent`` chats. While it holds ``n``, each
    of them progresses ``handle_time_factors[n-1]`` times slower than alone
    (a chat's handle time and after-contact work are its length alone), so
    a chat's length depends on how busy its agent was all along. A new chat
    goes to the least loaded eligible agent. An agent holding a chat takes
    no call. Occupancy and cost are per agent: busy is holding at least one.
    """

    types: list[Identifier] = Field(
        default_factory=list, max_length=MAX_CONTACT_TYPES, description="contact type ids that are chats"
    )
    max_per_agent: PositiveInt = Field(1, le=MAX_CHATS_PER_AGENT, description="chats one agent holds at most")
    handle_time_factors: list[Annotated[float, Field(ge=1.0, le=20.0)]] = Field(
        default_factory=lambda: [1.0], min_length=1, max_length=MAX_CHATS_PER_AGENT,
        description="stretch of each chat's handle time with 1, 2, ... chats held (practice: 1, 1.7, 2.5)",
    )

    @model_validator(mode="after")
    def _factors(self):
        if len(self.handle_time_factors) != self.max_per_agent:
            raise FieldError(
                "handle_time_factors",
                f"has {len(self.handle_time_factors)} values; max_per_agent {self.max_per_agent} needs one per count",
            )
        f = self.handle_time_factors
        if any(b < a for a, b in zip(f, f[1:])):
            raise FieldError("handle_time_factors", f"must not decrease with more chats held, got {f}")
        return self


class Economics(_Model):
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


class Policy(_Model):
    """A named set of overrides of the base scenario; unset fields keep the base."""

    id: Identifier
    label: Label = ""
    description: Text = ""
    baseline: bool = False
    staffing_scale: NonNegativeFloat = Field(
        1.0, le=10.0, description="multiplies every headcount and staffing-table entry (rounded)"
    )
    agents: Agents | None = Field(None, description="a replacement roster")
    front_door: FrontDoor | None = None
    economics: Economics | None = None
    bot_resolve_scale: NonNegativeFloat = Field(
        1.0, le=100.0, description="multiplies every type's bot resolve probability (capped so outcomes fit in 1)"
    )
    routing: Routing | None = Field(None, description="replacement overflow routing")
    chat: Chat | None = Field(None, description="replacement chat settings (which types are chats)")
    capacity: Capacity | None = Field(None, description="replacement lines and queue places")


# ---------------------------------------------------------------------- scenario


class Scenario(_Model):
    name: Label = "scenario"
    description: Text = ""
    days: PositiveInt = Field(1, le=366)
    start_weekday: Weekday = "mon"
    interval_min: Literal[15, 30, 60] = 30
    warmup_h: NonNegativeFloat = Field(
        0.0, description="hours at the start left out of the statistics (a whole number of intervals)"
    )
    busyness_cv: NonNegativeFloat = Field(
        0.0, le=3.0, description="cv of the daily gamma busyness factor on all arrivals (0: plain Poisson; else >= 0.001)"
    )
    guarantee_s: PositiveFloat = Field(
        60.0, le=MAX_DURATION_S, description="emergency time-to-human guarantee"
    )
    guarantee_share: Probability = Field(
        0.95, description="share of emergency incidents that must reach a human within guarantee_s"
    )
    contact_types: list[ContactType] = Field(min_length=1, max_length=MAX_CONTACT_TYPES)
    agents: Agents = Field(default_factory=Agents)
    front_door: FrontDoor = Field(default_factory=FrontDoor)
    economics: Economics = Field(default_factory=Economics)
    routing: Routing = Field(default_factory=Routing)
    chat: Chat = Field(default_factory=Chat)
    capacity: Capacity = Field(default_factory=Capacity, description="phone lines and queue places (sim.model.capacity)")
    policies: list[Policy] = Field(default_factory=list, max_length=MAX_POLICIES)
    replications: PositiveInt = Field(10, le=10_000)
    seed: NonNegativeInt = Field(12345, le=MAX_SEED)
    loss_curve_bands: dict[Identifier, Probability] = Field(
        default_factory=dict,
        max_length=MAX_CONTACT_TYPES,
        description=(
            "where each named loss curve the contact types use sits in its bootstrap band: 0.5 the fitted curve, "
            "0 the least and 1 the most severe refit (one experiment factor per curve); filled with 0.5"
        ),
    )
    sources: dict[Annotated[str, Field(max_length=500)], Text] = Field(
        default_factory=dict, max_length=10_000, description="where each number comes from: field path -> note"
    )

    # ----------------------------------------------------------- derived sizes
    @property
    def interval_s(self) -> int:
        return self.interval_min * 60

    @property
    def intervals_per_day(self) -> int:
        return 1440 // self.interval_min

    @property
    def n_intervals(self) -> int:
        """Intervals in the horizon."""
        return self.intervals_per_day * self.days

    def interval_edges_s(self) -> np.ndarray:
        """The n_intervals + 1 interval edges of the horizon, in seconds from its start."""
        return np.arange(self.n_intervals + 1) * float(self.interval_s)

    @property
    def horizon_s(self) -> float:
        return self.days * 86400.0

    @property
    def warmup_s(self) -> float:
        return self.warmup_h * 3600.0

    @property
    def start_weekday_index(self) -> int:
        return WEEKDAYS.index(self.start_weekday)

    def weekday_of_day(self, day: int) -> int:
        """Weekday index (0 = mon) of day ``day`` (0-based; -1 is the day before the start)."""
        return (self.start_weekday_index + day) % 7

    @property
    def baseline_policy(self) -> Policy:
        return next(p for p in self.effective_policies if p.baseline)

    @property
    def effective_policies(self) -> list[Policy]:
        """The policies to run; a scenario without any runs as itself, named 'base'."""
        if not self.policies:
            return [Policy(id="base", label="Base scenario", baseline=True)]
        if any(p.baseline for p in self.policies):
            return list(self.policies)
        first = self.policies[0].model_copy(update={"baseline": True})
        return [first, *self.policies[1:]]

    def unknown_policies(self, policy_ids) -> str | None:
        """What is wrong with ``policy_ids`` ("unknown policy 'x'; this scenario has: a, b"), None if all exist.

        Every caller that takes policy ids (the runner, the studies, the CLI,
        experiment files) says it in these words, prefixed with its own field.
        """
        known = [p.id for p in self.effective_policies]
        unknown = [p for p in policy_ids if p not in known]
        if not unknown:
            return None
        return f"unknown policy {', '.join(map(repr, unknown))}; this scenario has: {', '.join(known)}"

    def policy(self, policy_id: str) -> Policy:
        for p in self.effective_policies:
            if p.id == policy_id:
                return p
        raise KeyError(self.unknown_policies([policy_id]))

    def for_policy(self, policy: Policy | str) -> "Scenario":
        """The scenario as ``policy`` runs it: overrides applied, policies dropped."""
        if isinstance(policy, str):
            policy = self.policy(policy)
        agents = policy.agents or self.agents
        if policy.staffing_scale != 1.0:
            agents = scale_agents(agents, policy.staffing_scale)
        types = self.contact_types
        if policy.bot_resolve_scale != 1.0:
            types = [scale_bot_resolution(c, policy.bot_resolve_scale) for c in types]
        return self.model_copy(
            update={
                "agents": agents,
                "front_door": policy.front_door or self.front_door,
                "economics": policy.economics or self.economics,
                "routing": policy.routing or self.routing,
                "chat": policy.chat or self.chat,
                "capacity": policy.capacity or self.capacity,
                "contact_types": types,
                "policies": [],
            }
        )

    # --------------------------------------------------------------- checks
    @model_validator(mode="before")
    @classmethod
    def _fill_curve_bands(cls, data):
        # Every named curve in use gets a band position, so that an experiment can address it by path
        # (loss_curve_bands.instant_transfer) whether or not the file wrote it.
        if not isinstance(data, dict) or not isinstance(data.get("contact_types"), list):
            return data
        named = []
        for ct in data["contact_types"]:
            loss = ct.get("loss") if isinstance(ct, dict) else getattr(ct, "loss", None)
            curve = loss.get("curve") if isinstance(loss, dict) else getattr(loss, "curve", None)
            if isinstance(curve, str):
                named.append(curve)
        bands = data.get("loss_curve_bands")
        if not named or not (bands is None or isinstance(bands, dict)):
            return data
        return {**data, "loss_curve_bands": {**dict.fromkeys(named, 0.5), **(bands or {})}}

    def share_lost(self, contact_type: ContactType, elapsed_s) -> np.ndarray:
        """Share of ``contact_type``'s amount at risk gone after ``elapsed_s``, at its curve's band position."""
        curve = contact_type.loss.curve
        band = self.loss_curve_bands.get(curve, 0.5) if isinstance(curve, str) else 0.5
        return contact_type.loss.share_lost(elapsed_s, band)

    @field_validator("busyness_cv")
    @classmethod
    def _busyness_cv(cls, value: float) -> float:
        if 0 < value < MIN_CV:
            raise ValueError(f"must be 0 (plain Poisson) or at least {MIN_CV:g}")
        return value

    @model_validator(mode="after")
    def _consistent(self):
        dupes = repeated([c.id for c in self.contact_types])
        if dupes:
            raise FieldError("contact_types", f"ids must be unique, repeated: {', '.join(dupes)}")
        if self.warmup_s >= self.horizon_s:
            raise FieldError("warmup_h", f"{self.warmup_h} h must be shorter than the horizon ({self.days} days)")
        if abs(self.warmup_s / self.interval_s - round(self.warmup_s / self.interval_s)) > 1e-9:
            # The statistics window starts with an interval: a warm-up ending inside one would count
            # that interval's later incidents in the totals but not in any interval row.
            raise FieldError(
                "warmup_h", f"{self.warmup_h:g} h must be a whole number of {self.interval_min}-minute intervals"
            )
        per_day, horizon = self.intervals_per_day, self.intervals_per_day * self.days
        for ct in self.contact_types:
            v = ct.volume
            if v.profile is not None and len(v.profile) != per_day:
                raise FieldError(
                    f"contact_types[{ct.id}].volume.profile",
                    f"has {len(v.profile)} values; {self.interval_min}-minute intervals need {per_day}",
                )
            if v.table is not None and len(v.table) not in (per_day, horizon):
                raise FieldError(
                    f"contact_types[{ct.id}].volume.table",
                    f"has {len(v.table)} values; need {self._table_lengths()}",
                )
        self._check_agents(self.agents, "agents")
        in_use = {c.loss.curve for c in self.contact_types if isinstance(c.loss.curve, str)}
        unused = sorted(set(self.loss_curve_bands) - in_use)
        if unused:
            raise FieldError(
                "loss_curve_bands",
                f"names curves no contact type uses: {', '.join(unused)} (in use: {', '.join(sorted(in_use)) or 'none'})",
            )
        dupes = repeated([p.id for p in self.policies])
        if dupes:
            raise FieldError("policies", f"ids must be unique, repeated: {', '.join(dupes)}")
        baselines = [p.id for p in self.policies if p.baseline]
        if len(baselines) > 1:
            raise FieldError("policies", f"at most one policy may be the baseline, marked: {', '.join(baselines)}")
        for p in self.policies:
            if p.agents is not None:
                self._check_agents(p.agents, f"policies[{p.id}].agents")
        self._check_features("", self.front_door, self.routing, self.chat, self.agents)
        type_ids = [c.id for c in self.contact_types]
        for p in [None, *self.policies]:  # each capacity section as the policy runs it, with its chat types
            own = p is not None and p.capacity is not None
            capacity = p.capacity if own else self.capacity
            chat = p.chat if p is not None and p.chat is not None else self.chat
            where = f"policies[{p.id}].capacity" if own else "capacity"
            for field, message in capacity.check_against(type_ids, chat.types, where):
                raise FieldError(field, message)
        for p in self.policies:
            self._check_features(
                f"policies[{p.id}].", p.front_door or self.front_door, p.routing or self.routing,
                p.chat or self.chat, p.agents or self.agents,
                own=(p.front_door is not None, p.routing is not None, p.chat is not None, p.agents is not None),
            )
        return self

    def _check_features(self, where, door, routing, chat, agents, own=(True, True, True, True)) -> None:
        """Callback, overflow and chat settings name known types and groups (as the policy runs them)."""
        type_ids = {c.id for c in self.contact_types}
        if own[0]:
            unknown = sorted(set(door.callback.offer_to) - type_ids)
            if unknown:
                raise FieldError(f"{where}front_door.callback.offer_to", f"names unknown contact types: {', '.join(unknown)}")
        if own[2]:
            unknown = sorted(set(chat.types) - type_ids)
            if unknown:
                raise FieldError(f"{where}chat.types", f"names unknown contact types: {', '.join(unknown)}")
        if own[1] or own[3]:
            group_ids = {g.id for _, g in _groups(agents)}
            for n, rule in enumerate(routing.overflow):
                if rule.contact_type not in type_ids:
                    raise FieldError(
                        f"{where}routing.overflow[{rule.contact_type}].contact_type",
                        f"is not a contact type id (known: {', '.join(sorted(type_ids))})",
                    )
                for i, stage in enumerate(rule.stages):
                    unknown = sorted(set(stage.groups) - group_ids)
                    if unknown:
                        raise FieldError(
                            f"{where}routing.overflow[{rule.contact_type}].stages[{i}].groups",
                            f"names groups the roster does not have: {', '.join(unknown)}",
                        )

    def _table_lengths(self) -> str:
        per_day = self.intervals_per_day
        if self.days == 1:
            return f"{per_day} (one per {self.interval_min}-minute interval of the day)"
        return f"{per_day} (one day, repeated) or {per_day * self.days} (every interval of {self.days} days)"

    def _check_agents(self, agents: Agents, where: str) -> None:
        type_ids = {c.id for c in self.contact_types}
        per_day, horizon = self.intervals_per_day, self.intervals_per_day * self.days
        for kind, group in _groups(agents):
            unknown = sorted(set(group.reserved_for) - type_ids)
            if unknown:
                raise FieldError(
                    f"{where}.{kind}[{group.id}].reserved_for",
                    f"names unknown contact types: {', '.join(unknown)}",
                )
        for table in agents.tables:
            if len(table.agents) not in (per_day, horizon):
                raise FieldError(
                    f"{where}.tables[{table.id}].agents",
                    f"has {len(table.agents)} values; need {self._table_lengths()}",
                )

    # ------------------------------------------------------------- warnings
    @property
    def warnings(self) -> list[str]:
        """What validates but is probably not what the author meant, one line per finding.

        Each line starts with the field it is about, named by id. The CLI
        prints them and the app shows them; a bundled preset has none.
        """
        found: list[str] = []
        for where, door in [("front_door", self.front_door)] + [
            (f"policies[{p.id}].front_door", p.front_door) for p in self.policies if p.front_door is not None
        ]:
            line = door.emergency_line
            if not line.enabled and line.share_of_emergency_callers != 1.0:
                found.append(
                    f"{where}.emergency_line: share_of_emergency_callers is set but the line is not "
                    "enabled: true, so it is ignored"
                )
        skills = {c.required_skill for c in self.contact_types}
        rosters = [("agents", self.agents)] + [
            (f"policies[{p.id}].agents", p.agents) for p in self.policies if p.agents is not None
        ]
        for where, agents in rosters:
            for kind, group in _groups(agents):
                for skill in sorted(set(group.skills or ()) - skills):
                    found.append(
                        f"{where}.{kind}[{group.id}].skills: {skill!r} is no contact type's skill "
                        f"(skills needed: {', '.join(sorted(skills))})"
                    )
            staffed = [g for _, g in _groups(agents) if _has_agents(g)]
            if not staffed:
                continue  # a roster with nobody in it is a deliberate choice (a bot-only night, say)
            for ct in self.contact_types:
                if not any(g.serves(ct) for g in staffed):
                    found.append(
                        f"{where}: no agent can serve contact_types[{ct.id}] (skill {ct.required_skill!r}"
                        f"{', not reserved for it' if any(g.reserved_for for g in staffed) else ''}); "
                        "its customers can only wait and give up"
                    )
        for ct in self.contact_types:
            if ct.at_closing == "disconnect" and not ct.hours:
                found.append(f"contact_types[{ct.id}].at_closing: disconnect has no effect without hours "
                             "(the line never closes)")
        if len(self.policies) > 1 and not any(p.baseline for p in self.policies):
            found.append(
                f"policies: none is marked baseline: true; the first, {self.policies[0].id!r}, is used as the baseline"
            )
        return found


def _groups(agents: Agents) -> list[tuple[str, Shift | StaffingTable]]:
    return [("shifts", s) for s in agents.shifts] + [("tables", t) for t in agents.tables]


def _has_agents(group: Shift | StaffingTable) -> bool:
    return group.headcount > 0 if isinstance(group, Shift) else max(group.agents) > 0


def _scaled(count: int, scale: float) -> int:
    # Round half up: 0.5 agents is an agent; banker's rounding would surprise.
    return int(count * scale + 0.5)


def scale_bot_resolution(contact_type: ContactType, scale: float) -> ContactType:
    bot = contact_type.bot
    resolve = min(bot.resolve_probability * scale, 1.0 - bot.false_resolution_probability)
    return contact_type.model_copy(update={"bot": bot.model_copy(update={"resolve_probability": resolve})})


def scale_agents(agents: Agents, scale: float) -> Agents:
    return agents.model_copy(
        update={
            "shifts": [s.model_copy(update={"headcount": _scaled(s.headcount, scale)}) for s in agents.shifts],
            "tables": [
                t.model_copy(update={"agents": [_scaled(n, scale) for n in t.agents]}) for t in agents.tables
            ],
        }
    )
