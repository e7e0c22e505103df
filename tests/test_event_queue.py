"""The model's event queue (sim.model.events): SimPy's order, with the arrival stream beside the heap."""

from __future__ import annotations

from simpy.core import NORMAL

from sim.model.events import Call, EventQueue


def _trace(until: float | None) -> list[tuple]:
    env = EventQueue()
    seen: list[tuple] = []

    def note(event) -> None:
        seen.append(("call", env.now, event.about))

    def on_arrival(item) -> None:
        seen.append(("arrival", env.now, item[1]))
        if item[1] % 2 == 0:  # every other arrival schedules a callback 1.5 s on
            env.schedule(Call(note, item[1]), NORMAL, 1.5)

    env.schedule(Call(note, "first"), NORMAL, 2.0)
    env.schedule_stream(iter([(0.5, 0), (1.0, 1), (2.0, 2), (2.0, 3), (3.5, 4)]), on_arrival)
    if until is None:
        env.run()
    else:
        env.run(until)
    return seen


def test_events_run_by_time_then_in_the_order_they_were_scheduled():
    assert _trace(None) == [
        ("arrival", 0.5, 0), ("arrival", 1.0, 1),
        ("call", 2.0, "first"),  # scheduled before the run: before everything else due at 2.0
        ("call", 2.0, 0),  # scheduled by the arrival at 0.5, before the arrival due at 2.0 was
        ("arrival", 2.0, 2), ("arrival", 2.0, 3),
        ("call", 3.5, 2),  # scheduled by arrival 2, before arrival 4 was (when arrival 3 ran)
        ("arrival", 3.5, 4), ("call", 5.0, 4),
    ]


def test_running_until_a_time_steps_through_the_same_events_as_running_to_the_end():
    assert _trace(100.0) == _trace(None)
