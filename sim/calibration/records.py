"""Per-call records of a simulated run, in the layout the calibrator reads.

One row per attempt (a first call, a redial or a return), built from the
engine's attempt log and the replication's workload (the time each attempt
spent in the bot is the workload's draw), so nothing in the engine changes:

- ``call_table`` gives the calibrator's own table (``sim.calibration.calllog``
  columns), which the backtest compares with the real log;
- ``call_records`` gives the ``humanline`` layout (``sim.calibration.columns``)
  that ``run --out DIR --calls`` writes, one CSV per policy and replication,
  with timestamps from a Monday (2001-01-01) so the weekdays are the
  scenario's. The customer id is the incident (``type-incident``): every
  attempt of an incident shares it.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from sim.model.engine import (
    ABANDONED,
    ANSWERED,
    ATTEMPT_COLUMNS,
    BALKED,
    BLOCKED,
    BOT_FALSE_RESOLVED,
    BOT_RESOLVED,
    CALLBACK_UNANSWERED,
    OUTCOME_NAMES,
    RunLog,
)
from sim.model.scenario import Scenario
from sim.model.workload import Workload

REFERENCE_MONDAY = date(2001, 1, 1)
RECORD_COLUMNS = ("call_id", "customer_id", "type", "priority", "arrival", "bot_entry", "bot_exit", "queue_entry",
                  "queue_exit", "outcome", "service_start", "service_end", "agent")


def _columns(scenario: Scenario, workload: Workload, log: RunLog) -> dict:
    a = {name: log.attempts[:, n] for n, name in enumerate(ATTEMPT_COLUMNS)}
    k = a["type"].astype(int)
    inc = a["incident"].astype(int)
    att = a["attempt"].astype(int)
    bot_s = np.full(k.size, np.nan)
    for t, tw in enumerate(workload.types):
        mine = (k == t) & (a["bot"] == 1)
        if mine.any():
            bot_s[mine] = tw.bot_time_s[inc[mine] * tw.max_attempts + att[mine]]
    return {"k": k, "inc": inc, "att": att, "bot_s": bot_s, **a}


def call_table(scenario: Scenario, workload: Workload, log: RunLog) -> pd.DataFrame:
    """The calibrator's table of calls (sim.calibration.calllog) for one simulated run."""
    c = _columns(scenario, workload, log)
    outcome = c["outcome"].astype(int)
    answered = outcome == ANSWERED
    in_queue = np.isin(outcome, (ANSWERED, ABANDONED, BALKED, CALLBACK_UNANSWERED))
    ids = np.array([ct.id for ct in scenario.contact_types], dtype=object)
    high = np.array([ct.priority > 0 for ct in scenario.contact_types])
    day = (c["arrive_s"] // 86400.0).astype(int)
    return pd.DataFrame({
        "type_id": ids[c["k"]],
        "high_priority": high[c["k"]],
        "arrival_s": c["arrive_s"],
        "bot_s": c["bot_s"],
        "enqueue_s": np.where(in_queue, c["enqueue_s"], np.nan),
        "leave_queue_s": np.where(in_queue, c["leave_queue_s"], np.nan),
        "wait_s": np.where(in_queue, c["leave_queue_s"] - c["enqueue_s"], np.nan),
        "outcome": np.where(answered, "answered", np.where(in_queue, "abandoned", "bot_ended")),
        "service_start_s": np.where(answered, c["leave_queue_s"], np.nan),
        "handle_s": np.where(answered, c["service_s"], np.nan),
        "day": day,
        "weekday": (day + scenario.start_weekday_index) % 7,
    })


def call_records(scenario: Scenario, workload: Workload, log: RunLog) -> pd.DataFrame:
    """One run's attempts in the ``humanline`` call-log layout (timestamps as text, one row per attempt)."""
    c = _columns(scenario, workload, log)
    outcome = c["outcome"].astype(int)
    answered = outcome == ANSWERED
    origin = pd.Timestamp(REFERENCE_MONDAY + timedelta(days=scenario.start_weekday_index))
    ids = np.array([ct.id for ct in scenario.contact_types], dtype=object)
    priority = np.array([1 if ct.priority > 0 else 0 for ct in scenario.contact_types])

    def stamp(seconds: np.ndarray) -> np.ndarray:
        t = origin + pd.to_timedelta(np.round(seconds, 3), unit="s")
        return np.where(np.isnan(seconds), "", t.strftime("%Y-%m-%d %H:%M:%S.%f").str[:-3])

    bot = c["bot"] == 1
    in_bot_end = np.isin(outcome, (BOT_RESOLVED, BOT_FALSE_RESOLVED, BLOCKED))
    bot_exit = np.where(bot, c["arrive_s"] + np.nan_to_num(c["bot_s"]), np.nan)
    service_start = np.where(answered, c["leave_queue_s"], np.nan)
    order = np.argsort(c["arrive_s"], kind="stable")
    frame = pd.DataFrame({
        "call_id": np.arange(len(outcome)) + 1,
        "customer_id": [f"{t}-{i}" for t, i in zip(ids[c["k"]], c["inc"])],
        "type": ids[c["k"]],
        "priority": priority[c["k"]],
        "arrival": stamp(c["arrive_s"]),
        "bot_entry": stamp(np.where(bot, c["arrive_s"], np.nan)),
        "bot_exit": stamp(bot_exit),
        "queue_entry": stamp(np.where(in_bot_end, np.nan, c["enqueue_s"])),
        "queue_exit": stamp(np.where(in_bot_end, np.nan, c["leave_queue_s"])),
        "outcome": np.asarray(OUTCOME_NAMES, dtype=object)[outcome],
        "service_start": stamp(service_start),
        "service_end": stamp(service_start + np.where(answered, c["service_s"], np.nan)),
        "agent": np.where(answered, [f"agent-{int(n)}" for n in c["agent"]], ""),
    })
    return frame.iloc[order].reset_index(drop=True)[list(RECORD_COLUMNS)]


def write_call_records(scenario: Scenario, policies, seed: int, replications: int, out) -> list[str]:
    """``calls-<policy>-rep<r>.csv`` per policy and replication: the runner's runs, replayed from their seeds.

    A replication's numbers depend only on the seed and its index (sim.runs.runner), so replaying it gives
    exactly the run whose summary was written beside these files, at the cost of simulating it again.
    """
    from pathlib import Path

    from sim.model.workload import draw_workload
    from sim.runs.replication import replication_streams, simulate_policy

    written = []
    for r, (workload_seed, absence_seed) in enumerate(replication_streams(seed, replications)):
        workload = draw_workload(scenario, workload_seed)
        for pid in policies:
            resolved = scenario.for_policy(pid)
            log = simulate_policy(resolved, workload, absence_seed).log
            name = f"calls-{pid}-rep{r + 1}.csv"
            call_records(resolved, workload, log).to_csv(Path(out) / name, index=False)
            written.append(name)
    return written
