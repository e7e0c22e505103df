"""The model's event queue: callbacks due at times, run in time order, ties in the order they were scheduled.

The engine (sim.model.engine) and its routing rule (sim.model.routing) move
the state on only through callbacks due at a time: no processes, no events
waited on, no failures. They used SimPy's ``Environment`` as that queue;
this is the part of it they used, with SimPy's order exactly — by time, then
by the order of scheduling (every event had SimPy's one ``NORMAL`` priority,
so the priority field is left out) — and the same float arithmetic for the
due time (``now + delay``), so the sample paths are SimPy's event for event
(tests/test_preset_digests.py).

What it leaves out is what a run's hundreds of thousands of events paid
for and never used: a method call per step, emptying a callback list and
checking for a failed event after each one, and the ``now`` property. The
loop below is the whole event loop of a run.
"""

from __future__ import annotations

from heapq import heappop, heappush
from itertools import count


class Call:
    """A callback due at a time, with the value it is called about (an attempt, an agent, a tuple).

    Called as ``callback(event)``; the callback reads ``event.value``. An event
    object may be scheduled again once it has run (an agent's one end-of-service
    event serves all its contacts).
    """

    __slots__ = ("callback", "value")

    def __init__(self, callback, value):
        self.callback = callback
        self.value = value


class EventQueue:
    """Events by due time, ties first scheduled first run; ``now`` is the time of the event being run.

    Besides the heap of scheduled events, one stream of items already in time
    order (the run's arrivals) may be fed to it (``schedule_stream``): each
    item counts as scheduled when the one before it runs, and only that one
    pending item is held, beside the heap rather than in it.
    """

    def __init__(self):
        self.now = 0.0
        self.queue: list[tuple[float, int, Call]] = []
        self._order = count()
        self._items = iter(())
        self._on_item = None
        self._pending: tuple | None = None  # (due, order, item): the stream's next item

    def schedule(self, event: Call, delay: float) -> None:
        """Run ``event`` ``delay`` seconds from now (``delay`` >= 0)."""
        heappush(self.queue, (self.now + delay, next(self._order), event))

    def schedule_stream(self, items, on_item) -> None:
        """Call ``on_item(item)`` for each of ``items``: tuples in time order, each starting with its time.

        Given before the run starts (at time 0). The order and the due times
        are those of scheduling the first item now, at its time, and each
        following one when the one before it runs, after the difference of
        their times (the due time before plus that difference, as the engine
        did through one reused event; float sums, so not always the item's
        own time). Half of a run's events are arrivals: kept out of the heap
        they save a push and a pop each.
        """
        self._items, self._on_item = items, on_item
        first = next(items, None)
        self._pending = None if first is None else (self.now + first[0], next(self._order), first)

    def run(self) -> None:
        """Run events until none is left."""
        # The whole event loop of a run: locals rather than attributes, no call but the callbacks'.
        queue, order, items, on_item = self.queue, self._order, self._items, self._on_item
        pending = self._pending
        while True:
            # The pending item and a heap entry never tie: their order numbers differ.
            if pending is not None and (not queue or pending < queue[0]):
                now = self.now = pending[0]
                item = pending[2]
                following = next(items, None)
                pending = None if following is None else (now + (following[0] - item[0]), next(order), following)
                on_item(item)
            elif queue:
                self.now, _, event = heappop(queue)
                event.callback(event)
            else:
                break
        self._pending, self._items, self._on_item = None, iter(()), None
