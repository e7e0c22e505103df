"""Priority routing: the rule of a centre without callbacks, overflow or chats, and its fast path.

A contact offered to the human queue goes to an idle agent of the most
specialised group that serves it (the group serving fewest types), keeping
generalists free; the first agent to have become idle in that group takes it.
With nobody free it balks or waits in its type's queue. A free agent takes
the waiting contact of the highest priority among the types it serves, then
the one that joined first (non-preemptive).

First attempts with no bot in front go through ``direct_arrival``: a caller
answered at once needs no ``Attempt`` record and no queue entry, its outcome
is logged straight away. That path carries most of the calls of a staffed
line.
"""

from __future__ import annotations

from collections import deque

from simpy.core import NORMAL

from sim.model.attempt_log import ABANDONED, ANSWERED, BALKED
from sim.model.routing.base import BUSY, IDLE, Routing, live_head

_ANSWERED = float(ANSWERED)


class PriorityRouting(Routing):
    """Priority, then first come first served; the most specialised idle group first."""

    inline_arrivals = True  # a rule that routes offers otherwise sets this False (no ``direct_arrival``)

    def attach(self, centre) -> None:
        super().attach(centre)
        n_types = centre.n_types
        self.priority = centre.priority
        groups = centre.roster.groups
        eligible = centre.roster.serves(self.scenario.contact_types).tolist()
        self.types_of_group = [
            sorted((k for k in range(n_types) if eligible[g][k]), key=lambda k: -self.priority[k])
            for g in range(len(groups))
        ]
        self.groups_of_type = [
            sorted((g for g in range(len(groups)) if eligible[g][k]), key=lambda g: len(self.types_of_group[g]))
            for k in range(n_types)
        ]
        # The run's shared state and calls, bound once: the hot path reads them as its own attributes.
        self.env = centre.env
        self._schedule = centre.env.schedule
        # Who is free (an insertion-ordered set per group: the first is the one idle longest) and who waits.
        self.idle: list[dict] = [dict() for _ in groups]
        self.queues: list[deque] = [deque() for _ in range(n_types)]
        self.log = centre.log
        self.balk_p = centre.balk_p
        self.max_attempts = centre.max_attempts
        self.w_service = centre.w_service
        self.w_patience = centre.w_patience
        self.w_balk = centre.w_balk
        self._after = centre.after
        self._finish = centre.finish
        self._give_up = centre.give_up
        self._will_redial = centre.will_redial
        self._leave = centre.leave
        self._begin_break = centre.begin_break
        self._abandon_now = self._abandon  # queue heads found out of patience (live_head)
        if self.inline_arrivals:
            self.direct_arrival = self._on_arrival_direct

    # ------------------------------------------------------------ arrivals
    def _on_arrival_direct(self, arrival) -> None:
        """A first attempt with no bot in front: ``offer`` inlined for the common case of a free agent.

        Logged exactly as ``serve`` would log it. ``arrival``: (time, type, incident), from the event queue's stream.
        """
        now, k, i = arrival
        idx = i * self.max_attempts[k]
        for g in self.groups_of_type[k]:
            idle = self.idle[g]
            if idle:
                for agent in idle:  # the first, idle longest (a loop costs less than next(iter(idle)))
                    break
                del idle[agent]
                agent.state = BUSY
                service = self.w_service[k][idx]
                # The constants as floats: the log is an array of doubles, and an int costs a conversion.
                self.log.extend((k, i, 0.0, now, 0.0, now, now, _ANSWERED, agent.n, service))
                centre = self.centre
                if now > centre.end_s:
                    centre.end_s = now
                done = agent.done
                done.callbacks = agent.done_callbacks
                self._schedule(done, NORMAL, service)
                return
        self.centre.open_attempts += 1
        att = self.attempt_type(k, i, 0, idx, now)
        att.enqueue_s = now
        self._wait(att, now)

    # ---------------------------------------------------------- human queue
    def offer(self, att, now: float) -> None:
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

    def _wait(self, att, now: float) -> None:
        """No eligible agent is free: the caller balks or joins the queue."""
        k = att.k
        if self.balk_p[k] and self.w_balk[k][att.idx] < self.balk_p[k]:
            self._give_up(att, BALKED, now)
            return
        self._join_queue(att, now)

    def _join_queue(self, att, now: float) -> float:
        """The caller waits in its type's queue until answered or out of patience; returns the patience."""
        patience = self.w_patience[att.k][att.idx]
        att.abandon_s = now + patience
        att.waiting = True
        self.queues[att.k].append(att)
        if self._will_redial(att):
            self._after(patience, self._patience_out, att)
        return patience

    def _off_live_line(self, att) -> None:
        """The caller stops waiting live (a rule that counts waiting callers does more)."""
        att.waiting = False

    def _patience_out(self, event) -> None:
        att = event.about
        if att.waiting:
            self._abandon(att)

    def _abandon(self, att) -> None:
        att.waiting = False
        self._give_up(att, ABANDONED, att.abandon_s)

    def _next_contact(self, group: int, now: float):
        best = None
        best_priority = -1
        for k in self.types_of_group[group]:
            if best is not None and self.priority[k] < best_priority:
                break
            q = self.queues[k]
            if not q:
                continue
            head = q[0]
            if not (head.waiting and head.abandon_s > now):  # the usual head is live: no call on the hot path
                head = live_head(q, now, self._abandon_now)
            if head is not None and (best is None or head.enqueue_s < best.enqueue_s):
                best, best_priority = head, self.priority[k]
        if best is not None:
            self.queues[best.k].popleft()
            best.waiting = False
        return best

    def sweep(self) -> None:
        # Only reached when no agent was left to serve them: all abandoned.
        for q in self.queues:
            while q:
                att = q.popleft()
                if att.waiting:
                    self._abandon(att)

    # --------------------------------------------------------------- agents
    def _serve(self, agent, att, now: float) -> None:
        agent.state = BUSY
        service = self.w_service[att.k][att.idx]
        self._finish(att, ANSWERED, now, agent.n, service)
        done = agent.done
        done.callbacks = agent.done_callbacks
        self._schedule(done, NORMAL, service)

    _answer = _serve  # a call answered by an agent, whatever a rule's ``_serve`` does besides

    def service_done(self, event) -> None:
        agent = event.about
        if agent.leave_pending:
            self._leave(agent)
        elif agent.break_pending:
            length, agent.break_pending = agent.break_pending, 0.0
            self._begin_break(agent, length)
        else:
            queues = self.queues
            for k in self.types_of_group[agent.group]:
                if queues[k]:
                    self.look_for_work(agent)
                    return
            self._rest(agent)  # nobody waits for this agent's skills: the usual case on a staffed line

    def look_for_work(self, agent) -> None:
        now = self.env.now
        att = self._next_contact(agent.group, now)
        if att is not None:
            self._serve(agent, att, now)
        else:
            self._rest(agent)

    def _rest(self, agent) -> None:
        """Nothing to serve: idle, or gone if the run is over."""
        centre = self.centre
        if centre.closed and centre.open_attempts == 0:
            self._leave(agent)
        else:
            agent.state = IDLE
            self.idle[agent.group][agent] = None

    _idle_or_leave = _rest  # an agent with nothing in hand, whatever a rule's ``_rest`` does besides

    def unlist(self, agent) -> None:
        self.idle[agent.group].pop(agent, None)
