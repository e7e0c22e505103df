"""The column mapping: which column of a call log holds what, and how its values read.

One validated type (``ColumnMap``) describes any CSV/TSV export with one row
per call. A user writes it as a small YAML file (``--columns MAP.yaml``,
read through ``sim.files.calllog_io``); two layouts are built in
(``BUILT_IN_FORMATS``): ``anonymous_bank``, the SEELab "Anonymous Bank" layout
(Brown et al. 2005), and ``humanline``, the per-call records ``run --out DIR
--calls`` writes, so a simulated centre can be calibrated back. Example::

    name: my_acd
    delimiter: ","
    columns: {arrival: start_time, queue_entry: queued_at, queue_exit: left_queue_at,
              outcome: result, service_start: answered_at, service_end: ended_at,
              agent: agent_id, customer: caller_id, type: queue, priority: vip}
    datetime_format: "%Y-%m-%d %H:%M:%S"
    outcomes: {answered: [ANSWERED], unanswered: [ABANDONED, HUNG_UP], not_admitted: [BUSY, CLOSED],
               ended_by_centre: [VOICEMAIL], ignore: [TEST]}
    high_priority: ["1"]

Times are either full timestamps (``datetime_format``, or ``ISO8601``) or,
when ``columns.date`` names a date column, times of day (``time_format``) on
the call's date; a time of day earlier than the arrival is the next day (a
call across midnight), unless it is more than 12 hours earlier, which is an
impossible record. Values listed in ``no_time`` (the bank writes ``0:00:00``)
mean "did not happen".

An ``unanswered`` call that has a queue-entry time abandoned the queue (a
zero wait is a balk); one without it ended in the self-service menu (the
bot front door) and is not a queue abandonment.

Two more kinds of ending are the centre's doing, not the caller's, and are
listed apart so they are not read as abandonments:

- ``not_admitted``: the call never got in (a busy tone, a full queue, a
  closed line). It arrived, so it counts in the arrivals and can be retried,
  but it was never offered to the agents and has no wait; its queue times,
  if the export writes any, are not read.
- ``ended_by_centre``: the centre ended a call while it waited (disconnected
  at closing, sent to voicemail or asked to leave a message). It was
  offered; its wait censors the caller's patience (the caller had not given
  up yet) and it is not an abandonment.

The humanline layout lists the model's ``busy_tone``, ``queue_full`` and
``closed`` under ``not_admitted`` and its ``disconnected`` and
``left_message`` under ``ended_by_centre``. A value may be listed under one
group only.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.studies.choices import CALL_LOG_FORMATS

ColumnName = str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Columns(_Strict):
    """Column names in the log; optional ones may be left out when the export has no such column."""

    arrival: ColumnName = Field(description="when the call arrived (entered the menu, if there is one)")
    outcome: ColumnName = Field(description="how the call ended (values in `outcomes`)")
    date: ColumnName | None = Field(None, description="the call's date, when time columns hold times of day")
    bot_entry: ColumnName | None = Field(None, description="entered the self-service menu (defaults to arrival)")
    bot_exit: ColumnName | None = Field(None, description="left the self-service menu")
    queue_entry: ColumnName | None = Field(None, description="joined the agents' queue")
    queue_exit: ColumnName | None = Field(None, description="left the agents' queue (answered or hung up)")
    service_start: ColumnName | None = Field(None, description="an agent answered")
    service_end: ColumnName | None = Field(None, description="the agent finished")
    agent: ColumnName | None = Field(None, description="who served the call")
    customer: ColumnName | None = Field(None, description="the caller's id (links redials)")
    priority: ColumnName | None = Field(None, description="priority class (values in `high_priority` served first)")
    type: ColumnName | None = Field(None, description="contact type / queue / skill")
    call_id: ColumnName | None = None


GROUPS = ("answered", "unanswered", "not_admitted", "ended_by_centre", "ignore")


class Outcomes(_Strict):
    """What each value of the outcome column means (see the module docstring); a value belongs to one group only."""

    answered: list[str] = Field(min_length=1, description="values meaning an agent served the call")
    unanswered: list[str] = Field(
        min_length=1, description="values meaning it ended without an agent (in the queue or in the menu)"
    )
    not_admitted: list[str] = Field(
        default_factory=list,
        description="values meaning the call never got in (busy tone, full queue, closed line): an arrival, "
                    "never offered, no wait",
    )
    ended_by_centre: list[str] = Field(
        default_factory=list,
        description="values meaning the centre ended the call while it waited (disconnected at closing, sent to "
                    "voicemail or a message): offered, its wait censors patience, not an abandonment",
    )
    ignore: list[str] = Field(default_factory=list, description="values of rows to leave out (test or phantom calls)")

    @model_validator(mode="after")
    def _disjoint(self):
        seen: dict[str, str] = {}
        for group in GROUPS:
            for value in getattr(self, group):
                if value in seen:
                    raise ValueError(f"value {value!r} is listed under both {seen[value]} and {group}")
                seen[value] = group
        return self


class ColumnMap(_Strict):
    """How to read one call-log layout (see the module docstring)."""

    name: str = Field("custom", max_length=64)
    description: str = Field("", max_length=2000)
    delimiter: Literal[",", "\t", ";", "|"] = ","
    columns: Columns
    datetime_format: str = Field(
        "ISO8601", max_length=64, description="strftime format of full timestamps (or ISO8601)"
    )
    date_format: str = Field("%Y-%m-%d", max_length=64, description="format of the date column, with columns.date")
    time_format: str = Field("%H:%M:%S", max_length=64, description="format of times of day, with columns.date")
    no_time: list[str] = Field(default_factory=lambda: [""], description="values meaning 'did not happen'")
    outcomes: Outcomes
    unknown_customer: list[str] = Field(default_factory=lambda: ["", "0"], description="customer ids meaning unknown")
    no_agent: list[str] = Field(default_factory=lambda: [""], description="agent values meaning nobody")
    high_priority: list[str] = Field(default_factory=list, description="priority values served ahead of the rest")

    def used_columns(self) -> dict[str, str]:
        """Field -> column name, for every column the mapping names."""
        return {k: v for k, v in self.columns.model_dump().items() if v is not None}

    @property
    def times_of_day(self) -> bool:
        return self.columns.date is not None


ANONYMOUS_BANK = ColumnMap(
    name="anonymous_bank",
    description=(
        "SEELab's Anonymous Bank call log (Brown et al., JASA 2005): tab-separated, times of day on a YYMMDD "
        "date, a voice response unit (VRU) in front of the agents, PHANTOM rows to ignore."
    ),
    delimiter="\t",
    columns=Columns(
        arrival="vru_entry", date="date", bot_entry="vru_entry", bot_exit="vru_exit", queue_entry="q_start",
        queue_exit="q_exit", outcome="outcome", service_start="ser_start", service_end="ser_exit",
        agent="server", customer="customer_id", priority="priority", type="type", call_id="call_id",
    ),
    date_format="%y%m%d",
    time_format="%H:%M:%S",
    no_time=["", "0:00:00", "00:00:00"],
    outcomes=Outcomes(answered=["AGENT"], unanswered=["HANG"], ignore=["PHANTOM"]),
    unknown_customer=["", "0"],
    no_agent=["", "NO_SERVER"],
    high_priority=["2"],
)

# The layout of `run --out DIR --calls` (sim.calibration.records): what the model logs, as a call log.
HUMANLINE = ColumnMap(
    name="humanline",
    description="humanline's own per-call records (python -m sim run SCENARIO --out DIR --calls).",
    delimiter=",",
    columns=Columns(
        arrival="arrival", bot_entry="bot_entry", bot_exit="bot_exit", queue_entry="queue_entry",
        queue_exit="queue_exit", outcome="outcome", service_start="service_start", service_end="service_end",
        agent="agent", customer="customer_id", priority="priority", type="type", call_id="call_id",
    ),
    datetime_format="ISO8601",
    no_time=[""],
    outcomes=Outcomes(
        answered=["answered"],
        unanswered=["abandoned", "balked", "blocked", "bot_resolved", "bot_false_resolved", "callback_unanswered"],
        not_admitted=["busy_tone", "queue_full", "closed"],
        ended_by_centre=["disconnected", "left_message"],
    ),
    unknown_customer=[""],
    no_agent=[""],
    high_priority=["1"],
)

BUILT_IN_FORMATS: dict[str, ColumnMap] = {m.name: m for m in (ANONYMOUS_BANK, HUMANLINE)}
assert tuple(BUILT_IN_FORMATS) == CALL_LOG_FORMATS, "sim.studies.choices names the built-in layouts for --help"
