"""What the engine and a routing rule share: the attempt and agent records, the agents' states, and the seam itself.

``Routing`` is the seam between the engine (sim.model.engine) and the rule
that decides which agent takes which contact. The engine owns the customer's
path to the human queue and out of it (arrivals, the bot, patience timers,
redials and returns, the attempt log) and the agents' days (shifts, breaks,
leaving, the run's end). A routing rule owns the human queue: where an offered
contact goes, what a free agent takes next, and which agents are free for
what. The engine asks it through the hooks below, bound once when the run is
built, so a hook costs what a method call on the engine would.

A rule is built from the (policy-resolved) scenario and the workload, and
``attach`` binds it to one run: it compiles there, once, what it needs from
the scenario and the run's roster (who may pick what and after which wait,
where an arriving contact looks first), so its hot path only indexes lists.
"""

from __future__ import annotations

import numpy as np

from sim.model.events import Call

# Agent states.
OFF, IDLE, BUSY, BREAK, GONE = range(5)


class Attempt:
    # ``line`` and ``place`` (the line pool held, the waiting place held) are set by the limits
    # (sim.model.routing.limits) when an attempt is admitted; without limits they stay unset.
    __slots__ = ("k", "i", "j", "idx", "arrive_s", "bot", "enqueue_s", "abandon_s", "waiting", "line", "place")

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


class Agent:
    __slots__ = ("n", "group", "state", "leave_pending", "break_pending", "start_s", "done", "done_callbacks")

    def __init__(self, n, group, start_s, on_service_done):
        self.n = n
        self.group = group
        self.start_s = start_s
        self.state = OFF
        self.leave_pending = False
        self.break_pending = 0.0
        # An agent has at most one contact in hand, so one end-of-service event
        # serves all its contacts: SimPy empties ``callbacks`` once it has run
        # them and the same list goes back before the event is scheduled again.
        self.done = Call(on_service_done, self)
        self.done_callbacks = self.done.callbacks


def float_view(values: np.ndarray) -> memoryview:
    """Numbers read in the hot path: indexing a memoryview yields a Python float as fast as a list does."""
    return memoryview(np.ascontiguousarray(values, dtype=float))


class Routing:
    """Which agent takes which contact. Subclasses are the rules; ``sim.model.routing.routing_for`` picks one.

    Hooks the engine calls (all required unless a default is given here):

    - ``offer(attempt, now)``: the attempt reaches the human queue (set its
      ``enqueue_s``): serve it, or it balks, or it waits.
    - ``service_done(event)``: an agent's end-of-service event (``event.about``
      is the agent); the agent leaves, breaks or looks for work.
    - ``look_for_work(agent)``: an agent becomes available (shift start, break end).
    - ``unlist(agent)``: the agent goes on a break, is due to leave, or leaves:
      off every list of agents free to take work.
    - ``sweep()``: the run is over; every contact still waiting ends (abandoned).
    - ``add_to_log(run_log)``: put what the rule logged itself on the run's log.
    - ``direct_arrival(arrival)``: called with (time, type, incident) for
      each first attempt when no bot can be in front, or None; a rule may
      serve them without building an ``Attempt``.
    - ``attempt_type`` and ``agent_type``: the records the engine builds.
    - ``wait_margin_s(scenario, contact_type)``: how long past its patience an
      attempt may still wait for an agent under this rule (bounds the run-on).
    - ``admit`` and ``on_outcome``: None, or (a rule with limits,
      sim.model.routing.limits) every attempt is admitted or turned away before
      the bot or the queue, and every outcome gives back its line and place.

    What a rule may use of the engine (``centre``): its clock and scheduling
    (``env``, a sim.model.events.EventQueue: ``env.now``, ``env.schedule``;
    ``at``, ``after``), the outcome calls (``finish``, ``give_up``,
    ``will_redial``, ``schedule_retry``), the agents' calls (``leave``,
    ``begin_break``), and its state: ``roster``, ``agents``,
    ``log``, ``end_s``, ``on_duty`` (agents present per group), ``closed``,
    ``open_attempts`` and ``latest_outcome_s`` (every outcome happens by
    then), and the per-type parameters and workload numbers. The waiting
    contacts and the free agents are the rule's own.
    """

    attempt_type = Attempt
    agent_type = Agent
    direct_arrival = None
    admit = None  # limits only (sim.model.routing.limits): admit(attempt, now) -> bool, on_outcome(...)

    def __init__(self, scenario, workload):
        self.scenario = scenario
        self.workload = workload

    def attach(self, centre) -> None:
        self.centre = centre

    @staticmethod
    def wait_margin_s(scenario, contact_type) -> float:
        return 0.0

    def add_to_log(self, run_log) -> None:
        pass


def live_head(queue, now: float, lapsed):
    """The first contact of ``queue`` still waiting live at ``now``, or None.

    Heads no longer waiting (served, called back, overflowed) are dropped;
    heads whose patience ran out before ``now`` are dropped and handed to
    ``lapsed`` (the rule's abandonment, or a list to abandon them later): they
    left at their abandonment instant and used no agent time, which is exact
    for priority / first-come-first-served queues (docs/design.md §6).
    """
    while queue:
        head = queue[0]
        if not head.waiting:
            queue.popleft()
        elif head.abandon_s <= now:
            queue.popleft()
            lapsed(head)
        else:
            return head
    return None
