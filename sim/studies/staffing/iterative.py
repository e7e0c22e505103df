"""Iterative staffing algorithm (``isa``; Feldman, Mandelbaum, Massey & Whitt 2008)
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
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from sim.analytic.erlang import square_root_staffing
from sim.model.engine import ANSWERED, ATTEMPT_COLUMNS
from sim.model.metrics import first_answer_s, integrate_level
from sim.model.scenario import Agents, Scenario, StaffingTable
from sim.model.workload import draw_workload
from sim.runs.replication import replication_streams, simulate_policy
from sim.runs.settings import RunSettings
from sim.runs.stats import t_interval
from sim.runs.workers import capped_workers, process_pool
from sim.studies.staffing.inputs import (
    POOLED,
    StaffingError,
    arrival_rates_per_s,
    interval_frame,
    lagged_rates_per_s,
    mean_service_s,
    resolve_policy,
    rostered_per_interval,
)


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
    # One replication as every run makes it (sim.runs.replication): the roster runs on to the run's end.
    return _stats_from_log(scenario, workload, simulate_policy(scenario, workload, rep_seed_absence).log)


def _stats_from_log(scenario: Scenario, workload, log) -> _RunStats:
    col = {name: log.attempts[:, n] for n, name in enumerate(ATTEMPT_COLUMNS)}
    n_int = scenario.n_intervals
    edges = scenario.interval_edges_s()
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
        mine = (a_type == k) & answered
        first = first_answer_s(tw.incidents, col["incident"][mine], col["leave_queue_s"][mine])
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
        self.workers, _ = capped_workers(workers)
        self._workloads: dict[int, tuple] = {}

    def __call__(self, staffing: np.ndarray) -> list[_RunStats]:
        scenario = _with_table(self.resolved, staffing)
        if self.workers > 1 and len(self.rep_seeds) > 1:
            with process_pool(min(self.workers, len(self.rep_seeds))) as pool:
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
    settings: RunSettings | None = None,
    max_iterations: int = 20,
    calibrations: int = 4,
    max_agents: int | None = None,
    on_iteration: Callable[[dict], None] | None = None,
    allow_large: bool = False,
) -> IterativeStaffing:
    """Per-interval staffing by simulation (see the module docstring for the exact rule).

    ``settings``: the replications every staffing table is simulated over and
    their seed (default: the policy's scenario's), the workers, and progress:
    one event per iteration (``stage`` "iteration", counted against
    ``max_iterations``; a calibration round starts the count again).

    ``criterion="guarantee"`` meets the emergency guarantee of the scenario
    (calibrated on the simulated share), ``criterion="delay"`` keeps P(delay)
    at most ``alpha`` in every interval (the classic ISA). ``max_agents``
    caps any interval; a target that needs more raises StaffingError. Each
    of its runs is put to the size guard first, as ``sim.run``'s are
    (``RunTooLarge`` unless ``allow_large``).
    """
    if criterion not in ("guarantee", "delay"):
        raise StaffingError(f"must be 'guarantee' or 'delay', got {criterion!r}", "criterion")
    resolved, pid = resolve_policy(scenario, policy)
    emergency = [ct for ct in resolved.contact_types if ct.emergency]
    if criterion == "guarantee" and not emergency:
        raise StaffingError(
            "the scenario has no emergency contact type, so there is no guarantee to staff for; "
            "use criterion 'delay' (a target P(delay), alpha) instead",
            "criterion",
        )
    if not 0 < alpha < 1:  # checked whatever the criterion: a bad value is never silently ignored
        raise StaffingError(f"must be between 0 and 1 (exclusive), got {alpha!r}", "alpha")
    settings = (settings or RunSettings()).for_scenario(resolved)
    n_reps, seed = settings.replications, settings.seed
    workers = capped_workers(settings.workers)[0]  # 0: one per core, as the size guard must count them
    if max_iterations < 1:
        raise StaffingError(f"must be at least 1, got {max_iterations}", "max_iterations")
    if max_agents is not None and max_agents < 0:
        raise StaffingError(f"must be >= 0, got {max_agents}", "max_agents")
    from sim.runs.size_guard import check_run_size  # the one guard of every entry that simulates

    check_run_size(resolved, replications=n_reps, workers=workers, allow_large=allow_large)

    frame = interval_frame(resolved)
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
        settings.tell(round_iterations, max_iterations, "iteration")
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
