"""Staged routing: priority routing plus callbacks, overflow after a delay and chats.

``StagedRouting`` is ``PriorityRouting`` (sim.model.routing.priority) with
three features added; ``sim.model.routing.routing_for`` picks it only for a
scenario that uses one of them, so every other scenario keeps priority
routing, its fast path and its exact results. Everything else — arrivals,
the bot, patience, redials, shifts, breaks, the run-on past the horizon — is
the engine's (sim.model.engine).

**Callbacks (virtual hold, ``front_door.callback``).** A caller joining the
human queue when no eligible agent is free is offered a callback if the
predicted wait exceeds ``threshold_s``. The prediction is made from the
state at that instant:

- ``queue_length``: (a + 1) x m / s, where a counts the callers waiting for
  the type's agents ahead of it — live callers who have not yet run out of
  patience, in the queues of its own type and of every type of at least its
  priority that shares an agent group with it, plus (``keep_place``) the
  callbacks waiting in those queues; m is the type's mean handle plus
  after-contact time; s the agents on duty in the groups that serve it from
  the start (on a break or busy included). With nobody of those groups on
  duty, the wait is the time until the next of their shifts starts plus
  (a + 1) x m / s', s' the agents whose shifts start at that instant. The
  counts behind a are kept as callers join and leave (with a heap per type
  of when their patience runs out), so a prediction never scans a queue.
- ``head_of_line``: how long the oldest caller still waiting in its own
  type's queue (with ``keep_place``, live or callback) has waited; 0 when
  nobody waits. Callers found out of patience on the way are set aside and
  logged abandoned where an agent would have dropped them, so the log is
  the one without callbacks when none is offered.

A prediction never exceeds ``MAX_DURATION_S`` (no agent ever scheduled
again predicts exactly that), the largest threshold: a threshold at its
maximum offers nothing, and the run is then the run without callbacks,
row for row, whatever the roster.

With ``offer_in_queue`` a caller still waiting live when its wait reaches
``threshold_s`` is offered then. Whether a customer accepts is one draw per
attempt (a customer who declines once declines again); the share accepting
is the contact type's ``callback.accept_probability``. A caller who
declines may still balk, as any caller facing a wait.

An accepted callback leaves the live line and does not abandon: its patience
no longer runs. It waits in its type's callback queue, ordered by the time
it first joined the human queue. ``keep_place``: an agent compares it with
the live callers of the same type by that time (it keeps its place), at its
type's priority; ``when_idle``: an agent takes a callback only when no live
caller it could serve is waiting. The agent then dials: ``dial_time_s`` of
agent time, after which the customer answers with the type's
``callback.answer_probability``. Answered: the attempt is answered at that
instant — its wait, the service level and an emergency's time-to-human run
to the call back being answered — and the handle time follows. Unanswered:
the agent is free again and the callback rejoins its queue (same place)
after ``retry_delay_s``; after ``max_calls`` unanswered calls the attempt
ends ``callback_unanswered`` and the customer may redial as after an
abandonment. Dialling time is paid agent time: it counts as busy.

**Overflow after a delay (``routing.overflow``).** A contact type's own
groups serve it from the start; each stage names more groups that may take
it once it has waited ``after_s`` — whatever their skills or reservations.
Such an agent picks among everything it may take by priority, then by the
time the contact joined, so overflow work never jumps ahead of its own
higher-priority work. At the instant a contact becomes eligible an idle
agent of the stage's groups takes it at once. With ``after_s`` 0 the stage's
groups are simply pooled with the own groups (the own groups are tried
first for a free agent).

**Chats (``chat``).** A chat type's contact is held by an agent alongside
up to ``max_per_agent`` - 1 others. Each chat has a work content (its handle
plus after-contact time, as drawn for the attempt); while its agent holds
n chats it progresses at 1 / ``handle_time_factors[n-1]`` of the rate alone,
so its length depends on how loaded its agent was all along. A new chat goes
to the least loaded eligible agent (fewest chats; then the most specialised
group; then the agent idle or available longest). An agent holding any chat
takes no call; one with spare capacity takes waiting chats; at a break or
the shift's end it takes no new chat and finishes those it holds. A chat's
logged service time is how long it was held: from its start to the clock's
instant it ended, or, for a chat held while its agent's load did not change,
the delay its end was scheduled at (so one chat alone at factor 1 logs its
work exactly, as a call does). Occupancy and cost are per agent: an agent
is busy while it holds at least one chat (sim.model.metrics).
Callbacks are never offered to chats.

Random numbers for all this come from their own named streams
(``TypeWorkload.extra``): a callback's acceptance per attempt, and per call
back its dial time, answer and retry delay.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import deque
from heapq import heapify, heappop, heappush
from itertools import count

import numpy as np

from sim.model.attempt_log import (
    ANSWERED,
    BALKED,
    CALLBACK_COLUMNS,
    CALLBACK_UNANSWERED,
    DIAL_COLUMNS,
    ROW_LENGTH,
    SERVICE_COLUMN,
)
from sim.model.distributions import MAX_DURATION_S
from sim.model.routing.base import BUSY, Agent, Attempt, float_view, live_head
from sim.model.routing.priority import PriorityRouting

# How long past its patience an attempt that may take a callback may still need agents: a
# callback's patience does not run, so nothing bounds its wait but the agents' pace. Two days
# covers any callback queue a staffed centre clears; one still waiting when the run-on roster
# ends is logged unanswered.
CALLBACK_RUN_ON_S = 2 * 86400.0
_DONE_S = 1e-6  # a chat with less work left than this is finished (float rounding of the clock)

# Callback states of an attempt.
_NONE, _DECLINED, _WAITING_CALLBACK, _CALLED = range(4)


class CallbackAttempt(Attempt):
    """An attempt that may be offered a callback."""

    __slots__ = ("cb", "cb_row", "calls", "token", "queued", "counted")

    def __init__(self, k, i, j, idx, arrive_s):
        super().__init__(k, i, j, idx, arrive_s)
        self.cb = _NONE
        self.cb_row = None  # this attempt's row of the callback log
        self.calls = 0  # calls back placed
        self.token = 0  # which entry of the callback queue is its own; older ones are stale
        self.queued = False  # in the callback queue now
        self.counted = False  # counted live by the queue-length predictor


class ChatAgent(Agent):
    """An agent who may hold several chats at once."""

    __slots__ = ("chats", "chat_t", "chat_version")

    def __init__(self, n, group, start_s, on_service_done):
        super().__init__(n, group, start_s, on_service_done)
        self.chats = []  # [work left, attempt-log row, start_s]
        self.chat_t = 0.0
        self.chat_version = 0


class StagedRouting(PriorityRouting):
    """Priority routing with callbacks, staged overflow and chats (see the module's docstring)."""

    attempt_type = CallbackAttempt
    agent_type = ChatAgent
    inline_arrivals = False  # every offer goes through the routing below

    @staticmethod
    def wait_margin_s(scenario, contact_type) -> float:
        offered = scenario.front_door.callback.offers(contact_type, scenario.chat.types)
        return CALLBACK_RUN_ON_S if offered else 0.0

    def attach(self, centre) -> None:
        super().attach(centre)
        scenario, workload = self.scenario, self.workload
        types = scenario.contact_types
        self.n_types = centre.n_types
        self.roster = centre.roster
        self.on_duty = centre.on_duty
        self._at = centre.at
        groups = self.roster.groups
        group_index = {g.id: n for n, g in enumerate(groups)}

        chat = scenario.chat
        self.is_chat = [c.id in chat.types for c in types]
        self.chat_k = chat.max_per_agent if any(self.is_chat) else 1
        self.chat_factor = list(chat.handle_time_factors)
        # Agents of group g holding n chats (1 <= n < k) and free to take another: chat_free[g][n].
        self.chat_free = [[dict() for _ in range(self.chat_k)] for _ in groups]

        callback = scenario.front_door.callback
        self.cb_on = [callback.offers(c, chat.types) for c in types]
        self.cb_threshold = callback.threshold_s
        self.cb_in_queue = callback.offer_in_queue
        self.cb_keep_place = callback.queue == "keep_place"
        self.cb_head_of_line = callback.predictor == "head_of_line"
        self.cb_max_calls = callback.max_calls
        self.cb_dial_dist = callback.dial_time_s
        self.cb_retry_dist = callback.retry_delay_s
        self.cb_accept_p = [c.callback.accept_probability for c in types]
        self.cb_answer_p = [c.callback.answer_probability for c in types]
        self.mean_service_s = [c.handle_time_s.expectation() + c.after_contact_work_s.expectation() for c in types]
        self.w_cb_accept = [
            float_view(tw.extra("u_callback_accept")) if on else None for tw, on in zip(workload.types, self.cb_on)
        ]
        self.cb_queues: list[list] = [[] for _ in types]  # heaps of (joined_s, seq, token, attempt)
        self._seq = count()
        self.callback_log: list[list] = []
        self.dial_log: list[tuple] = []

        # Overflow: stages per type, and what each group may pick, with the wait it needs first.
        n_groups = len(groups)
        delay_of = [
            [0.0 if k in self.types_of_group[g] else None for g in range(n_groups)] for k in range(self.n_types)
        ]
        self.stages: list[list[tuple[float, list[int]]]] = [[] for _ in types]
        by_id = {c.id: k for k, c in enumerate(types)}
        for rule in scenario.routing.overflow:
            k = by_id[rule.contact_type]
            for stage in rule.stages:
                members = [group_index[gid] for gid in stage.groups]
                self.stages[k].append((stage.after_s, members))
                for g in members:
                    if delay_of[k][g] is None or stage.after_s < delay_of[k][g]:
                        delay_of[k][g] = stage.after_s
        # What a group's agents may pick: (type, wait it needs first), highest priority first.
        self.picks = [
            sorted(
                ((k, delay_of[k][g]) for k in range(self.n_types) if delay_of[k][g] is not None),
                key=lambda kd: -self.priority[kd[0]],
            )
            for g in range(n_groups)
        ]
        self.pick_priority = [[self.priority[k] for k, _ in p] for p in self.picks]
        # Where an arriving contact looks for a free agent: own groups (most specialised first), then
        # the groups its overflow takes at once.
        self.offer_groups = [
            list(self.groups_of_type[k])
            + [g for d, members in self.stages[k] if d == 0 for g in members if g not in self.groups_of_type[k]]
            for k in range(self.n_types)
        ]
        self.offer_groups = [list(dict.fromkeys(gs)) for gs in self.offer_groups]
        self.later_stages = [[(d, m) for d, m in self.stages[k] if d > 0] for k in range(self.n_types)]
        # Types whose waiting callers are ahead of a caller of type k (queue-length predictor).
        share = [{g for g in self.groups_of_type[k]} for k in range(self.n_types)]
        self.ahead_types = [
            [j for j in range(self.n_types) if self.priority[j] >= self.priority[k] and (j == k or share[j] & share[k])]
            for k in range(self.n_types)
        ]

        # The queue-length predictor's counts (only kept when it is used): per type, the live
        # callers not yet known to be out of patience, a heap of their patience ends, and the
        # callbacks waiting.
        counted = {j for k in range(self.n_types) if self.cb_on[k] for j in self.ahead_types[k]}
        self.count_ahead = [k in counted and not self.cb_head_of_line for k in range(self.n_types)]
        self.live = [0] * self.n_types
        self.expiry: list[list] = [[] for _ in types]  # heaps of (abandon_s, seq, attempt)
        self.cb_waiting = [0] * self.n_types
        self._expiry_seq = count()
        # Shift starts of the groups that serve each type from the start, in order: with nobody of
        # them on duty, the predicted wait runs to the next one.
        starts = [[] for _ in range(n_groups)]
        for shift in self.roster.shifts:
            starts[shift.group].append(shift.start_s)
        self.type_starts = [sorted(t for g in self.groups_of_type[k] for t in starts[g]) for k in range(self.n_types)]
        # Callers found out of patience by the head-of-line predictor, per type: abandoned when an
        # agent next looks at the type's queue, exactly where the agent would have dropped them.
        self.lapsed = [deque() for _ in types]

    # ---------------------------------------------------------- routing
    def _free_agent(self, k: int, groups):
        """Take a free agent for a contact of type ``k`` from ``groups``: for a chat the least loaded."""
        idle = self.idle
        for g in groups:
            if idle[g]:
                agent = next(iter(idle[g]))
                del idle[g][agent]
                return agent
        if self.is_chat[k]:
            for n in range(1, self.chat_k):
                for g in groups:
                    free = self.chat_free[g][n]
                    if free:
                        agent = next(iter(free))
                        del free[agent]
                        return agent
        return None

    def offer(self, att, now: float) -> None:
        att.enqueue_s = now
        agent = self._free_agent(att.k, self.offer_groups[att.k])
        if agent is not None:
            self._serve(agent, att, now)
        else:
            self._wait(att, now)

    def _wait(self, att, now: float) -> None:
        k = att.k
        if self.cb_on[k] and self._predicted_wait_s(k, now) > self.cb_threshold:
            if self._offer_callback(att, now):
                self._overflow_timers(att, now)
                return
        if self.balk_p[k] and self.w_balk[k][att.idx] < self.balk_p[k]:
            self._give_up(att, BALKED, now)
            return
        patience = self._join_queue(att, now)
        if self.cb_on[k] and self.cb_in_queue and att.cb == _NONE and patience > self.cb_threshold:
            self._after(self.cb_threshold, self._in_queue_offer, att)
        self._overflow_timers(att, now)

    def _overflow_timers(self, att, now: float) -> None:
        for delay, members in self.later_stages[att.k]:
            self._at(att.enqueue_s + delay, self._overflow_due, (att, members))

    def _overflow_due(self, event) -> None:
        """A waiting contact reaches an overflow stage: an idle agent of the stage's groups takes it now."""
        att, members = event.about
        now = self.env.now
        live = att.waiting and att.abandon_s > now
        if not (live or self._in_callback_queue(att)):
            return
        agent = self._free_agent(att.k, members)
        if agent is None:
            return
        # Its entry in the live or callback queue goes stale and is dropped when reached.
        self._off_live_line(att)
        self._off_callback_queue(att)
        self._serve(agent, att, now)

    @staticmethod
    def _in_callback_queue(att) -> bool:
        return att.queued

    @staticmethod
    def _valid(entry) -> bool:
        att = entry[3]
        return att.queued and entry[2] == att.token

    # --------------------------------------------------------- callbacks
    def _predicted_wait_s(self, k: int, now: float) -> float:
        if self.cb_head_of_line:
            return self._head_of_line_wait_s(k, now)
        ahead = self._callers_ahead(k, now)
        agents = 0
        for g in self.groups_of_type[k]:
            agents += self.on_duty[g]
        if agents:
            wait = (ahead + 1) * self.mean_service_s[k] / agents
        else:
            # Nobody who serves the type is on duty: the wait runs to the next of their shifts,
            # then the work ahead shared by those starting then.
            starts = self.type_starts[k]
            first = bisect_left(starts, now)
            if first == len(starts):
                return MAX_DURATION_S  # nobody is ever scheduled again
            start = starts[first]
            wait = start - now + (ahead + 1) * self.mean_service_s[k] / (bisect_right(starts, start, first) - first)
        return min(wait, MAX_DURATION_S)

    def _head_of_line_wait_s(self, k: int, now: float) -> float:
        oldest = np.inf
        # Out of patience before now: set aside, logged abandoned when an agent looks.
        head = live_head(self.queues[k], now, self.lapsed[k].append)
        if head is not None:
            oldest = head.enqueue_s
        if self.cb_keep_place:
            head = self._callback_head(k)
            if head is not None and head.enqueue_s < oldest:
                oldest = head.enqueue_s
        return 0.0 if oldest == np.inf else min(now - oldest, MAX_DURATION_S)

    def _callers_ahead(self, k: int, now: float) -> int:
        """Live callers not out of patience (and with ``keep_place`` callbacks) ahead of a caller of type ``k``."""
        ahead = 0
        for j in self.ahead_types[k]:
            heap = self.expiry[j]
            while heap and heap[0][0] <= now:
                att = heappop(heap)[2]
                if att.counted:  # out of patience, not yet dropped by an agent
                    att.counted = False
                    self.live[j] -= 1
            if len(heap) > 2 * self.live[j] + 64:
                # Mostly callers already gone: rebuild, so the heap stays the size of the live queue.
                heap[:] = [entry for entry in heap if entry[2].counted]
                heapify(heap)
            ahead += self.live[j]
            if self.cb_keep_place:
                ahead += self.cb_waiting[j]
        return ahead

    def _join_queue(self, att, now: float) -> float:
        patience = super()._join_queue(att, now)
        if self.count_ahead[att.k]:
            att.counted = True
            self.live[att.k] += 1
            heappush(self.expiry[att.k], (att.abandon_s, next(self._expiry_seq), att))
        return patience

    def _off_live_line(self, att) -> None:
        """The caller stops waiting live (answered, abandoned, called back, overflowed)."""
        att.waiting = False
        if att.counted:
            att.counted = False
            self.live[att.k] -= 1

    def _off_callback_queue(self, att) -> None:
        if att.queued:
            att.queued = False
            self.cb_waiting[att.k] -= 1

    def _abandon(self, att) -> None:
        self._off_live_line(att)
        super()._abandon(att)

    def _drop_lapsed(self, k: int) -> None:
        lapsed = self.lapsed[k]
        while lapsed:
            att = lapsed.popleft()
            if att.waiting:
                self._abandon(att)

    def _offer_callback(self, att, now: float) -> bool:
        """Offer a callback; True if the customer takes it (it leaves the live line)."""
        k = att.k
        accepted = self.w_cb_accept[k][att.idx] < self.cb_accept_p[k]
        att.cb_row = len(self.callback_log)
        self.callback_log.append([k, att.i, att.j, now, float(accepted), 0.0, 0.0])
        if not accepted:
            att.cb = _DECLINED
            return False
        att.cb = _WAITING_CALLBACK
        self._off_live_line(att)
        att.abandon_s = np.inf  # patience no longer runs
        self._push_callback(att)
        return True

    def _push_callback(self, att) -> None:
        att.token += 1
        att.queued = True
        self.cb_waiting[att.k] += 1
        heappush(self.cb_queues[att.k], (att.enqueue_s, next(self._seq), att.token, att))

    def _in_queue_offer(self, event) -> None:
        att = event.about
        now = self.env.now
        if att.waiting and att.cb == _NONE and att.abandon_s > now:
            self._offer_callback(att, now)

    def _callback_head(self, k: int):
        heap = self.cb_queues[k]
        while heap and not self._valid(heap[0]):
            heappop(heap)
        return heap[0][3] if heap else None

    def _dial(self, agent, att, now: float) -> None:
        agent.state = BUSY
        att.cb = _CALLED
        call = att.calls
        att.calls += 1
        tw = self.workload.types[att.k]
        dial_s = float(tw.extra("callback_dial_s", call, self.cb_dial_dist)[att.idx])
        answered = tw.extra("u_callback_answer", call)[att.idx] < self.cb_answer_p[att.k]
        self.dial_log.append((agent.n, now, now + dial_s, att.k, att.i))
        self._after(dial_s, self._dial_end, (agent, att, answered))

    def _dial_end(self, event) -> None:
        agent, att, answered = event.about
        now = self.env.now
        row = self.callback_log[att.cb_row]
        row[5] = att.calls
        if answered:
            row[6] = 1.0
            self._answer(agent, att, now)  # answered now: the wait ends at the call back
            return
        if att.calls < self.cb_max_calls:
            tw = self.workload.types[att.k]
            retry_s = float(tw.extra("callback_retry_s", att.calls - 1, self.cb_retry_dist)[att.idx])
            att.cb = _WAITING_CALLBACK
            self._after(retry_s, self._callback_retry, att)
        else:
            self._give_up(att, CALLBACK_UNANSWERED, now)
        self._agent_free(agent)

    def _callback_retry(self, event) -> None:
        att = event.about
        now = self.env.now
        groups = list(self.offer_groups[att.k])
        for delay, members in self.later_stages[att.k]:
            if att.enqueue_s + delay <= now:
                groups += members
        agent = self._free_agent(att.k, groups)
        if agent is not None:
            self._serve(agent, att, now)
        else:
            self._push_callback(att)

    # ------------------------------------------------------ picking work
    def _next_contact(self, group: int, now: float, chats_only: bool = False):
        best, best_priority, best_live = self._pick(group, now, chats_only, live=True)
        if best is None and not self.cb_keep_place:
            best, best_priority, best_live = self._pick(group, now, chats_only, live=False)
        if best is None:
            return None
        if best_live:
            self.queues[best.k].popleft()
            self._off_live_line(best)
        else:
            heappop(self.cb_queues[best.k])
            self._off_callback_queue(best)
        return best

    def _pick(self, group: int, now: float, chats_only: bool, live: bool):
        """The contact ``group``'s agent would take: by priority, then the time it joined the queue.

        ``live``: waiting callers (and with ``keep_place`` callbacks too, by their place);
        otherwise callbacks only (``when_idle``, when no live caller waits).
        """
        best, best_priority, best_live = None, -1, True
        with_callbacks = (not live) or self.cb_keep_place
        for (k, delay), priority in zip(self.picks[group], self.pick_priority[group]):
            if best is not None and priority < best_priority:
                break
            if chats_only and not self.is_chat[k]:
                continue
            if live:
                if self.lapsed[k]:
                    self._drop_lapsed(k)
                q = self.queues[k]
                if q:
                    head = q[0]
                    if not (head.waiting and head.abandon_s > now):  # as PriorityRouting: no call for a live head
                        head = live_head(q, now, self._abandon_now)
                    if (
                        head is not None
                        and head.enqueue_s + delay <= now
                        and (best is None or head.enqueue_s < best.enqueue_s)
                    ):
                        best, best_priority, best_live = head, priority, True
            if with_callbacks and self.cb_queues[k]:
                head = self._callback_head(k)
                if (
                    head is not None
                    and head.enqueue_s + delay <= now
                    and (best is None or head.enqueue_s < best.enqueue_s)
                ):
                    best, best_priority, best_live = head, priority, False
        return best, best_priority, best_live

    # ------------------------------------------------------------ agents
    def _serve(self, agent, att, now: float) -> None:
        if att.cb == _WAITING_CALLBACK:
            self._dial(agent, att, now)
        elif self.is_chat[att.k]:
            self._serve_chat(agent, att, now)
        else:
            self._answer(agent, att, now)

    def service_done(self, event) -> None:
        self._agent_free(event.about)

    def _agent_free(self, agent) -> None:
        """The agent has nothing in hand: leave, take a break, or look for work."""
        if agent.leave_pending:
            self._leave(agent)
        elif agent.break_pending:
            length, agent.break_pending = agent.break_pending, 0.0
            self._begin_break(agent, length)
        else:
            self.look_for_work(agent)

    def look_for_work(self, agent) -> None:
        now = self.env.now
        while True:
            att = self._next_contact(agent.group, now, chats_only=bool(agent.chats))
            if att is None:
                break
            self._serve(agent, att, now)
            if not (self.is_chat[att.k] and len(agent.chats) < self.chat_k):
                return  # busy with a call or a dial, or full of chats
        self._rest(agent)

    def _rest(self, agent) -> None:
        n = len(agent.chats)
        if n == 0:
            self._idle_or_leave(agent)
        elif n < self.chat_k and not (agent.leave_pending or agent.break_pending):
            self.chat_free[agent.group][n][agent] = None

    def unlist(self, agent) -> None:
        """Off every list of agents free to take work."""
        self.idle[agent.group].pop(agent, None)
        n = len(agent.chats)
        if 0 < n < self.chat_k:
            self.chat_free[agent.group][n].pop(agent, None)

    # ------------------------------------------------------------- chats
    def _serve_chat(self, agent, att, now: float) -> None:
        self.unlist(agent)
        agent.state = BUSY
        self._chat_advance(agent, now)
        row = len(self.log) // ROW_LENGTH
        work = self.w_service[att.k][att.idx]
        self._finish(att, ANSWERED, now, agent.n, 0.0)  # its service time is written when the chat ends
        agent.chats.append([work, row, now])
        self._chat_schedule(agent)
        self._rest(agent)  # listed as free for another chat while it has room

    def _chat_advance(self, agent, now: float) -> None:
        """Bring the chats' remaining work up to ``now`` at the rate their number allowed."""
        chats = agent.chats
        if chats:
            step = (now - agent.chat_t) / self.chat_factor[len(chats) - 1]
            if step:
                for chat in chats:
                    chat[0] -= step
        agent.chat_t = now

    def _chat_schedule(self, agent) -> None:
        agent.chat_version += 1
        chats = agent.chats
        if chats:
            soonest = min(chat[0] for chat in chats)
            delay = max(soonest, 0.0) * self.chat_factor[len(chats) - 1]
            self._after(delay, self._chat_done, (agent, agent.chat_version, delay))

    def _chat_done(self, event) -> None:
        agent, version, delay = event.about
        if version != agent.chat_version:
            return  # the number of chats changed since: rescheduled
        now = self.env.now
        self.unlist(agent)
        span_start = agent.chat_t  # nothing changed since: the span ends now, ``delay`` long
        self._chat_advance(agent, now)
        log = self.log
        still = []
        for chat in agent.chats:
            if chat[0] <= _DONE_S:
                # How long it was held: for a chat held in this span only, the span's length as
                # scheduled (its work x factor), not a difference of clock readings, which rounds.
                log[chat[1] * ROW_LENGTH + SERVICE_COLUMN] = delay if chat[2] == span_start else now - chat[2]
            else:
                still.append(chat)
        agent.chats = still
        self._chat_schedule(agent)
        if still:
            if not (agent.leave_pending or agent.break_pending):
                self.look_for_work(agent)
        else:
            self._agent_free(agent)

    # ------------------------------------------------------------ the end
    def sweep(self) -> None:
        # As the base engine's, type by type, with the callers set aside as out of patience first.
        for k, q in enumerate(self.queues):
            self._drop_lapsed(k)
            while q:
                att = q.popleft()
                if att.waiting:
                    self._abandon(att)
        # Only reached when the run-on roster ran out of agents (CALLBACK_RUN_ON_S): never called back.
        now = self.env.now
        for k in range(self.n_types):
            while self._callback_head(k) is not None:
                _, _, _, att = heappop(self.cb_queues[k])
                self._off_callback_queue(att)
                self._give_up(att, CALLBACK_UNANSWERED, max(now, att.enqueue_s))

    def add_to_log(self, log) -> None:
        if self.callback_log:
            log.callbacks = np.array(self.callback_log, dtype=float).reshape(-1, len(CALLBACK_COLUMNS))
        if self.dial_log:
            log.dials = np.array(self.dial_log, dtype=float).reshape(-1, len(DIAL_COLUMNS))
