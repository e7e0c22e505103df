"""Staffing requirements per interval: how many agents each interval needs, next to the roster.

A planner's question is "how many agents do I need from 10:00 to 10:30 on
Monday?", and the classical answers apply a stationary queueing formula to
each interval on its own. This module gives those answers and one that does
not lean on stationarity, for a scenario as a policy would run it.

Analytic methods (one row per interval and contact type, or pooled)
-------------------------------------------------------------------
``erlang_c`` / ``erlang_a``
    SIPP, the stationary independent period-by-period approximation: the
    interval's mean arrival rate and the type's mean service time (handle time
    plus after-contact work) go into Erlang C (nobody abandons) or Erlang A
    (exponential patience with the type's mean patience), and the smallest
    number of agents meeting the target is the requirement. It is poor when
    service is long relative to the interval or the rate changes fast: the
    work arriving at 09:55 is still being served at 10:10.
``erlang_c_lagged`` / ``erlang_a_lagged``
    Lagged PSA (Green, Kolesar & Whitt 2007): the same formula with
    lambda(t - E[S]), the arrival rate one mean service time earlier, since that
    is roughly the work in the system now. For interval data the rate series is
    a step function; its average over an interval after shifting by d = (m + f)
    intervals is exactly (1 - f) lambda[i - m] + f lambda[i - m - 1], i.e. the
    shifted series linearly interpolated. The series is treated as periodic over
    the horizon (the night before Monday is last Sunday night), the way a
    repeating week is planned.

Per type, each contact type is treated as if it had agents of its own: an
emergency type is staffed for the scenario's guarantee (``guarantee_share``
answered within ``guarantee_s``), any other type for ``service_level`` within
its own ``target_s``. Pooled, the types share agents: rates are summed, the
mean service time and mean patience are rate-weighted, and every type is held
to its own target, the same one as per type (emergencies to the guarantee,
the others to ``service_level`` within their ``target_s``), against the pool's
one waiting time (first come, first served): the agents needed in an interval
are the most any type arriving in it asks for, and ``binding_type`` names
that type. ``target_s`` and ``service_level`` arguments override those
defaults for every row (``binding_type`` is then empty).

The analytic methods see first attempts only, as if every contact came
straight to the human queue: no bot in front, no redials or returns. For a bot
policy they overstate the human work; the iterative method below simulates
the policy as it is.

Iterative staffing algorithm (``isa``; Feldman, Mandelbaum, Massey & Whitt 2008)
-------------------------------------------------------------------------------
One pool of agents with every skill is staffed by a per-interval table. Start
from generous staffing (square-root staffing with beta = 3 on the lagged pooled
load, plus 2), then repeat:

1. simulate ``replications`` runs of the policy with the current table (the
   same seeds every iteration: common random numbers, so the staffing moves
   because of the staffing and not because of noise);
2. from each run's attempt log, take the exact time-average distribution of
   L(t), the number of contacts in the human system (waiting plus in service),
   within each interval, pooled over runs. Arrivals are Poisson, so this is
   also what arrivals see (PASTA);
3. set each interval's staffing to the smallest s whose predicted failure
   probability is within the allowance eps: s(i) = min{s : f_i(s) <= eps}, with
   f_i(s) = sum_l P(L_i = l) phi(l, s);
4. stop when the table no longer changes. With finitely many runs the map can
   settle into a cycle between neighbouring tables (an interval whose answer
   sits on a threshold); then, or after ``max_iterations``, each interval keeps
   the largest value of the cycle (or of the last two tables) and
   ``converged`` is False.

L(t) is autocorrelated, so an interval's distribution from a handful of runs
is rough: 20 or more replications give stable answers.

``criterion="delay"`` is the classic rule: phi(l, s) = 1[l >= s] and
eps = ``alpha``, which makes P(delay) about alpha in every interval.
``criterion="guarantee"`` (the default) aims at the emergency guarantee. An
emergency arriving to l >= s contacts waits for a + 1 service completions,
which come at rate nu = s / E[S] (E[S] the volume-weighted mean service time
of all types, as the agents serve all of them), while its own exponential
patience (rate theta = 1 / the emergencies' mean patience) runs; it reaches a
human within g = ``guarantee_s`` with probability
(nu / (nu + theta))^(a + 1) P(Gamma(a + 1, nu + theta) <= g), and phi is one
minus that. a = q (l - s) is the part of the queue it waits behind: q is the
share of the waiting time (in the runs, per interval) that belongs to types
with at least the lowest emergency priority; about 0 when emergencies jump
the queue, 1 when they wait behind everyone (then, for a stationary M/M/c
queue at its fixed point, the rule is exactly Erlang C). Where nobody waited,
those types' share of the arrivals stands in for q. Start with
eps = 1 - ``guarantee_share``. The abandonment of those ahead is ignored,
which errs on the side of more agents.

The rule is a model of one attempt; the guarantee is about incidents'
time-to-human, bot time, redials and all. So after each fixed point the
simulated emergency share within the guarantee (all incidents of all runs)
is checked; if its mean is below ``guarantee_share``, eps is cut in
proportion to the excess failure (by a factor between 0.25 and 0.8) and the
iteration resumes from the current table, at most ``calibrations`` times. If
the target is still missed, it cannot be met by staffing in this model (say,
bot-only hours leave emergencies no human door): ``StaffingError``.

The horizon starts empty and the first interval's L is therefore low; the
simulator starts empty too, so the staffing is right for the model as run.
Shrinkage is not included: these are agents on the phones
(``sim.analytic.erlang.agents_to_schedule`` turns them into agents to roster).

The guarantee criterion staffs for the emergencies only: with emergencies
served first, other contacts get what capacity is left and may wait long or
abandon. Compare with the analytic rows (which hold everyone to a target).

Rostered agents: the policy's roster without absence, as the average number
of agents on duty in each interval with scheduled breaks taken out; per type,
only agents who may serve that type (so shared agents appear under every type
they serve, and per-type gaps do not add up: read totals from the pooled view).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import special

from sim.model.arrivals import expected_per_interval
from sim.model.engine import ANSWERED, ATTEMPT_COLUMNS, simulate
from sim.errors import ArgumentError
from sim.analytic.erlang import (
    ErlangInputError,
    TargetUnreachable,
    erlang_a_servers_needed,
    erlang_c_servers_needed,
    square_root_staffing,
)
from sim.runs.runner import replication_streams
from sim.model.metrics import integrate_level
from sim.model.roster import build_roster
from sim.model.scenario import WEEKDAYS, Agents, ContactType, Scenario, StaffingTable
from sim.runs.stats import t_interval
from sim.model.workload import draw_workload

__all__ = [
    "ANALYTIC_METHODS",
    "METHODS",
    "DEFAULT_SERVICE_LEVEL",
    "IterativeStaffing",
    "StaffingError",
    "arrival_rates_per_s",
    "iterative_staffing",
    "lagged_rates_per_s",
    "mean_service_s",
    "render_staffing",
    "requirements",
    "rostered_per_interval",
    "staffing_requirements",
]

ANALYTIC_METHODS: dict[str, str] = {
    "erlang_c": "Erlang C per interval (SIPP; nobody abandons)",
    "erlang_a": "Erlang A per interval (SIPP; exponential patience with the mean patience)",
    "erlang_c_lagged": "Erlang C on the rate one mean service time earlier (lagged PSA)",
    "erlang_a_lagged": "Erlang A on the rate one mean service time earlier (lagged PSA)",
}
METHODS: dict[str, str] = {
    **ANALYTIC_METHODS,
    "isa": "iterative staffing algorithm by simulation (one pool of agents with every skill)",
}
DEFAULT_SERVICE_LEVEL = 0.8  # the industry's "80/20" when a type states only its target seconds
POOLED = "pooled"


class StaffingError(ArgumentError):
    """A requirement that cannot be computed or met."""


# ------------------------------------------------------------------ inputs


def arrival_rates_per_s(scenario: Scenario, contact_type: ContactType) -> np.ndarray:
    """Mean first-attempt arrival rate of a type in each interval of the horizon (per second)."""
    return expected_per_interval(scenario, contact_type) / scenario.interval_s


def mean_service_s(contact_type: ContactType) -> float:
    """Mean time an agent is busy with one contact: handle time plus after-contact work."""
    return contact_type.handle_time_s.expectation() + contact_type.after_contact_work_s.expectation()


def lagged_rates_per_s(rates_per_s: np.ndarray, interval_s: float, lag_s: float) -> np.ndarray:
    """lambda(t - lag_s) averaged over each interval, for a periodic step-function rate series."""
    rates = np.asarray(rates_per_s, dtype=float)
    if lag_s < 0:
        raise StaffingError(f"must be >= 0, got {lag_s!r}", "lag_s")
    steps = lag_s / interval_s
    whole = int(math.floor(steps))
    frac = steps - whole
    return (1.0 - frac) * np.roll(rates, whole) + frac * np.roll(rates, whole + 1)


def _interval_frame(scenario: Scenario) -> pd.DataFrame:
    n = scenario.intervals_per_day * scenario.days
    start = np.arange(n) * float(scenario.interval_s)
    day = (start // 86400).astype(int)
    seconds = (start % 86400).astype(int)
    return pd.DataFrame(
        {
            "interval": np.arange(n),
            "interval_start_s": start,
            "day": day,
            "weekday": [WEEKDAYS[scenario.weekday_of_day(d)] for d in day],
            "time": [f"{s // 3600:02d}:{s % 3600 // 60:02d}" for s in seconds],
        }
    )


def _resolve(scenario: Scenario, policy: str | None) -> tuple[Scenario, str]:
    pid = policy or scenario.baseline_policy.id
    try:
        return scenario.for_policy(pid), pid
    except KeyError as exc:
        raise StaffingError(str(exc.args[0]), "policy") from None


def rostered_per_interval(resolved: Scenario, contact_type: ContactType | None = None) -> np.ndarray:
    """Average agents on duty per interval under the roster of an already resolved scenario.

    No absence (it is a draw, not a plan); scheduled breaks taken out. With
    ``contact_type``, only agents whose group may serve it.
    """
    plan = resolved.model_copy(
        update={"agents": resolved.agents.model_copy(update={"absence_probability": 0.0})}
    )
    roster = build_roster(plan, np.random.SeedSequence(0))
    edges = np.arange(resolved.intervals_per_day * resolved.days + 1) * float(resolved.interval_s)
    shifts = [
        s
        for s in roster.shifts
        if contact_type is None or roster.groups[s.group].can_serve(contact_type.id, contact_type.required_skill)
    ]
    starts = np.array([s.start_s for s in shifts], dtype=float)
    ends = np.array([s.end_s for s in shifts], dtype=float)
    breaks = np.array([b for s in shifts for b in s.breaks], dtype=float).reshape(-1, 2)
    on_break = integrate_level(breaks[:, 0], breaks[:, 0] + breaks[:, 1], edges)
    return (integrate_level(starts, ends, edges) - on_break) / resolved.interval_s


# ------------------------------------------------------------ analytic SIPP


@dataclass(frozen=True)
class _Stream:
    """What one row label (a type, or the pool) offers per interval."""

    label: str
    rates_per_s: np.ndarray
    service_s: np.ndarray  # per interval: pooled means are rate-weighted per interval
    patience_s: np.ndarray
    target_s: float
    service_level: float
    contact_type: ContactType | None  # None: pooled
    # pooled: (type id, target_s, service_level, arrives in the interval) of every type; empty: one target
    targets: tuple = ()


def _streams(
    scenario: Scenario, by: str, lagged: bool, target_s: float | None, service_level: float | None
) -> list[_Stream]:
    n = scenario.intervals_per_day * scenario.days

    def own_target(ct: ContactType) -> tuple[float, float]:
        t = target_s if target_s is not None else (scenario.guarantee_s if ct.emergency else ct.target_s)
        sl = service_level if service_level is not None else (
            scenario.guarantee_share if ct.emergency else DEFAULT_SERVICE_LEVEL
        )
        return t, sl

    per_type = []
    for ct in scenario.contact_types:
        rate = arrival_rates_per_s(scenario, ct)
        service = mean_service_s(ct)
        if service <= 0:
            raise StaffingError(
                f"contact type {ct.id!r}: mean handle time plus after-contact work is 0 s; "
                "the Erlang formulas need a positive service time"
            )
        if lagged:
            rate = lagged_rates_per_s(rate, scenario.interval_s, service)
        per_type.append((ct, rate, service, ct.patience_s.expectation()))
    if by == "type":
        out = []
        for ct, rate, service, patience in per_type:
            t, sl = own_target(ct)
            out.append(_Stream(ct.id, rate, np.full(n, service), np.full(n, patience), t, sl, ct))
        return out
    rates = np.array([r for _, r, _, _ in per_type])
    total = rates.sum(axis=0)
    weights = np.divide(rates, total, out=np.zeros_like(rates), where=total > 0)
    services = np.array([s for _, _, s, _ in per_type])
    patiences = np.array([p for _, _, _, p in per_type])
    # Idle intervals get the plain mean so the column never shows nan.
    idle = total <= 0
    weights[:, idle] = 1.0 / len(per_type)
    overridden = target_s is not None and service_level is not None
    targets = () if overridden else tuple((ct.id, *own_target(ct), rate > 0) for ct, rate, _, _ in per_type)
    t, sl = own_target(per_type[0][0])
    return [_Stream(POOLED, total, services @ weights, patiences @ weights, t, sl, None, targets)]


def _solve_pooled(stream: _Stream, formula: str, frame: pd.DataFrame, max_occupancy, max_agents):
    """Agents for the pool: per interval the most that any type arriving then needs for its own target.

    Returns (needed, predicted service level of the binding type, target_s, service level target, binding type).
    """
    n = stream.rates_per_s.size
    best = (np.zeros(n, dtype=int), np.ones(n), np.full(n, stream.target_s), np.full(n, stream.service_level),
            np.full(n, "", dtype=object))
    for type_id, t, sl, arrives in stream.targets:
        needed, predicted = _solve(replace(stream, target_s=t, service_level=sl, label=f"{POOLED} ({type_id})"),
                                   formula, frame, max_occupancy, max_agents)
        needed = np.where(arrives, needed, 0)
        # the first type asking for the most agents binds; in an idle interval nobody does
        wins = arrives & ((needed > best[0]) | (best[4] == ""))
        for column, values in zip(best, (needed, predicted, t, sl, type_id)):
            column[wins] = values if np.ndim(values) == 0 else np.asarray(values)[wins]
    return best


def requirements(
    scenario: Scenario,
    policy: str | None = None,
    *,
    methods: Sequence[str] = ("erlang_c", "erlang_c_lagged"),
    by: str = "pooled",
    target_s: float | None = None,
    service_level: float | None = None,
    max_occupancy: float | None = None,
    max_agents: int = 5000,
) -> pd.DataFrame:
    """Agents needed per interval by the analytic methods, next to the rostered agents.

    One row per interval x row label (contact type or 'pooled') x method, with
    columns interval, interval_start_s, day, weekday, time, contact_type,
    method, calls_per_interval (expected first attempts in the interval),
    load_erlangs, target_s, service_level_target, binding_type (pooled: the
    type whose target sets the agents needed), agents_needed, predicted_service_level
    (of the formula at agents_needed; answered within target over all
    arrivals), rostered and gap = rostered - agents_needed (negative: short).
    An interval with no arrivals needs 0 agents. ``max_occupancy`` applies to
    Erlang C only. Raises StaffingError when a target cannot be met with
    ``max_agents`` or an input is out of range.
    """
    if by not in ("type", "pooled"):
        raise StaffingError(f"must be 'type' or 'pooled', got {by!r}", "by")
    unknown = [m for m in methods if m not in ANALYTIC_METHODS]
    if unknown:
        raise StaffingError(
            f"unknown {', '.join(map(repr, unknown))}; analytic methods are: {', '.join(ANALYTIC_METHODS)}", "method"
        )
    _check_targets(target_s, service_level)
    resolved, pid = _resolve(scenario, policy)
    frame = _interval_frame(resolved)
    rostered = {POOLED: rostered_per_interval(resolved)}
    if by == "type":
        rostered.update({ct.id: rostered_per_interval(resolved, ct) for ct in resolved.contact_types})
    frames = []
    for method in methods:
        lagged = method.endswith("_lagged")
        formula = method.removesuffix("_lagged")
        for stream in _streams(resolved, by, lagged, target_s, service_level):
            if stream.targets:
                needed, predicted, t, sl, binding = _solve_pooled(stream, formula, frame, max_occupancy, max_agents)
            else:
                needed, predicted = _solve(stream, formula, frame, max_occupancy, max_agents)
                t, sl, binding = stream.target_s, stream.service_level, ""
            part = frame.copy()
            part["contact_type"] = stream.label
            part["method"] = method
            part["calls_per_interval"] = stream.rates_per_s * resolved.interval_s
            part["load_erlangs"] = stream.rates_per_s * stream.service_s
            part["target_s"] = t
            part["service_level_target"] = sl
            part["binding_type"] = binding
            part["agents_needed"] = needed
            part["predicted_service_level"] = predicted
            part["rostered"] = rostered[stream.label]
            part["gap"] = part["rostered"] - needed
            frames.append(part)
    table = pd.concat(frames, ignore_index=True)
    table.attrs["policy"] = pid
    return table


def _check_targets(target_s: float | None, service_level: float | None) -> None:
    if target_s is not None and not (math.isfinite(target_s) and target_s >= 0):
        raise StaffingError(f"must be a number of seconds >= 0, got {target_s!r}", "target_s")
    if service_level is not None and not (0 < service_level < 1):
        raise StaffingError(f"must be between 0 and 1 (exclusive), got {service_level!r}", "service_level")


def _solve(stream: _Stream, formula: str, frame: pd.DataFrame, max_occupancy, max_agents):
    n = stream.rates_per_s.size
    needed = np.zeros(n, dtype=int)
    predicted = np.ones(n)
    cache: dict[tuple, tuple[int, float]] = {}
    for i in range(n):
        lam = float(stream.rates_per_s[i])
        if lam <= 0:
            continue  # nobody arrives: nobody is needed, and nobody waits
        key = (lam, float(stream.service_s[i]), float(stream.patience_s[i]))
        if key not in cache:
            try:
                if formula == "erlang_c":
                    res = erlang_c_servers_needed(
                        lam, key[1], stream.target_s, stream.service_level,
                        max_servers=max_agents, max_occupancy=max_occupancy,
                    )
                    cache[key] = (res.servers, res.service_level)
                else:
                    res = erlang_a_servers_needed(
                        lam, key[1], key[2], stream.target_s, stream.service_level, max_servers=max_agents
                    )
                    cache[key] = (res.servers, res.answered_within_target)
            except ErlangInputError as exc:
                row = frame.iloc[i]
                raise StaffingError(
                    f"{stream.label}, {row['weekday']} {row['time']} (interval {i}), {formula}: {exc}",
                    "max_agents" if isinstance(exc, TargetUnreachable) else None,
                ) from None
        needed[i], predicted[i] = cache[key]
    return needed, predicted


# ------------------------------------------------------- iterative (ISA)


@dataclass
class IterativeStaffing:
    """Result of the iterative staffing algorithm.

    ``table``: the tidy per-interval frame (method 'isa', contact_type
    'pooled') with, besides the analytic columns, ``simulated_share`` and
    ``emergency_incidents`` per interval from the final simulation (all runs
    pooled; nan where no emergency arrived). ``iterations``: one row per
    simulated iteration. ``share_*``: the emergency share within the guarantee
    in the final simulation, mean and t interval across runs.
    """

    table: pd.DataFrame
    staffing: np.ndarray
    iterations: pd.DataFrame
    converged: bool
    criterion: str
    epsilon: float
    replications: int
    seed: int
    policy: str
    share_mean: float
    share_ci_low: float
    share_ci_high: float
    target_met: bool
    base: Scenario = field(repr=False)
    notes: list[str] = field(default_factory=list)

    def scenario(self) -> Scenario:
        """The policy's scenario with this staffing as its only agents (policies dropped)."""
        return _with_table(self.base, self.staffing)


def _with_table(resolved: Scenario, staffing: np.ndarray) -> Scenario:
    counts = []
    costs = []
    for s in resolved.agents.shifts:
        counts.append(s.headcount * s.length_h)
        costs.append(s.cost_per_hour)
    for t in resolved.agents.tables:
        counts.append(float(sum(t.agents)))
        costs.append(t.cost_per_hour)
    cost = float(np.average(costs, weights=counts)) if counts and sum(counts) > 0 else 0.0
    table = StaffingTable(id="isa", agents=[int(x) for x in staffing], cost_per_hour=cost)
    return resolved.model_copy(update={"agents": Agents(tables=[table]), "policies": []})


@dataclass
class _RunStats:
    level_time: np.ndarray  # intervals x (max level + 1): seconds spent at each level
    waiting_s: np.ndarray  # per interval: integral of the number waiting
    waiting_ahead_s: np.ndarray  # the same for contacts an emergency would wait behind
    em_incidents: np.ndarray  # per interval of arrival
    em_within: np.ndarray


def _run_stats(scenario: Scenario, workload, rep_seed_absence) -> _RunStats:
    roster = build_roster(scenario, rep_seed_absence)
    log = simulate(scenario, workload, roster)
    return _stats_from_log(scenario, workload, log)


def _stats_from_log(scenario: Scenario, workload, log) -> _RunStats:
    col = {name: log.attempts[:, n] for n, name in enumerate(ATTEMPT_COLUMNS)}
    n_int = scenario.intervals_per_day * scenario.days
    edges = np.arange(n_int + 1) * float(scenario.interval_s)
    offered = ~np.isnan(col["enqueue_s"])
    answered = col["outcome"] == ANSWERED
    start = col["enqueue_s"][offered]
    end = np.where(answered, col["leave_queue_s"] + col["service_s"], col["leave_queue_s"])[offered]
    # Interval edges enter as zero steps so that no constant stretch crosses an edge.
    times = np.concatenate([start, end, edges])
    steps = np.concatenate([np.ones(start.size), -np.ones(end.size), np.zeros(edges.size)])
    order = np.lexsort((steps, times))  # at a tie, leave before arriving: levels never overshoot
    times, steps = times[order], steps[order]
    level = np.cumsum(steps).astype(int)
    duration = np.diff(times)
    seg_level = level[:-1]
    seg_interval = np.searchsorted(edges, times[:-1], side="right") - 1
    keep = (seg_interval >= 0) & (seg_interval < n_int) & (duration > 0)
    top = int(seg_level[keep].max(initial=0)) + 1
    level_time = np.bincount(
        seg_interval[keep] * top + seg_level[keep], weights=duration[keep], minlength=n_int * top
    ).reshape(n_int, top)
    waiting = integrate_level(col["enqueue_s"][offered], col["leave_queue_s"][offered], edges)
    ahead = offered & np.isin(col["type"], _ahead_types(scenario))
    waiting_ahead = integrate_level(col["enqueue_s"][ahead], col["leave_queue_s"][ahead], edges)

    em_incidents = np.zeros(n_int)
    em_within = np.zeros(n_int)
    a_type = col["type"].astype(int)
    for k, ct in enumerate(scenario.contact_types):
        if not ct.emergency:
            continue
        tw = workload.types[k]
        first = np.full(tw.incidents, np.inf)
        mine = (a_type == k) & answered
        np.minimum.at(first, col["incident"][mine].astype(int), col["leave_queue_s"][mine])
        slot = np.clip(np.searchsorted(edges, tw.arrival_s, side="right") - 1, 0, n_int - 1)
        em_incidents += np.bincount(slot, minlength=n_int)
        em_within += np.bincount(slot, weights=(first - tw.arrival_s <= scenario.guarantee_s), minlength=n_int)
    return _RunStats(level_time, waiting, waiting_ahead, em_incidents, em_within)


def _ahead_types(scenario: Scenario) -> list[int]:
    """Indices of the types an arriving emergency waits behind: priority at least the lowest emergency's."""
    priorities = [ct.priority for ct in scenario.contact_types if ct.emergency]
    floor = min(priorities) if priorities else -1
    return [k for k, ct in enumerate(scenario.contact_types) if ct.priority >= floor]


def _run_stats_task(task) -> _RunStats:
    scenario, (workload_seed, absence_seed) = task
    return _run_stats(scenario, draw_workload(scenario, workload_seed), absence_seed)


class _Simulator:
    """Runs one staffing table over fixed replications (seeded as ``sim.run`` seeds them)."""

    def __init__(self, resolved: Scenario, replications: int, seed: int, workers: int):
        self.resolved = resolved
        self.rep_seeds = replication_streams(seed, replications)
        self.workers = (os.cpu_count() or 1) if workers == 0 else workers
        self._workloads: dict[int, tuple] = {}

    def __call__(self, staffing: np.ndarray) -> list[_RunStats]:
        scenario = _with_table(self.resolved, staffing)
        if self.workers > 1 and len(self.rep_seeds) > 1:
            with ProcessPoolExecutor(max_workers=min(self.workers, len(self.rep_seeds))) as pool:
                return list(pool.map(_run_stats_task, [(scenario, s) for s in self.rep_seeds]))
        out = []
        for r, (workload_seed, absence_seed) in enumerate(self.rep_seeds):
            # The workload does not depend on the staffing: draw it once.
            if r not in self._workloads:
                self._workloads[r] = (draw_workload(scenario, workload_seed), absence_seed)
            workload, absence_seed = self._workloads[r]
            out.append(_run_stats(scenario, workload, absence_seed))
        return out


def _level_distribution(runs: list[_RunStats]) -> np.ndarray:
    top = max(r.level_time.shape[1] for r in runs)
    total = np.zeros((runs[0].level_time.shape[0], top))
    for r in runs:
        total[:, : r.level_time.shape[1]] += r.level_time
    sums = total.sum(axis=1, keepdims=True)
    return np.divide(total, sums, out=np.zeros_like(total), where=sums > 0)


def _ahead_share(runs: list[_RunStats], fallback: np.ndarray) -> np.ndarray:
    """Per interval, the share of the waiting contacts an emergency would wait behind.

    Where nobody waited in the runs (generous staffing), the types' share of
    the offered load stands in.
    """
    waiting = sum(r.waiting_s for r in runs)
    ahead = sum(r.waiting_ahead_s for r in runs)
    return np.where(waiting > 0, ahead / np.where(waiting > 0, waiting, 1.0), fallback)


class _FailureModel:
    """f_i(s): the chance an arrival in interval i misses the target with s agents (module docstring).

    phi(l, s) = 0 for l < s. For l >= s: 1 under the delay criterion; under the
    guarantee one, 1 minus the chance that a + 1 completions at rate
    nu = s / E[S] come within g and before the caller's own exponential
    patience, with a = ahead_share * (l - s) contacts ahead. The gamma shape
    a + 1 is then fractional: a smooth stand-in for the mixture over how many
    of the l - s waiting would be ahead. f_i is non-increasing in s and 0 past
    the largest level seen, so the smallest s meeting a bound is found by
    bisection, cheaply even when an overloaded interval has thousands of levels.
    """

    def __init__(self, dist, ahead_share, criterion, service_s, patience_s, guarantee_s):
        self.dist = dist
        self.ahead_share = ahead_share
        self.criterion = criterion
        self.service_s = service_s
        self.theta = 0.0 if not math.isfinite(patience_s) or patience_s <= 0 else 1.0 / patience_s
        self.guarantee_s = guarantee_s
        self.levels = [np.flatnonzero(row) for row in dist]

    def __call__(self, i: int, s: int) -> float:
        levels = self.levels[i]
        delayed = levels[levels >= s]
        if delayed.size == 0:
            return 0.0
        weights = self.dist[i, delayed]
        if self.criterion == "delay":
            return float(weights.sum())
        if s == 0:
            return float(weights.sum())  # nobody to answer
        nu = s / self.service_s
        k = self.ahead_share[i] * (delayed - s) + 1.0
        answered = (nu / (nu + self.theta)) ** k * special.gammainc(k, (nu + self.theta) * self.guarantee_s)
        return float(weights @ (1.0 - answered))

    def smallest(self, epsilon: float) -> np.ndarray:
        out = np.zeros(len(self.levels), dtype=int)
        for i, levels in enumerate(self.levels):
            lo, hi = -1, int(levels.max(initial=-1)) + 1  # f(hi) = 0: nobody waits
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if self(i, mid) <= epsilon + 1e-12:
                    hi = mid
                else:
                    lo = mid
            out[i] = hi
        return out


def iterative_staffing(
    scenario: Scenario,
    policy: str | None = None,
    *,
    criterion: str = "guarantee",
    alpha: float = 0.2,
    replications: int | None = None,
    seed: int | None = None,
    max_iterations: int = 20,
    calibrations: int = 4,
    max_agents: int | None = None,
    workers: int = 1,
    on_iteration: Callable[[dict], None] | None = None,
) -> IterativeStaffing:
    """Per-interval staffing by simulation (see the module docstring for the exact rule).

    ``criterion="guarantee"`` meets the emergency guarantee of the scenario
    (calibrated on the simulated share), ``criterion="delay"`` keeps P(delay)
    at most ``alpha`` in every interval (the classic ISA). ``max_agents``
    caps any interval; a target that needs more raises StaffingError.
    """
    if criterion not in ("guarantee", "delay"):
        raise StaffingError(f"must be 'guarantee' or 'delay', got {criterion!r}", "criterion")
    resolved, pid = _resolve(scenario, policy)
    emergency = [ct for ct in resolved.contact_types if ct.emergency]
    if criterion == "guarantee" and not emergency:
        raise StaffingError(
            "the scenario has no emergency contact type, so there is no guarantee to staff for; "
            "use criterion 'delay' (a target P(delay), alpha) instead",
            "criterion",
        )
    if criterion == "delay" and not 0 < alpha < 1:
        raise StaffingError(f"must be between 0 and 1 (exclusive), got {alpha!r}", "alpha")
    n_reps = int(replications if replications is not None else resolved.replications)
    if n_reps < 1:
        raise StaffingError(f"must be at least 1, got {n_reps}", "replications")
    seed = int(resolved.seed if seed is None else seed)
    if max_iterations < 1:
        raise StaffingError(f"must be at least 1, got {max_iterations}", "max_iterations")
    if max_agents is not None and max_agents < 0:
        raise StaffingError(f"must be >= 0, got {max_agents}", "max_agents")

    frame = _interval_frame(resolved)
    rates = np.array([arrival_rates_per_s(resolved, ct) for ct in resolved.contact_types])
    services = np.array([mean_service_s(ct) for ct in resolved.contact_types])
    if (services <= 0).any():
        raise StaffingError("every contact type needs a positive mean handle time plus after-contact work")
    total_rate = rates.sum(axis=0)
    # Agents serve every type, so completions come at the pace of the mix they serve.
    volumes = rates.sum(axis=1)
    mean_service = float(volumes @ services / volumes.sum()) if volumes.sum() > 0 else float(services.mean())
    lagged_load = sum(
        lagged_rates_per_s(r, resolved.interval_s, s) * s for r, s in zip(rates, services)
    )
    start = np.array([square_root_staffing(m, 3.0) + 2 for m in lagged_load])
    if max_agents is not None:
        start = np.minimum(start, max_agents)

    if criterion == "guarantee":
        em_rates = np.array([arrival_rates_per_s(resolved, ct).sum() for ct in emergency])
        em_patience = np.array([ct.patience_s.expectation() for ct in emergency])
        patience = float(em_patience @ em_rates / em_rates.sum()) if em_rates.sum() > 0 else float(em_patience.mean())
        epsilon = 1.0 - resolved.guarantee_share
        target = resolved.guarantee_share
    else:
        patience, epsilon, target = math.inf, float(alpha), math.nan
    ahead_rate = rates[_ahead_types(resolved)].sum(axis=0)
    ahead_fallback = np.divide(ahead_rate, total_rate, out=np.ones_like(total_rate), where=total_rate > 0)

    def model_of(runs_now) -> _FailureModel:
        return _FailureModel(
            _level_distribution(runs_now), _ahead_share(runs_now, ahead_fallback), criterion,
            mean_service, patience, resolved.guarantee_s,
        )

    simulate_runs = _Simulator(resolved, n_reps, seed, workers)
    history: list[dict] = []
    notes: list[str] = []
    staffing = start.astype(int)
    runs = simulate_runs(staffing)
    seen: list[np.ndarray] = []  # tables of this calibration round, to spot a cycle
    rounds = 0
    iteration = 0
    round_iterations = 0
    while True:
        share = _share(runs)
        proposal = model_of(runs).smallest(epsilon)
        if max_agents is not None and (proposal > max_agents).any():
            i = int(np.argmax(proposal > max_agents))
            row = frame.iloc[i]
            raise StaffingError(
                f"the target cannot be met with at most {max_agents} agents per interval: "
                f"{row['weekday']} {row['time']} (interval {i}) needs {int(proposal[i])}",
                "max_agents",
            )
        iteration += 1
        round_iterations += 1
        record = {
            "iteration": iteration,
            "calibration_round": rounds,
            "epsilon": epsilon,
            "agent_hours": float(staffing.sum() * resolved.interval_s / 3600.0),
            "changed_intervals": int((proposal != staffing).sum()),
            "share_within_guarantee": share[0],
            "share_ci_low": share[1],
            "share_ci_high": share[2],
        }
        history.append(record)
        if on_iteration:
            on_iteration(record)
        converged = bool(np.array_equal(proposal, staffing))
        if not converged:
            cycle = next((j for j, old in enumerate(seen) if np.array_equal(proposal, old)), None)
            if cycle is None and round_iterations < max_iterations:
                seen.append(staffing)
                staffing = proposal
                runs = simulate_runs(staffing)
                continue
            # A cycle, or no iterations left: each interval gets the most any recent table asked for.
            recent = seen[cycle:] if cycle is not None else seen[-1:]
            staffing = np.maximum.reduce([*recent, staffing, proposal])
            notes.append(
                f"the staffing {'cycled' if cycle is not None else 'was still changing'} after "
                f"{round_iterations} iterations; kept each interval at the largest value of the last tables"
            )
            runs = simulate_runs(staffing)
            share = _share(runs)
        if criterion == "delay" or math.isnan(share[0]) or share[0] >= target:
            break
        if rounds >= calibrations:
            raise StaffingError(
                f"the emergency guarantee ({100 * target:g}% within {resolved.guarantee_s:g} s) is not met "
                f"by staffing alone under policy {pid!r}: after {rounds} calibration rounds the simulated "
                f"share is {100 * share[0]:.1f}% (up to {int(staffing.max())} agents in an interval). Time "
                "spent before the human queue (bot, menus, bot-only hours, redial gaps) is not something "
                "agents can give back"
            )
        rounds += 1
        epsilon *= min(0.8, max(0.25, (1.0 - target) / max(1.0 - share[0], 1e-9)))
        notes.append(
            f"simulated share {100 * share[0]:.1f}% below the target: failure allowance cut to {epsilon:.4g}"
        )
        seen, round_iterations = [], 0

    staffing = np.asarray(staffing, dtype=int)
    rostered = rostered_per_interval(resolved)
    em_inc = sum(r.em_incidents for r in runs)
    em_within = sum(r.em_within for r in runs)
    table = frame.copy()
    table["contact_type"] = POOLED
    table["method"] = "isa"
    table["calls_per_interval"] = total_rate * resolved.interval_s
    table["load_erlangs"] = rates.T @ services
    table["target_s"] = resolved.guarantee_s if criterion == "guarantee" else math.nan
    table["service_level_target"] = target if criterion == "guarantee" else 1.0 - alpha
    table["agents_needed"] = staffing
    model = model_of(runs)
    table["predicted_service_level"] = [1.0 - model(i, int(n)) for i, n in enumerate(staffing)]
    table["rostered"] = rostered
    table["gap"] = rostered - staffing
    with np.errstate(invalid="ignore", divide="ignore"):
        table["simulated_share"] = np.where(em_inc > 0, em_within / em_inc, np.nan)
    table["emergency_incidents"] = em_inc.astype(int)
    table.attrs["policy"] = pid
    return IterativeStaffing(
        table=table,
        staffing=staffing,
        iterations=pd.DataFrame(history),
        converged=converged,
        criterion=criterion,
        epsilon=epsilon,
        replications=n_reps,
        seed=seed,
        policy=pid,
        share_mean=share[0],
        share_ci_low=share[1],
        share_ci_high=share[2],
        target_met=criterion == "delay" or math.isnan(share[0]) or share[0] >= target,
        base=resolved,
        notes=notes,
    )


def _share(runs: list[_RunStats]) -> tuple[float, float, float]:
    """Emergency share within the guarantee: mean and 95% t interval across runs."""
    shares = [r.em_within.sum() / r.em_incidents.sum() if r.em_incidents.sum() > 0 else np.nan for r in runs]
    mean, low, high, _ = t_interval(shares)
    return mean, low, high


# ---------------------------------------------------------- all together


def staffing_requirements(
    scenario: Scenario,
    policy: str | None = None,
    *,
    methods: Sequence[str] = ("erlang_c", "erlang_c_lagged"),
    by: str = "pooled",
    target_s: float | None = None,
    service_level: float | None = None,
    max_occupancy: float | None = None,
    max_agents: int = 5000,
    isa_options: dict | None = None,
) -> tuple[pd.DataFrame, IterativeStaffing | None]:
    """Every requested method in one tidy frame (analytic rows, then 'isa'), and the ISA result if run."""
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise StaffingError(f"unknown {', '.join(map(repr, unknown))}; choose from: {', '.join(METHODS)}", "method")
    if not methods:
        raise StaffingError("choose at least one", "method")
    analytic = [m for m in methods if m in ANALYTIC_METHODS]
    frames = []
    if analytic:
        frames.append(
            requirements(
                scenario, policy, methods=analytic, by=by, target_s=target_s, service_level=service_level,
                max_occupancy=max_occupancy, max_agents=max_agents,
            )
        )
    isa = None
    if "isa" in methods:
        isa = iterative_staffing(scenario, policy, max_agents=max_agents, **(isa_options or {}))
        frames.append(isa.table)
    table = pd.concat(frames, ignore_index=True)
    table.attrs["policy"] = (isa.policy if isa else frames[0].attrs["policy"])
    return table, isa


# -------------------------------------------------------------- rendering


def render_staffing(table: pd.DataFrame, scenario: Scenario, isa: IterativeStaffing | None = None) -> str:
    """A terminal report: targets, one row per interval (methods side by side), and a summary."""
    policy = table.attrs.get("policy", scenario.baseline_policy.id)
    methods = list(dict.fromkeys(table["method"]))
    lines = [f"{scenario.name}: agents needed per interval under policy {policy!r}", ""]
    for method in methods:
        part = table[table.method == method]
        targets = part.drop_duplicates(["contact_type", "target_s", "service_level_target"])
        if method == "isa" and isa is not None and isa.criterion == "delay":
            what = f"P(delay) <= {1 - targets['service_level_target'].iloc[0]:.3g} in every interval"
        elif method == "isa":
            what = (
                f"the emergency guarantee, {100 * scenario.guarantee_share:g}% of emergency incidents reach a "
                f"human within {scenario.guarantee_s:g} s (only that: other contacts get what is left)"
            )
        elif "binding_type" in part and part["binding_type"].ne("").any():
            binding = part[part["binding_type"] != ""].drop_duplicates(["binding_type", "target_s",
                                                                         "service_level_target"])
            what = "each type its own, against the pool's wait (types that set the agents somewhere): " + "; ".join(
                f"{row.binding_type}: {100 * row.service_level_target:g}% within {row.target_s:g} s"
                for row in binding.itertuples()
            )
        else:
            what = "; ".join(
                f"{row.contact_type}: {100 * row.service_level_target:g}% within {row.target_s:g} s"
                for row in targets.itertuples()
            )
        lines.append(f"  {method:<16} {METHODS[method]}; target {what}")
    lines.append(
        f"  {'rostered':<16} agents on duty per the roster (no absence, scheduled breaks out); "
        "gap = rostered - needed"
    )
    lines.append("")
    labels = list(dict.fromkeys(table["contact_type"]))
    for label in labels:
        part = table[table.contact_type == label]
        first = part["method"].iloc[0]
        wide = part[part.method == first][["interval", "weekday", "time", "calls_per_interval", "rostered"]].copy()
        for method in methods:
            rows = part[part.method == method].set_index("interval")
            if rows.empty:
                continue
            wide[method] = wide["interval"].map(rows["agents_needed"])
            wide[f"gap_{method}"] = wide["interval"].map(rows["gap"])
        if label != POOLED:
            lines.append(f"contact type {label}:")
        elif len(labels) > 1:
            lines.append("all contact types, pooled:")
        shown = wide.drop(columns="interval").rename(columns={"weekday": "day"})
        calls = f"calls per {scenario.interval_min} min"
        shown = shown.rename(columns={"calls_per_interval": calls})
        shown[calls] = shown[calls].map(lambda v: f"{v:.1f}")
        shown["rostered"] = shown["rostered"].map(lambda v: f"{v:.1f}")
        for column in shown.columns:
            if column.startswith("gap_"):
                shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:+.1f}")
        shown = shown.rename(columns={c: "gap" for c in shown.columns if c.startswith("gap_")})
        lines.append(shown.to_string(index=False))
        lines.append("")
    lines.append("summary:")
    hours = scenario.interval_s / 3600.0
    for (label, method), part in table.groupby(["contact_type", "method"], sort=False):
        short = part[part.gap < -1e-9]
        text = (
            f"  {label} / {method}: needs {part.agents_needed.sum() * hours:,.0f} agent-hours, rostered "
            f"{part.rostered.sum() * hours:,.0f}; short in {len(short)} of {len(part)} intervals"
        )
        if len(short):
            worst = short.loc[short.gap.idxmin()]
            text += f", worst {worst.gap:+.1f} agents on {worst.weekday} (day {worst.day}) {worst.time}"
        lines.append(text)
    if isa is not None:
        state = "converged" if isa.converged else "stopped without a fixed point (see notes)"
        lines.append(
            f"  isa: {len(isa.iterations)} simulated iterations of {isa.replications} runs (seed {isa.seed}), "
            f"{state}; final failure allowance {isa.epsilon:.4g}"
        )
        if isa.criterion == "guarantee":
            lines.append(
                f"  isa: emergencies within {scenario.guarantee_s:g} s in the final simulation: "
                f"{100 * isa.share_mean:.1f}% (95% CI {100 * isa.share_ci_low:.1f}% to "
                f"{100 * isa.share_ci_high:.1f}%), target {100 * scenario.guarantee_share:g}%"
            )
        lines.extend(f"  isa note: {note}" for note in isa.notes)
    return "\n".join(lines)
