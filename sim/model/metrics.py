"""From the raw logs of one run to tidy tables.

The model logs one row per attempt outcome and one span per agent presence.
Everything users read — counts per contact type, waits, time-to-human per
incident, money, and per-interval series — is computed here afterwards with
numpy, so the hot event loop only appends tuples. Which figures there are,
and the order of the per-type and per-interval columns, is the registry's
(``sim.model.measures``); a figure computed here without an entry is refused.

Conventions (stated because tools disagree, see docs/reference/erlang_cases.md):
- ``offered`` is attempts that joined the human queue; ``balked`` is a subset
  of ``abandoned`` (left at once because no agent was free). Every offered
  attempt is answered, abandoned, ``callback_unanswered`` (it took a
  callback and was never reached), ``disconnected`` (waiting when its type's
  line closed under ``at_closing: disconnect``) or ``left_message`` (waited
  the type's ``max_wait_s``). ``busy_tone`` (every usable line taken),
  ``queue_full`` (every waiting place taken, no agent free) and ``closed``
  (arrived while its type's line was closed) never joined the queue: they
  are attempts, not offered ones, and their shares are taken over attempts
  (sim.runs.results). An incident whose last attempt ended in any of the
  five, as after an abandonment, is unresolved (churn).
- Callbacks (sim.model.extended): an attempt that took a callback is answered when
  the customer answers the call back, so its wait, the service level and an
  emergency's time-to-human run to that instant. ``callback_offered`` counts
  attempts offered one, ``callback_accepted`` those who took it, which end
  ``callback_answered`` or ``callback_unanswered``; ``callback_calls`` the
  calls placed and ``callback_dial_s`` the agent time spent placing them,
  which is busy, paid time.
- Chats: an agent holding several chats at once is busy once, not once per
  chat: busy time is the union of its contacts' spans; cost is shared among
  contact types by the time each of its contacts was open.
- Service level is answered within target over *offered* (abandoned calls
  count against it, short abandons included).
- ``delayed`` is offered attempts not answered at the instant they arrived.
- Time-to-human runs from the incident's first attempt to the first answer by
  a human, across redials, bot time and returns.
- The statistics window is [warm-up, horizon) (docs/design.md, "end of the
  run"). An incident counts if it began inside it, with all its attempts,
  including those the run-on past the horizon gave their outcome; one that
  began in the warm-up is left out with all its attempts.
- Per-interval rows attribute every incident, with all its attempts, to the
  interval where it began, so interval sums equal the totals and the last
  day is counted like any other. Clock quantities (mean queue length, agents
  on duty) are averages over the interval's own time.
- Costs are those of the window: each presence's scheduled time inside it,
  plus the real overtime of presences whose scheduled end falls inside it or
  on the horizon itself (finishing the contact in hand), at the group's rate and night premium.
  Busy time is counted inside paid time only, so occupancy <= 1. Bot cost:
  sessions of counted incidents, plus the fixed cost of the window's days.
- Losses: an emergency's amount at risk drains along its loss curve
  (``Scenario.share_lost``) from the moment of the fraud — the incident's
  start, less its ``loss.report_delay_s`` when it has one — until the first
  human answer, or until its loss window (``loss.window_h``) closes,
  whichever comes first. An incident that never reaches a human therefore
  loses what its curve reaches at the end of the window, the same wherever
  in the week it began. What the platform pays is its liability rule
  applied to each incident's loss (``platform_paid``; sim.model.liability).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model import measures
from sim.model.economics import overlap_with_daily_span
from sim.model.engine import (
    ABANDONED,
    ANSWERED,
    ATTEMPT_COLUMNS,
    BALKED,
    BLOCKED,
    BOT_FALSE_RESOLVED,
    BOT_RESOLVED,
    CALLBACK_COLUMNS,
    CALLBACK_UNANSWERED,
    DIAL_COLUMNS,
    RunLog,
)
from sim.model.attempt_log import BUSY_TONE, CLOSED, DISCONNECTED, LEFT_MESSAGE, OUTCOME_NAMES, QUEUE_FULL
from sim.model.roster import Roster
from sim.model.scenario import Scenario, parse_daily_span
from sim.model.workload import TypeWorkload, Workload

# Outcomes of the centre's limits (lines, queue places, hours, maximum wait), counted per type and interval
# under the outcome's own name; LIMIT_OUTCOME_CODES are their codes in the attempt log, in the same order.
LIMIT_OUTCOMES = ("busy_tone", "queue_full", "disconnected", "closed", "left_message")
LIMIT_OUTCOME_CODES = (BUSY_TONE, QUEUE_FULL, DISCONNECTED, CLOSED, LEFT_MESSAGE)
# The per-type columns, in the registry's order; every figure ``summarise_run`` computes for a type has an entry.
BY_TYPE_COLUMNS = measures.names(table="replications")
MONEY_COLUMNS = tuple(n for n in BY_TYPE_COLUMNS if measures.MEASURES[n].unit == "money")
INTERVAL_COLUMNS = measures.names(table="intervals")

INCIDENT_COLUMNS = (
    "contact_type",
    "incident",
    "arrival_s",
    "attempts",
    "reached_human",
    "time_to_human_s",
    "amount_at_risk",
    "loss",
    "platform_paid",
)


@dataclass
class RunTables:
    by_type: pd.DataFrame  # one row per contact type
    intervals: pd.DataFrame  # one row per interval x contact type
    agents: pd.DataFrame  # one row per agent group
    incidents: pd.DataFrame  # one row per kept incident


def integrate_level(starts: np.ndarray, ends: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Area under N(t) = #{spans [start, end) covering t} between consecutive edges.

    Each span adds its overlap with every interval it touches: the partial
    first and last intervals directly, the whole intervals between through a
    difference array. Exact, and about 40 bytes of scratch per span (a queue
    log of ten million waits must not need gigabytes to integrate).
    """
    n = edges.size - 1
    area = np.zeros(n)
    lo = np.clip(starts, edges[0], edges[-1])
    hi = np.clip(ends, edges[0], edges[-1])
    keep = hi > lo
    if not keep.all():
        lo, hi = lo[keep], hi[keep]
    if lo.size == 0:
        return area
    first = np.searchsorted(edges, lo, side="right") - 1
    last = np.searchsorted(edges, hi, side="left") - 1  # a span ending on an edge ends in the interval before it
    same = first == last
    area += np.bincount(first[same], weights=(hi - lo)[same], minlength=n)
    cross = ~same
    if cross.any():
        f, l_ = first[cross], last[cross]
        area += np.bincount(f, weights=edges[f + 1] - lo[cross], minlength=n)
        area += np.bincount(l_, weights=hi[cross] - edges[l_], minlength=n)
        whole = np.bincount(f + 1, minlength=n + 1) - np.bincount(l_, minlength=n + 1)
        area += np.cumsum(whole)[:n] * np.diff(edges)
    return area


def first_answer_s(incidents: int, incident: np.ndarray, answer_s: np.ndarray,
                   one_attempt_each: bool = False) -> np.ndarray:
    """Per incident, the first time a human answered it (inf: never), from its answered attempts.

    ``incident`` and ``answer_s`` are the incident index and answer time of
    each answered attempt. Time-to-human is this minus the incident's start.
    ``one_attempt_each``: no incident has a second attempt (no redials or
    returns), so each is answered at most once and that answer is its first.
    """
    first = np.full(incidents, np.inf)
    if one_attempt_each:
        first[incident.astype(int)] = answer_s  # the minimum of one number, without the slow ufunc.at
    else:
        np.minimum.at(first, incident.astype(int), answer_s)
    return first


def summarise_run(
    scenario: Scenario, workload: Workload, roster: Roster, log: RunLog, keep_incidents: str = "emergency"
) -> RunTables:
    """Tables for one policy-replication. ``keep_incidents``: 'emergency', 'all' or 'none'."""
    a = {name: log.attempts[:, n] for n, name in enumerate(ATTEMPT_COLUMNS)}
    # Small integer dtypes: these columns are as long as the attempt log.
    a_type = a["type"].astype(np.int32)
    a_inc = a["incident"].astype(np.int32)
    outcome = a["outcome"].astype(np.int8)
    wait = a["leave_queue_s"] - a["enqueue_s"]  # nan when never offered
    offered = ~np.isnan(a["enqueue_s"])
    warmup = scenario.warmup_s
    counted_attempt = np.zeros(a_type.size, dtype=bool)
    for k, tw in enumerate(workload.types):
        mine = a_type == k
        counted_attempt[mine] = tw.arrival_s[a_inc[mine]] >= warmup
    agent_cost_by_type, agents_table = _agent_costs(
        scenario, roster, log, a_type, a["agent"], a["leave_queue_s"], a["service_s"]
    )
    bot_cost_by_type = _bot_costs(scenario, a_type, a["bot"], counted_attempt)
    callback_counts = _callback_counts(scenario, workload, log)

    rows, incident_frames, interval_frames = [], [], []
    edges = scenario.interval_edges_s()
    for k, ct in enumerate(scenario.contact_types):
        tw = workload.types[k]
        counted_incident = tw.arrival_s >= warmup
        sel = (a_type == k) & counted_attempt
        inc = a_inc[sel]
        out, w, off = outcome[sel], wait[sel], offered[sel]
        answered = out == ANSWERED
        gave_up = (out == ABANDONED) | (out == BALKED)
        counts = np.bincount(out, minlength=len(OUTCOME_NAMES))  # every outcome's count, in one pass

        one_attempt_each = tw.max_attempts == 1  # the attempt arrays hold (incident, attempt): no second one
        first_answer = first_answer_s(tw.incidents, inc[answered], a["leave_queue_s"][sel][answered],
                                      one_attempt_each)
        reached = np.isfinite(first_answer) & counted_incident
        tth = first_answer - tw.arrival_s
        n_attempts = np.bincount(inc, minlength=tw.incidents)
        last_outcome = _last_outcome(inc, a["attempt"][sel], out, tw.incidents, one_attempt_each)
        false_resolved = np.bincount(inc[out == BOT_FALSE_RESOLVED], minlength=tw.incidents) > 0

        waited = np.where(reached, tth, np.inf)
        delay = _report_delay_s(ct, tw)
        elapsed = np.minimum(delay + waited, ct.loss.window_h * 3600.0)
        loss = tw.amount_at_risk * scenario.share_lost(ct, elapsed)
        loss = np.where(counted_incident, loss, 0.0)
        rule = scenario.economics.liability_rule
        if rule.is_plain_share:
            paid = loss * rule.share
        else:
            paid = rule.pays(loss, waited, delay, scenario.guarantee_s)
        unresolved = counted_incident & np.isin(
            last_outcome, (ABANDONED, BALKED, BLOCKED, CALLBACK_UNANSWERED, *LIMIT_OUTCOME_CODES)
        )
        churn = (
            ct.loss.churn_cost_per_abandoned * unresolved.sum()
            + ct.loss.churn_cost_per_false_resolution * (false_resolved & counted_incident).sum()
        )
        customer_loss = float(loss.sum())
        cb = callback_counts[k]
        rows.append(
            _by_type_row({
                "contact_type": ct.id,
                "incidents": int(counted_incident.sum()),
                "attempts": int(sel.sum()),
                "bot_sessions": int(a["bot"][sel].sum()),
                "bot_resolved": int(counts[BOT_RESOLVED]),
                "bot_false_resolved": int(counts[BOT_FALSE_RESOLVED]),
                "blocked": int(counts[BLOCKED]),
                "offered": int(off.sum()),
                "answered": int(counts[ANSWERED]),
                "abandoned": int(counts[ABANDONED] + counts[BALKED]),
                "balked": int(counts[BALKED]),
                "delayed": int((off & ~(answered & (w == 0))).sum()),
                "answered_within_target": int((answered & (w <= ct.target_s)).sum()),
                "abandoned_within_target": int((gave_up & (w <= ct.target_s)).sum()),
                "wait_sum_s": float(np.nansum(w)),
                "answered_wait_sum_s": float(w[answered].sum()),
                "reached_human": int(reached.sum()),
                "within_guarantee": int((reached & (tth <= scenario.guarantee_s)).sum()),
                "time_to_human_sum_s": float(tth[reached].sum()),
                "handled_s": float(a["service_s"][sel].sum()),
                "callback_offered": cb["offered"],
                "callback_accepted": cb["accepted"],
                "callback_answered": cb["answered"],
                "callback_unanswered": int(counts[CALLBACK_UNANSWERED]),
                "callback_calls": cb["calls"],
                "callback_dial_s": cb["dial_s"],
                **{name: int(counts[code]) for name, code in zip(LIMIT_OUTCOMES, LIMIT_OUTCOME_CODES)},
                "agent_cost": float(agent_cost_by_type[k]),
                "bot_cost": float(bot_cost_by_type[k]),
                "customer_loss": customer_loss,
                # A plain share is applied to the total, as version 0.1 did, so its results stay bit for bit.
                "platform_liability": (customer_loss * rule.share if rule.is_plain_share else float(paid.sum())),
                "churn_cost": float(churn),
                "amount_at_risk": float(tw.amount_at_risk[counted_incident].sum()),
                "unreached": int((counted_incident & ~reached).sum()),
                "unreached_loss": float(loss[counted_incident & ~reached].sum()),
                "unreached_attempts": int(n_attempts[counted_incident & ~reached].sum()),
            })
        )
        if keep_incidents == "all" or (keep_incidents == "emergency" and ct.emergency):
            keep = counted_incident
            incident_frames.append(
                pd.DataFrame(
                    {
                        "contact_type": ct.id,
                        "incident": np.flatnonzero(keep),
                        "arrival_s": tw.arrival_s[keep],
                        "attempts": n_attempts[keep],
                        "reached_human": reached[keep],
                        "time_to_human_s": np.where(reached, tth, np.nan)[keep],
                        "amount_at_risk": tw.amount_at_risk[keep],
                        "loss": loss[keep],
                        "platform_paid": paid[keep],
                    }
                )
            )
        interval_frames.append(
            _interval_rows(ct.id, ct.target_s, edges, tw.arrival_s, counted_incident, inc, out, off, w,
                           a["enqueue_s"][sel & offered], a["leave_queue_s"][sel & offered])
        )

    intervals = pd.concat(interval_frames, ignore_index=True)
    intervals["agents_on_duty"] = np.tile(_agents_on_duty(log, edges), len(scenario.contact_types))
    intervals = intervals[intervals["interval_start_s"] >= warmup - 1e-9].reset_index(drop=True)
    incidents = (
        pd.concat(incident_frames, ignore_index=True) if incident_frames else pd.DataFrame(columns=INCIDENT_COLUMNS)
    )
    return RunTables(by_type=pd.DataFrame(rows), intervals=intervals, agents=agents_table, incidents=incidents)


def _by_type_row(values: dict) -> dict:
    """One contact type's row, its figures in the registry's order; a figure without an entry is refused."""
    figures = values.keys() - {"contact_type"}
    if figures != set(BY_TYPE_COLUMNS):
        raise KeyError(f"figures and registered measures differ: {sorted(figures ^ set(BY_TYPE_COLUMNS))} "
                       "(register a measure in sim.model.measures)")
    return {"contact_type": values["contact_type"], **{name: values[name] for name in BY_TYPE_COLUMNS}}


def _report_delay_s(ct, tw: TypeWorkload) -> np.ndarray | float:
    """Per incident, the time from the fraud to its first contact (0 when the type has no report delay)."""
    if ct.loss.report_delay_s is None or not ct.emergency:
        return 0.0
    # One draw per incident: the first attempt's value of a per-attempt stream of its own.
    return tw.extra("report_delay_s", distribution=ct.loss.report_delay_s)[:: tw.max_attempts][: tw.incidents]


def _callback_counts(scenario: Scenario, workload: Workload, log: RunLog) -> list[dict]:
    """Callback offers, acceptances, answers, calls and dialling time per type, of counted incidents."""
    warmup = scenario.warmup_s
    out = []
    cbs, dials = log.callbacks, log.dials
    ck, ci = cbs[:, CALLBACK_COLUMNS.index("type")].astype(int), cbs[:, CALLBACK_COLUMNS.index("incident")].astype(int)
    dk, di = dials[:, DIAL_COLUMNS.index("type")].astype(int), dials[:, DIAL_COLUMNS.index("incident")].astype(int)
    for k, tw in enumerate(workload.types):
        rows = cbs[ck == k]
        rows = rows[tw.arrival_s[ci[ck == k]] >= warmup] if rows.size else rows
        mine = dials[dk == k]
        mine = mine[tw.arrival_s[di[dk == k]] >= warmup] if mine.size else mine
        accepted = rows[:, CALLBACK_COLUMNS.index("accepted")] > 0
        out.append(
            {
                "offered": int(rows.shape[0]),
                "accepted": int(accepted.sum()),
                "answered": int((rows[:, CALLBACK_COLUMNS.index("connected")] > 0).sum()),
                "calls": int(rows[:, CALLBACK_COLUMNS.index("calls")].sum()),
                "dial_s": float((mine[:, DIAL_COLUMNS.index("end_s")] - mine[:, DIAL_COLUMNS.index("start_s")]).sum()),
            }
        )
    return out


def _last_outcome(inc: np.ndarray, attempt_no: np.ndarray, out: np.ndarray, n: int,
                  one_attempt_each: bool = False) -> np.ndarray:
    last = np.full(n, -1)
    if one_attempt_each:
        last[inc] = out  # each incident's only outcome is its last: no sort
    elif inc.size:
        order = np.lexsort((attempt_no, inc))
        last[inc[order]] = out[order]  # later attempts overwrite earlier ones
    return last


def _interval_rows(type_id, target_s, edges, arrival_s, counted_incident, inc, out, off, wait, enqueue_offered,
                   leave_offered) -> pd.DataFrame:
    """Rows per interval: each attempt counted where its incident began; queue length by the clock."""
    n = edges.size - 1
    # Every incident began inside the horizon, so its interval is an index into the rows.
    incident_slot = (np.searchsorted(edges, arrival_s, side="right") - 1).astype(np.int32)
    slot = incident_slot[inc]

    def count(mask):
        return np.bincount(slot[mask], minlength=n)

    answered = out == ANSWERED
    abandoned = (out == ABANDONED) | (out == BALKED)
    offered = count(off)
    within = count(answered & (wait <= target_s))
    waited = np.bincount(slot[off], weights=wait[off], minlength=n)
    queue_time = integrate_level(enqueue_offered, leave_offered, edges)
    interval_s = edges[1] - edges[0]
    values = {
        "incidents": np.bincount(incident_slot[counted_incident], minlength=n),
        "attempts": np.bincount(slot, minlength=n),
        "offered": offered,
        "answered": count(answered),
        "abandoned": count(abandoned),
        **{name: count(out == code) for name, code in zip(LIMIT_OUTCOMES, LIMIT_OUTCOME_CODES)},
        "answered_within_target": within,
        "wait_sum_s": waited,
        "queue_length_mean": queue_time / interval_s,
    }
    for name in INTERVAL_COLUMNS:
        rate = measures.MEASURES[name].rate
        if rate is not None:
            values[name] = measures.ratio(values[rate[0]], values[rate[1]])
    keys = {"contact_type": type_id, "interval": np.arange(n), "interval_start_s": edges[:-1],
            "day": (edges[:-1] // 86400).astype(int)}
    # agents_on_duty, the centre's own, is added for every type at once (summarise_run)
    return pd.DataFrame({**keys, **{name: values[name] for name in INTERVAL_COLUMNS if name in values}})


def _agents_on_duty(log: RunLog, edges: np.ndarray) -> np.ndarray:
    worked = ~np.isnan(log.agent_leave_s)
    present = integrate_level(log.agent_start_s[worked], log.agent_leave_s[worked], edges)
    on_break = integrate_level(log.breaks[:, 1], log.breaks[:, 2], edges)
    return (present - on_break) / (edges[1] - edges[0])


def _agent_costs(scenario, roster: Roster, log: RunLog, a_type, a_agent, a_service_start, a_service):
    """Agent cost per contact type, and a per-group table of hours and cost, for the statistics window.

    Paid time of a presence: its scheduled time inside [warm-up, horizon),
    plus its overtime when its scheduled end falls inside that window or on
    the horizon (the contact in hand is finished and paid, even past it). Time on
    duty in the run-on after the horizon is the next period's, not this one's.

    Each agent's cost is shared among contact types in proportion to the time
    it spent on each; an agent who served nobody is charged to the types its
    group may serve. Shares sum to the total, so summing types gives the bill.
    """
    n_types = len(scenario.contact_types)
    n_agents = log.agent_group.size
    window_start, window_end = scenario.warmup_s, scenario.horizon_s
    worked = ~np.isnan(log.agent_leave_s)
    start, end = log.agent_start_s, log.agent_end_s
    leave = np.where(worked, log.agent_leave_s, start)
    # Two paid segments per presence: the scheduled part and the overtime part.
    sched_lo = np.maximum(start, window_start)
    sched_hi = np.maximum(np.minimum.reduce([leave, end, np.full(n_agents, window_end)]), sched_lo)
    overtime_lo = np.maximum(end, window_start)
    overtime_hi = np.where(worked & (end <= window_end), np.maximum(leave, overtime_lo), overtime_lo)
    scheduled_s = sched_hi - sched_lo
    overtime_s = overtime_hi - overtime_lo
    paid_s = scheduled_s + overtime_s
    econ = scenario.economics
    if econ.night_premium > 0 and n_agents:
        span = parse_daily_span(econ.night_hours)
        night_s = overlap_with_daily_span(sched_lo, sched_hi, span) + overlap_with_daily_span(
            overtime_lo, overtime_hi, span
        )
    else:
        night_s = np.zeros(n_agents)
    rate = np.array([roster.groups[g].cost_per_hour for g in log.agent_group], dtype=float) / 3600.0
    cost = rate * (paid_s + econ.night_premium * night_s)

    served = a_agent >= 0
    who = a_agent[served].astype(int)
    begin = a_service_start[served]
    finish = begin + a_service[served]
    kind = a_type[served]
    dials = log.dials
    if dials.size:  # placing calls back is agent work too
        who = np.concatenate([who, dials[:, DIAL_COLUMNS.index("agent")].astype(int)])
        begin = np.concatenate([begin, dials[:, DIAL_COLUMNS.index("start_s")]])
        finish = np.concatenate([finish, dials[:, DIAL_COLUMNS.index("end_s")]])
        kind = np.concatenate([kind, dials[:, DIAL_COLUMNS.index("type")].astype(np.int32)])
    # Busy time inside paid time only, so busy <= paid for every presence.
    busy_s = _overlap(begin, finish, sched_lo[who], sched_hi[who]) + _overlap(
        begin, finish, overtime_lo[who], overtime_hi[who]
    )
    busy = np.zeros((n_agents, n_types))
    np.add.at(busy, (who, kind), busy_s)
    if scenario.chat.types:
        agent_busy_s = sum(
            _union_length(who, np.maximum(begin, lo[who]), np.minimum(finish, hi[who]), n_agents)
            for lo, hi in ((sched_lo, sched_hi), (overtime_lo, overtime_hi))
        )
    else:
        agent_busy_s = busy.sum(axis=1)
    eligible = roster.serves(scenario.contact_types).astype(float)
    weights = busy.copy()
    idle_agents = weights.sum(axis=1) == 0
    if n_agents:
        weights[idle_agents] = eligible[log.agent_group[idle_agents]]
    totals = weights.sum(axis=1, keepdims=True)
    share = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
    by_type = (share * cost[:, None]).sum(axis=0)
    # An agent whose group can serve no type at all still costs money; charge it evenly.
    orphan = cost[totals[:, 0] == 0].sum() if n_agents else 0.0
    by_type = by_type + orphan / max(n_types, 1)

    groups = pd.DataFrame(
        {
            "group": [roster.groups[g].id for g in log.agent_group],
            "presences": (paid_s > 0).astype(int),
            "paid_hours": paid_s / 3600.0,
            "overtime_hours": overtime_s / 3600.0,
            "busy_hours": agent_busy_s / 3600.0,
            "agent_cost": cost,
        }
    )
    table = groups.groupby("group", sort=False).sum().reindex([g.id for g in roster.groups], fill_value=0)
    table.index.name = "group"
    table.insert(0, "scheduled", list(roster.scheduled))
    table["occupancy"] = measures.ratio(table["busy_hours"], table["paid_hours"])
    return by_type, table.reset_index()


def _union_length(who: np.ndarray, begin: np.ndarray, end: np.ndarray, n_agents: int) -> np.ndarray:
    """Per agent, the length of the union of its spans [begin, end): busy once while it holds several chats."""
    keep = end > begin
    who, begin, end = who[keep], begin[keep], end[keep]
    if who.size == 0:
        return np.zeros(n_agents)
    order = np.lexsort((begin, who))
    who, begin, end = who[order], begin[order], end[order]
    reach = pd.Series(end).groupby(who).cummax().to_numpy()  # furthest end so far, within each agent
    before = np.empty_like(reach)
    before[0] = -np.inf
    before[1:] = reach[:-1]
    before[np.r_[True, who[1:] != who[:-1]]] = -np.inf  # a new agent starts afresh
    covered = np.clip(end - np.maximum(begin, before), 0.0, None)
    return np.bincount(who, weights=covered, minlength=n_agents)


def _overlap(a_lo, a_hi, b_lo, b_hi) -> np.ndarray:
    """Length of the intersection of [a_lo, a_hi) and [b_lo, b_hi), elementwise."""
    return np.clip(np.minimum(a_hi, b_hi) - np.maximum(a_lo, b_lo), 0.0, None)


def _bot_costs(scenario: Scenario, a_type, a_bot, counted) -> np.ndarray:
    n_types = len(scenario.contact_types)
    econ, door = scenario.economics, scenario.front_door
    sessions = np.bincount(a_type[(a_bot > 0) & counted], minlength=n_types).astype(float)
    cost = sessions * econ.bot_cost_per_session
    if door.bot_can_be_in_front:
        days = (scenario.horizon_s - scenario.warmup_s) / 86400.0
        fixed = econ.bot_fixed_cost_per_day * days
        share = sessions / sessions.sum() if sessions.sum() > 0 else np.full(n_types, 1.0 / n_types)
        cost = cost + fixed * share
    return cost
