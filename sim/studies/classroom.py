"""The classroom: one queue next to its formulas, one simulated day replayed, the knee, exercises.

Everything the Classroom page shows is computed here, from the model's own
runs — there is no second, simplified model for teaching.

**The playground queue** (``classroom_scenario``): one contact type, Poisson
arrivals at a flat rate, exponential handle time, ``servers`` agents all day,
no bot, no redials. Without patience it is M/M/c (Erlang C); with an
exponential patience M/M/c+M (Erlang A). ``formulas_vs_simulation`` puts the
simulation's means and 95% intervals beside the closed forms.

**Watch one day** (``replay``): replication ``r`` of any scenario and policy,
run exactly as ``sim.run`` runs it (same seeding rule, same workload, roster
and engine), and reconstructed from its logs: the attempt log gives the queue
(an offered attempt waits in ``[enqueue_s, leave_queue_s)``), the answers,
abandonments (balks included) and redials (attempts after the first, returns
after a false bot "resolved" included); the presences and breaks give agents
on duty and on break, and answered attempts give the busy spans
``[answer, answer + handle and after-contact work)``. Agents on duty =
present - on break (the one meaning of "on duty", the interval table's);
idle = on duty - busy. Frames are snapshots at evenly spaced instants, the step
chosen from round values (1, 2, 5, 10, 15, 30, 60 min, 2, 3, 6, 12 h, ...) so
that there are at most ``max_frames`` of them: a day of a classroom preset is
145 frames of 10 minutes, a week 169 of an hour. Counts between two frames
are the events in ``(previous frame, frame]``; nothing is lost by thinning.
Running service level, abandonment and time-to-human cover the incidents of
the statistics window (those that began after the warm-up), so at the last
frame (when the last outcome happened) they equal the run's own figures.

**Erlang curves** (``erlang_sweep``): the playground queue for a range of
agent counts N around the one chosen, each N a policy of one scenario so that
every N meets the same callers in a replication (common random numbers).
Closed form as lines; simulation as means with 95% intervals.

**The knee** (``knee``): the number of agents N of the sweep at which one
agent fewer costs the most service level by the closed form:
``argmax_N [SL(N) - SL(N - 1)]`` over the N of the sweep whose N - 1 is in it
too. An Erlang C queue with N - 1 <= load has no steady state: its queue grows
without end, so in the long run every caller waits longer than any target;
its service level is taken as its limit, 0 (and P(wait) as 1). Beside the
closed form's step, the simulation's paired difference SL(N) - SL(N - 1)
with its 95% interval (the same callers meet N and N - 1 agents).

**How many runs?** (``replications_demo``): ``sim.run(precision=P)`` on the
playground queue, its contact type marked as an emergency with a guarantee
equal to the service-level target, so the guarantee share the precision
target watches is, in this one-queue world with no bot and no redials,
exactly the service level. The interval after the first n replications, for
every n, shows it narrowing like 1 / sqrt(n); a study that stops at n has
exactly those n replications (replication r always runs on child r of the seed).

**Exercises** (``Exercise``, ``load_exercise``, ``check_answer``): a small
YAML file beside a scenario file in ``scenarios/exercises/``. Two kinds:
``value`` (predict a metric of the scenario) and ``fewest_agents`` (the
smallest N that reaches a target). A predicted value is accepted when it lies
within ``max(tolerance, half-width of the 95% interval)`` of the simulated
mean: the interval says what the simulation cannot tell apart, and the
tolerance keeps a very precise simulation from demanding more digits than a
classroom estimate can have. For the fewest agents, N is accepted unless the
simulation shows N clearly failing the target (the whole interval on the
wrong side) or N - 1 clearly meeting it: every N the simulation cannot rule
out is a fair answer, and the true minimum is accepted unless a 95% interval
misses — about one time in twenty per N checked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator

from sim.analytic.erlang import ErlangInputError, erlang_a_metrics, erlang_c_metrics
from sim.errors import InputProblems
from sim.files.scenario_io import ScenarioError, build_scenario, load_scenario, read_yaml_file, validate
from sim.model.engine import ABANDONED, ANSWERED, BALKED, RunLog
from sim.model.metrics import RunTables, summarise_run
from sim.model.roster import Roster
from sim.model.scenario import Scenario
from sim.model.workload import Workload
from sim.runs.guard import run_checked
from sim.runs.replication import replicate
from sim.runs.results import Results
from sim.runs.settings import RunSettings
from sim.runs.stats import t_interval

# The playground's own run settings where none are given: a quick, seeded classroom run.
REPLICATIONS, SEED = 5, 1
DEMO_SETTINGS = RunSettings(seed=SEED, precision=0.02, max_replications=60)

# ------------------------------------------------------------ the playground


def classroom_scenario(
    arrivals_per_hour: float,
    mean_handle_s: float,
    servers: int,
    mean_patience_s: float | None,
    target_s: float,
    days: int = 1,
    replications: int = 5,
    seed: int = 1,
    emergency: bool = False,
) -> Scenario:
    """One queue, Poisson arrivals at a flat rate, exponential handle time, ``servers`` agents all day.

    ``mean_patience_s`` None means nobody hangs up (M/M/c); the patience is then
    far longer than any wait (30 days), as in the classroom presets.
    ``emergency`` marks the type as an emergency with the guarantee equal to
    the target, so the guarantee share is the service level (``replications_demo``).
    """
    patience = (
        {"dist": "exponential", "mean": mean_patience_s}
        if mean_patience_s is not None
        else {"dist": "deterministic", "value": 30 * 86400}
    )
    data = {
        "name": "Classroom playground",
        "days": days,
        "interval_min": 60,
        "warmup_h": 1.0,  # skip the empty-system start
        "contact_types": [
            {
                "id": "calls",
                "label": "Calls",
                "emergency": emergency,
                "target_s": target_s,
                "volume": {"per_day": arrivals_per_hour * 24},
                "handle_time_s": {"dist": "exponential", "mean": mean_handle_s},
                "patience_s": patience,
            }
        ],
        "agents": {
            "shifts": [{"id": "agents", "start": "00:00", "length_h": 24, "headcount": servers, "cost_per_hour": 0}]
        },
        "replications": replications,
        "seed": seed,
    }
    if emergency:
        data["guarantee_s"] = target_s
    return build_scenario(data, source="classroom")


def queue_of(scenario: Scenario) -> dict:
    """The playground's parameters read from a one-queue scenario (a classroom preset or an exercise).

    ``mean_patience_s`` is None for callers who never hang up (a fixed patience
    of a day or more, as the presets write it); ``markov`` says whether the
    Erlang formulas describe the queue (exponential handle time and patience).
    """
    ct = scenario.contact_types[0]
    patience = ct.patience_s
    never = patience.dist == "deterministic" and patience.expectation() >= 86400
    out = {
        "mean_handle_s": ct.handle_time_s.expectation(),
        "servers": int(sum(s.headcount for s in scenario.agents.shifts)),
        "target_s": ct.target_s,
        "mean_patience_s": None if never else patience.expectation(),
        "markov": ct.handle_time_s.dist == "exponential" and (never or patience.dist == "exponential"),
    }
    if ct.volume.per_day is not None:
        out["arrivals_per_hour"] = ct.volume.per_day / 24
    return out


def formulas(arrival_rate_per_s: float, mean_handle_s: float, mean_patience_s: float | None, servers: int,
             target_s: float) -> dict[str, float]:
    """Closed-form p_delay, service_level, abandonment, asa_s, mean_wait_s, occupancy of the playground queue.

    Erlang C without patience (all NaN when load >= servers: no steady state),
    Erlang A with it. Probabilities are over all arrivals, as the simulation's.
    """
    if mean_patience_s is None:
        if arrival_rate_per_s * mean_handle_s >= servers:
            return dict.fromkeys(("p_delay", "service_level", "abandonment", "asa_s", "mean_wait_s", "occupancy"),
                                 math.nan)
        c = erlang_c_metrics(arrival_rate_per_s, mean_handle_s, servers, target_s)
        return {"p_delay": c.p_wait, "service_level": c.service_level, "abandonment": 0.0, "asa_s": c.asa_s,
                "mean_wait_s": c.asa_s, "occupancy": c.occupancy}
    a = erlang_a_metrics(arrival_rate_per_s, mean_handle_s, mean_patience_s, servers, target_s)
    return {"p_delay": a.p_wait, "service_level": a.answered_within_target, "abandonment": a.p_abandon,
            "asa_s": a.mean_wait_answered_s, "mean_wait_s": a.mean_wait_s, "occupancy": a.occupancy}


@dataclass
class Classroom:
    """An M/M/c (or M/M/c+M) run beside the Erlang C (or A) formulas."""

    inputs: dict
    table: pd.DataFrame  # metric, label, simulated, ci_low, ci_high, formula
    model: str  # "Erlang C" or "Erlang A"
    load_erlangs: float
    stable: bool
    note: str


def formulas_vs_simulation(
    arrivals_per_hour: float,
    mean_handle_s: float,
    servers: int,
    mean_patience_s: float | None = None,
    target_s: float = 20.0,
    days: int = 1,
    settings: RunSettings | None = None,
) -> Classroom:
    """The playground queue simulated as ``settings`` say (unset: ``REPLICATIONS``, ``SEED``) beside its formulas."""
    settings = (settings or RunSettings()).or_defaults(REPLICATIONS, SEED)
    replications, seed = settings.replications, settings.seed
    scenario = classroom_scenario(
        arrivals_per_hour, mean_handle_s, servers, mean_patience_s, target_s, days, replications, seed
    )
    lam = arrivals_per_hour / 3600.0
    load = lam * mean_handle_s
    results, _ = run_checked(scenario, settings=settings)
    summary = results.summary()

    def simulated(metric: str) -> tuple[float, float, float]:
        scope = "all" if metric == "occupancy" else "calls"  # occupancy is the agents', on 'all' rows
        row = summary[(summary.contact_type == scope) & (summary.metric == metric)].iloc[0]
        return float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])

    note = ""
    stable = True
    formula: dict[str, float] = {}
    if mean_patience_s is None:
        model = "Erlang C"
        stable = load < servers
        if stable:
            formula = formulas(lam, mean_handle_s, None, servers, target_s)
        else:
            note = (f"The load ({load:.1f} Erlangs) is not below the number of agents ({servers}): "
                    "with nobody hanging up the queue grows without limit, so Erlang C has no answer. "
                    "The simulation shows what one finite day looks like.")
        spec = [("p_delay", "P(wait > 0)"), ("asa_s", "Mean wait, s (ASA)"),
                ("service_level", f"Answered within {target_s:g} s"), ("occupancy", "Agent occupancy")]
    else:
        model = "Erlang A"
        try:
            formula = formulas(lam, mean_handle_s, mean_patience_s, servers, target_s)
        except ErlangInputError as exc:  # pragma: no cover - inputs are validated by the widgets
            note = str(exc)
        spec = [("p_delay", "P(wait > 0)"), ("abandonment", "P(abandon)"),
                ("mean_wait_s", "Mean wait of all callers, s"),
                ("service_level", f"Answered within {target_s:g} s"), ("occupancy", "Agent occupancy")]
    rows = []
    for metric, label in spec:
        mean, lo, hi = simulated(metric)
        rows.append({"metric": metric, "label": label, "simulated": mean, "ci_low": lo, "ci_high": hi,
                     "formula": formula.get(metric, math.nan)})
    return Classroom(
        inputs={"arrivals_per_hour": arrivals_per_hour, "mean_handle_s": mean_handle_s, "servers": servers,
                "mean_patience_s": mean_patience_s, "target_s": target_s, "days": days,
                "replications": replications, "seed": seed},
        table=pd.DataFrame(rows), model=model, load_erlangs=load, stable=stable, note=note,
    )


# ----------------------------------------------------------- watch one day

FRAME_STEPS_S = tuple(m * 60.0 for m in (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080))
DEFAULT_MAX_FRAMES = 200


def replicate_one(scenario: Scenario, policy: str | None = None, replication: int = 0, seed: int | None = None
                  ) -> tuple[Scenario, Workload, Roster, RunLog, RunTables]:
    """Replication ``replication`` of ``policy`` exactly as ``sim.run`` runs it, with its raw log kept."""
    policy = policy or scenario.baseline_policy.id
    seed = int(scenario.seed if seed is None else seed)
    one = replicate(scenario, policy, seed, replication)
    tables = summarise_run(one.policy_scenario, one.workload, one.roster, one.log, keep_incidents="none")
    return one.policy_scenario, one.workload, one.roster, one.log, tables


class Level:
    """N(t) = #{spans [start, end) covering t}, a step function kept as sorted start and end times."""

    def __init__(self, starts: np.ndarray, ends: np.ndarray):
        keep = ends > starts  # a zero-length span (answered on arrival) never counts
        self.starts = np.sort(starts[keep])
        self.ends = np.sort(ends[keep])

    def at(self, t: np.ndarray) -> np.ndarray:
        """The level just after each instant (a span ending at t no longer counts, one starting at t does)."""
        return (np.searchsorted(self.starts, t, side="right") - np.searchsorted(self.ends, t, side="right"))

    def mean_over(self, edges: np.ndarray) -> np.ndarray:
        """Time average of the level over each [edges[i], edges[i+1]), by walking its change points."""
        times = np.concatenate([self.starts, self.ends, edges])
        steps = np.concatenate([np.ones(self.starts.size), -np.ones(self.ends.size), np.zeros(edges.size)])
        order = np.argsort(times, kind="stable")
        times, steps = times[order], steps[order]
        level = np.cumsum(steps)  # the level from each time on, until the next one
        area_to = np.concatenate([[0.0], np.cumsum(level[:-1] * np.diff(times))])  # area up to each time
        at_edges = np.interp(edges, times, area_to)
        return np.diff(at_edges) / np.diff(edges)


@dataclass
class Replay:
    """One replication, frame by frame (see the module docstring)."""

    scenario_name: str
    policy: str
    policy_label: str
    replication: int
    seed: int
    horizon_s: float
    warmup_s: float
    start_weekday_index: int  # 0 = Monday: day d of the run is weekday (index + d) % 7
    step_s: float
    type_ids: list[str]
    type_labels: dict[str, str]
    tth_scope: str  # "emergency" or "all": whose time-to-human the running figure follows
    frames: pd.DataFrame  # one row per frame, see ``replay``
    queues: pd.DataFrame  # frame x contact type: callers waiting at the frame's instant
    totals: dict[str, float]  # the run's own figures of the window (sim.model.metrics), to compare with
    intervals: pd.DataFrame  # the model's own per-interval table of this replication
    levels: dict[str, Level] = field(repr=False, default_factory=dict)  # queue:<type>, present, break, busy

    def interval_means(self) -> pd.DataFrame:
        """Queue length per type and agents on duty averaged over each interval, from the replay's own levels."""
        starts = np.sort(self.intervals["interval_start_s"].unique())
        edges = np.append(starts, starts[-1] + (starts[1] - starts[0] if starts.size > 1 else self.horizon_s))
        rows = {"interval_start_s": starts}
        for k in self.type_ids:
            rows[f"queue_{k}"] = self.levels[f"queue:{k}"].mean_over(edges)
        rows["agents_on_duty"] = self.levels["present"].mean_over(edges) - self.levels["break"].mean_over(edges)
        return pd.DataFrame(rows)


def frame_step_s(span_s: float, max_frames: int = DEFAULT_MAX_FRAMES) -> float:
    """The smallest round step that shows ``span_s`` in at most ``max_frames`` frames (both ends included)."""
    for step in FRAME_STEPS_S:
        if math.ceil(span_s / step) + 1 <= max_frames:
            return step
    return math.ceil(span_s / (max_frames - 1) / 86400.0) * 86400.0  # whole days; ceil keeps the count in bounds


def replay(scenario: Scenario, policy: str | None = None, replication: int = 0, seed: int | None = None,
           max_frames: int = DEFAULT_MAX_FRAMES) -> Replay:
    """Replication ``replication`` of ``policy`` as frames for an animation (see the module docstring).

    ``frames`` columns: frame, time_s; agents at the instant: present (at
    work, breaks included), on_duty (present and not on break: the meaning of
    the interval table's ``agents_on_duty``), busy, on_break, idle (on duty and
    not busy); events since the previous frame: arrivals (first
    attempts), redials (later attempts: redials and returns), answered,
    abandoned (balks included); running figures of the statistics window up to
    the instant: offered_done (offered attempts with their queue outcome),
    answered_within_target, service_level, abandonment, reached (incidents
    answered by a human), time_to_human_mean_s. ``queues``: waiting callers
    per contact type at the instant.
    """
    if max_frames < 3:
        raise ValueError(f"max_frames must be at least 3, got {max_frames}")
    policy = policy or scenario.baseline_policy.id
    seed = int(scenario.seed if seed is None else seed)
    resolved, workload, _roster, log, tables = replicate_one(scenario, policy, replication, seed)
    a = {name: log.column(name) for name in ("type", "incident", "attempt", "arrive_s", "enqueue_s",
                                             "leave_queue_s", "outcome", "service_s")}
    kind = a["type"].astype(int)
    outcome = a["outcome"].astype(int)
    offered = ~np.isnan(a["enqueue_s"])
    answered = outcome == ANSWERED
    gave_up = (outcome == ABANDONED) | (outcome == BALKED)
    types = resolved.contact_types
    targets = np.array([c.target_s for c in types])[kind]
    began = np.empty(kind.size)
    for k, tw in enumerate(workload.types):
        mine = kind == k
        began[mine] = tw.arrival_s[a["incident"][mine].astype(int)]
    counted = began >= resolved.warmup_s

    levels: dict[str, Level] = {}
    for k, ct in enumerate(types):
        mine = offered & (kind == k)
        levels[f"queue:{ct.id}"] = Level(a["enqueue_s"][mine], a["leave_queue_s"][mine])
    worked = ~np.isnan(log.agent_leave_s)
    levels["present"] = Level(log.agent_start_s[worked], log.agent_leave_s[worked])
    levels["break"] = Level(log.breaks[:, 1], log.breaks[:, 2])
    answer_s = a["leave_queue_s"][answered]
    levels["busy"] = Level(answer_s, answer_s + a["service_s"][answered])

    end_s = max(resolved.horizon_s, float(log.end_s))
    step = frame_step_s(end_s, max_frames)
    times = np.arange(0.0, end_s, step)
    times = np.append(times, end_s)  # the last frame: the last outcome, whatever the step
    n = times.size

    def events_between(instants: np.ndarray) -> np.ndarray:
        cumulative = np.searchsorted(np.sort(instants), times, side="right")
        return np.diff(np.concatenate([[0], cumulative]))

    def running(instants: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        order = np.argsort(instants, kind="stable")
        cum = np.concatenate([[0.0], np.cumsum(weights[order] if weights is not None else np.ones(order.size))])
        return cum[np.searchsorted(instants[order], times, side="right")]

    leave = a["leave_queue_s"]
    done = offered & counted
    offered_done = running(leave[done])
    within = running(leave[done & answered & (leave - a["enqueue_s"] <= targets)])
    abandoned_done = running(leave[done & gave_up])

    emergency = [k for k, c in enumerate(types) if c.emergency]
    scope_types = emergency or list(range(len(types)))
    first_answer, tth = [], []
    for k in scope_types:
        tw = workload.types[k]
        sel = answered & (kind == k) & counted
        first = np.full(tw.incidents, np.inf)
        np.minimum.at(first, a["incident"][sel].astype(int), leave[sel])
        reached = np.isfinite(first)
        first_answer.append(first[reached])
        tth.append(first[reached] - tw.arrival_s[reached])
    first_answer = np.concatenate(first_answer) if first_answer else np.empty(0)
    tth = np.concatenate(tth) if tth else np.empty(0)
    reached_by = running(first_answer)
    tth_sum = running(first_answer, tth)

    present = levels["present"].at(times)
    on_break = levels["break"].at(times)
    busy = levels["busy"].at(times)
    with np.errstate(invalid="ignore", divide="ignore"):
        frames = pd.DataFrame({
            "frame": np.arange(n),
            "time_s": times,
            # on duty means what the interval table's agents_on_duty means: at work and not on break
            "present": present,
            "on_duty": present - on_break,
            "busy": busy,
            "on_break": on_break,
            "idle": present - on_break - busy,
            "arrivals": events_between(a["arrive_s"][a["attempt"] == 0]),
            "redials": events_between(a["arrive_s"][a["attempt"] > 0]),
            "answered": events_between(leave[answered]),
            "abandoned": events_between(leave[gave_up]),
            "offered_done": offered_done,
            "answered_within_target": within,
            "service_level": np.where(offered_done > 0, within / offered_done, np.nan),
            "abandonment": np.where(offered_done > 0, abandoned_done / offered_done, np.nan),
            "reached": reached_by,
            "time_to_human_mean_s": np.where(reached_by > 0, tth_sum / reached_by, np.nan),
        })
    queues = pd.DataFrame({c.id: levels[f"queue:{c.id}"].at(times) for c in types})
    queues.index.name = "frame"

    by_type = tables.by_type
    scope = by_type[by_type["contact_type"].isin([types[k].id for k in scope_types])]
    sums = by_type[["offered", "answered", "abandoned", "answered_within_target"]].sum()
    totals = {
        "offered": float(sums["offered"]),
        "answered": float(sums["answered"]),
        "abandoned": float(sums["abandoned"]),
        "service_level": float(sums["answered_within_target"] / sums["offered"]) if sums["offered"] else math.nan,
        "abandonment": float(sums["abandoned"] / sums["offered"]) if sums["offered"] else math.nan,
        "reached": float(scope["reached_human"].sum()),
        "time_to_human_mean_s": (float(scope["time_to_human_sum_s"].sum() / scope["reached_human"].sum())
                                 if scope["reached_human"].sum() else math.nan),
    }
    labels = {p.id: p.label or p.id for p in scenario.effective_policies}
    return Replay(
        scenario_name=scenario.name, policy=policy, policy_label=labels.get(policy, policy),
        replication=replication, seed=seed, horizon_s=resolved.horizon_s, warmup_s=resolved.warmup_s,
        start_weekday_index=resolved.start_weekday_index, step_s=step,
        type_ids=[c.id for c in types], type_labels={c.id: c.label or c.id for c in types},
        tth_scope="emergency" if emergency else "all", frames=frames, queues=queues, totals=totals,
        intervals=tables.intervals, levels=levels,
    )


# ------------------------------------------------------------ erlang sweep

SWEEP_METRICS = ("p_delay", "service_level", "abandonment")


def sweep_servers(load_erlangs: float, servers: int, below: int = 5, above: int = 3) -> list[int]:
    """Agent counts around ``servers``: ``below`` fewer to ``above`` more, never under 1."""
    return list(range(max(1, servers - below), servers + above + 1))


def with_headcounts(scenario: Scenario, counts: Sequence[int]) -> Scenario:
    """``scenario`` with one policy per agent count (ids ``n<N>``, the first the baseline), all else equal.

    The scenario must have one shift (the playground, the classroom presets,
    the exercises); each policy replaces its headcount.
    """
    if scenario.agents.tables or len(scenario.agents.shifts) != 1:
        raise InputProblems(["agents: an agent-count sweep needs a scenario with exactly one shift"],
                            scenario.name)
    data = scenario.model_dump(mode="json", exclude={"policies"})
    shift = data["agents"]["shifts"][0]
    data["policies"] = [
        {"id": f"n{n}", "label": f"{n} agents", "baseline": i == 0,
         "agents": {**data["agents"], "shifts": [{**shift, "headcount": int(n)}]}}
        for i, n in enumerate(counts)
    ]
    return build_scenario(data, source=scenario.name)


@dataclass
class Knee:
    servers: int  # N: going from N to N - 1 agents costs the most service level (closed form)
    formula_drop: float  # SL(N) - SL(N - 1), closed form (unstable Erlang C taken at its limit 0)
    simulated_drop: float  # the simulation's paired mean of SL(N) - SL(N - 1)
    ci_low: float
    ci_high: float
    n: int


@dataclass
class Sweep:
    inputs: dict
    model: str
    servers: list[int]
    table: pd.DataFrame  # servers, metric, formula, simulated, ci_low, ci_high, n
    knee: Knee | None
    load_erlangs: float


def erlang_sweep(
    arrivals_per_hour: float,
    mean_handle_s: float,
    servers: Sequence[int],
    mean_patience_s: float | None = None,
    target_s: float = 20.0,
    days: int = 1,
    settings: RunSettings | None = None,
) -> Sweep:
    """P(wait), service level and abandonment against N: closed form and simulation (common random numbers).

    ``settings``: replications and seed (unset: ``REPLICATIONS``, ``SEED``), workers, progress.
    """
    servers = sorted(set(int(n) for n in servers))
    if not servers:
        raise ValueError("servers: give at least one agent count")
    settings = (settings or RunSettings()).or_defaults(REPLICATIONS, SEED)
    replications, seed = settings.replications, settings.seed
    base = classroom_scenario(arrivals_per_hour, mean_handle_s, servers[0], mean_patience_s, target_s, days,
                              replications, seed)
    scenario = with_headcounts(base, servers)
    results, _ = run_checked(scenario, settings=settings, keep_incidents="none")
    per_rep = results.per_replication(quantiles=False)
    per_rep = per_rep[per_rep["contact_type"] == "calls"]
    lam = arrivals_per_hour / 3600.0
    rows = []
    for n in servers:
        closed = formulas(lam, mean_handle_s, mean_patience_s, n, target_s)
        mine = per_rep[per_rep["policy"] == f"n{n}"]
        for metric in SWEEP_METRICS:
            mean, lo, hi, count = t_interval(mine[metric], feasible=(0.0, 1.0))
            rows.append({"servers": n, "metric": metric, "formula": closed[metric], "simulated": mean,
                         "ci_low": lo, "ci_high": hi, "n": count})
    table = pd.DataFrame(rows)
    return Sweep(
        inputs={"arrivals_per_hour": arrivals_per_hour, "mean_handle_s": mean_handle_s,
                "mean_patience_s": mean_patience_s, "target_s": target_s, "days": days,
                "replications": replications, "seed": seed},
        model="Erlang C" if mean_patience_s is None else "Erlang A",
        servers=servers, table=table, knee=knee(table, per_rep), load_erlangs=lam * mean_handle_s,
    )


def knee(table: pd.DataFrame, per_replication: pd.DataFrame | None = None) -> Knee | None:
    """The N whose one agent fewer costs most service level by the closed form (module docstring)."""
    sl = table[table["metric"] == "service_level"].set_index("servers")["formula"]
    limit = sl.fillna(0.0)  # an unstable Erlang C queue: its long-run service level is 0
    steps = {n: float(limit[n] - limit[n - 1]) for n in limit.index if n - 1 in limit.index}
    if not steps:
        return None
    best = max(steps, key=lambda n: (steps[n], -n))
    mean = lo = hi = math.nan
    count = 0
    if per_replication is not None:
        pivot = per_replication.pivot_table(index="replication", columns="policy", values="service_level")
        if f"n{best}" in pivot and f"n{best - 1}" in pivot:
            mean, lo, hi, count = t_interval(pivot[f"n{best}"] - pivot[f"n{best - 1}"], feasible=(-1.0, 1.0))
    return Knee(servers=int(best), formula_drop=steps[best], simulated_drop=mean, ci_low=lo, ci_high=hi, n=count)


# ------------------------------------------------------------ how many runs


@dataclass
class ReplicationsDemo:
    precision_target: float
    max_replications: int
    reached: dict  # sim.runs.precision.Precision.as_record()
    table: pd.DataFrame  # n, mean, ci_low, ci_high, half_width, relative_half_width
    formula: float  # the closed-form service level (NaN for an unstable Erlang C queue)
    per_replication: list[float]  # each replication's service level, in order


def replications_demo(
    arrivals_per_hour: float,
    mean_handle_s: float,
    servers: int,
    mean_patience_s: float | None = None,
    target_s: float = 20.0,
    days: int = 1,
    settings: RunSettings | None = None,
) -> ReplicationsDemo:
    """A run with a precision target on the playground queue, and the interval after each n of its replications.

    ``settings``: the precision target and its cap (default ``DEMO_SETTINGS``: 2% with at most 60
    replications; settings without a target get the demo's), seed (unset: ``SEED``), workers, progress.
    The first batch is the runner's smallest (``sim.runs.stats.ROUGH_BELOW``).
    """
    settings = settings or DEMO_SETTINGS
    if settings.precision is None:
        settings = settings.replace(precision=DEMO_SETTINGS.precision)
    settings = settings.or_defaults(2, SEED)
    precision, max_replications = settings.precision, settings.max_replications
    scenario = classroom_scenario(arrivals_per_hour, mean_handle_s, servers, mean_patience_s, target_s, days,
                                  replications=settings.replications, seed=settings.seed, emergency=True)
    results, _ = run_checked(scenario, settings=settings, keep_incidents="none")
    per_rep = results.per_replication(quantiles=False)
    values = per_rep[per_rep["contact_type"] == "calls"].sort_values("replication")["service_level"].to_numpy()
    rows = []
    for n in range(2, values.size + 1):
        mean, lo, hi, _ = t_interval(values[:n])  # unclipped: the half-width is what the target is about
        rows.append({"n": n, "mean": mean, "ci_low": lo, "ci_high": hi, "half_width": (hi - lo) / 2,
                     "relative_half_width": (hi - lo) / 2 / abs(mean) if mean else math.inf})
    closed = formulas(arrivals_per_hour / 3600.0, mean_handle_s, mean_patience_s, servers, target_s)
    return ReplicationsDemo(
        precision_target=precision, max_replications=max_replications, reached=results.meta["precision"],
        table=pd.DataFrame(rows), formula=closed["service_level"], per_replication=[float(v) for v in values],
    )


# --------------------------------------------------------------- exercises

METRIC_LABELS = {"service_level": "service level", "abandonment": "abandonment", "p_delay": "P(wait > 0)"}
HIGHER_IS_BETTER = {"service_level": True, "abandonment": False, "p_delay": False}


class ExerciseError(InputProblems):
    heading = "invalid exercise"


class Exercise(BaseModel):
    """An exercise file: a task about one scenario, and how the app checks the answer (module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=120)
    scenario: str = Field(min_length=1, description="the scenario file, relative to the exercise file")
    task: str = Field(min_length=1, description="what the student reads (Markdown)")
    kind: Literal["value", "fewest_agents"]
    metric: Literal["service_level", "abandonment", "p_delay"]
    target: float | None = Field(None, ge=0, le=1, description="fewest_agents: the share the metric must reach")
    agents: tuple[int, int] | None = Field(None, description="fewest_agents: the agent counts simulated, lo and hi")
    tolerance: float = Field(0.03, ge=0, le=0.5, description="value: accepted within max(this, CI half-width)")
    replications: PositiveInt = Field(10, le=200)
    explanation: str = Field("", description="shown after checking (Markdown)")

    @model_validator(mode="after")
    def _fields_of_the_kind(self):
        if self.kind == "fewest_agents":
            if self.target is None:
                raise ValueError("target: a fewest_agents exercise needs the target the metric must reach")
            if self.agents is None or not 0 <= self.agents[0] < self.agents[1] or self.agents[1] - self.agents[0] > 30:
                raise ValueError("agents: give [lo, hi] agent counts to simulate, 0 <= lo < hi, at most 30 apart")
        return self


def load_exercise(path: str | Path) -> tuple[Exercise, Scenario]:
    """An exercise file and its scenario; ``ExerciseError`` naming the field if either is wrong."""
    path = Path(path)
    data, lines = read_yaml_file(path, "exercise", ExerciseError)
    exercise = validate(Exercise, data, lines, source=str(path), error=ExerciseError, root="exercise")
    try:
        scenario = load_scenario(path.parent / exercise.scenario)
    except ScenarioError as exc:
        raise ExerciseError([f"scenario: {p}" for p in exc.problems], str(path)) from None
    if len(scenario.contact_types) != 1 or len(scenario.agents.shifts) != 1 or scenario.agents.tables:
        raise ExerciseError(["scenario: an exercise's scenario has one contact type and one shift"], str(path))
    return exercise, scenario


@dataclass
class Check:
    accepted: bool
    answer: float
    message: str  # one sentence for the student
    table: pd.DataFrame  # what was simulated: value -> metric, mean, ci_low, ci_high, n (+ formula)
    accepted_range: tuple[float, float]  # value: [lo, hi] of accepted predictions; agents: [lo, hi] accepted N


def check_answer(exercise: Exercise, scenario: Scenario, answer: float,
                 settings: RunSettings | None = None) -> Check:
    """Simulate the exercise's scenario and judge ``answer`` by the rule of the module docstring.

    The replications are the exercise's and the seed its scenario's; ``settings`` gives workers and progress.
    """
    if not math.isfinite(answer):
        raise ExerciseError(["answer: give a number"])
    settings = (settings or RunSettings()).counts_from("the exercise and its scenario").replace(
        replications=exercise.replications)
    metric, label = exercise.metric, METRIC_LABELS[exercise.metric]
    q = queue_of(scenario)
    patience = q["mean_patience_s"]
    lam = q.get("arrivals_per_hour", math.nan) / 3600.0 if q["markov"] else math.nan
    if exercise.kind == "value":
        results, _ = run_checked(scenario, policies=[scenario.baseline_policy.id], settings=settings,
                                 keep_incidents="none")
        values = _metric_by_policy(results, metric)[scenario.baseline_policy.id]
        mean, lo, hi, n = t_interval(values, feasible=(0.0, 1.0))
        half = (hi - lo) / 2 if n >= 2 else math.inf
        tol = max(exercise.tolerance, half)
        accepted = bool(abs(answer - mean) <= tol)
        closed = _closed(lam, q["mean_handle_s"], patience, q["servers"], q["target_s"], metric)
        table = pd.DataFrame([{"agents": q["servers"], "mean": mean, "ci_low": lo, "ci_high": hi, "n": n,
                               "formula": closed}])
        verdict = "Right" if accepted else "Not quite"
        message = (f"{verdict}: you said {answer:.1%}; the simulation gives {mean:.1%} "
                   f"(95% interval {lo:.1%} to {hi:.1%}, {n} replications), so answers within "
                   f"{tol * 100:.1f} points of it, {mean - tol:.1%} to {mean + tol:.1%}, count as right.")
        return Check(accepted, answer, message, table, (mean - tol, mean + tol))

    lo_n, hi_n = exercise.agents
    counts = list(range(lo_n, hi_n + 1))
    swept = with_headcounts(scenario, counts)
    results, _ = run_checked(swept, settings=settings, keep_incidents="none")
    by_policy = _metric_by_policy(results, metric)
    higher = HIGHER_IS_BETTER[metric]
    rows, clearly_meets, clearly_fails = [], {}, {}
    for n in counts:
        mean, lo, hi, count = t_interval(by_policy[f"n{n}"], feasible=(0.0, 1.0))
        rows.append({"agents": n, "mean": mean, "ci_low": lo, "ci_high": hi, "n": count,
                     "formula": _closed(lam, q["mean_handle_s"], patience, n, q["target_s"], metric)})
        if count < 2:  # no interval: only the mean can decide
            lo = hi = mean
        clearly_meets[n] = lo >= exercise.target if higher else hi <= exercise.target
        clearly_fails[n] = hi < exercise.target if higher else lo > exercise.target
    fair = [n for n in counts if not clearly_fails[n] and not clearly_meets.get(n - 1, False)]
    table = pd.DataFrame(rows)
    whole = int(round(answer))
    accepted = bool(whole == answer and whole in fair)
    if not fair:
        message = (f"The agent counts simulated ({lo_n} to {hi_n}) do not bracket the target: "
                   "the exercise file needs a wider range.")
        return Check(False, answer, message, table, (math.nan, math.nan))
    span = f"{fair[0]}" if len(fair) == 1 else f"{fair[0]} to {fair[-1]}"
    want = "at least" if higher else "at most"
    verdict = "Right" if accepted else "Not quite"
    message = (f"{verdict}: you said {answer:g} agents. For a {label} of {want} {exercise.target:.0%} the "
               f"simulation ({exercise.replications} replications each) cannot rule out {span} agents as the "
               "fewest, so that is what counts as right.")
    return Check(accepted, answer, message, table, (float(fair[0]), float(fair[-1])))


def _metric_by_policy(results: Results, metric: str) -> dict[str, np.ndarray]:
    per_rep = results.per_replication(quantiles=False)
    per_rep = per_rep[per_rep["contact_type"] == "all"]
    return {p: per_rep.loc[per_rep["policy"] == p, metric].to_numpy(dtype=float) for p in results.policies}


def _closed(lam, mean_handle_s, patience, servers, target_s, metric) -> float:
    if not math.isfinite(lam):
        return math.nan
    try:
        return formulas(lam, mean_handle_s, patience, servers, target_s)[metric]
    except ErlangInputError:
        return math.nan
