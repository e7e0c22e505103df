"""Analytic methods (one row per interval and contact type, or pooled)
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
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sim.analytic.erlang import ErlangInputError, TargetUnreachable, erlang_a_servers_needed, erlang_c_servers_needed
from sim.model.scenario import ContactType, Scenario
from sim.studies.staffing.inputs import (
    ANALYTIC_METHODS,
    DEFAULT_SERVICE_LEVEL,
    POOLED,
    StaffingError,
    arrival_rates_per_s,
    interval_frame,
    lagged_rates_per_s,
    mean_service_s,
    resolve_policy,
    rostered_per_interval,
)


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
    scenario: Scenario, by: str, lagged: bool, target_s: float | None, service_level: float | None,
    binding: frozenset[str] | None = None,
) -> list[_Stream]:
    n = scenario.n_intervals

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
    targets = () if overridden else tuple((ct.id, *own_target(ct), rate > 0) for ct, rate, _, _ in per_type
                                          if binding is None or ct.id in binding)
    t, sl = own_target(next((ct for ct, *_ in per_type if binding is None or ct.id in binding), per_type[0][0]))
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
    binding: Collection[str] | None = None,
) -> pd.DataFrame:
    """Agents needed per interval by the analytic methods, next to the rostered agents.

    ``binding`` (pooled only): the contact types whose targets set the agents needed; every type's work
    still loads the pool. None: every type's target binds. The roster planner's emergency requirement
    uses it: the guarantee's targets, against the wait that every type's work makes.

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
    resolved, pid = resolve_policy(scenario, policy)
    frame = interval_frame(resolved)
    rostered = {POOLED: rostered_per_interval(resolved)}
    if by == "type":
        rostered.update({ct.id: rostered_per_interval(resolved, ct) for ct in resolved.contact_types})
    frames = []
    for method in methods:
        lagged = method.endswith("_lagged")
        formula = method.removesuffix("_lagged")
        for stream in _streams(resolved, by, lagged, target_s, service_level,
                               None if binding is None else frozenset(binding)):
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
                if exc.argument == "max_occupancy":  # passed through as given: the argument's fault, not the interval's
                    raise StaffingError(exc.detail, "max_occupancy", value=exc.value) from None
                row = frame.iloc[i]
                raise StaffingError(
                    f"{stream.label}, {row['weekday']} {row['time']} (interval {i}), {formula}: {exc}",
                    "max_agents" if isinstance(exc, TargetUnreachable) else None,
                ) from None
        needed[i], predicted[i] = cache[key]
    return needed, predicted
