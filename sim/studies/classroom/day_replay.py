"""Watch one day: one replication of any scenario and policy, replayed frame by frame.

``replay``: replication ``r`` of any scenario and policy, run exactly as
``sim.run`` runs it (``replicate_one``: the one recipe of
``sim.runs.replication``, same seeding rule, workload, roster and engine),
and reconstructed from its logs: the attempt log gives the queue
(an offered attempt waits in ``[enqueue_s, leave_queue_s)``), the answers,
abandonments (balks included) and redials (attempts after the first, returns
after a false bot "resolved" included); the presences and breaks give agents
on duty and on break, and answered attempts give the busy spans
``[answer, answer + handle and after-contact work)``. Agents on duty =
present - on break (the one meaning of "on duty", the interval table's);
idle = on duty - busy. Frames are snapshots at evenly spaced instants, the step
chosen from round values (1, 2, 5, 10, 15, 30, 60 min, 2, 3, 6, 12 h, ...) so
that there are at most ``max_frames`` of them (``frame_step_s``): a day of a
classroom preset is 145 frames of 10 minutes, a week 169 of an hour. Counts
between two frames are the events in ``(previous frame, frame]``; nothing is
lost by thinning. Running service level, abandonment and time-to-human cover
the incidents of the statistics window (those that began after the warm-up),
so at the last frame (when the last outcome happened) they equal the run's
own figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.model.engine import ABANDONED, ANSWERED, BALKED, RunLog
from sim.model.metrics import RunTables, summarise_run
from sim.model.roster import Roster
from sim.model.scenario import Scenario
from sim.model.workload import Workload
from sim.runs.replication import replicate


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
