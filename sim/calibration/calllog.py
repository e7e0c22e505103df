"""A call log read into one tidy table of calls, with every row left out counted by reason.

``read_call_log`` turns a log's text and its ``ColumnMap`` into a
``CallLog``: one row per usable call, times in seconds from midnight of the
log's first day, and ``rejected``, the rows left out and why (unreadable
rows, ignored outcome values such as the bank's PHANTOM calls, impossible
records). Nothing is dropped silently. A log whose mapping names a column it
does not have, or with no usable row, is refused (``CallLogError``) naming
the column.

The columns of ``CallLog.calls``:

- ``call_id``, ``customer`` (None when unknown), ``type`` (the log's value,
  or ``calls`` without a type column), ``high_priority`` (bool)
- ``arrival_s``; ``bot_s``: time in the self-service menu (nan without one)
- ``enqueue_s``, ``leave_queue_s``: joined and left the agents' queue (nan
  if the call never reached it); ``wait_s`` = their difference
- ``outcome``: ``answered``, ``abandoned`` (left the queue unanswered),
  ``bot_ended`` (ended in the self-service menu), ``not_admitted`` (never
  got in: busy tone, full queue, closed line; no queue times, an arrival
  that was never offered) or ``ended_by_centre`` (offered, and ended by the
  centre while waiting: disconnected at closing, voicemail; its wait is
  the caller's patience censored, not an abandonment). One without a queue
  entry is taken to have reached the queue and been ended at once (wait 0).
- ``service_start_s``, ``handle_s`` (answered calls), ``agent``
- ``day`` (0-based day of the log) and ``weekday`` (0 = Monday)

Clock slips of a few seconds (an agent's answer stamped a second before the
menu's exit, as in the bank's log) are clamped and counted in ``notes``;
larger inversions are impossible records.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from sim.calibration.columns import ColumnMap
from sim.files.calllog_io import CallLogError

DAY_S = 86400.0
CLOCK_SLIP_S = 5.0  # stamps out of order by at most this much are one clock's rounding, not an impossibility
_SHOWN = 40


@dataclass
class CallLog:
    calls: pd.DataFrame
    rejected: pd.DataFrame  # reason, rows, first_line
    notes: list[str]
    start_date: date
    days: int
    format_name: str
    rows_read: int  # data rows in the file (blank lines aside), usable or not
    has_bot: bool
    source: str | None = None
    kept_lines: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))

    @property
    def start_weekday(self) -> int:
        return self.start_date.weekday()


class _Rejects:
    def __init__(self):
        self.counts: dict[str, list[int]] = {}

    def add(self, reason: str, lines) -> None:
        lines = [int(n) for n in np.atleast_1d(lines)]
        if lines:
            self.counts.setdefault(reason, []).extend(lines)

    def table(self) -> pd.DataFrame:
        rows = [{"reason": r, "rows": len(v), "first_line": min(v)} for r, v in self.counts.items()]
        return pd.DataFrame(rows, columns=["reason", "rows", "first_line"])


def read_call_log(text: str, mapping: ColumnMap, source: str | None = None) -> CallLog:
    rejects = _Rejects()
    header, cells, lines, rows_read = _split(text, mapping, rejects, source)
    used = mapping.used_columns()
    missing = [f"columns.{field_name}: the log has no column {name!r}" for field_name, name in used.items()
               if name not in header]
    if missing:
        found = ", ".join(repr(h[:_SHOWN]) for h in header[:20]) + (", ..." if len(header) > 20 else "")
        raise CallLogError([*missing, f"the log's columns are: {found}"], source)
    raw = pd.DataFrame({f: [row[header.index(c)].strip() for row in cells] for f, c in used.items()})
    line = np.asarray(lines, dtype=int)

    outcome = raw["outcome"]
    ignored = outcome.isin(mapping.outcomes.ignore)
    for value in sorted(set(outcome[ignored])):
        rejects.add(f"outcome {value!r} is listed under outcomes.ignore", line[(outcome == value).to_numpy()])
    o = mapping.outcomes
    known = outcome.isin(o.answered + o.unanswered + o.not_admitted + o.ended_by_centre)
    unknown = ~known & ~ignored
    if unknown.any():
        rejects.add(f"columns.outcome ({mapping.columns.outcome!r}): a value not listed under outcomes",
                    line[unknown.to_numpy()])
    keep = known.to_numpy()
    raw, line = raw[keep].reset_index(drop=True), line[keep]

    times, day0, bad = _parse_times(raw, mapping, rejects, line)
    keep = ~bad
    raw, line = raw[keep].reset_index(drop=True), line[keep]
    times = {k: v[keep] for k, v in times.items()}
    notes: list[str] = []
    calls, bad = _assemble(raw, times, mapping, rejects, line, notes)
    calls, line = calls[~bad].reset_index(drop=True), line[~bad]
    if calls.empty:
        reasons = "; ".join(f"{r}: {n}" for r, n in rejects.table()[["reason", "rows"]].itertuples(index=False))
        raise CallLogError([f"no usable call in {rows_read:,} rows ({reasons or 'the log has no data rows'})"],
                           source)
    first_day = int(np.floor(calls["arrival_s"].min() / DAY_S))
    start = day0 + timedelta(days=first_day)
    shift = first_day * DAY_S
    for col in ("arrival_s", "enqueue_s", "leave_queue_s", "service_start_s"):
        calls[col] = calls[col] - shift
    calls["day"] = (calls["arrival_s"] // DAY_S).astype(int)
    calls["weekday"] = (calls["day"] + start.weekday()) % 7
    order = np.argsort(calls["arrival_s"].to_numpy(), kind="stable")
    calls, line = calls.iloc[order].reset_index(drop=True), line[order]
    return CallLog(
        calls=calls, rejected=rejects.table(), notes=notes, start_date=start,
        days=int(calls["day"].max()) + 1, format_name=mapping.name, rows_read=rows_read,
        has_bot=mapping.columns.bot_exit is not None, source=source, kept_lines=line,
    )


def _split(text: str, mapping: ColumnMap, rejects: _Rejects, source):
    reader = csv.reader(io.StringIO(text), delimiter=mapping.delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise CallLogError(["the log is empty; its first line must name the columns"], source)
        header = [h.strip() for h in header]
        cells, lines, rows = [], [], 0
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            rows += 1
            if len(row) != len(header):
                rejects.add(f"a row with {len(row)} cells; the header has {len(header)}", reader.line_num)
                continue
            cells.append(row)
            lines.append(reader.line_num)
    except csv.Error:
        raise CallLogError([f"line {reader.line_num}: not a readable line (a huge cell or a stray quote)"],
                           source) from None
    return header, cells, lines, rows


_TIME_FIELDS = ("arrival", "bot_entry", "bot_exit", "queue_entry", "queue_exit", "service_start", "service_end")


def _parse_times(raw: pd.DataFrame, mapping: ColumnMap, rejects: _Rejects, line: np.ndarray):
    """Seconds since midnight of the earliest date, per time field (nan: did not happen), and the bad rows."""
    bad = np.zeros(len(raw), dtype=bool)
    out: dict[str, np.ndarray] = {}
    if mapping.times_of_day:
        dates = pd.to_datetime(raw["date"], format=mapping.date_format, errors="coerce")
        unreadable = dates.isna().to_numpy()
        rejects.add(f"columns.date ({mapping.columns.date!r}): not a date in the format {mapping.date_format!r}",
                    line[unreadable])
        bad |= unreadable
        day0 = dates[~unreadable].min()
        day0 = day0.date() if pd.notna(day0) else date(2000, 1, 1)
        day_s = ((dates - pd.Timestamp(day0)).dt.days.to_numpy(dtype=float, na_value=np.nan)) * DAY_S
    else:
        day0, day_s = None, None
    parsed: dict[str, np.ndarray] = {}
    for f in _TIME_FIELDS:
        if f not in raw:
            continue
        values = raw[f]
        absent = values.isin(mapping.no_time).to_numpy()
        if mapping.times_of_day:
            t = pd.to_datetime(values.where(~absent), format=mapping.time_format, errors="coerce")
            secs = (t - t.dt.normalize()).dt.total_seconds().to_numpy(dtype=float, na_value=np.nan)
        else:
            t = pd.to_datetime(values.where(~absent), format=mapping.datetime_format, errors="coerce")
            parsed[f] = t
            secs = None
        unreadable = ~absent & (pd.isna(t).to_numpy())
        fmt = mapping.time_format if mapping.times_of_day else mapping.datetime_format
        rejects.add(f"columns.{f} ({getattr(mapping.columns, f)!r}): not a time in the format {fmt!r}",
                    line[unreadable & ~bad])
        bad |= unreadable
        if secs is not None:
            out[f] = np.where(absent, np.nan, secs)
    if not mapping.times_of_day:
        first = parsed["arrival"][~bad].min()
        day0 = first.normalize().date() if pd.notna(first) else date(2000, 1, 1)
        origin = pd.Timestamp(day0)
        for f, t in parsed.items():
            out[f] = (t - origin).dt.total_seconds().to_numpy(dtype=float, na_value=np.nan)
    else:
        arrival = out["arrival"]
        unreadable_arrival = np.isnan(arrival) & ~bad
        rejects.add(f"columns.arrival ({mapping.columns.arrival!r}): no arrival time", line[unreadable_arrival])
        bad |= unreadable_arrival
        for f in out:
            if f == "arrival":
                continue
            t = out[f]
            earlier = t < arrival - CLOCK_SLIP_S
            # A time of day before the arrival is the next day (across midnight) unless it is far earlier:
            # then the record is impossible, not a midnight crossing.
            crossing = earlier & (t + DAY_S - arrival <= DAY_S / 2)
            out[f] = np.where(crossing, t + DAY_S, t)
        for f in out:
            out[f] = out[f] + day_s
    return out, day0, bad


def _assemble(raw, times, mapping: ColumnMap, rejects: _Rejects, line, notes):
    n = len(raw)
    nan = np.full(n, np.nan)
    arrival = times["arrival"]
    bot_entry = times.get("bot_entry", arrival)
    bot_exit = times.get("bot_exit", nan)
    q_in, q_out = times.get("queue_entry", nan), times.get("queue_exit", nan)
    s_start, s_end = times.get("service_start", nan), times.get("service_end", nan)
    answered = raw["outcome"].isin(mapping.outcomes.answered).to_numpy()
    refused = raw["outcome"].isin(mapping.outcomes.not_admitted).to_numpy()
    cut_off = raw["outcome"].isin(mapping.outcomes.ended_by_centre).to_numpy()
    has_bot = "bot_exit" in times
    bot_s = bot_exit - bot_entry if has_bot else nan
    # A call that never got in has no wait, whatever queue stamps the export writes for it.
    in_queue = ~np.isnan(q_in) & ~refused
    # Where a call joined the queue: its queue entry, or (answered at once, or cut off on reaching it) where
    # the menu let it go.
    reach = np.where(in_queue, q_in, np.where(np.isnan(bot_exit), arrival, bot_exit))
    enqueue = np.where(answered | in_queue | cut_off, reach, np.nan)
    leave = np.where(answered, np.where(np.isnan(s_start), q_out, s_start), np.where(in_queue, q_out, np.nan))
    leave = np.where(in_queue & ~answered & np.isnan(q_out), np.nan, leave)
    leave = np.where(cut_off & ~in_queue, enqueue, leave)
    bad = np.zeros(n, dtype=bool)

    def refuse(mask, reason):
        mask = mask & ~bad
        rejects.add(reason, line[mask])
        bad[mask] = True

    refuse(has_bot & ~np.isnan(bot_exit) & (bot_s < -CLOCK_SLIP_S), "impossible: left the menu before entering it")
    no_exit = in_queue & ~answered & np.isnan(leave)
    refuse(no_exit & ~cut_off, "impossible: hung up in the queue with no queue-exit time")
    refuse(no_exit & cut_off, "impossible: ended by the centre in the queue with no queue-exit time")
    refuse(answered & np.isnan(s_start) & np.isnan(q_out), "impossible: answered with no service-start time")
    refuse(answered & ~np.isnan(s_start) & (s_start < arrival - CLOCK_SLIP_S), "impossible: service before arrival")
    wait = leave - enqueue
    refuse(wait < -CLOCK_SLIP_S, "impossible: negative wait (left the queue before joining it)")
    handle = s_end - s_start
    refuse(answered & (np.isnan(handle) | (handle < 0)), "impossible: negative or missing service time")
    slips = int(np.sum(~bad & ((wait < 0) | (has_bot & (bot_s < 0)))))
    if slips:
        notes.append(f"{slips:,} calls had time stamps out of order by at most {CLOCK_SLIP_S:g} s "
                     "(one clock's rounding); clamped to 0")
    leave = np.where(wait < 0, enqueue, leave)
    bot_s = np.where(bot_s < 0, 0.0, bot_s) if has_bot else bot_s
    if mapping.times_of_day:
        crossings = int(np.sum(~bad & _crossed(times, arrival)))
        if crossings:
            notes.append(f"{crossings:,} calls crossed midnight; their later times were put on the next day")
    outcome = np.where(answered, "answered", np.where(in_queue, "abandoned", "bot_ended" if has_bot else "abandoned"))
    outcome = np.where(refused, "not_admitted", np.where(cut_off, "ended_by_centre", outcome))
    if not has_bot:  # without a menu every unanswered call that got in was in the queue, waiting from its arrival
        enqueue = np.where(np.isnan(enqueue) & ~refused, arrival, enqueue)
        leave = np.where(np.isnan(leave) & ~refused, arrival, leave)
    customer = raw["customer"] if "customer" in raw else pd.Series([""] * n)
    agent = raw["agent"] if "agent" in raw else pd.Series([""] * n)
    calls = pd.DataFrame({
        "call_id": raw["call_id"] if "call_id" in raw else pd.Series(line.astype(str)),
        "customer": customer.where(~customer.isin(mapping.unknown_customer), None),
        "type": raw["type"] if "type" in raw else "calls",
        "high_priority": raw["priority"].isin(mapping.high_priority).to_numpy() if "priority" in raw else False,
        "arrival_s": arrival,
        "bot_s": bot_s,
        "enqueue_s": enqueue,
        "leave_queue_s": leave,
        "wait_s": leave - enqueue,
        "outcome": outcome,
        "service_start_s": np.where(answered, np.where(np.isnan(s_start), leave, s_start), np.nan),
        "handle_s": np.where(answered, handle, np.nan),
        "agent": agent.where(answered & ~agent.isin(mapping.no_agent), None),
    })
    return calls, bad


def _crossed(times: dict, arrival: np.ndarray) -> np.ndarray:
    later = np.vstack([v for k, v in times.items() if k != "arrival"]) if len(times) > 1 else None
    if later is None:
        return np.zeros(arrival.size, dtype=bool)
    day_of = np.floor(later / DAY_S)
    return np.nanmax(np.where(np.isnan(day_of), -np.inf, day_of), axis=0) > np.floor(arrival / DAY_S)
