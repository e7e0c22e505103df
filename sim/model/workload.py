"""The workload of one replication: every incident and all its random attributes.

Common random numbers are the point of this module. Policies are compared
within a replication, so every policy must meet the *same* customers: the same
arrival instants, patience, handle times, bot outcomes and amounts at risk.
If those numbers were drawn one after another as the simulation asked for
them, a policy that changes the order of events would change which customer
gets which number, and the comparison would drown in noise.

So every number is indexed by (incident, attempt number) and drawn from a
stream of its own, keyed by *name*: the contact type's id and the purpose
("patience", "bot_time", ...), hashed into the replication's seed. Attempt
``j`` of incident ``i`` always sees the same patience and handle time,
whichever policy it runs under and whenever that attempt happens. Because
streams are keyed by name rather than spawned in a list, adding a purpose, a
contact type or a feature never changes the numbers of the existing ones.

Numbers only some policies need — a callback's acceptance, and for each
call back placed its dial time, whether it is answered and the delay
before the next try — come from streams keyed the same way plus the call
number ("callback_dial", "2"), drawn when a policy first asks
(``TypeWorkload.extra``). Scenarios that never use them never draw them, so
their seeded results are unchanged, and two policies that differ only in
those settings still meet the same customers with the same answers.

Per-attempt arrays are drawn when first read, not up front: a study with no
bot never draws bot times, one with no balking never draws balk uniforms.
A stream's numbers do not depend on whether, or when, other streams were
drawn, so this saves memory (a run of ten million attempts must fit in a few
GB) without changing a single number.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np

from sim.model.arrivals import daily_busyness, draw_arrival_times, expected_per_interval
from sim.model.distributions import Deterministic
from sim.model.scenario import ContactType, Scenario

ATTEMPT_PURPOSES = (
    "patience_s",
    "handle_s",
    "acw_s",
    "u_balk",
    "u_redial",
    "redial_delay_s",
    "bot_time_s",
    "u_bot_outcome",
    "u_bot_recognise",
    "u_find_human",
    "return_delay_s",
)


def named_stream(seed: np.random.SeedSequence, *names: str) -> np.random.Generator:
    """A generator for ``names`` (e.g. a type id and a purpose), independent of every other name's."""
    keys = tuple(zlib.crc32(name.encode()) for name in names)
    return np.random.default_rng(np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, *keys)))


class _AttemptArray:
    """One per-attempt array of a TypeWorkload: given, or drawn from its stream when first read."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, workload: TypeWorkload | None, owner=None):
        if workload is None:
            return self
        value = workload._attempt[self.name]
        if callable(value):
            value = workload._attempt[self.name] = value()
        return value


class TypeWorkload:
    """Incidents of one contact type. Attempt arrays are flat: index i * max_attempts + j."""

    patience_s = _AttemptArray()
    handle_s = _AttemptArray()
    acw_s = _AttemptArray()
    u_balk = _AttemptArray()
    u_redial = _AttemptArray()
    redial_delay_s = _AttemptArray()
    bot_time_s = _AttemptArray()
    u_bot_outcome = _AttemptArray()
    u_bot_recognise = _AttemptArray()
    u_find_human = _AttemptArray()
    return_delay_s = _AttemptArray()

    def __init__(
        self,
        arrival_s: np.ndarray,
        amount_at_risk: np.ndarray,
        u_emergency_line: np.ndarray,
        max_attempts: int,
        has_after_contact_work: bool = True,
        extra_stream: Callable[..., np.random.Generator] | None = None,
        extra_given: dict[str, float | np.ndarray] | None = None,
        **attempt: np.ndarray | Callable[[], np.ndarray],
    ):
        missing = set(ATTEMPT_PURPOSES) - set(attempt)
        if missing:
            raise TypeError(f"TypeWorkload needs every attempt purpose; missing: {', '.join(sorted(missing))}")
        self.arrival_s = arrival_s
        self.amount_at_risk = amount_at_risk
        self.u_emergency_line = u_emergency_line
        self.max_attempts = max_attempts
        self.has_after_contact_work = has_after_contact_work
        self._attempt = dict(attempt)
        self._extra_stream = extra_stream
        self._extra_given = dict(extra_given or {})
        self._extra: dict[tuple, np.ndarray] = {}

    def extra(self, purpose: str, call: int | None = None, distribution=None) -> np.ndarray:
        """A per-attempt array for a feature only some policies use, drawn from its own stream on first use.

        ``call`` numbers the calls of one attempt (a callback's tries), each
        with its own stream; ``distribution`` gives the values (uniforms on
        [0, 1) without one). A hand-made workload gives fixed values instead
        (``extra_given``: a number, an array per attempt, or a dict of either per call number).
        """
        key = (purpose, call, None if distribution is None else distribution.model_dump_json())
        value = self._extra.get(key)
        if value is None:
            size = self.incidents * self.max_attempts
            if purpose in self._extra_given:
                given = self._extra_given[purpose]
                if isinstance(given, dict):  # one value per call number
                    given = given[call]
                value = np.broadcast_to(np.asarray(given, dtype=float), (size,)).copy()
            elif self._extra_stream is None:
                raise KeyError(f"this workload has no stream for {purpose!r}")
            else:
                rng = self._extra_stream(purpose, *(() if call is None else (str(call),)))
                value = rng.random(size) if distribution is None else distribution.sample(rng, size)
            self._extra[key] = value
        return value

    @property
    def incidents(self) -> int:
        return self.arrival_s.size

    @property
    def service_s(self) -> np.ndarray:
        """Handle time plus after-contact work, per attempt: what an answered attempt costs its agent."""
        return self.handle_s + self.acw_s if self.has_after_contact_work else self.handle_s


class Workload:
    def __init__(self, types: tuple[TypeWorkload, ...], busyness: np.ndarray):
        self.types = types
        self.busyness = busyness


def draw_workload(scenario: Scenario, seed: np.random.SeedSequence) -> Workload:
    """All incidents of one replication, independent of any policy."""
    busyness = daily_busyness(scenario, named_stream(seed, "busyness"))
    types = tuple(_draw_type(scenario, ct, seed, busyness) for ct in scenario.contact_types)
    return Workload(types=types, busyness=busyness)


def _draw_type(scenario: Scenario, ct: ContactType, seed: np.random.SeedSequence, busyness: np.ndarray) -> TypeWorkload:
    def stream(purpose: str) -> np.random.Generator:
        return named_stream(seed, ct.id, purpose)

    arrival_s = draw_arrival_times(expected_per_interval(scenario, ct), busyness, scenario.interval_s, stream("arrival"))
    n = arrival_s.size
    m = ct.redial.max_attempts
    size = n * m
    amount = (
        ct.loss.amount_at_risk.sample(stream("amount_at_risk"), n)
        if ct.emergency and ct.loss.amount_at_risk is not None
        else np.zeros(n)
    )

    def sample(distribution, purpose):
        return lambda: distribution.sample(stream(purpose), size)

    def uniform(purpose):
        return lambda: stream(purpose).random(size)

    acw = ct.after_contact_work_s
    return TypeWorkload(
        arrival_s=arrival_s,
        amount_at_risk=amount,
        u_emergency_line=stream("emergency_line").random(n),
        max_attempts=m,
        has_after_contact_work=not (isinstance(acw, Deterministic) and acw.value == 0),
        extra_stream=lambda *names: named_stream(seed, ct.id, *names),
        patience_s=sample(ct.patience_s, "patience"),
        handle_s=sample(ct.handle_time_s, "handle"),
        acw_s=sample(acw, "acw"),
        u_balk=uniform("balk"),
        u_redial=uniform("redial"),
        redial_delay_s=sample(ct.redial.delay_s, "redial_delay"),
        bot_time_s=sample(ct.bot.time_s, "bot_time"),
        u_bot_outcome=uniform("bot_outcome"),
        u_bot_recognise=uniform("bot_recognise"),
        u_find_human=uniform("find_human"),
        return_delay_s=sample(ct.bot.return_delay_s, "return_delay"),
    )
