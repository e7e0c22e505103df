"""Agents on duty per interval, estimated from who served calls (a lower bound), or read from a file.

The log records services, not shifts. An agent's *session* is the union of
its service spans with gaps of at most ``SESSION_GAP_S`` bridged (a short
idle spell between calls, a pause); the agents on duty in an interval are
the time-average of sessions overlapping it, rounded half up. An agent who
sat idle longer, or served nobody in an interval, is invisible: the
estimate is a **lower bound** on who was on duty, and a backtest that waits
too long is the sign of it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SESSION_GAP_S = 600.0


def agents_on_duty(calls: pd.DataFrame, days: int, interval_s: int) -> tuple[np.ndarray, str]:
    """Agents per interval of the log's horizon (days x intervals), and the rule stated."""
    per_day = 86400 // interval_s
    n = days * per_day
    busy = np.zeros(n)
    served = calls[(calls["outcome"] == "answered") & calls["agent"].notna()]
    start = served["service_start_s"].to_numpy()
    end = start + served["handle_s"].to_numpy()
    for _, idx in served.groupby("agent").indices.items():
        s, e = start[idx], end[idx]
        order = np.argsort(s)
        s, e = s[order], np.maximum.accumulate(e[order])
        # Sessions: a new one starts where the gap since the furthest end so far exceeds the bridge.
        breaks = np.flatnonzero(s[1:] - e[:-1] > SESSION_GAP_S) + 1
        sess_start = s[np.r_[0, breaks]]
        sess_end = e[np.r_[breaks - 1, len(s) - 1]]
        for a, b in zip(sess_start, sess_end):
            _add_span(busy, a, max(b, a), interval_s)
    agents = np.floor(busy / interval_s + 0.5).astype(int)
    rule = (f"an agent is on duty from the first to the last of its services, gaps of up to "
            f"{SESSION_GAP_S / 60:g} min between them bridged; agents per interval = time on duty in it / its "
            "length, rounded half up: a lower bound (an agent who served nobody is invisible)")
    return agents[:n], rule


def _add_span(acc: np.ndarray, a: float, b: float, interval_s: int) -> None:
    first, last = int(a // interval_s), int(b // interval_s)
    if first >= acc.size:
        return
    if first == last:
        acc[first] += b - a
        return
    acc[first] += (first + 1) * interval_s - a
    stop = min(last, acc.size)
    acc[first + 1:stop] += interval_s
    if last < acc.size:
        acc[last] += b - last * interval_s


HANDOVER_CAP_S = 600.0  # a gap longer than this is a break or the end of a session, not a hand-over


def handover_time(calls: pd.DataFrame) -> tuple[float, pd.DataFrame, str]:
    """The time an agent takes from the end of a call to its next while a caller waits: after-contact work.

    Measured only where a caller was waiting in the queue when the agent
    finished, so an idle agent's wait for work is not in it; the median is
    taken, since the long gaps are breaks or callers of types the agent does
    not take. Returns (median seconds, quantile table, note).
    """
    queued = calls[calls["enqueue_s"].notna() & (calls["wait_s"] > 0)]
    times = np.r_[queued["enqueue_s"].to_numpy(), queued["leave_queue_s"].to_numpy()]
    steps = np.r_[np.ones(len(queued)), -np.ones(len(queued))]
    order = np.argsort(times, kind="stable")
    times, waiting = times[order], np.cumsum(steps[order])
    served = calls[(calls["outcome"] == "answered") & calls["agent"].notna()].sort_values(["agent", "service_start_s"])
    start = served["service_start_s"].to_numpy()
    end = start + served["handle_s"].to_numpy()
    agent = served["agent"].to_numpy()
    at = np.searchsorted(times, end[:-1], side="right") - 1
    someone_waits = (at >= 0) & (waiting[np.maximum(at, 0)] > 0)
    gap = start[1:] - end[:-1]
    use = (agent[1:] == agent[:-1]) & someone_waits & (gap >= 0) & (gap <= HANDOVER_CAP_S)
    gaps = gap[use]
    q = np.array([0.1, 0.25, 0.5, 0.75, 0.9])
    table = pd.DataFrame({"quantile": q, "gap_s": np.quantile(gaps, q) if gaps.size else np.full(q.size, np.nan)})
    median = float(np.median(gaps)) if gaps.size else 0.0
    if median < 0.5:  # under the logs' one-second resolution: none
        median = 0.0
    note = (f"after_contact_work_s: median of {gaps.size:,} gaps between an agent's call end and its next call "
            f"while a caller was waiting (gaps over {HANDOVER_CAP_S / 60:g} min left out as breaks): {median:.0f} s; "
            "the longer gaps (breaks, callers of types the agent does not take) are not in it")
    return median, table, note
