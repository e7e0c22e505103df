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
warm-up (the day starts empty), no redials.

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
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.model.engine import ABANDONED, ANSWERED, BALKED
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


def mmc_scenario(name: str, mean_patience_s: float | None) -> Scenario:
    """MMC.java's day in humanline: 4.2 calls a minute for 8 hours, 12 agents who stay until the queue is empty."""
    per_interval = 4.2 * 30  # 30-minute intervals
    table = [per_interval] * 16 + [0.0] * 32
    patience = ({"dist": "exponential", "mean": mean_patience_s} if mean_patience_s
                else {"dist": "deterministic", "value": 1e9})
    return Scenario.model_validate({
        "name": name,
        "days": 1,
        "interval_min": 30,
        "contact_types": [{
            "id": "calls", "target_s": MMC_AWT_S, "volume": {"table": table},
            "handle_time_s": {"dist": "exponential", "mean": 120.0}, "patience_s": patience,
            "redial": {"max_attempts": 1},
        }],
        "agents": {"shifts": [{"id": "all", "start": "00:00", "length_h": 24, "headcount": MMC_AGENTS}]},
        "replications": 1,
    })


def mmc_counts(attempts: np.ndarray, awt_s: float = MMC_AWT_S, day_s: float = MMC_DAY_S) -> dict[str, float]:
    """One day's counts with MMC.java's definitions (queue time < AWT is in target; waits in minutes)."""
    outcome = attempts[:, COLUMN["outcome"]]
    wait = attempts[:, COLUMN["leave_queue_s"]] - attempts[:, COLUMN["enqueue_s"]]
    served = outcome == ANSWERED
    abandoned = outcome == ABANDONED
    return {
        "served": float(served.sum()),
        "in_target": float((served & (wait < awt_s)).sum()),
        "wait_sum_min": float(wait[served].sum() / 60.0),
        "abandoned": float(abandoned.sum()),
        "abandoned_after_awt": float((abandoned & (wait >= awt_s)).sum()),
        "served_plus_late_abandons": float(served.sum() + (abandoned & (wait >= awt_s)).sum()),
        "busy_min": busy_seconds(attempts, day_s) / 60.0,
        "agent_min": MMC_AGENTS * day_s / 60.0,
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


def _mmc_measures(res: str, sl_label_line: str) -> tuple[Measure, ...]:
    return (
        Measure("in_target", *IN_TARGET[:2], ("mean", "in_target"),
                _figure(1816.158, 1812.618, 1819.698, 57.043, 3), IN_TARGET[2],
                f"{res}: Number of contacts in target"),
        Measure("service_level", *SL[:2], ("ratio", "in_target", "served"),
                _figure(0.902, 0.900, 0.904, 0.033, 3), SL[2], f"{res}: {sl_label_line}"),
        Measure("speed_of_answer", *ASA[:2], ("ratio", "wait_sum_min", "served"),
                _figure(0.099, 0.097, 0.102, 0.045, 3), ASA[2], f"{res}: Speed of answer"),
        Measure("occupancy", *OCCUPANCY[:2], ("ratio", "busy_min", "agent_min"),
                _figure(0.695, 0.694, 0.697, 0.023, 3), OCCUPANCY[2], f"{res}: Occupancy ratio"),
    )


MMC = PublishedCase(
    case="MMC",
    title="ContactCenters MMC: M/M/12, 8-hour day starting empty",
    settings="4.2 calls/min, exponential service mean 2 min, 12 agents, AWT 20 s, arrivals stop at 480 min, "
             "calls waiting then are served; nobody abandons",
    source="doc/examples/MMC.java, doc/examples/MMC.res",
    scenario=mmc_scenario("ContactCenters MMC", None),
    counter=mmc_counts,
    measures=_mmc_measures("MMC.res", "Service level"),
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

CASES: tuple[PublishedCase, ...] = (MMC, MMCAB, CALLCC)


# ------------------------------------------------------------------ what humanline cannot express yet

NOT_EXPRESSIBLE: tuple[tuple[str, str, str, str], ...] = (
    # (case, what it publishes, source, why not)
    ("MMCBlocked", "18.655 blocked calls a day; service level 0.929; service level with blocked 0.920",
     "doc/examples/MMCBlocked.java, .res",
     "needs a queue capacity (5 waiting places; callers beyond are blocked): not in the model yet (issue 23)"),
    ("MMCClrQ", "0.433 disconnected calls a day; service level 0.902",
     "doc/examples/MMCClrQ.java, .res",
     "needs a closing rule that disconnects the callers still waiting at 480 min: humanline serves them "
     "(issue 23)"),
    ("Telethon", "1000.169 arrived, 963.109 served, 31.820 abandoned, 4.960 messages, 0.280 disconnected a week",
     "doc/examples/Telethon.java, .res",
     "needs 24 phone lines (trunks), a maximum queue time of 2 min after which the caller leaves a message, "
     "and the queue cleared when the agents leave at 10:00: none is in the model yet (issue 23)"),
    ("TelethonMsg, TelethonOcc", "Telethon with returned messages / occupancy-driven agents",
     "doc/examples/TelethonMsg.java, TelethonOcc.java, .res",
     "build on Telethon (above); also agents who call messages back and agent groups switched by occupancy"),
    ("Bank, Bilingual, SimpleMSK, SimpleMSKWithRerouting, Teamwork",
     "multi-skill centres", "doc/examples/*.java, .res",
     "need phone lines (Bank, Bilingual, Teamwork), service times that depend on the agent group (Bank, "
     "Bilingual) or on the period (SimpleMSK), rerouting after a wait, conferences and transfers between "
     "agents (Teamwork): not in the model"),
    ("Blend", "inbound with an outbound dialer", "doc/examples/Blend.java, .res",
     "needs outbound calls placed by a predictive dialer: not in the model"),
    ("Erlang X vs simulation", "blocking, abandonment and redials with finite lines",
     "issue 23",
     "needs finite lines in the simulation (issue 23, a later session): the analytic Erlang X has them, "
     "the simulation not yet"),
)
