"""The discrete-event model of the contact centre, for one policy and one replication.

Every event is a callback due at a time on SimPy's event queue
(sim.model.events: a SimPy ``Environment`` fed the sorted arrivals beside
its heap), and its callback moves the state on. There are no per-customer processes and no
condition events (``request | timeout``), and the sample paths are those of
the idiomatic process-per-customer SimPy model at several times its speed
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
3. In the human queue: which agent takes which contact is the routing rule's
   (sim.model.routing, chosen from the scenario; the engine calls it through
   the hooks of ``sim.model.routing.base.Routing``). Under priority routing it
   is served at once by a free eligible agent, or it balks, or it waits;
   waiting contacts are served by priority, then first come first served,
   non-preemptively; one that runs out of patience abandons and may redial.

Abandonment is *lazy*: a waiting contact is not watched by a timer. When an
agent looks for work the rule drops queue heads whose patience ran out before now —
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

import numpy as np
from simpy.core import NORMAL

# The attempt log's vocabulary, also importable from here (sim.model.metrics and callers read it from the engine).
from sim.model.attempt_log import (  # noqa: F401
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
    OUTCOME_NAMES,
    RunLog,
)
from sim.model.events import Call, EventQueue
from sim.model.roster import Roster
from sim.model.routing import Routing, routing_for
from sim.model.routing.base import BREAK, BUSY, GONE, IDLE, float_view
from sim.model.scenario import Scenario, in_daily_spans
from sim.model.workload import TypeWorkload, Workload

# How long past the horizon the roster may run on, at most. Realistic
# behaviour (patience of minutes, returns after hours) needs a day or two;
# the cap only bites on heavy-tailed inputs, whose last attempts then end
# without agents (abandoned), as they would in a centre that had closed.
MAX_RUN_ON_S = 28 * 86400.0


class ContactCentre:
    """One run of the model. Build, then ``run()`` once.

    ``routing``: the rule that decides which agent takes which contact
    (sim.model.routing); by default the one the scenario calls for.
    """

    def __init__(self, scenario: Scenario, workload: Workload, roster: Roster, routing: Routing | None = None):
        self._bot_possible = scenario.front_door.bot_can_be_in_front
        # Every outcome happens by then; the roster is built at least that far (itself when already so).
        self.latest_outcome_s = latest_outcome_s(scenario, workload)
        roster = roster.covering(self.latest_outcome_s)
        self.env = EventQueue()
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
            return [float_view(getattr(t, name)) for t in workload.types]

        def where(wanted: list, name: str) -> list[memoryview | None]:
            # Only the numbers a type can use are read, so only those are drawn (sim.model.workload).
            return [float_view(getattr(t, name)) if want else None for t, want in zip(workload.types, wanted)]

        self.w_arrival = [t.arrival_s for t in workload.types]
        self.w_patience = lists("patience_s")
        self.w_service = [float_view(t.service_s) for t in workload.types]
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

        self.roster = roster
        self.on_duty = [0] * len(roster.groups)  # agents of each group present now (on a break or busy included)
        self.log = array("d")  # ATTEMPT_COLUMNS, row after row
        self.break_log: list[tuple] = []
        self.end_s = 0.0
        self.present: dict = {}

        self.routing = routing if routing is not None else routing_for(scenario)(scenario, workload)
        # Limits (sim.model.routing.limits): every attempt passes ``admit`` and every outcome gives back its line
        # and place. Without them these stay unset and the hot path is the plain one.
        self._admit = self.routing.admit
        self._retry_cb = self._on_retry
        if self._admit is not None:
            self._on_outcome = self.routing.on_outcome
            self.finish = self._finish_limited  # before ``attach``: the rule binds the engine's ``finish`` there
            self._retry_cb = self._on_retry_limited
        self.routing.attach(self)
        # The rule's hooks, bound once (sim.model.routing.base.Routing).
        self._offer = self.routing.offer
        self._look_for_work = self.routing.look_for_work
        self._unlist = self.routing.unlist
        self._new_attempt = self.routing.attempt_type
        agent_type, service_done = self.routing.agent_type, self.routing.service_done
        self.agents = [agent_type(n, s.group, s.start_s, service_done) for n, s in enumerate(roster.shifts)]
        self.agent_leave_s = [np.nan] * len(self.agents)

    # ------------------------------------------------------------------ run
    def run(self) -> RunLog:
        for agent, shift in zip(self.agents, self.roster.shifts):
            self.at(shift.start_s, self._shift_start, agent)
            self.at(shift.end_s, self._shift_end, agent)
            for start, length in shift.breaks:
                self.at(start, self._break_start, (agent, length))
        self._start_arrivals()
        self.at(self.horizon_s, self._close, None)
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
        self.routing.sweep()
        self._dismiss_all(self.end_s)
        log = self._result()
        self.routing.add_to_log(log)
        return log

    def at(self, time_s: float, callback, value) -> None:
        """Schedule ``callback`` at ``time_s``, which the model computed (an arrival plus a bot time, say).

        The clock reaches the same instants by another float path (now +
        delay), so a time computed from an earlier instant plus a zero-length
        step can land a rounding step before ``now``: that is ``now``. Anything
        further in the past is a defect and raises.
        """
        delay = time_s - self.env.now
        if delay < 0:
            if delay < -1e-9 * max(1.0, abs(time_s)):
                raise ValueError(f"cannot schedule in the past ({time_s} < {self.env.now})")
            delay = 0.0
        self._schedule(Call(callback, value), NORMAL, delay)

    def after(self, delay_s: float, callback, value) -> None:
        self._schedule(Call(callback, value), NORMAL, delay_s)

    # ------------------------------------------------------------- arrivals
    def _start_arrivals(self) -> None:
        times = np.concatenate(self.w_arrival) if self.n_types else np.empty(0)
        kinds = np.concatenate([np.full(t.size, k, dtype=np.int32) for k, t in enumerate(self.w_arrival)])
        index = np.concatenate([np.arange(t.size, dtype=np.int32) for t in self.w_arrival])
        order = np.argsort(times, kind="stable")
        # Without a bot in front, arrivals may take the routing rule's direct path to an agent.
        direct = self.routing.direct_arrival
        if self._admit is not None:
            self._arrival_cb = self._on_arrival_limited
        elif self._bot_possible:
            self._arrival_cb = self._on_arrival
        else:
            self._arrival_cb = direct if direct is not None else self._on_arrival_offered
        # (time, type, incident) in time order, read through memoryviews rather than lists of boxed numbers.
        self.env.schedule_stream(zip(memoryview(times[order]), memoryview(kinds[order]), memoryview(index[order])),
                                 self._arrival_cb)

    # The arrival callbacks get (time, type, incident) from the event queue's stream (sim.model.events).
    def _on_arrival(self, arrival) -> None:
        now, k, i = arrival
        self.open_attempts += 1
        self._begin(self._new_attempt(k, i, 0, i * self.max_attempts[k], now), now)

    def _on_arrival_offered(self, arrival) -> None:
        """A first attempt when no bot can be in front: straight to the rule's ``offer`` (``_begin`` inlined)."""
        now, k, i = arrival
        self.open_attempts += 1
        self._offer(self._new_attempt(k, i, 0, i * self.max_attempts[k], now), now)

    def _on_arrival_limited(self, arrival) -> None:
        """A first attempt under limits: through the rule's ``admit`` (a line, open hours) before anything else."""
        now, k, i = arrival
        self.open_attempts += 1
        att = self._new_attempt(k, i, 0, i * self.max_attempts[k], now)
        if self._admit(att, now):
            self._begin(att, now)

    def schedule_retry(self, att, at_s: float, delay_s: float) -> None:
        """Another attempt of the same incident: a redial or a return."""
        nxt = self._new_attempt(att.k, att.i, att.j + 1, att.idx + 1, at_s + delay_s)
        self.open_attempts += 1
        self.at(nxt.arrive_s, self._retry_cb, nxt)

    def _on_retry(self, event) -> None:
        att = event.about
        self._begin(att, att.arrive_s)

    def _on_retry_limited(self, event) -> None:
        att = event.about
        if self._admit(att, att.arrive_s):
            self._begin(att, att.arrive_s)

    def finish(self, att, outcome: int, at_s: float, agent: int = -1, service_s: float = 0.0) -> None:
        """Log the attempt's outcome."""
        self.log.extend((att.k, att.i, att.j, att.arrive_s, att.bot, att.enqueue_s,
                         at_s if att.enqueue_s == att.enqueue_s else np.nan, outcome, agent, service_s))
        self.open_attempts -= 1
        if at_s > self.end_s:
            self.end_s = at_s
        if self.closed and self.open_attempts == 0:
            self._dismiss_idle()

    def _finish_limited(self, att, outcome: int, at_s: float, agent: int = -1, service_s: float = 0.0) -> None:
        """``finish`` under limits: the attempt gives back its line and waiting place first."""
        self._on_outcome(att, outcome, at_s)
        ContactCentre.finish(self, att, outcome, at_s, agent, service_s)

    def will_redial(self, att) -> bool:
        k = att.k
        p = self.redial_p[k]
        return p > 0 and att.j + 1 < self.max_attempts[k] and self.w_redial[k][att.idx] < p

    def give_up(self, att, outcome: int, at_s: float) -> None:
        """The attempt ends without a human (balked, abandoned, blocked); maybe redial."""
        if self.will_redial(att):
            self.schedule_retry(att, at_s, self.w_redial_delay[att.k][att.idx])
        self.finish(att, outcome, at_s)

    # ------------------------------------------------------------------ bot
    def _bot_is_door(self, now: float) -> tuple[bool, bool]:
        """(bot in front now, bot is the only door now)."""
        only = bool(self.bot_only_spans) and in_daily_spans(now % 86400.0, self.bot_only_spans)
        return self.bot_enabled or only, only

    def _begin(self, att, now: float) -> None:
        k = att.k
        if self._bot_possible:
            in_bot, _ = self._bot_is_door(now)
            on_line = self.emergency[k] and self.w_line[k][att.i] < self.line_share
            if in_bot and not on_line:
                att.bot = 1
                self._bot_session(att, now + self.w_bot_time[k][att.idx])
                return
        self._offer(att, now)

    def _bot_session(self, att, done: float) -> None:
        """Decide the bot session's outcome now; it takes effect at ``done``.

        Every input of the decision (the pre-drawn uniforms, whether ``done``
        falls in bot-only hours) is known when the session starts, so only the
        sessions that reach the human queue need an event of their own.
        """
        k, idx = att.k, att.idx
        _, only = self._bot_is_door(done)
        if self.emergency[k] and self.w_bot_recognise[k][idx] < self.bot_recognise_p[k]:
            if only:
                self.give_up(att, BLOCKED, done)
            else:
                self.at(done, self._offer_event, att)
            return
        u = self.w_bot_outcome[k][idx]
        if u < self.bot_resolve_p[k]:
            self.finish(att, BOT_RESOLVED, done)
        elif u < self.bot_resolve_p[k] + self.bot_false_p[k]:
            if att.j + 1 < self.max_attempts[k]:
                self.schedule_retry(att, done, self.w_return_delay[k][idx])
            self.finish(att, BOT_FALSE_RESOLVED, done)
        elif (
            att.j + 1 < self.attempts_before_human
            or self.w_find[k][idx] >= self.find_human_p
            or self._bot_is_door(done + self.menu_s)[1]  # the human option is gone by the end of the menus
        ):
            self.give_up(att, BLOCKED, done + self.menu_s)
        else:
            self.at(done + self.menu_s, self._offer_event, att)

    def _offer_event(self, event) -> None:
        self._offer(event.about, self.env.now)

    # --------------------------------------------------------------- agents
    def _shift_start(self, event) -> None:
        agent = event.about
        if self.closed and self.open_attempts == 0:
            return
        self.present[agent] = None
        self.on_duty[agent.group] += 1
        self._look_for_work(agent)

    def _shift_end(self, event) -> None:
        agent = event.about
        if agent.state == BUSY:
            agent.leave_pending = True
            self._unlist(agent)  # a rule may keep a busy agent listed (chats): it takes no new work now
        elif agent.state in (IDLE, BREAK):
            self.leave(agent)

    def _break_start(self, event) -> None:
        agent, length = event.about
        if agent.state == IDLE:
            self.begin_break(agent, length)
        elif agent.state == BUSY:
            agent.break_pending = length
            self._unlist(agent)

    def begin_break(self, agent, length: float) -> None:
        self._unlist(agent)
        agent.state = BREAK
        now = self.env.now
        self.break_log.append((agent.n, now, now + length))
        self.at(now + length, self._break_end, agent)

    def _break_end(self, event) -> None:
        agent = event.about
        if agent.state != BREAK:
            return
        if agent.leave_pending:
            self.leave(agent)
        else:
            self._look_for_work(agent)

    def leave(self, agent) -> None:
        if agent.state == GONE:
            return
        if agent in self.present:
            self.on_duty[agent.group] -= 1
            del self.present[agent]
        now = self.env.now
        if agent.state == BREAK and self.break_log:
            self._truncate_break(agent, now)
        self._unlist(agent)
        agent.state = GONE
        self.agent_leave_s[agent.n] = now

    def _truncate_break(self, agent, now: float) -> None:
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
            if agent.state != BUSY:
                self.leave(agent)

    def _dismiss_all(self, at_s: float) -> None:
        for agent in list(self.present):
            agent.state = GONE
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
    routing = routing_for(scenario)
    for ct, tw in zip(scenario.contact_types, workload.types):
        if tw.incidents:
            # A rule may keep a contact waiting past its patience (a callback): allow the run-on its margin.
            extra_s = routing.wait_margin_s(scenario, ct)
            bound = tw.arrival_s + _incident_time_bound_s(ct, tw, bot_possible, menu_s + extra_s)
            latest = max(latest, float(bound.max()))
    return min(latest, scenario.horizon_s + MAX_RUN_ON_S)


def _incident_time_bound_s(ct, tw: TypeWorkload, bot_possible: bool, allowance_s: float) -> np.ndarray:
    # allowance_s: per attempt, added to the patience (the menus, a routing rule's wait margin).
    per_attempt = tw.patience_s + (tw.bot_time_s + allowance_s if bot_possible else allowance_s)
    redials = ct.redial.probability > 0 or ct.redial.after_busy_probability > 0
    returns = bot_possible and ct.bot.false_resolution_probability > 0
    if tw.max_attempts == 1 or not (redials or returns):
        return per_attempt[:: tw.max_attempts]  # a single attempt
    if redials:
        delay = tw.redial_delay_s
        if ct.redial.busy_delay_s is not None:  # a busy tone, full queue or closed line redials after its own delay
            delay = np.maximum(delay, tw.extra("busy_redial_delay_s", distribution=ct.redial.busy_delay_s))
    if redials and returns:
        delay = np.maximum(delay, tw.return_delay_s)
    elif returns:
        delay = tw.return_delay_s
    return (per_attempt + delay).reshape(tw.incidents, tw.max_attempts).sum(axis=1)
