"""The model's event queue: SimPy's ``Environment``, fed the run's arrivals beside its heap.

The engine (sim.model.engine) and its routing rule (sim.model.routing) move
the state on only through callbacks due at a time (``Call``: an
already-successful SimPy event with one callback), scheduled with SimPy's
``Environment.schedule`` and run in SimPy's order: by time, then by the
order of scheduling. ``EventQueue.run`` is SimPy's run loop written out for
them (a method call and a few attribute lookups fewer per event, a tenth of
a run's time); with ``until`` it is SimPy's own.

Half of a run's events are arrivals, and they are known, sorted, before it
starts. ``EventQueue.schedule_stream`` hands them over as one stream: only
the next arrival is pending, held beside the heap rather than pushed on it,
and ``run`` (or ``step``) takes whichever of the two is due first. Each arrival gets its
place in SimPy's order (an event id) and its due time exactly as if the
arrival before it had scheduled it when it ran, as the engine did through
one reused event, so the sample paths are unchanged event for event
(tests/test_preset_digests.py); a push and a pop per arrival are saved.
"""

from __future__ import annotations

from heapq import heappop

import simpy
from simpy.core import NORMAL


class Call(simpy.Event):
    """A callback due at a time: an already-successful event, built without Timeout's checks.

    Scheduled through ``Environment.schedule``; SimPy's loop pops it and calls
    ``callback(event)``, which reads what it is about (an attempt, an agent, a
    tuple) from ``event.about``: a plain attribute, where SimPy's ``value`` is
    a property the hot loop would call hundreds of thousands of times. It is
    the hot path's only allocation besides the attempt.
    """

    def __init__(self, callback, about):
        self.callbacks = [callback]
        self._value = self.about = about
        self._ok = True


class EventQueue(simpy.Environment):
    """SimPy's environment with one stream of items already in time order (the arrivals) beside its heap."""

    def __init__(self):
        super().__init__()
        self._items = iter(())
        self._on_item = None
        self._pending: tuple | None = None  # (due, NORMAL, event id, item): the stream's next item

    def schedule_stream(self, items, on_item) -> None:
        """Call ``on_item(item)`` for each of ``items``: tuples in time order, each starting with its time.

        Given before the run starts. The order and the due times are those of
        scheduling the first item now, at its time, and each following one
        when the one before it runs, after the difference of their times (the
        due time before plus that difference: float sums, so not always the
        item's own time).
        """
        self._items, self._on_item = items, on_item
        first = next(items, None)
        self._pending = None if first is None else (self._now + first[0], NORMAL, next(self._eid), first)

    def run(self, until=None):
        """Run until no event is left (``until``: SimPy's own loop, which calls ``step``).

        The loop of a run: the stream's pending item when it is due before the
        heap's first event, else the heap's event, run as ``simpy.Environment.step``
        runs it. Written out, with the queue in locals, because the method
        call and attribute lookups per event are a tenth of a run's time. The
        model has no process to stop (``StopSimulation``), and a failed event
        raises.
        """
        if until is not None:
            return super().run(until)
        queue, items, on_item, eid = self._queue, self._items, self._on_item, self._eid
        pending = self._pending
        while True:
            # The pending item and a heap entry never tie: their event ids differ.
            if pending is not None and (not queue or pending < queue[0]):
                now = self._now = pending[0]
                item = pending[3]
                following = next(items, None)
                pending = None if following is None else (now + (following[0] - item[0]), NORMAL, next(eid), following)
                self._pending = pending
                on_item(item)
            elif queue:
                self._now, _, _, event = heappop(queue)
                callbacks, event.callbacks = event.callbacks, None
                for callback in callbacks:
                    callback(event)
                if not event._ok:
                    raise RuntimeError(f"a model event failed: {event._value!r}")
            else:
                return None

    def step(self) -> None:
        """Run the next event (SimPy's loop for ``run(until)`` steps with it): the stream's pending item when it
        is due before the heap's first event, else the heap's, by SimPy's own step."""
        pending = self._pending
        if pending is None or (self._queue and self._queue[0] < pending):
            super().step()
            return
        now = self._now = pending[0]
        item = pending[3]
        following = next(self._items, None)
        self._pending = None if following is None else (now + (following[0] - item[0]), NORMAL, next(self._eid),
                                                        following)
        self._on_item(item)
