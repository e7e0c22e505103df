"""The raw log of one run: one row per attempt outcome, the agents' presence, breaks, callbacks and dials.

The engine (sim.model.engine) and its routing rules (sim.model.routing)
write it; sim.model.metrics turns it into tables. The attempt log is a flat
``array('d')`` while the run goes, ``len(ATTEMPT_COLUMNS)`` values a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Attempt outcomes, as logged. CALLBACK_UNANSWERED: an accepted callback that never reached the
# customer (every call unanswered), an outcome of an offered attempt like answered or abandoned.
# Limits (sim.model.capacity, a contact type's hours and max_wait_s): BUSY_TONE every line the caller could use
# was taken, QUEUE_FULL every waiting place was taken, CLOSED the type's line was closed — none of the three
# joined the queue; DISCONNECTED waiting when the line closed (at_closing: disconnect) and LEFT_MESSAGE waited
# max_wait_s and left a message are outcomes of offered attempts.
ANSWERED, ABANDONED, BALKED, BOT_RESOLVED, BOT_FALSE_RESOLVED, BLOCKED, CALLBACK_UNANSWERED = range(7)
BUSY_TONE, QUEUE_FULL, DISCONNECTED, CLOSED, LEFT_MESSAGE = range(7, 12)
OUTCOME_NAMES = (
    "answered", "abandoned", "balked", "bot_resolved", "bot_false_resolved", "blocked", "callback_unanswered",
    "busy_tone", "queue_full", "disconnected", "closed", "left_message",
)

# Columns of RunLog.callbacks: one row per attempt offered a callback (sim.model.routing.staged).
CALLBACK_COLUMNS = ("type", "incident", "attempt", "offered_s", "accepted", "calls", "connected")
# Columns of RunLog.dials: agent time spent placing calls back.
DIAL_COLUMNS = ("agent", "start_s", "end_s", "type", "incident")

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
ROW_LENGTH = len(ATTEMPT_COLUMNS)
SERVICE_COLUMN = ATTEMPT_COLUMNS.index("service_s")


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
