"""Limits: phone lines, queue places, opening hours and the maximum wait, on top of any routing rule.

A scenario with a ``capacity`` limit, a contact type with ``hours`` or with
``max_wait_s`` runs on its routing rule (priority or staged) wrapped by
``LimitsMixin`` (``with_limits``); every other scenario runs on the bare rule,
its fast path and its exact results, and keeps no count at all.

What the mixin adds, and where it plugs into the engine (sim.model.engine):

- ``admit(attempt, now)``: every attempt (first, redial, return) passes it
  before the bot or the queue. A type whose line is closed now (outside its
  ``hours``) gets ``closed``; a voice caller who finds every line it could use
  taken (its own ``lines_per_type``, else the shared ``lines``) hears a busy
  tone (``busy_tone``). Otherwise it takes a line and goes on.
- ``on_outcome(attempt, outcome, at_s)``: the engine's ``finish`` calls it for
  every outcome. The caller gives back its waiting place, and its line: at
  ``at_s``, or for an answered call when the conversation ends (``at_s`` +
  its handle time; after-contact work holds no line). Some outcomes are known
  before they happen (a bot session's end), so the instants lines come free
  are kept in a heap per pool and taken off it when a later arrival looks.
- Waiting callers abandon lazily (sim.model.routing.base.live_head): an
  agent finds them out of patience later. For the count, every caller holding
  a line or a place while it waits is also in a heap by its abandonment
  instant; an arrival first frees the lines and places of those whose
  patience ran out by now, so the count is exact at every instant it is read.
- ``_wait``: with no agent free, a voice caller who finds every waiting place
  (``queue_places``, shared by the voice types) taken gets ``queue_full`` and
  never joins the queue.
- ``_join_queue``: a caller whose patience exceeds its type's ``max_wait_s``
  leaves a message at that wait (``left_message``) unless answered first.
- Closing: at the end of each open span of a type with ``at_closing:
  disconnect``, its callers still waiting are ``disconnected``; one who reaches
  the human queue while the line is closed (out of the bot late) is
  disconnected at once. With ``serve`` (the default) they wait to be served.
  Accepted callbacks are kept either way (the centre owes them a call).
- A caller who takes a callback gives back its line and place then.

Redials: ``busy_tone``, ``queue_full`` and ``closed`` redial with the type's
``redial.busy_probability`` after ``busy_delay_s`` (each defaulting to the
plain redial's), ``disconnected`` as after an abandonment, and
``left_message`` ends the incident (never reached a human: the model does
not follow messages up). All within ``redial.max_attempts``.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from itertools import count

import numpy as np

from sim.model.attempt_log import ANSWERED, BUSY_TONE, CLOSED, DISCONNECTED, LEFT_MESSAGE, QUEUE_FULL
from sim.model.routing.base import float_view
from sim.model.scenario import in_daily_spans

DAY_S = 86400.0


def limits_in_force(scenario) -> bool:
    """Whether this (policy-resolved) scenario limits lines, queue places, hours or waits."""
    return scenario.capacity.limits_anything or any(
        c.hours or c.max_wait_s is not None for c in scenario.contact_types
    )


def closing_instants_s(spans: list[tuple[int, int]]) -> list[int]:
    """The seconds of the day at which the line closes: span ends not inside another span."""
    return sorted({end % 86400 for _, end in spans if not in_daily_spans(end % 86400, spans)})


class LimitsMixin:
    """Lines, queue places, hours and maximum waits around a routing rule (see the module docstring)."""

    inline_arrivals = False  # every first attempt needs an ``Attempt`` to hold a line

    def attach(self, centre) -> None:
        super().attach(centre)
        scenario, workload = self.scenario, self.workload
        capacity, types = scenario.capacity, scenario.contact_types
        chats = set(scenario.chat.types)
        voice = [c.id not in chats for c in types]

        # Line pools: the shared one (if limited), then one per type with its own lines.
        self.line_limit: list[int] = []
        shared = -1
        if capacity.lines is not None:
            shared = 0
            self.line_limit.append(capacity.lines)
        self.pool_of: list[int] = []
        for c, is_voice in zip(types, voice):
            if not is_voice:
                self.pool_of.append(-1)
            elif c.id in capacity.lines_per_type:
                self.pool_of.append(len(self.line_limit))
                self.line_limit.append(capacity.lines_per_type[c.id])
            else:
                self.pool_of.append(shared)
        self.lines_used = [0] * len(self.line_limit)
        self.line_frees: list[list[float]] = [[] for _ in self.line_limit]  # heaps: when held lines come free
        self.places = capacity.queue_places
        self.takes_place = [v and self.places is not None for v in voice]
        self.callers_waiting = 0  # holding a waiting place
        self.tracks_waits = bool(self.line_limit) or self.places is not None
        self.waits: list[tuple] = []  # heap of (abandon_s, seq, attempt): callers holding a line or place in the queue
        self._waits_seq = count()
        self._waits_rebuild_at = 1024
        self.w_handle = [float_view(tw.handle_s) if p >= 0 else None for tw, p in zip(workload.types, self.pool_of)]

        self.open_spans = [c.open_spans or None for c in types]
        self.disconnects = [c.at_closing == "disconnect" and bool(c.hours) for c in types]
        self.max_wait_s = [c.max_wait_s for c in types]

        # Redials after a busy tone, a full queue or a closed line: the attempt's redial uniform (one outcome
        # per attempt, so one draw serves either rule) against the busy probability, after the busy delay.
        self.busy_p = [c.redial.after_busy_probability for c in types]
        self.w_busy_u = [float_view(tw.u_redial) if p > 0 else None for tw, p in zip(workload.types, self.busy_p)]
        self.w_busy_delay = [
            None if p == 0
            else float_view(tw.redial_delay_s) if c.redial.busy_delay_s is None
            else float_view(tw.extra("busy_redial_delay_s", distribution=c.redial.busy_delay_s))
            for c, tw, p in zip(types, workload.types, self.busy_p)
        ]
        self._schedule_retry = centre.schedule_retry
        self._at = centre.at

        for k, spans in enumerate(self.open_spans):
            if self.disconnects[k]:
                for at_s in closing_instants_s(spans):
                    if at_s <= centre.latest_outcome_s:
                        self._at(float(at_s), self._closing, (k, float(at_s)))

    # ------------------------------------------------------------ arrivals
    def admit(self, att, now: float) -> bool:
        """The attempt gets through (True, holding its line), or is turned away (closed, busy tone) here."""
        k = att.k
        att.line = -1
        att.place = False
        spans = self.open_spans[k]
        if spans is not None and not in_daily_spans(now % DAY_S, spans):
            self._turned_away(att, CLOSED, now)
            return False
        pool = self.pool_of[k]
        if pool >= 0:
            self._catch_up(now)
            frees = self.line_frees[pool]
            while frees and frees[0] <= now:
                heappop(frees)
                self.lines_used[pool] -= 1
            if self.lines_used[pool] >= self.line_limit[pool]:
                self._turned_away(att, BUSY_TONE, now)
                return False
            self.lines_used[pool] += 1
            att.line = pool
        return True

    def _turned_away(self, att, outcome: int, now: float) -> None:
        """Busy tone, full queue or closed line: the attempt ends now; the customer may redial (busy rule)."""
        k = att.k
        p = self.busy_p[k]
        if p > 0 and att.j + 1 < self.max_attempts[k] and self.w_busy_u[k][att.idx] < p:
            self._schedule_retry(att, now, self.w_busy_delay[k][att.idx])
        self._finish(att, outcome, now)

    def _catch_up(self, now: float) -> None:
        """Free the lines and places of waiting callers whose patience ran out by ``now`` (not yet dropped)."""
        waits = self.waits
        while waits and waits[0][0] <= now:
            att = heappop(waits)[2]
            if att.waiting and att.abandon_s <= now:
                self._hang_up(att, att.abandon_s)

    def _hang_up(self, att, at_s: float) -> None:
        if att.place:
            att.place = False
            self.callers_waiting -= 1
        pool = att.line
        if pool >= 0:
            att.line = -1
            heappush(self.line_frees[pool], at_s)

    def on_outcome(self, att, outcome: int, at_s: float) -> None:
        """Every outcome: the place comes free now, the line at ``at_s`` (answered: when the talk ends)."""
        if outcome == ANSWERED and att.line >= 0:
            at_s = at_s + self.w_handle[att.k][att.idx]
        self._hang_up(att, at_s)

    # ---------------------------------------------------------- human queue
    def offer(self, att, now: float) -> None:
        k = att.k
        if self.disconnects[k] and not in_daily_spans(now % DAY_S, self.open_spans[k]):
            att.enqueue_s = now  # reached the queue after the line closed: disconnected on arrival
            self._give_up(att, DISCONNECTED, now)
            return
        super().offer(att, now)

    def _wait(self, att, now: float) -> None:
        if self.takes_place[att.k]:
            self._catch_up(now)
            if self.callers_waiting >= self.places:
                att.enqueue_s = np.nan  # turned away: never joined the queue
                self._turned_away(att, QUEUE_FULL, now)
                return
        super()._wait(att, now)

    def _join_queue(self, att, now: float) -> float:
        patience = super()._join_queue(att, now)
        k = att.k
        if self.takes_place[k]:
            att.place = True
            self.callers_waiting += 1
        if self.tracks_waits and (att.place or att.line >= 0):
            waits = self.waits
            heappush(waits, (att.abandon_s, next(self._waits_seq), att))
            if len(waits) > self._waits_rebuild_at:
                # Mostly callers long answered: keep those still waiting, so the heap stays the queue's size.
                waits[:] = [entry for entry in waits if entry[2].waiting]
                heapify(waits)
                self._waits_rebuild_at = max(1024, 2 * len(waits))
        max_wait = self.max_wait_s[k]
        if max_wait is not None and max_wait < patience:
            self._after(max_wait, self._leave_message, att)
        return patience

    def _leave_message(self, event) -> None:
        att = event.about
        now = self.env.now
        if att.waiting and att.abandon_s > now:
            self._off_live_line(att)
            self._finish(att, LEFT_MESSAGE, now)  # a message ends the incident: no redial

    def _offer_callback(self, att, now: float) -> bool:
        accepted = super()._offer_callback(att, now)
        if accepted:
            self._hang_up(att, now)  # called back later: off the line now
        return accepted

    # -------------------------------------------------------------- closing
    def _closing(self, event) -> None:
        k, at_s = event.about
        self.disconnect_waiting(k, self.env.now)
        centre = self.centre
        # Day after day while attempts are open, up to the last instant an outcome can happen (callers left
        # waiting with nobody to answer end only when the run is swept, so open attempts alone never stop it).
        following = at_s + DAY_S
        if following <= centre.latest_outcome_s and not (centre.closed and centre.open_attempts == 0):
            self._at(following, self._closing, (k, following))

    def disconnect_waiting(self, k: int, now: float) -> None:
        """Every caller of type ``k`` still waiting live is disconnected now (those out of patience abandoned)."""
        lapsed = getattr(self, "lapsed", None)
        if lapsed is not None and lapsed[k]:
            self._drop_lapsed(k)
        q = self.queues[k]
        while q:
            att = q.popleft()
            if not att.waiting:
                continue
            if att.abandon_s <= now:
                self._abandon(att)
            else:
                self._off_live_line(att)
                self._give_up(att, DISCONNECTED, now)


_LIMITED: dict[type, type] = {}


def with_limits(rule: type) -> type:
    """The routing rule ``rule`` with lines, queue places, hours and maximum waits (one class per rule)."""
    if rule not in _LIMITED:
        _LIMITED[rule] = type(f"Limited{rule.__name__}", (LimitsMixin, rule), {})
    return _LIMITED[rule]
