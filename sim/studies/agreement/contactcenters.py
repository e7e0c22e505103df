"""ContactCenters' published examples, as humanline runs them.

ContactCenters (Buist & L'Ecuyer, Université de Montréal; repository
umontreal-simul/contactcenters, commit f5ddb4a0a4b30dbf436ac36e6d97facce2f3576d)
ships small simulators in ``doc/examples/*.java`` with their printed outputs,
1,000 simulated days each, in ``doc/examples/*.res``. The settings and figures
below were read from those files; the file and the line of output are cited
per case and figure. None of their code is used or copied: each case is a
humanline scenario, and each measure is counted from humanline's attempt
log with the example's own definition (stated per measure in
``definition``), not with humanline's.

Protocol common to the MMC family (``MMC.java``): time in minutes; Poisson
arrivals at LAMBDA = 4.2 a minute, exponential service of mean 1/MU = 2
minutes, 12 agents, AWT = 20 s; each day starts empty (``Sim.init``), the
arrival process stops at DAYLENGTH = 480 minutes (``endSim``) but the
simulation runs on until the event list is empty, so the calls still
waiting at the end are served by the 12 agents and counted; the busy-agent
integral is read at 480 minutes, so occupancy covers [0, 480) only. In
humanline: one day whose arrivals fall in its first 8 hours (16 half-hour
intervals of 126 expected calls, a Poisson process), one 24-hour shift of
12 agents from 00:00 (so the calls left at 08:00 are served, as there), no
warm-up (the day starts empty), no redials. ``MMCBlocked.java`` adds a total
queue capacity of 5 (``router.setTotalQueueCapacity``): a call that finds
every agent busy and 5 waiting is blocked (humanline: ``capacity.queue_places``,
outcome ``queue_full``). ``MMCClrQ.java`` clears the queue at 480 minutes
(``queue.clear`` in ``endSim``): the calls still waiting are disconnected,
those in service finished (humanline: the type's line open 00:00-08:00 with
``at_closing: disconnect``). Each prints its count and a service level
whose denominator adds it to the calls served.

``CallCC.java`` (with ``CallCenter.dat``) is the SSJ textbook call centre:
13 hourly periods from 08:00 with a staffing and a base arrival rate per
period, a gamma(10, 10) busyness factor per day on every rate, exponential
service of mean 100 s (gamma with alpha = 1), and a patience that is 0 with
probability 0.1 (a caller who finds no free agent hangs up at once) and
otherwise exponential with mean 1,000 s; after 21:00 the last period's 4
agents stay until the queue is empty. humanline expresses each of these:
a per-interval table of agents and of calls, ``busyness_cv`` = 1/sqrt(10)
(gamma, mean 1), ``balk_probability`` = 0.1 (only when no agent is free,
as there), exponential patience and handle times.

``Telethon.java`` simulates a week (P = 24 x 7 hourly periods) of which five
days take calls, 50 an hour from 06:00 to 10:00, on 24 trunks (a call that
finds them all taken is blocked: humanline's ``capacity.lines`` and
``busy_tone``), with 12 volunteers in the same hours, service exponential of
mean 10 min, patience exponential of mean 2 min, a maximal queue time of
2 min after which the caller leaves a message (dequeue type 5: humanline's
``max_wait_s`` and ``left_message``), and the waiting queue cleared when the
agents leave (``setClearWaitingQueues``: humanline's ``at_closing:
disconnect``, outcome ``disconnected``); a volunteer busy at 10:00 finishes
the call (a ghost agent), as humanline's agents do. Its service level and
occupancy divide by the EXPECTED calls (1,000) and agent-minutes (14,400),
not by the week's own, and are printed in percent; its busy-agent integral
counts the ghost agents, so occupancy includes service after 10:00.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.model.attempt_log import (
    ABANDONED,
    ANSWERED,
    BALKED,
    BUSY_TONE,
    DISCONNECTED,
    LEFT_MESSAGE,
    QUEUE_FULL,
)
from sim.model.scenario import Scenario
from sim.studies.agreement.estimates import Published
from sim.studies.agreement.logs import COLUMN, busy_seconds

REPOSITORY = "umontreal-simul/contactcenters"
COMMIT = "f5ddb4a0a4b30dbf436ac36e6d97facce2f3576d"
DAYS = 1000  # NUMDAYS of every example: the n of every published standard deviation


@dataclass(frozen=True)
class Measure:
    """One published figure and how to compute it from per-day counts.

    ``estimator``: ("mean", field) is the average of a per-day value (an SSJ
    Tally); ("ratio", numerator, denominator) is a ratio of averages (a
    FunctionOfMultipleMeansTally), see ``sim.studies.agreement.estimates``.
    Each counter returns its values in the published unit.
    """

    key: str
    label: str
    unit: str
    estimator: tuple[str, ...]
    published: Published
    definition: str
    source: str


@dataclass(frozen=True)
class PublishedCase:
    case: str
    title: str
    settings: str
    source: str  # the files, in REPOSITORY at COMMIT
    scenario: Scenario
    counter: Callable[[np.ndarray], dict[str, float]]  # module-level (picklable): attempts -> one day's values
    measures: tuple[Measure, ...]
    confidence: float = 0.95  # of the published intervals


def _figure(value, low, high, sd, decimals) -> Published:
    return Published(value=value, ci_low=low, ci_high=high, sd=sd, n=DAYS, decimals=decimals)


# ------------------------------------------------------------------ the MMC family

MMC_AWT_S = 20.0
MMC_DAY_S = 480 * 60.0
MMC_AGENTS = 12


def mmc_scenario(name: str, mean_patience_s: float | None, *, queue_places: int | None = None,
                 disconnect_at_end: bool = False) -> Scenario:
    """MMC.java's day in humanline: 4.2 calls a minute for 8 hours, 12 agents who stay until the queue is empty.

    ``queue_places``: MMCBlocked's total queue capacity (``capacity.queue_places``);
    ``disconnect_at_end``: MMCClrQ's queue cleared at 480 minutes (the line open 00:00-08:00,
    ``at_closing: disconnect``).
    """
    per_interval = 4.2 * 30  # 30-minute intervals
    table = [per_interval] * 16 + [0.0] * 32
    patience = ({"dist": "exponential", "mean": mean_patience_s} if mean_patience_s
                else {"dist": "deterministic", "value": 1e9})
    calls = {
        "id": "calls", "target_s": MMC_AWT_S, "volume": {"table": table},
        "handle_time_s": {"dist": "exponential", "mean": 120.0}, "patience_s": patience,
        "redial": {"max_attempts": 1},
    }
    if disconnect_at_end:
        calls.update(hours=["00:00-08:00"], at_closing="disconnect")
    data = {
        "name": name,
        "days": 1,
        "interval_min": 30,
        "contact_types": [calls],
        "agents": {"shifts": [{"id": "all", "start": "00:00", "length_h": 24, "headcount": MMC_AGENTS}]},
        "replications": 1,
    }
    if queue_places is not None:
        data["capacity"] = {"queue_places": queue_places}
    return Scenario.model_validate(data)


def mmc_counts(attempts: np.ndarray, awt_s: float = MMC_AWT_S, day_s: float = MMC_DAY_S) -> dict[str, float]:
    """One day's counts with MMC.java's definitions (queue time < AWT is in target; waits in minutes).

    ``blocked`` (MMCBlocked: the queue full) and ``disconnected`` (MMCClrQ: cleared at 480 min) are
    zero where the case has no such rule.
    """
    outcome = attempts[:, COLUMN["outcome"]]
    wait = attempts[:, COLUMN["leave_queue_s"]] - attempts[:, COLUMN["enqueue_s"]]
    served = outcome == ANSWERED
    abandoned = outcome == ABANDONED
    blocked = float((outcome == QUEUE_FULL).sum())
    disconnected = float((outcome == DISCONNECTED).sum())
    return {
        "served": float(served.sum()),
        "in_target": float((served & (wait < awt_s)).sum()),
        "wait_sum_min": float(wait[served].sum() / 60.0),
        "abandoned": float(abandoned.sum()),
        "abandoned_after_awt": float((abandoned & (wait >= awt_s)).sum()),
        "served_plus_late_abandons": float(served.sum() + (abandoned & (wait >= awt_s)).sum()),
        "busy_min": busy_seconds(attempts, day_s) / 60.0,
        "agent_min": MMC_AGENTS * day_s / 60.0,
        "blocked": blocked,
        "served_plus_blocked": float(served.sum()) + blocked,
        "disconnected": disconnected,
        "served_plus_disconnected": float(served.sum()) + disconnected,
    }


IN_TARGET = ("calls in target", "calls a day",
             "served calls whose time in queue was < 20 s (strictly), calls served after 480 min included; "
             "mean over days")
SL = ("service level", "share",
      "calls in target / calls served (abandoned calls are in neither); a ratio of the means over days, "
      "not a mean of daily ratios")
ASA = ("speed of answer", "minutes",
       "total time in queue of served calls / calls served (a ratio of means), in minutes")
OCCUPANCY = ("occupancy", "share",
             "busy agent-time in [0, 480 min) / (12 agents x 480 min); service past 480 min not counted")


def _mmc_measures(res: str, in_target: tuple, service_level: tuple, speed: tuple, occupancy: tuple
                  ) -> tuple[Measure, ...]:
    """MMC.java's four figures as ``res`` prints them: (value, interval low, high, standard deviation) each."""
    return (
        Measure("in_target", *IN_TARGET[:2], ("mean", "in_target"), _figure(*in_target, 3), IN_TARGET[2],
                f"{res}: Number of contacts in target"),
        Measure("service_level", *SL[:2], ("ratio", "in_target", "served"), _figure(*service_level, 3), SL[2],
                f"{res}: Service level"),
        Measure("speed_of_answer", *ASA[:2], ("ratio", "wait_sum_min", "served"), _figure(*speed, 3), ASA[2],
                f"{res}: Speed of answer"),
        Measure("occupancy", *OCCUPANCY[:2], ("ratio", "busy_min", "agent_min"), _figure(*occupancy, 3),
                OCCUPANCY[2], f"{res}: Occupancy ratio"),
    )


MMC = PublishedCase(
    case="MMC",
    title="ContactCenters MMC: M/M/12, 8-hour day starting empty",
    settings="4.2 calls/min, exponential service mean 2 min, 12 agents, AWT 20 s, arrivals stop at 480 min, "
             "calls waiting then are served; nobody abandons",
    source="doc/examples/MMC.java, doc/examples/MMC.res",
    scenario=mmc_scenario("ContactCenters MMC", None),
    counter=mmc_counts,
    measures=_mmc_measures("MMC.res", (1816.158, 1812.618, 1819.698, 57.043), (0.902, 0.900, 0.904, 0.033),
                           (0.099, 0.097, 0.102, 0.045), (0.695, 0.694, 0.697, 0.023)),
)

MMCAB = PublishedCase(
    case="MMCAb",
    title="ContactCenters MMCAb: MMC with abandonment (M/M/12+M)",
    settings="as MMC, and exponential patience of mean 1 min (NU = 1.0); abandoned calls are not served",
    source="doc/examples/MMCAb.java, doc/examples/MMCAb.res",
    scenario=mmc_scenario("ContactCenters MMCAb", 60.0),
    counter=mmc_counts,
    measures=(
        Measure("abandoned", "calls abandoned", "calls a day", ("mean", "abandoned"),
                _figure(58.609, 57.660, 59.558, 15.295, 3),
                "calls that left the queue out of patience, at any wait, after 480 min included; mean over days",
                "MMCAb.res: Number of contacts having abandoned"),
        Measure("in_target", *IN_TARGET[:2], ("mean", "in_target"),
                _figure(1906.008, 1903.785, 1908.231, 35.828, 3), IN_TARGET[2],
                "MMCAb.res: Number of contacts in target"),
        Measure("service_level", *SL[:2], ("ratio", "in_target", "served"),
                _figure(0.975, 0.974, 0.975, 7.9e-3, 3), SL[2], "MMCAb.res: Service level"),
        Measure("speed_of_answer", *ASA[:2], ("ratio", "wait_sum_min", "served"),
                _figure(0.024, 0.023, 0.024, 6.0e-3, 3), ASA[2], "MMCAb.res: Speed of answer"),
        Measure("occupancy", *OCCUPANCY[:2], ("ratio", "busy_min", "agent_min"),
                _figure(0.675, 0.674, 0.677, 0.019, 3), OCCUPANCY[2], "MMCAb.res: Occupancy ratio"),
        Measure("service_level_with_abandonment", "service level with abandonment", "share",
                ("ratio", "in_target", "served_plus_late_abandons"),
                _figure(0.968, 0.968, 0.969, 9.9e-3, 3),
                "calls in target / (calls served + calls abandoned after >= 20 s in queue): a caller who "
                "abandons within 20 s counts neither for nor against; a ratio of means",
                "MMCAb.res: Service level with abandonment"),
    ),
)


MMCBLOCKED_QUEUE_PLACES = 5  # MMCBlocked.java: QUEUECAPACITY, router.setTotalQueueCapacity

MMCBLOCKED = PublishedCase(
    case="MMCBlocked",
    title="ContactCenters MMCBlocked: MMC with 5 waiting places (M/M/12/17)",
    settings="as MMC, and a total queue capacity of 5: a call that finds the 12 agents busy and 5 calls waiting "
             "is blocked (humanline: capacity.queue_places = 5, outcome queue_full); nobody abandons",
    source="doc/examples/MMCBlocked.java, doc/examples/MMCBlocked.res",
    scenario=mmc_scenario("ContactCenters MMCBlocked", None, queue_places=MMCBLOCKED_QUEUE_PLACES),
    counter=mmc_counts,
    measures=(
        Measure("blocked", "calls blocked (queue full)", "calls a day", ("mean", "blocked"),
                _figure(18.655, 18.045, 19.265, 9.831, 3),
                "calls that arrived to 12 busy agents and 5 calls waiting and were turned away (humanline's "
                "queue_full outcome); mean over days",
                "MMCBlocked.res: Number of blocked contacts"),
        *_mmc_measures("MMCBlocked.res", (1854.284, 1851.667, 1856.901, 42.176), (0.929, 0.928, 0.930, 0.019),
                       (0.060, 0.059, 0.061, 0.016), (0.689, 0.688, 0.690, 0.021)),
        Measure("service_level_with_blocked", "service level with blocked calls", "share",
                ("ratio", "in_target", "served_plus_blocked"), _figure(0.920, 0.919, 0.922, 0.022, 3),
                "calls in target / (calls served + calls blocked); a ratio of means",
                "MMCBlocked.res: Service level with blocked contacts"),
    ),
)

MMCCLRQ = PublishedCase(
    case="MMCClrQ",
    title="ContactCenters MMCClrQ: MMC with the queue cleared at closing",
    settings="as MMC, but the calls still waiting at 480 min are disconnected (queue.clear at endSim); the calls "
             "in service then are finished (humanline: the line open 00:00-08:00, at_closing: disconnect)",
    source="doc/examples/MMCClrQ.java, doc/examples/MMCClrQ.res",
    scenario=mmc_scenario("ContactCenters MMCClrQ", None, disconnect_at_end=True),
    counter=mmc_counts,
    measures=(
        Measure("disconnected", "calls disconnected at closing", "calls a day", ("mean", "disconnected"),
                _figure(0.433, 0.328, 0.538, 1.688, 3),
                "calls still waiting at 480 min, removed from the queue unserved (humanline's disconnected "
                "outcome); mean over days",
                "MMCClrQ.res: Number of disconnected contacts"),
        *_mmc_measures("MMCClrQ.res", (1816.112, 1812.572, 1819.652, 57.042), (0.902, 0.900, 0.904, 0.033),
                       (0.099, 0.096, 0.102, 0.045), (0.695, 0.694, 0.697, 0.023)),
        Measure("service_level_with_disconnected", "service level with disconnected calls", "share",
                ("ratio", "in_target", "served_plus_disconnected"), _figure(0.902, 0.900, 0.904, 0.033, 3),
                "calls in target / (calls served + calls disconnected); a ratio of means",
                "MMCClrQ.res: Service level with disconnected contacts"),
    ),
)

# ------------------------------------------------------------------ CallCC

CALLCC_OPENING_H = 8
CALLCC_AGENTS = (4, 6, 8, 8, 8, 7, 8, 8, 6, 6, 4, 4, 4)  # CallCenter.dat, one per hourly period
CALLCC_RATES = (100, 150, 150, 180, 200, 150, 150, 150, 120, 100, 80, 70, 60)  # calls an hour
CALLCC_EXPECTED = float(sum(CALLCC_RATES))  # nCallsExpected = 1660: every CallCC ratio divides by this
CALLCC_S = 20.0


def callcc_scenario() -> Scenario:
    before = [0] * CALLCC_OPENING_H
    after = 24 - CALLCC_OPENING_H - len(CALLCC_RATES)
    return Scenario.model_validate({
        "name": "ContactCenters CallCC",
        "days": 1,
        "interval_min": 60,
        "busyness_cv": 1.0 / math.sqrt(10.0),  # B ~ gamma(alpha0 = 10, rate 10): mean 1, cv 1/sqrt(10)
        "contact_types": [{
            "id": "calls", "target_s": CALLCC_S,
            "volume": {"table": [float(r) for r in (*before, *CALLCC_RATES, *[0] * after)]},
            "handle_time_s": {"dist": "exponential", "mean": 100.0},
            "patience_s": {"dist": "exponential", "mean": 1000.0},
            "balk_probability": 0.1,
            "redial": {"max_attempts": 1},
        }],
        # the wrap-up period keeps the last period's agents (numAgents[numPeriods + 1])
        "agents": {"tables": [{"id": "agents",
                               "agents": [*before, *CALLCC_AGENTS, *[CALLCC_AGENTS[-1]] * after]}]},
        "replications": 1,
    })


def callcc_counts(attempts: np.ndarray, s: float = CALLCC_S, expected: float = CALLCC_EXPECTED) -> dict[str, float]:
    """One day's values with CallCC.java's definitions: counts of served and abandoned calls over 1660."""
    outcome = attempts[:, COLUMN["outcome"]]
    wait = attempts[:, COLUMN["leave_queue_s"]] - attempts[:, COLUMN["enqueue_s"]]
    left = (outcome == ANSWERED) | (outcome == ABANDONED) | (outcome == BALKED)
    lost = (outcome == ABANDONED) | (outcome == BALKED)
    return {
        "arrivals": float(left.sum()),
        "wait_per_expected_s": float(wait[left].sum() / expected),
        "good_per_expected": float((left & (wait < s)).sum() / expected),
        "lost_per_expected": float(lost.sum() / expected),
    }


CALLCC = PublishedCase(
    case="CallCC",
    title="ContactCenters CallCC: time-varying day with busyness, balking and abandonment",
    settings="13 hourly periods from 08:00 (CallCenter.dat): agents 4-8, base rates 60-200 calls/h (1,660 a day), "
             "gamma(10,10) daily busyness, service exp. mean 100 s, patience 0 w.p. 0.1 else exp. mean 1,000 s, "
             "s = 20 s; the last period's 4 agents stay until the queue is empty",
    source="doc/examples/CallCC.java, doc/examples/CallCenter.dat, doc/examples/CallCC.res",
    scenario=callcc_scenario(),
    counter=callcc_counts,
    confidence=0.90,
    measures=(
        Measure("arrivals", "calls arrived", "calls a day", ("mean", "arrivals"),
                _figure(1639.507, 1612.789, 1666.225, 513.189, 3),
                "calls that arrived (served or abandoned) in the day; mean over days",
                "CallCC.res: Number of arrivals per day"),
        Measure("wait_per_expected", "waiting time per expected call", "seconds", ("mean", "wait_per_expected_s"),
                _figure(11.834, 10.060, 13.608, 34.078, 3),
                "total time in queue of served and abandoned calls (balkers: 0) / 1,660, the expected calls "
                "(not the day's arrivals); mean over days",
                "CallCC.res: Average waiting time per customer"),
        Measure("good_per_expected", "waits < 20 s per expected call", "share", ("mean", "good_per_expected"),
                _figure(0.853, 0.844, 0.862, 0.169, 3),
                "served AND abandoned calls whose time in queue was < 20 s (balkers count as in target) / 1,660; "
                "mean over days (a busy day can exceed 1)",
                "CallCC.res: Proportion of waiting times < s"),
        Measure("lost_per_expected", "calls lost per expected call", "share", ("mean", "lost_per_expected"),
                _figure(0.0342, 0.0311, 0.0374, 0.0608, 4),
                "abandoned calls, balkers included / 1,660; mean over days",
                "CallCC.res: Proportion of calls lost"),
    ),
)


# ------------------------------------------------------------------ Telethon

TELETHON_DAYS = 5  # the five working days of the simulated week (P = 24*7 periods, arrivals on days 0-4)
TELETHON_OPEN, TELETHON_CLOSE = 6, 10  # STARTHOUR, ENDHOUR
TELETHON_RATE_PER_H = 50.0  # ARRIVALRATE
TELETHON_AGENTS = 12  # NUMAGENTS
TELETHON_LINES = 24  # NUMTRUNKS
TELETHON_AWT_S = 60.0  # AWT = 1.0 minute
TELETHON_MAX_WAIT_S = 120.0  # the maximal queue time (dequeue type 5): the caller leaves a message
# EXPARRIVALS and EXPNUMAGENTS: the service level and occupancy divide by these, not by the week's own counts
TELETHON_EXPECTED_CALLS = TELETHON_RATE_PER_H * (TELETHON_CLOSE - TELETHON_OPEN) * TELETHON_DAYS  # 1,000
TELETHON_EXPECTED_AGENT_MIN = TELETHON_AGENTS * (TELETHON_CLOSE - TELETHON_OPEN) * 60.0 * TELETHON_DAYS  # 14,400


def telethon_scenario() -> Scenario:
    """Telethon.java's week in humanline: five days of 06:00-10:00 on 24 lines, the queue cleared at 10:00."""
    hours = range(24)
    table = [TELETHON_RATE_PER_H if TELETHON_OPEN <= h < TELETHON_CLOSE else 0.0 for h in hours]
    return Scenario.model_validate({
        "name": "ContactCenters Telethon",
        "days": TELETHON_DAYS,
        "interval_min": 60,
        "capacity": {"lines": TELETHON_LINES},
        "contact_types": [{
            "id": "donors", "target_s": TELETHON_AWT_S, "volume": {"table": table},
            "handle_time_s": {"dist": "exponential", "mean": 600.0},
            "patience_s": {"dist": "exponential", "mean": 120.0},
            "hours": [f"{TELETHON_OPEN:02d}:00-{TELETHON_CLOSE:02d}:00"],
            "at_closing": "disconnect",
            "max_wait_s": TELETHON_MAX_WAIT_S,
            "redial": {"max_attempts": 1},
        }],
        "agents": {"shifts": [{"id": "volunteers", "start": f"{TELETHON_OPEN:02d}:00",
                               "length_h": TELETHON_CLOSE - TELETHON_OPEN, "headcount": TELETHON_AGENTS}]},
        "replications": 1,
    })


def telethon_counts(attempts: np.ndarray, awt_s: float = TELETHON_AWT_S) -> dict[str, float]:
    """One week's values with Telethon.java's definitions (waits in minutes, percentages over expectations)."""
    outcome = attempts[:, COLUMN["outcome"]]
    wait = attempts[:, COLUMN["leave_queue_s"]] - attempts[:, COLUMN["enqueue_s"]]
    served = outcome == ANSWERED
    in_target = float((served & (wait < awt_s)).sum())
    return {
        "arrivals": float(len(outcome)),
        "served": float(served.sum()),
        "blocked": float((outcome == BUSY_TONE).sum()),
        "abandoned": float((outcome == ABANDONED).sum()),
        "messages": float((outcome == LEFT_MESSAGE).sum()),
        "disconnected": float((outcome == DISCONNECTED).sum()),
        "in_target": in_target,
        "wait_sum_min": float(wait[served].sum() / 60.0),
        "service_level_pct": 100.0 * in_target / TELETHON_EXPECTED_CALLS,
        # N_b(t) counts the agents who finish a call after 10:00 (ghost agents): service is not clipped
        "occupancy_pct": 100.0 * busy_seconds(attempts, math.inf) / 60.0 / TELETHON_EXPECTED_AGENT_MIN,
    }


def _count(key, label, figure, definition, res_line) -> Measure:
    return Measure(key, label, "calls a week", ("mean", key), _figure(*figure, 3), definition + "; mean over weeks",
                   f"Telethon.res: {res_line}")


TELETHON = PublishedCase(
    case="Telethon",
    title="ContactCenters Telethon: 24 lines, 12 volunteers 06:00-10:00 on five days, messages, queue cleared",
    settings="a week of 5 days with Poisson calls at 50/h from 06:00 to 10:00 (1,000 expected), 24 lines "
             "(trunks), 12 agents 06:00-10:00, service exp. mean 10 min, patience exp. mean 2 min, after 2 min "
             "in queue the caller leaves a message, the queue cleared (disconnected) when the agents leave at "
             "10:00, AWT 1 min; calls in service at 10:00 are finished. humanline: capacity.lines = 24, "
             "hours 06:00-10:00 with at_closing: disconnect, max_wait_s = 120",
    source="doc/examples/Telethon.java, doc/examples/Telethon.res",
    scenario=telethon_scenario(),
    counter=telethon_counts,
    measures=(
        _count("arrivals", "calls arrived", (1000.169, 998.111, 1002.227, 33.164),
               "every call of the week, whatever its end (served, blocked, abandoned, message, disconnected)",
               "Number of arrived contacts"),
        _count("served", "calls served", (963.109, 961.372, 964.846, 27.984), "calls answered by an agent",
               "Number of served contacts"),
        _count("blocked", "calls blocked (busy tone)", (0.0, 0.0, 0.0, 0.0),
               "calls that found the 24 lines taken (humanline's busy_tone outcome)",
               "Number of blocked contacts"),
        _count("abandoned", "calls abandoned", (31.820, 31.172, 32.468, 10.437),
               "calls that hung up in the queue before 2 min", "Number of abandoned contacts"),
        _count("messages", "messages left", (4.960, 4.776, 5.144, 2.973),
               "calls that waited 2 min and left a message (humanline's left_message outcome)",
               "Number of messages"),
        _count("disconnected", "calls disconnected at 10:00", (0.280, 0.235, 0.325, 0.718),
               "calls still waiting when the agents left at 10:00 (humanline's disconnected outcome)",
               "Number of disconnected contacts"),
        _count("in_target", "calls in target", (950.265, 948.579, 951.951, 27.173),
               "served calls whose time in queue was < 1 min (strictly)", "Number of contacts in target"),
        Measure("speed_of_answer", "speed of answer", "minutes", ("ratio", "wait_sum_min", "served"),
                _figure(0.036, 0.036, 0.037, 0.012, 3),
                "total time in queue of served calls / calls served (a ratio of means), in minutes",
                "Telethon.res: Speed of answer"),
        Measure("service_level", "service level (% of expected calls)", "percent", ("mean", "service_level_pct"),
                _figure(95.026, 94.858, 95.195, 2.717, 3),
                "100 x calls in target / 1,000, the EXPECTED calls of the week (not the week's own arrivals); "
                "mean over weeks (a busy week can exceed 100)",
                "Telethon.res: Service level"),
        Measure("occupancy", "occupancy (% of expected agent time)", "percent", ("mean", "occupancy_pct"),
                _figure(66.772, 66.607, 66.936, 2.650, 3),
                "100 x busy agent-time / (12 agents x 4 h x 5 days), service finished after 10:00 included "
                "(N_b counts the ghost agents); mean over weeks",
                "Telethon.res: Agents' occupancy ratio"),
    ),
)

CASES: tuple[PublishedCase, ...] = (MMC, MMCAB, MMCBLOCKED, MMCCLRQ, CALLCC, TELETHON)


# ------------------------------------------------------------------ what humanline cannot express yet

NOT_EXPRESSIBLE: tuple[tuple[str, str, str, str], ...] = (
    # (case, what it publishes, source, why not)
    ("TelethonMsg, TelethonOcc", "Telethon with returned messages / occupancy-driven agents",
     "doc/examples/TelethonMsg.java, TelethonOcc.java, .res",
     "Telethon itself is in the table; these add agents who call the messages back after the queue is served "
     "(TelethonMsg) and agent groups switched on and off by their occupancy (TelethonOcc): not in the model"),
    ("Bank, Bilingual, SimpleMSK, SimpleMSKWithRerouting, Teamwork",
     "multi-skill centres", "doc/examples/*.java, .res",
     "phone lines are in the model now, but these need service times that depend on the agent group (Bank, "
     "Bilingual) or on the period (SimpleMSK), rerouting after a wait, conferences and transfers between "
     "agents (Teamwork): not in the model"),
    ("Blend", "inbound with an outbound dialer", "doc/examples/Blend.java, .res",
     "needs outbound calls placed by a predictive dialer: not in the model"),
)
