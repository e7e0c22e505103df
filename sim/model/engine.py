"""The discrete-event model of the contact centre, for one policy and one replication.

SimPy is used as the event queue only: every event is a ready-made callback
event put on SimPy's schedule (``Environment.schedule``), and its callback
moves the state on. There are no per-customer processes and no
condition events (``request | timeout``), and the sample paths are those of
the idiomatic process-per-customer model at several times its speed
(docs/design.md §6, ``benchmarks/bench_engine.py``).

Flow of one attempt (an incident's first try, a redial, or a return after a
false bot "resolved"):

1. It arrives. If the policy puts a bot in front (always, or in bot-only
   hours) and the caller is not on the direct emergency line, it enters the
   bot; otherwise it is offered to the human queue.
2. In the bot: after the bot time, an emergency may be recognised and handed
   to a human; otherwise the bot resolves it, falsely resolves it (the
   customer returns later), or the customer wants a human. Reaching one needs
   the option to exist now (not bot-only hours), to be offered on this
   attempt, and to be found; then ``menu_s`` of menus. A customer who cannot
   get through gives up and may redial.
3. In the human queue: served at once by a free eligible agent, or it balks,
   or it waits. Waiting contacts are served by priority, then first come first
   served, non-preemptively; one that runs out of patience abandons and may
   redial.

Abandonment is *lazy*: a waiting contact is not watched by a timer. When an
agent looks for work it drops queue heads whose patience ran out before now —
they left at their abandonment instant and used no agent time — which is
exact for priority/FCFS queues. A timer is set only for the contacts that will
redial, because their redial must arrive at the real abandonment instant plus
its delay. Contacts left waiting when the run ends abandoned at their instant.

Agents start and end shifts, take breaks (after the contact in hand), and at
shift end finish the contact in hand before leaving: that overtime is paid.

The end of the run (docs/design.md): no new incident arrives after the
horizon, but the world goes on. The roster keeps running as scheduled — the
next day's shifts start as usual — until every incident that began before the
horizon has its outcome, its redials and returns included; then everybody
leaves. The roster is built past the horizon up to a bound on when the last
outcome can happen, computed from the workload (``latest_outcome_s``). What
the window's statistics and costs take from this is decided in ``metrics``.

The model does no I/O: it returns raw logs (one row per attempt outcome, one
per agent presence span) and ``metrics`` turns them into tables. The attempt
log is a flat ``array('d')`` (80 bytes an attempt) and the workload's numbers
are read through memoryviews of its numpy arrays, not copied into lists, so a
run of ten million attempts fits in a few GB.
"""

from __future__ import annotations

import gc
from array import array
from collections import deque
from dataclasses import dataclass, field

import numpy as np
import simpy
from simpy.core import NORMAL

from sim.model.roster import Roster
from sim.model.scenario import Scenario, in_daily_spans
from sim.model.workload import TypeWorkload, Workload

# How long past the horizon the roster may run on, at most. Realistic
# behaviour (patience of minutes, returns after hours) needs a day or two;
# the cap only bites on heavy-tailed inputs, whose last attempts then end
# without agents (abandoned), as they would in a centre that had closed.
MAX_RUN_ON_S = 28 * 86400.0

# How long past its patience an attempt that may take a callback may still need agents: a
# callback's patience does not run, so nothing bounds its wait but the agents' pace. Two days
# covers any callback queue a staffed centre clears; one still waiting when the run-on roster
# ends is logged unanswered (sim.model.extended).
CALLBACK_RUN_ON_S = 2 * 86400.0

# Attempt outcomes, as logged. CALLBACK_UNANSWERED: an accepted callback that never reached the
# customer (every call unanswered), an outcome of an offered attempt like answered or abandoned.
ANSWERED, ABANDONED, BALKED, BOT_RESOLVED, BOT_FALSE_RESOLVED, BLOCKED, CALLBACK_UNANSWERED = range(7)
OUTCOME_NAMES = (
    "answered", "abandoned", "balked", "bot_resolved", "bot_false_resolved", "blocked", "callback_unanswered"
)

# Columns of RunLog.callbacks: one row per attempt offered a callback (sim.model.extended).
CALLBACK_COLUMNS = ("type", "incident", "attempt", "offered_s", "accepted", "calls", "connected")
# Columns of RunLog.dials: agent time spent placing calls back.
DIAL_COLUMNS = ("agent", "start_s", "end_s", "type", "incident")

# Agent states.
_OFF, _IDLE, _BUSY, _BREAK, _GONE = range(5)

# Columns of the attempt log.
ATTEMPT_COLUMNS = (
    "type",  # contact type index
    "incident",  # incident index within its type
    "attempt",  # 0 for the first attempt
    "arrive_s",
    "bot",  # 1 if the attempt went through a bot session
    "enqueue_s",  # joined the human queue (nan if never offered)
    "leave_queue_s",  # answered, abandoned or balked (nan if never offered)
    "outcome",
    "agent",  # agent-shift index that answered (-1 otherwise)
    "service_s",  # handle + after-contact work (0 unless answered)
)


@dataclass
class RunLog:
    """Raw output of one simulated policy-replication."""

    attempts: np.ndarray  # float array, one row per attempt, ATTEMPT_COLUMNS
    agent_start_s: np.ndarray  # one entry per presence (sim.model.roster), the run-on past the horizon included
    agent_leave_s: np.ndarray
    agent_end_s: np.ndarray  # scheduled end
    agent_group: np.ndarray
    breaks: np.ndarray  # rows (agent, start_s, end_s)
    end_s: float  # when the last attempt got its outcome
    callbacks: np.ndarray = field(default_factory=lambda: np.empty((0, len(CALLBACK_COLUMNS))))
    dials: np.ndarray = field(default_factory=lambda: np.empty((0, len(DIAL_COLUMNS))))

    def column(self, name: str) -> np.ndarray:
        return self.attempts[:, ATTEMPT_COLUMNS.index(name)]


class _Call(simpy.Event):
    """A callback due at a time: an already-successful event, built without Timeout's checks.

    Scheduled through ``Environment.schedule``; SimPy's loop pops it and calls
    ``callback(event)``. It is the hot path's only allocation besides the attempt.
    """

    def __init__(self, callback, value):
        self.callbacks = [callback]
        self._value = value
        self._ok = True


class _Attempt:
    __slots__ = ("k", "i", "j", "idx", "arrive_s", "bot", "enqueue_s", "abandon_s", "waiting")

    def __init__(self, k, i, j, idx, arrive_s):
        self.k = k
        self.i = i
        self.j = j
        self.idx = idx  # flat index into the workload's attempt arrays
        self.arrive_s = arrive_s
        self.bot = 0
        self.enqueue_s = np.nan
        self.abandon_s = np.inf
        self.waiting = False


class _Agent:
    __slots__ = ("n", "group", "state", "leave_pending", "break_pending", "start_s", "done", "done_callbacks",
                 "chats", "chat_t", "chat_version")  # the last three: sim.model.extended's chats only

    def __init__(self, n, group, start_s, on_service_done):
        self.n = n
        self.group = group
        self.start_s = start_s
        self.state = _OFF
        self.leave_pending = False
        self.break_pending = 0.0
        # An agent has at most one contact in hand, so one end-of-service event
        # serves all its contacts: SimPy empties ``callbacks`` once it has run
        # them and the same list goes back before the event is scheduled again.
        self.done = _Call(on_service_done, self)
        self.done_callbacks = self.done.callbacks


class ContactCentre:
    """One run of the model. Build, then ``run()`` once."""

    def __init__(self, scenario: Scenario, workload: Workload, roster: Roster):
        self._bot_possible = scenario.front_door.bot_can_be_in_front
        roster = roster.covering(latest_outcome_s(scenario, workload))  # itself when already built that far
        self.env = simpy.Environment()
        self._schedule = self.env.schedule
        self.horizon_s = scenario.horizon_s
        self.closed = False  # arrivals have stopped
        self.open_attempts = 0  # attempts scheduled or in progress without an outcome yet

        types = scenario.contact_types
        self.n_types = len(types)
        # Per-type parameters as plain lists: attribute look-ups on pydantic
        # models in the hot path would cost more than the simulation itself.
        self.priority = [c.priority for c in types]
        self.emergency = [c.emergency for c in types]
        self.balk_p = [c.balk_probability for c in types]
        self.redial_p = [c.redial.probability for c in types]
        self.max_attempts = [c.redial.max_attempts for c in types]
        self.bot_resolve_p = [c.bot.resolve_probability for c in types]
        self.bot_false_p = [c.bot.false_resolution_probability for c in types]
        self.bot_recognise_p = [c.bot.recognise_emergency_probability for c in types]

        door = scenario.front_door
        self.bot_enabled = door.bot_enabled
        self.bot_only_spans = door.bot_only_spans
        self.menu_s = door.menu_s
        self.find_human_p = door.human_option_found_probability
        self.attempts_before_human = door.attempts_before_human
        self.line_share = door.emergency_line.share_of_emergency_callers if door.emergency_line.enabled else 0.0

        # The workload's arrays read through memoryviews: indexing one yields a
        # Python float as fast as indexing a list does (faster than indexing the
        # numpy array), without a 32-byte boxed copy of every number.
        def lists(name: str) -> list[memoryview]:
            return [_floats(getattr(t, name)) for t in workload.types]

        def where(wanted: list, name: str) -> list[memoryview | None]:
            # Only the numbers a type can use are read, so only those are drawn (sim.model.workload).
            return [_floats(getattr(t, name)) if want else None for t, want in zip(workload.types, wanted)]

        self.w_arrival = [t.arrival_s for t in workload.types]
        self.w_patience = lists("patience_s")
        self.w_service = [_floats(t.service_s) for t in workload.types]
        self.w_balk = where([p > 0 for p in self.balk_p], "u_balk")
        self.w_redial = where([p > 0 for p in self.redial_p], "u_redial")
        self.w_redial_delay = where([p > 0 for p in self.redial_p], "redial_delay_s")
        if self._bot_possible:  # the bot's numbers are only read when a bot can be in front
            self.w_line = lists("u_emergency_line")
            self.w_bot_time = lists("bot_time_s")
            self.w_bot_outcome = lists("u_bot_outcome")
            self.w_bot_recognise = lists("u_bot_recognise")
            self.w_find = lists("u_find_human")
            self.w_return_delay = lists("return_delay_s")

        # Routing tables. Agents pick work from the types they may serve,
        # highest priority first; a contact goes to an idle agent of the most
        # specialised eligible group first, keeping generalists free.
        groups = roster.groups
        eligible = roster.serves(types).tolist()
        self.types_of_group = [
            sorted((k for k in range(self.n_types) if eligible[g][k]), key=lambda k: -self.priority[k])
            for g in range(len(groups))
        ]
        self.groups_of_type = [
            sorted((g for g in range(len(groups)) if eligible[g][k]), key=lambda g: len(self.types_of_group[g]))
            for k in range(self.n_types)
        ]
        self.idle: list[dict[_Agent, None]] = [dict() for _ in groups]  # insertion-ordered sets
        self.queues: list[deque[_Attempt]] = [deque() for _ in types]

        self.agents = [_Agent(n, s.group, s.start_s, self._service_done) for n, s in enumerate(roster.shifts)]
        self.roster = roster
        self.agent_leave_s = [np.nan] * len(self.agents)
        self.present: dict[_Agent, None] = {}
        self.log = array("d")  # ATTEMPT_COLUMNS, row after row
        self.break_log: list[tuple] = []
        self.end_s = 0.0

    # ------------------------------------------------------------------ run
    def run(self) -> RunLog:
        for agent, shift in zip(self.agents, self.roster.shifts):
            self._at(shift.start_s, self._shift_start, agent)
            self._at(shift.end_s, self._shift_end, agent)
            for start, length in shift.breaks:
                self._at(start, self._break_start, (agent, length))
        self._start_arrivals()
        self._at(self.horizon_s, self._close, None)
        # The run allocates millions of short-lived, acyclic objects; the cyclic
        # collector would rescan them all again and again for nothing (it
        # costs ~40% of the run time). Reference counting frees them anyway.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            self.env.run()
        finally:
            if gc_was_enabled:
                gc.enable()
        self._arrivals = None  # the sorted arrival arrays are not needed past the run
        self._sweep_waiting()
        self._dismiss_all(self.end_s)
        return self._result()

    def _at(self, time_s: float, callback, value) -> None:
        """Schedule ``callback`` at ``time_s``, which the model computed (an arrival plus a bot time, say).

        SimPy's clock reaches the same instants by another float path (now +
        delay), so a time computed from an earlier instant plus a zero-length
        step can land a rounding step before ``now``: that is ``now``. Anything
        further in the past is a defect and raises.
        """
        delay = time_s - self.env.now
        if delay < 0:
            if delay < -1e-9 * max(1.0, abs(time_s)):
                raise ValueError(f"cannot schedule in the past ({time_s} < {self.env.now})")
            delay = 0.0
        self._schedule(_Call(callback, value), NORMAL, delay)

    def _after(self, delay_s: float, callback, value) -> None:
        self._schedule(_Call(callback, value), NORMAL, delay_s)

    # ------------------------------------------------------------- arrivals
    def _start_arrivals(self) -> None:
        times = np.concatenate(self.w_arrival) if self.n_types else np.empty(0)
        kinds = np.concatenate([np.full(t.size, k, dtype=np.int32) for k, t in enumerate(self.w_arrival)])
        index = np.concatenate([np.arange(t.size, dtype=np.int32) for t in self.w_arrival])
        order = np.argsort(times, kind="stable")
        # One pending arrival event at a time keeps the heap small; each
        # arrival schedules the next one from this iterator of (time, type,
        # incident), read through memoryviews rather than lists of boxed numbers.
        self._arrivals = zip(memoryview(times[order]), memoryview(kinds[order]), memoryview(index[order]))
        # Bound once: the hot path schedules it 100,000s of times. Without a bot
        # in front, arrivals take the direct path straight to the human queue.
        self._arrival_cb = self._on_arrival if self._bot_possible else self._on_arrival_direct
        first = next(self._arrivals, None)
        if first is not None:
            # One event object carries every arrival in turn (at most one is pending).
            self._arrival = _Call(self._arrival_cb, first)
            self._arrival_callbacks = self._arrival.callbacks
            self._schedule(self._arrival, NORMAL, first[0])

    def _next_arrival(self, now: float) -> None:
        following = next(self._arrivals, None)
        if following is not None:
            event = self._arrival
            event._value = following
            event.callbacks = self._arrival_callbacks
            self._schedule(event, NORMAL, following[0] - now)

    def _on_arrival(self, event) -> None:
        now, k, i = event._value
        self._next_arrival(now)
        self.open_attempts += 1
        self._begin(_Attempt(k, i, 0, i * self.max_attempts[k], now), now)

    def _on_arrival_direct(self, event) -> None:
        """A first attempt with no bot in front: ``_offer`` inlined for the common case of a free agent.

        A caller answered at once needs no ``_Attempt`` object and no queue
        entry: the outcome is logged straight away, exactly as ``_serve``
        would log it. This path carries most of the calls of a staffed line.
        """
        now, k, i = event._value
        self._next_arrival(now)
        idx = i * self.max_attempts[k]
        for g in self.groups_of_type[k]:
            idle = self.idle[g]
            if idle:
                agent = next(iter(idle))
                del idle[agent]
                agent.state = _BUSY
                service = self.w_service[k][idx]
                self.log.extend((k, i, 0, now, 0, now, now, ANSWERED, agent.n, service))
                if now > self.end_s:
                    self.end_s = now
                done = agent.done
                done.callbacks = agent.done_callbacks
                self._schedule(done, NORMAL, service)
                return
        self.open_attempts += 1
        att = _Attempt(k, i, 0, idx, now)
        att.enqueue_s = now
        self._wait(att, now)

    def _schedule_retry(self, att: _Attempt, at_s: float, delay_s: float) -> None:
        """Another attempt of the same incident: a redial or a return."""
        j = att.j + 1
        nxt = _Attempt(att.k, att.i, j, att.idx + 1, at_s + delay_s)
        self.open_attempts += 1
        self._at(nxt.arrive_s, self._on_retry, nxt)

    def _on_retry(self, event) -> None:
        att = event.value
        self._begin(att, att.arrive_s)

    def _finish(self, att: _Attempt, outcome: int, at_s: float, agent: int = -1, service_s: float = 0.0) -> None:
        self.log.extend((att.k, att.i, att.j, att.arrive_s, att.bot, att.enqueue_s,
                         at_s if att.enqueue_s == att.enqueue_s else np.nan, outcome, agent, service_s))
        self.open_attempts -= 1
        if at_s > self.end_s:
            self.end_s = at_s
        if self.closed and self.open_attempts == 0:
            self._dismiss_idle()

    def _will_redial(self, att: _Attempt) -> bool:
        k = att.k
        p = self.redial_p[k]
        return p > 0 and att.j + 1 < self.max_attempts[k] and self.w_redial[k][att.idx] < p

    def _give_up(self, att: _Attempt, outcome: int, at_s: float) -> None:
        """The attempt ends without a human (balked, abandoned, blocked); maybe redial."""
        if self._will_redial(att):
            self._schedule_retry(att, at_s, self.w_redial_delay[att.k][att.idx])
        self._finish(att, outcome, at_s)

    # ------------------------------------------------------------------ bot
    def _bot_is_door(self, now: float) -> tuple[bool, bool]:
        """(bot in front now, bot is the only door now)."""
        only = bool(self.bot_only_spans) and in_daily_spans(now % 86400.0, self.bot_only_spans)
        return self.bot_enabled or only, only

    def _begin(self, att: _Attempt, now: float) -> None:
        k = att.k
        if self._bot_possible:
            in_bot, _ = self._bot_is_door(now)
            on_line = self.emergency[k] and self.w_line[k][att.i] < self.line_share
            if in_bot and not on_line:
                att.bot = 1
                self._bot_session(att, now + self.w_bot_time[k][att.idx])
                return
        self._offer(att, now)

    def _bot_session(self, att: _Attempt, done: float) -> None:
        """Decide the bot session's outcome now; it takes effect at ``done``.

        Every input of the decision (the pre-drawn uniforms, whether ``done``
        falls in bot-only hours) is known when the session starts, so only the
        sessions that reach the human queue need an event of their own.
        """
        k, idx = att.k, att.idx
        _, only = self._bot_is_door(done)
        if self.emergency[k] and self.w_bot_recognise[k][idx] < self.bot_recognise_p[k]:
            if only:
                self._give_up(att, BLOCKED, done)
            else:
                self._at(done, self._offer_event, att)
            return
        u = self.w_bot_outcome[k][idx]
        if u < self.bot_resolve_p[k]:
            self._finish(att, BOT_RESOLVED, done)
        elif u < self.bot_resolve_p[k] + self.bot_false_p[k]:
            if att.j + 1 < self.max_attempts[k]:
                self._schedule_retry(att, done, self.w_return_delay[k][idx])
            self._finish(att, BOT_FALSE_RESOLVED, done)
        elif (
            att.j + 1 < self.attempts_before_human
            or self.w_find[k][idx] >= self.find_human_p
            or self._bot_is_door(done + self.menu_s)[1]  # the human option is gone by the end of the menus
        ):
            self._give_up(att, BLOCKED, done + self.menu_s)
        else:
            self._at(done + self.menu_s, self._offer_event, att)

    def _offer_event(self, event) -> None:
        self._offer(event.value, self.env.now)

    # ---------------------------------------------------------- human queue
    def _offer(self, att: _Attempt, now: float) -> None:
        k = att.k
        att.enqueue_s = now
        for g in self.groups_of_type[k]:
            idle = self.idle[g]
            if idle:
                agent = next(iter(idle))
                del idle[agent]
                self._serve(agent, att, now)
                return
        self._wait(att, now)

    def _wait(self, att: _Attempt, now: float) -> None:
        """No eligible agent is free: the caller balks or joins the queue."""
        k = att.k
        if self.balk_p[k] and self.w_balk[k][att.idx] < self.balk_p[k]:
            self._give_up(att, BALKED, now)
            return
        self._join_queue(att, now)

    def _join_queue(self, att: _Attempt, now: float) -> float:
        """The caller waits in its type's queue until answered or out of patience; returns the patience."""
        patience = self.w_patience[att.k][att.idx]
        att.abandon_s = now + patience
        att.waiting = True
        self.queues[att.k].append(att)
        if self._will_redial(att):
            self._after(patience, self._patience_out, att)
        return patience

    def _patience_out(self, event) -> None:
        att = event.value
        if att.waiting:
            self._abandon(att)

    def _abandon(self, att: _Attempt) -> None:
        att.waiting = False
        self._give_up(att, ABANDONED, att.abandon_s)

    def _next_contact(self, group: int, now: float) -> _Attempt | None:
        best = None
        best_priority = -1
        for k in self.types_of_group[group]:
            if best is not None and self.priority[k] < best_priority:
                break
            q = self.queues[k]
            while q:
                head = q[0]
                if not head.waiting:
                    q.popleft()
                elif head.abandon_s <= now:
                    q.popleft()
                    self._abandon(head)
                else:
                    if best is None or head.enqueue_s < best.enqueue_s:
                        best, best_priority = head, self.priority[k]
                    break
        if best is not None:
            self.queues[best.k].popleft()
            best.waiting = False
        return best

    def _sweep_waiting(self) -> None:
        # Only reached when no agent was left to serve them: all abandoned.
        for q in self.queues:
            while q:
                att = q.popleft()
                if att.waiting:
                    self._abandon(att)

    # --------------------------------------------------------------- agents
    def _serve(self, agent: _Agent, att: _Attempt, now: float) -> None:
        agent.state = _BUSY
        service = self.w_service[att.k][att.idx]
        self._finish(att, ANSWERED, now, agent.n, service)
        done = agent.done
        done.callbacks = agent.done_callbacks
        self._schedule(done, NORMAL, service)

    def _service_done(self, event) -> None:
        agent = event._value
        if agent.leave_pending:
            self._leave(agent)
        elif agent.break_pending:
            length, agent.break_pending = agent.break_pending, 0.0
            self._begin_break(agent, length)
        else:
            queues = self.queues
            for k in self.types_of_group[agent.group]:
                if queues[k]:
                    self._look_for_work(agent)
                    return
            self._rest(agent)  # nobody waits for this agent's skills: the usual case on a staffed line

    def _look_for_work(self, agent: _Agent) -> None:
        now = self.env.now
        att = self._next_contact(agent.group, now)
        if att is not None:
            self._serve(agent, att, now)
        else:
            self._rest(agent)

    def _rest(self, agent: _Agent) -> None:
        """Nothing to serve: idle, or gone if the run is over."""
        if self.closed and self.open_attempts == 0:
            self._leave(agent)
        else:
            agent.state = _IDLE
            self.idle[agent.group][agent] = None

    def _shift_start(self, event) -> None:
        agent = event.value
        if self.closed and self.open_attempts == 0:
            return
        self.present[agent] = None
        self._look_for_work(agent)

    def _shift_end(self, event) -> None:
        agent = event.value
        if agent.state == _BUSY:
            agent.leave_pending = True
        elif agent.state in (_IDLE, _BREAK):
            self._leave(agent)

    def _break_start(self, event) -> None:
        agent, length = event.value
        if agent.state == _IDLE:
            self._begin_break(agent, length)
        elif agent.state == _BUSY:
            agent.break_pending = length

    def _begin_break(self, agent: _Agent, length: float) -> None:
        self.idle[agent.group].pop(agent, None)
        agent.state = _BREAK
        now = self.env.now
        self.break_log.append((agent.n, now, now + length))
        self._at(now + length, self._break_end, agent)

    def _break_end(self, event) -> None:
        agent = event.value
        if agent.state != _BREAK:
            return
        if agent.leave_pending:
            self._leave(agent)
        else:
            self._look_for_work(agent)

    def _leave(self, agent: _Agent) -> None:
        if agent.state == _GONE:
            return
        now = self.env.now
        if agent.state == _BREAK and self.break_log:
            self._truncate_break(agent, now)
        self.idle[agent.group].pop(agent, None)
        self.present.pop(agent, None)
        agent.state = _GONE
        self.agent_leave_s[agent.n] = now

    def _truncate_break(self, agent: _Agent, now: float) -> None:
        for n in range(len(self.break_log) - 1, -1, -1):
            a, start, end = self.break_log[n]
            if a == agent.n:
                if end > now:
                    self.break_log[n] = (a, start, now)
                return

    def _close(self, _event) -> None:
        self.closed = True
        if self.open_attempts == 0:
            self._dismiss_idle()

    def _dismiss_idle(self) -> None:
        for agent in list(self.present):
            if agent.state != _BUSY:
                self._leave(agent)

    def _dismiss_all(self, at_s: float) -> None:
        for agent in list(self.present):
            agent.state = _GONE
            self.agent_leave_s[agent.n] = max(at_s, agent.start_s)
        self.present.clear()

    # --------------------------------------------------------------- output
    def _result(self) -> RunLog:
        attempts = np.frombuffer(self.log, dtype=float).reshape(-1, len(ATTEMPT_COLUMNS))
        shifts = self.roster.shifts
        return RunLog(
            attempts=attempts,
            agent_start_s=np.array([s.start_s for s in shifts], dtype=float),
            agent_leave_s=np.array(self.agent_leave_s, dtype=float),
            agent_end_s=np.array([s.end_s for s in shifts], dtype=float),
            agent_group=np.array([s.group for s in shifts], dtype=int),
            breaks=np.array(self.break_log, dtype=float) if self.break_log else np.empty((0, 3)),
            end_s=max(self.end_s, self.horizon_s),
        )


def _floats(values: np.ndarray) -> memoryview:
    return memoryview(np.ascontiguousarray(values, dtype=float))


def latest_outcome_s(scenario: Scenario, workload: Workload) -> float:
    """A time by which every incident of the workload has its outcome, whatever the agents do (capped).

    Each attempt ends at the latest when its patience runs out after the bot
    and the menus; the next one follows after its redial or return delay. An
    answered attempt ends before its patience would have run out, so the sum
    over an incident's attempts bounds its last outcome.
    """
    bot_possible = scenario.front_door.bot_can_be_in_front
    menu_s = scenario.front_door.menu_s if bot_possible else 0.0
    latest = scenario.horizon_s
    callback = scenario.front_door.callback
    for ct, tw in zip(scenario.contact_types, workload.types):
        if tw.incidents:
            # A callback's wait is not bounded by patience: allow the run-on its own margin.
            extra_s = CALLBACK_RUN_ON_S if callback.offers(ct, scenario.chat.types) else 0.0
            bound = tw.arrival_s + _incident_time_bound_s(ct, tw, bot_possible, menu_s + extra_s)
            latest = max(latest, float(bound.max()))
    return min(latest, scenario.horizon_s + MAX_RUN_ON_S)


def _incident_time_bound_s(ct, tw: TypeWorkload, bot_possible: bool, menu_s: float) -> np.ndarray:
    # menu_s: a per-attempt allowance added to the patience (the menus, a callback's margin).
    per_attempt = tw.patience_s + (tw.bot_time_s + menu_s if bot_possible else menu_s)
    redials = ct.redial.probability > 0
    returns = bot_possible and ct.bot.false_resolution_probability > 0
    if tw.max_attempts == 1 or not (redials or returns):
        return per_attempt[:: tw.max_attempts]  # a single attempt
    if redials and returns:
        delay = np.maximum(tw.redial_delay_s, tw.return_delay_s)
    else:
        delay = tw.redial_delay_s if redials else tw.return_delay_s
    return (per_attempt + delay).reshape(tw.incidents, tw.max_attempts).sum(axis=1)
