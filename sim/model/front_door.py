"""The front door: how customers reach a human.

Straight to the queue, or through a bot with menus, a hidden human option and
bot-only hours; a direct emergency line; and a callback offer (virtual hold)
for callers facing a long wait.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeFloat, PositiveFloat, PositiveInt

from sim.model.clock import DailySpans, parse_daily_span
from sim.model.distributions import MAX_DURATION_S, Deterministic, Duration
from sim.model.schema import MAX_CONTACT_TYPES, MAX_MENU_S, Identifier, Probability, StrictModel

class EmergencyLine(StrictModel):
    enabled: bool = False
    share_of_emergency_callers: Probability = Field(
        1.0, description="share of emergency callers who know and use the direct line"
    )


MAX_CALLBACK_CALLS = 10  # calls placed per accepted callback; diallers give up after 3-5


class CallbackOffer(StrictModel):
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


class FrontDoor(StrictModel):
    """How customers reach a human: straight, or through a bot with friction."""

    bot_enabled: bool = False
    bot_only_hours: DailySpans = Field(
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
