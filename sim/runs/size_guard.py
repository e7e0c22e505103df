"""How big a run will be, estimated from the scenario before anything is drawn.

A validated scenario can still ask for more than a machine has: ``per_day:
1e7`` filled 8 GB in 11 s, 10,000 agents for 365 days another 8 GB. So before
a run the attempts, agent-shifts and peak memory are estimated from the
scenario alone, and a run above the documented limits is refused with the
estimate in the message, unless the caller says ``allow_large``. It is one
guard for every entry: ``sim.run`` itself checks (``allow_large=True`` in
Python, ``--allow-large`` on the command line), so the CLI, the app, the
report, experiments and a Python user are refused alike.

The estimate, per policy run of one replication:

- incidents: the expected arrivals over the horizon (busyness has mean 1);
- attempts: an upper estimate, as if every attempt that may lead to another
  (a redial after giving up, a return after a false bot "resolved") did so
  with the sum of those probabilities, up to ``redial.max_attempts``; a bot
  is in front when the front door says one ever is
  (``FrontDoor.bot_can_be_in_front``: always on, or in bot-only hours);
- agent-shifts: the roster as ``sim.model.roster`` builds it, before absence, over
  the horizon and the run-on after it (the roster runs on until the last
  incident has its outcome, at most ``sim.model.engine.MAX_RUN_ON_S``); the run-on
  is estimated as the longest chain of an incident's attempts — its mean
  times ln(1 + incidents), the growth of the largest of that many draws with
  an exponential tail;
- interval rows: every policy run builds a table of intervals x contact
  types rows, which the parent holds for every policy run (policies x
  replications) until the end: a year of 15-minute intervals with 100 types
  and 10 policies is 35 million rows and no attempt at all;
- memory: the pre-drawn workload (11 float arrays of incidents x
  max_attempts), the attempt log (``BYTES_PER_ATTEMPT``), the per-attempt
  arrays of the summary, the agent-shifts and the interval rows being built,
  for every replication that runs at once (one per worker), plus what the
  parent holds until the end: the interval rows (``BYTES_PER_INTERVAL_ROW``)
  and the kept emergency incidents of every policy run. Both constants are
  calibrated against ``benchmarks/bench_memory.py`` so that the estimate is at
  or above the measured peak.

The limits (``LIMITS``) are what one replication of a 2-core, 8 GB laptop
finishes in minutes; they are documented in the README.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.model.arrivals import expected_per_interval
from sim.model.engine import MAX_RUN_ON_S
from sim.model.scenario import WEEKDAYS, Scenario

MAX_ATTEMPTS_PER_RUN = 10_000_000  # one policy run of one replication
MAX_AGENT_SHIFTS_PER_RUN = 2_000_000  # e.g. 5,000 agents every day for a year
MAX_MEMORY_BYTES = 4 * 2**30  # estimated peak over all processes of the run
MAX_INTERVAL_ROWS = 20_000_000  # intervals x types x policies x replications, all held at the end
LIMITS = {
    "attempts per policy run": MAX_ATTEMPTS_PER_RUN,
    "agent-shifts per policy run": MAX_AGENT_SHIFTS_PER_RUN,
    "interval rows over the run": MAX_INTERVAL_ROWS,
    "peak memory, bytes": MAX_MEMORY_BYTES,
}

# The engine's attempt log is a flat array of 10 float64 columns (sim/model/engine.py): 80 B an
# attempt. With the workload and the summary's arrays, a run of 300,000 attempts peaked
# at ~370 B an attempt (ru_maxrss, Dec 2026, 3 attempts an incident); this estimate gives ~470 B.
# benchmarks/bench_memory.py, 1.06e6 attempts: 363 MiB measured above the idle interpreter, 419 MiB
# estimated (1.14).
BYTES_PER_ATTEMPT = 80
# sim.model.workload draws a per-attempt array only when the scenario can read it (_attempt_arrays).
_WORKLOAD_ARRAYS_PER_ATTEMPT = 11  # at most: patience, handle, acw, ... one float64 each
_WORKLOAD_ARRAYS_PER_INCIDENT = 3  # arrival, amount at risk, emergency-line draw
_SUMMARY_BYTES_PER_ATTEMPT = 100  # sim.model.metrics' per-attempt arrays (measured, see above)
_BYTES_PER_AGENT_SHIFT = 600  # the AgentShift object, its engine state and its log row
_BYTES_PER_KEPT_INCIDENT = 120  # a row of the incidents table
# A row of the intervals table: 16 numbers and the type's name (~136 B at rest), held by the parent
# for every policy run and copied once more when the replications are concatenated; building a
# replication's rows costs a little on top. benchmarks/bench_memory.py, Dec 2026 (loaded machine), one
# replication of 5 policies x 40 types of 15-minute intervals: 311 B a row at 1.0e6 rows, 267 B at 4.0e6;
# these constants give 340 B (estimate / peak 1.09 and 1.27).
BYTES_PER_INTERVAL_ROW = 280
_BYTES_PER_INTERVAL_ROW_BUILT = 60


@dataclass(frozen=True)
class RunSize:
    """The estimate for one run of ``policy_runs`` policy runs (policies x replications)."""

    incidents: float  # per replication, expected
    attempts: float  # per policy run, upper estimate (the largest policy)
    agent_shifts: int  # per policy run (the largest policy)
    memory_bytes: float  # estimated peak, all processes together
    policy_runs: int
    processes: int
    interval_rows: int = 0  # rows of the intervals tables of every policy run together

    def over_limits(self) -> list[str]:
        over = []
        if self.attempts > MAX_ATTEMPTS_PER_RUN:
            over.append(f"{self.attempts:,.0f} attempts per policy run (limit {MAX_ATTEMPTS_PER_RUN:,})")
        if self.agent_shifts > MAX_AGENT_SHIFTS_PER_RUN:
            over.append(f"{self.agent_shifts:,} agent-shifts per policy run (limit {MAX_AGENT_SHIFTS_PER_RUN:,})")
        if self.interval_rows > MAX_INTERVAL_ROWS:
            over.append(f"{self.interval_rows:,} interval rows (intervals x contact types x policies x "
                        f"replications; limit {MAX_INTERVAL_ROWS:,})")
        if self.memory_bytes > MAX_MEMORY_BYTES:
            over.append(f"{_gib(self.memory_bytes)} of memory (limit {_gib(MAX_MEMORY_BYTES)})")
        return over

    def describe(self) -> str:
        return (
            f"about {self.incidents:,.0f} incidents and up to {self.attempts:,.0f} attempts per policy run, "
            f"{self.agent_shifts:,} agent-shifts, {self.policy_runs} policy runs, "
            f"{self.interval_rows:,} interval rows, "
            f"{_gib(self.memory_bytes)} of memory at peak over {self.processes} process(es)"
        )


class RunTooLarge(ValueError):
    """A run whose estimate is over the limits; ``size`` is the estimate.

    ``str()`` is the message for a Python caller (``allow_large=True``); a
    front end names its own way to allow it with ``message(option)``, or
    none (``message(None)``) where it has none.
    """

    def __init__(self, size: RunSize):
        self.size = size
        super().__init__(self.message(PYTHON_ALLOW))

    def message(self, allow: str | None) -> str:
        advice = "Shorten days, lower the volumes or headcounts, use fewer contact types, policies or "
        advice += "replications, or longer intervals"
        advice += f", or pass {allow} to run it anyway." if allow else "."
        return ("the run is too large: " + "; ".join(self.size.over_limits()) + f". Estimate: {self.size.describe()}. "
                + advice)


PYTHON_ALLOW = "allow_large=True (sim.run, sim.experiment)"


def _attempt_arrays(ct, bot_possible: bool) -> int:
    """How many per-attempt arrays ``sim.model.workload`` draws for a type (those the engine can read)."""
    arrays = 2  # patience, handle time
    arrays += ct.after_contact_work_s.expectation() > 0 or ct.after_contact_work_s.dist != "deterministic"
    arrays += ct.balk_probability > 0
    arrays += 2 * (ct.redial.probability > 0)  # the redial draw and its delay
    arrays += 5 * bot_possible  # bot time, outcome, recognition, finding the human, return delay
    return int(arrays)


def _gib(n: float) -> str:
    return f"{n / 2**30:,.1f} GiB"


def estimate_run_size(
    scenario: Scenario,
    policies: Sequence[str] | None = None,
    replications: int | None = None,
    workers: int = 1,
) -> RunSize:
    """The size of ``sim.run(scenario, policies, replications, workers=workers)``, before it runs."""
    policy_ids = list(dict.fromkeys(policies)) if policies else [p.id for p in scenario.effective_policies]
    reps = int(replications if replications is not None else scenario.replications)
    processes = max(1, min(int(workers), reps))
    incidents = 0.0
    attempt_floats = 0.0  # incidents x max_attempts x the arrays drawn: the workload's per-attempt numbers
    kept = 0.0  # emergency incidents kept per policy run
    # The front door's own answer (bot-only hours included), as the engine and the workload read it.
    bot = any(scenario.for_policy(pid).front_door.bot_can_be_in_front for pid in policy_ids)
    # Built for every interval of the horizon, warm-up included, then cut (sim.model.metrics).
    rows_per_policy_run = scenario.n_intervals * len(scenario.contact_types)
    for ct in scenario.contact_types:
        n = float(expected_per_interval(scenario, ct).sum())
        incidents += n
        attempt_floats += n * ct.redial.max_attempts * _attempt_arrays(ct, bot)
        kept += n if ct.emergency else 0.0
    workload_bytes = 8 * (attempt_floats + incidents * _WORKLOAD_ARRAYS_PER_INCIDENT)
    attempts = 0.0
    shifts = 0
    for pid in policy_ids:
        resolved = scenario.for_policy(pid)
        attempts = max(attempts, _attempts(resolved))
        shifts = max(shifts, _agent_shifts(resolved))
    per_process = workload_bytes + attempts * (BYTES_PER_ATTEMPT + _SUMMARY_BYTES_PER_ATTEMPT)
    per_process += shifts * _BYTES_PER_AGENT_SHIFT + rows_per_policy_run * len(policy_ids) * _BYTES_PER_INTERVAL_ROW_BUILT
    policy_runs = len(policy_ids) * reps
    held = policy_runs * (kept * _BYTES_PER_KEPT_INCIDENT + rows_per_policy_run * BYTES_PER_INTERVAL_ROW)
    return RunSize(
        incidents=incidents,
        attempts=attempts,
        agent_shifts=shifts,
        memory_bytes=processes * per_process + held,
        policy_runs=policy_runs,
        processes=processes,
        interval_rows=rows_per_policy_run * policy_runs,
    )


def check_run_size(
    scenario: Scenario,
    policies: Sequence[str] | None = None,
    replications: int | None = None,
    workers: int = 1,
    allow_large: bool = False,
) -> RunSize:
    """The estimate; raises ``RunTooLarge`` above the limits unless ``allow_large``."""
    size = estimate_run_size(scenario, policies, replications, workers)
    if size.over_limits() and not allow_large:
        raise RunTooLarge(size)
    return size


def _attempts(scenario: Scenario) -> float:
    """Upper estimate of the attempts of one policy run (see the module docstring)."""
    total = 0.0
    for ct in scenario.contact_types:
        n = float(expected_per_interval(scenario, ct).sum())
        again = max(ct.redial.probability, ct.redial.after_busy_probability)  # after a busy tone too
        if scenario.front_door.bot_can_be_in_front:  # a false "resolved" brings the customer back
            again += ct.bot.false_resolution_probability
        again = min(again, 1.0)
        m = ct.redial.max_attempts
        per_incident = float(m) if again >= 1.0 else (1.0 - again**m) / (1.0 - again)
        total += n * per_incident
    return total


def _run_on_days(scenario: Scenario) -> int:
    """Whole days the roster is estimated to run on past the horizon (see the module docstring)."""
    bot = scenario.front_door.bot_can_be_in_front
    longest = 0.0
    for ct in scenario.contact_types:
        n = float(expected_per_interval(scenario, ct).sum())
        gap = ct.redial.delay_s.expectation()
        if ct.redial.busy_delay_s is not None:
            gap = max(gap, ct.redial.busy_delay_s.expectation())
        per_attempt = ct.patience_s.expectation()
        if bot:
            gap = max(gap, ct.bot.return_delay_s.expectation())
            per_attempt += ct.bot.time_s.expectation() + scenario.front_door.menu_s
        chain = ct.redial.max_attempts * (per_attempt + gap) * np.log1p(n)
        longest = max(longest, chain)
    return int(np.ceil(min(longest, MAX_RUN_ON_S) / 86400.0))


def _agent_shifts(scenario: Scenario) -> int:
    """Agent-shifts of the roster before absence, counted the way ``sim.model.roster`` builds them, run-on included."""
    agents = scenario.agents
    total = 0
    run_on = _run_on_days(scenario)
    weekday_of = [scenario.weekday_of_day(d) for d in range(-1, scenario.days + run_on)]
    for shift in agents.shifts:
        days = {WEEKDAYS.index(w) for w in shift.weekdays}
        total += shift.headcount * sum(1 for w in weekday_of if w in days)
    per_day = scenario.intervals_per_day
    for table in agents.tables:
        counts = np.asarray(table.agents, dtype=np.int64)
        if counts.size == per_day:
            counts = np.tile(counts, scenario.days)
        days = counts.reshape(scenario.days, per_day)
        # Each rise of the count within a day starts one agent-shift (one run of a slot).
        rises = int(np.clip(np.diff(days, axis=1, prepend=0), 0, None).sum())
        total += rises + rises * run_on // scenario.days  # the run-on repeats the average day
    return total
