"""The registry of measures: every figure a run reports, described once.

A measure is a column of a run's tables (``sim.model.metrics``) or a figure
derived from them (``sim.runs.results``). Its entry here says what it means
(the data dictionary's text), its unit, where its values can lie, how it
adds up over contact types, intervals and agent groups, how its rate is
formed, and what people call it. The results, the data dictionary, the
run guard, the tables, the charts, the terminal and the report read these
entries; none keeps a list of its own.

How a measure adds up (``Measure.sums``):

``sum``       a count, a sum of seconds or money: summed over contact types,
              intervals and groups, then averaged over replications;
``ratio``     ``rate`` numerator / denominator, both summed first (over types,
              or hours of a heat map) and only then divided, never averaged;
              undefined (NaN) where the denominator is 0 (``ratio``);
``clock``     a time-average over an interval (queue length): the types' add up;
``centre``    a time-average of the whole centre (agents on duty): the same on
              every type's row, never summed over types;
``total``     the sum of other measures (``terms``, each with its sign);
``paired``    a paired difference against the baseline in the same
              replication, signed so that positive is good for the policy:
              the signed sum of ``terms`` (levels' differences or other
              savings);
``quantile``  a percentile of the incidents' time to a human, per replication
              (``quantile``); an incident never reached counts as infinite;
``incident``  a value of one incident (the incidents table): read through
              quantiles and the ECDF, never summed.

``tables`` names the run tables holding the measure as a column:
``replications`` (per policy x replication x contact type; its raw counts
in the order given here), ``intervals`` (per interval x type),
``interval_means`` (per interval, types summed, replications averaged),
``agents`` (per agent group), ``incidents`` (per incident). A measure of
none of them is derived by ``sim.runs.results`` (rates, totals, savings,
quantiles). ``compared``: ``Results.compare`` reports its paired difference.

Adding a measure is one entry in ``MEASURES`` (docs/design.md, "Measures");
a new count of the run's tables is also computed in ``sim.model.metrics``,
which refuses a figure that has no entry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

SUMS = ("sum", "ratio", "clock", "centre", "total", "paired", "quantile", "incident")
UNITS = ("count", "seconds", "money", "share", "number", "hours")
TABLES = ("replications", "intervals", "interval_means", "agents", "incidents")
Range = tuple[float, float]


@dataclass(frozen=True)
class Measure:
    name: str
    unit: str  # one of UNITS; money is per run, in the scenario's currency
    sums: str  # one of SUMS (module docstring)
    meaning: str  # the data dictionary's text
    label: str  # what people read: cards, table rows, chart legends
    rate: tuple[str, str] | None = None  # (numerator, denominator) of a ratio
    terms: tuple[tuple[str, int], ...] = ()  # (measure, sign) of a total or a paired saving
    quantile: float | None = None  # of a quantile measure
    tables: frozenset[str] = frozenset()
    compared: bool = False
    emergency_only: bool = False  # defined on emergency types and their pool only (the guarantee)
    short: str = ""  # a heading for a narrow terminal column; the label when empty
    undefined: str = ""  # when it may be NaN (a ratio: when nothing is in its denominator)

    @property
    def feasible(self) -> Range:
        """Where its per-replication values, and so its mean, can lie."""
        if self.sums == "paired":
            return (-math.inf, math.inf)
        return (0.0, 1.0) if self.unit == "share" else (0.0, math.inf)

    @property
    def difference_range(self) -> Range:
        """Where a paired difference of it can lie: a share's differ by at most 1 either way."""
        return (-1.0, 1.0) if self.unit == "share" else (-math.inf, math.inf)

    @property
    def kind(self) -> str:
        """How ``sim.present.formatting`` writes it."""
        return "number" if self.unit == "hours" else self.unit

    @property
    def heading(self) -> str:
        """The short name for a narrow column or a legend (the label when it has none)."""
        return self.short or self.label

    @property
    def title(self) -> str:
        """The heading with a capital: a column's or a panel's title ('Service level', 'ASA')."""
        return self.heading[:1].upper() + self.heading[1:]


def _entry(name: str, unit: str, sums: str, meaning: str, label: str, *tables: str, **fields) -> Measure:
    if fields.get("rate") and "undefined" not in fields:
        fields["undefined"] = f"no {fields['rate'][1]}"
    return Measure(name, unit, sums, meaning, label, tables=frozenset(tables), **fields)


_RUN = ("replications",)
_INTERVAL = ("replications", "intervals", "interval_means")

_ENTRIES = (
    # ------------------------------------------------ counts and sums of a contact type (in the replications' order)
    _entry("incidents", "count", "sum", "distinct incidents that arrived", "Incidents", *_INTERVAL, short="incidents"),
    _entry("attempts", "count", "sum", "incidents + redials + returns", "Attempts", *_INTERVAL),
    _entry("bot_sessions", "count", "sum", "attempts that entered the bot", "Bot sessions", *_RUN),
    _entry("bot_resolved", "count", "sum", "bot sessions the bot resolved", "Resolved by the bot", *_RUN),
    _entry("bot_false_resolved", "count", "sum", "bot sessions falsely marked resolved (the customer comes back)",
           "Falsely resolved by the bot", *_RUN),
    _entry("blocked", "count", "sum", "attempts that never found the human option", "Never found the human option",
           *_RUN),
    _entry("offered", "count", "sum", "attempts that joined the human queue", "Offered to a human", *_INTERVAL,
           compared=True, short="offered"),
    _entry("answered", "count", "sum",
           "offered attempts answered by a human (a callback: when the customer answers the call back)",
           "Answered by a human", *_INTERVAL, compared=True),
    _entry("abandoned", "count", "sum", "offered attempts that hung up while waiting (balked included)", "Abandoned",
           *_INTERVAL),
    _entry("balked", "count", "sum", "offered attempts that hung up at once, no agent free", "Balked", *_RUN),
    _entry("delayed", "count", "sum", "offered attempts not answered at once", "Waited at all", *_RUN),
    _entry("answered_within_target", "count", "sum", "attempts answered within the type's target time",
           "Answered within target", *_INTERVAL),
    _entry("abandoned_within_target", "count", "sum", "attempts abandoned within the type's target time",
           "Abandoned within target", *_RUN),
    _entry("wait_sum_s", "seconds", "sum",
           "queue time summed over offered attempts (a callback's runs to its call back)", "Queue time, summed",
           "replications", "interval_means"),
    _entry("answered_wait_sum_s", "seconds", "sum", "queue time summed over answered attempts",
           "Queue time of answered attempts, summed", *_RUN),
    _entry("reached_human", "count", "sum", "incidents answered by a human at least once", "Incidents reaching a human",
           *_RUN),
    _entry("within_guarantee", "count", "sum", "incidents whose time to a human is within the guarantee",
           "Incidents within the guarantee", *_RUN),
    _entry("time_to_human_sum_s", "seconds", "sum", "time to a human summed over incidents that reached one",
           "Time to a human, summed", *_RUN),
    _entry("handled_s", "seconds", "sum", "agent time spent handling (talk and after-contact work)",
           "Handling time", *_RUN),
    _entry("callback_offered", "count", "sum",
           "attempts offered a callback (predicted wait over the threshold, or waited that long)",
           "Callbacks offered", *_RUN),
    _entry("callback_accepted", "count", "sum", "attempts that took the callback offered and left the live queue",
           "Callbacks accepted", *_RUN),
    _entry("callback_answered", "count", "sum",
           "accepted callbacks whose call back the customer answered (then served)", "Callbacks answered", *_RUN),
    _entry("callback_unanswered", "count", "sum",
           "accepted callbacks never reached: every call back unanswered (an outcome of offered)",
           "Callbacks never reached", *_RUN),
    _entry("callback_calls", "count", "sum", "calls back placed, unanswered ones included", "Calls back placed", *_RUN),
    _entry("callback_dial_s", "seconds", "sum", "agent time spent placing calls back (busy, paid)",
           "Time placing calls back", *_RUN),
    # the centre's limits (sim.model.capacity): busy_tone, queue_full and closed never joined the queue
    _entry("busy_tone", "count", "sum", "attempts that found every phone line they could use taken (never joined "
           "the queue)", "Busy tones", *_INTERVAL, compared=True, short="busy tones"),
    _entry("queue_full", "count", "sum", "attempts that reached the human queue with every waiting place taken and "
           "no agent free (never joined the queue)", "Turned away: queue full", *_INTERVAL),
    _entry("disconnected", "count", "sum", "offered attempts still waiting when their type's line closed "
           "(at_closing: disconnect)", "Disconnected at closing", *_INTERVAL),
    _entry("closed", "count", "sum", "attempts that arrived while their type's line was closed (never joined the "
           "queue)", "Arrived while closed", *_INTERVAL),
    _entry("left_message", "count", "sum", "offered attempts that waited the type's max_wait_s and left a message "
           "(ends the incident)", "Left a message", *_INTERVAL),
    _entry("agent_cost", "money", "sum", "paid agent hours times hourly cost, overtime included", "Agent cost",
           "replications", "agents", compared=True, short="agent cost"),
    _entry("bot_cost", "money", "sum", "bot sessions times cost per session, plus the fixed cost per day", "Bot cost",
           *_RUN, compared=True, short="bot cost"),
    _entry("customer_loss", "money", "sum", "money emergency victims lost while not reaching a human",
           "Customer losses", *_RUN, compared=True, short="customer loss"),
    _entry("platform_liability", "money", "sum", "the share of customer losses the platform compensates",
           "Platform liability", *_RUN, compared=True),
    _entry("churn_cost", "money", "sum", "cost of abandoned and unresolved non-emergency incidents", "Churn cost", *_RUN,
           compared=True),
    _entry("amount_at_risk", "money", "sum", "money at risk at the start of the emergency incidents",
           "Amount at risk", *_RUN),
    _entry("unreached", "count", "sum", "incidents that never reached a human", "Incidents never reaching a human",
           *_RUN, compared=True),
    _entry("unreached_loss", "money", "sum", "losses of incidents that never reached a human",
           "Losses of incidents never reaching a human", *_RUN),
    _entry("unreached_attempts", "count", "sum", "attempts made by incidents that never reached a human",
           "Attempts of incidents never reaching a human", *_RUN),
    # ------------------------------------------------ rates (in the order of the per-replication table)
    _entry("service_level", "share", "ratio", "answered within target / offered",
           "Service level (answered within target / offered)", "intervals", "interval_means",
           rate=("answered_within_target", "offered"), compared=True, short="service level"),
    _entry("abandonment", "share", "ratio", "abandoned / offered", "Abandonment (of offered)", "interval_means",
           rate=("abandoned", "offered"), compared=True, short="abandonment"),
    _entry("balking", "share", "ratio", "balked / offered", "Balking (of offered)", rate=("balked", "offered")),
    _entry("callback_take_up", "share", "ratio", "callbacks accepted / callbacks offered",
           "Callbacks taken up (accepted / offered)", rate=("callback_accepted", "callback_offered")),
    _entry("callback_reach", "share", "ratio", "callbacks answered / callbacks accepted",
           "Callbacks reached (answered / accepted)", rate=("callback_answered", "callback_accepted")),
    _entry("p_delay", "share", "ratio", "delayed / offered: probability of waiting at all", "Probability of waiting",
           rate=("delayed", "offered"), compared=True, short="P(wait > 0)"),
    _entry("asa_s", "seconds", "ratio", "average speed of answer: queue time of answered attempts / answered", "Average speed of answer",
           rate=("answered_wait_sum_s", "answered"), compared=True, short="ASA"),
    _entry("mean_wait_s", "seconds", "ratio", "mean queue time of offered attempts", "Mean wait in queue",
           "intervals", "interval_means", rate=("wait_sum_s", "offered")),
    _entry("bot_containment", "share", "ratio", "bot resolved / bot sessions", "Bot containment",
           rate=("bot_resolved", "bot_sessions")),
    _entry("share_reached_human", "share", "ratio", "incidents that reached a human / incidents",
           "Incidents reaching a human", rate=("reached_human", "incidents"), compared=True),
    _entry("share_within_guarantee", "share", "ratio", "incidents reaching a human within the guarantee / incidents",
           "Emergencies reaching a human within the guarantee", rate=("within_guarantee", "incidents"),
           compared=True, emergency_only=True, short="within guarantee"),
    _entry("mean_time_to_human_s", "seconds", "ratio", "mean time to a human of incidents that reached one",
           "Mean time to a human", rate=("time_to_human_sum_s", "reached_human"), compared=True,
           short="mean to human"),
    _entry("attempts_per_incident", "number", "ratio", "attempts / incidents", "Attempts per incident",
           rate=("attempts", "incidents")),
    _entry("share_unreached", "share", "ratio", "incidents never reaching a human / incidents",
           "Incidents never reaching a human (share)", rate=("unreached", "incidents")),
    _entry("attempts_per_unreached", "number", "ratio", "attempts per incident that never reached a human",
           "Attempts per incident never reaching a human", rate=("unreached_attempts", "unreached")),
    _entry("busy_tone_share", "share", "ratio", "busy_tone / attempts", "Busy tone: every line taken (of attempts)",
           rate=("busy_tone", "attempts"), compared=True, short="busy tone"),
    _entry("queue_full_share", "share", "ratio", "queue_full / attempts", "Attempts turned away by a full queue",
           rate=("queue_full", "attempts")),
    _entry("closed_share", "share", "ratio", "closed / attempts", "Attempts arriving while closed",
           rate=("closed", "attempts")),
    _entry("disconnected_share", "share", "ratio", "disconnected / offered", "Disconnected at closing (of offered)",
           rate=("disconnected", "offered")),
    _entry("left_message_share", "share", "ratio", "left_message / offered", "Left a message (of offered)",
           rate=("left_message", "offered")),
    # ------------------------------------------------ totals, the agents, time to a human
    _entry("agent_and_bot_cost", "money", "total",
           "agent cost + bot cost: what the platform pays to run the service (customer losses, liability and churn "
           "are not in it)", "Agent and bot cost", terms=(("agent_cost", 1), ("bot_cost", 1)), compared=True),
    _entry("occupancy", "share", "ratio", "busy hours / paid hours", "Occupancy", "agents",
           rate=("busy_hours", "paid_hours")),
    _entry("time_to_human_p50_s", "seconds", "quantile", "median time to a human; never reached counts as infinite",
           "Median time to a human", quantile=0.5, compared=True),
    _entry("time_to_human_p90_s", "seconds", "quantile",
           "90th percentile of time to a human; never reached counts as infinite", "90th percentile of time to a human",
           quantile=0.9, compared=True),
    _entry("time_to_human_p99_s", "seconds", "quantile",
           "99th percentile of time to a human; never reached counts as infinite", "99th percentile of time to a human",
           quantile=0.99, compared=True),
    _entry("queue_length_mean", "count", "clock", "time-average number waiting", "Callers waiting (mean)",
           "intervals", "interval_means"),
    _entry("agents_on_duty", "count", "centre", "time-average agents on duty (breaks and absence taken out)",
           "Agents on duty (mean)", "intervals", "interval_means"),
    _entry("scheduled", "count", "sum", "agents rostered in the group", "Agents rostered", "agents"),
    _entry("presences", "count", "sum",
           "agent presences with paid time in the window (continuous cover counts once)", "Agent presences", "agents"),
    _entry("paid_hours", "hours", "sum", "paid agent hours, overtime included", "Paid hours", "agents"),
    _entry("overtime_hours", "hours", "sum", "paid hours past shift end to finish a contact", "Overtime hours",
           "agents"),
    _entry("busy_hours", "hours", "sum", "agent hours spent handling or dialling (holding several chats counts once)",
           "Busy hours", "agents"),
    _entry("time_to_human_s", "seconds", "incident", "first attempt to first human answer, empty if never reached",
           "Time to a human", "incidents", undefined="the incident never reached a human"),
    _entry("loss", "money", "incident", "money this incident lost", "Loss", "incidents"),
    _entry("platform_paid", "money", "incident",
           "what the policy's liability rule pays on this incident (share, cap, conditions)", "Paid by the platform",
           "incidents"),
    # ------------------------------------------------ savings against the baseline (paired, positive is good)
    _entry("wages_saved", "money", "paired", "baseline agent cost - policy agent cost", "Wages saved",
           terms=(("agent_cost", -1),), short="wages saved"),
    _entry("bot_cost_saved", "money", "paired", "baseline bot cost - policy bot cost", "Bot cost saved",
           terms=(("bot_cost", -1),), short="bot cost saved"),
    _entry("added_customer_loss", "money", "paired", "policy customer losses - baseline's", "Added customer losses",
           terms=(("customer_loss", 1),), short="added cust. loss"),
    _entry("added_liability", "money", "paired", "policy liability - baseline's", "Added liability paid",
           terms=(("platform_liability", 1),), short="added liability"),
    _entry("added_churn", "money", "paired", "policy churn cost - baseline's", "Added churn cost",
           terms=(("churn_cost", 1),), short="added churn"),
    _entry("net_saving", "money", "paired",
           "for society: wages + bot cost saved - added customer losses - added churn", "Net effect for society",
           terms=(("wages_saved", 1), ("bot_cost_saved", 1), ("added_customer_loss", -1), ("added_churn", -1)),
           short="net saving"),
    _entry("net_saving_platform", "money", "paired",
           "for the platform: wages + bot cost saved - added liability - added churn", "Net effect for the platform",
           terms=(("wages_saved", 1), ("bot_cost_saved", 1), ("added_liability", -1), ("added_churn", -1)),
           short="net saving (platform)"),
)

MEASURES: dict[str, Measure] = {m.name: m for m in _ENTRIES}


def _check(measures: dict[str, Measure]) -> None:
    """Every entry well formed, and every name it refers to registered: a slip fails on import, not in a chart."""
    if len(measures) != len(_ENTRIES):
        raise ValueError("sim.model.measures: a measure is registered twice")
    for m in measures.values():
        if m.sums not in SUMS or m.unit not in UNITS or not set(m.tables) <= set(TABLES):
            raise ValueError(f"measure {m.name}: unknown sums, unit or table")
        if (m.sums == "ratio") != (m.rate is not None) or (m.sums in ("total", "paired")) != bool(m.terms) \
                or (m.sums == "quantile") != (m.quantile is not None):
            raise ValueError(f"measure {m.name}: a {m.sums} needs exactly its own fields (rate, terms, quantile)")
        missing = [n for n in (*(m.rate or ()), *(t for t, _ in m.terms)) if n not in measures]
        if missing:
            raise ValueError(f"measure {m.name} refers to unregistered {missing}")


_check(MEASURES)


def names(*, table: str | None = None, sums: str | tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The registered names, in registry order, held by ``table`` and/or adding up as ``sums``."""
    allowed = (sums,) if isinstance(sums, str) else sums
    return tuple(m.name for m in MEASURES.values()
                 if (table is None or table in m.tables) and (allowed is None or m.sums in allowed))


def label(name: str) -> str:
    """What people call the measure (its name when it is not registered)."""
    m = MEASURES.get(name)
    return m.label if m else name


def kind(name: str) -> str:
    """How ``sim.present.formatting`` writes the measure ('number' when it is not registered)."""
    m = MEASURES.get(name)
    return m.kind if m else "number"


def ratio(numerator, denominator) -> np.ndarray:
    """numerator / denominator where the denominator is positive, NaN elsewhere: the one way a rate is formed."""
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def with_rates(frame: pd.DataFrame, rates: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """``frame`` (summed numerators and denominators) with the ratio measures ``rates`` added, in that order."""
    out = frame.copy()
    for name in rates:
        num, den = MEASURES[name].rate
        out[name] = ratio(out[num], out[den])
    return out


def signed_sum(frame: pd.DataFrame, terms: tuple[tuple[str, int], ...]) -> pd.Series:
    """The terms' columns of ``frame``, each with its sign, added in order (a total or a paired saving)."""
    (first, sign), *rest = terms
    out = sign * frame[first]
    for name, sign in rest:
        out = out + frame[name] if sign > 0 else out - frame[name]
    return out
