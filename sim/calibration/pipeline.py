"""Calibration: from a call log to a fitted scenario, every estimate with its evidence, and its backtest.

``calibrate`` reads the log (``sim.calibration.calllog``), keeps the weeks
asked for, assigns contact types, flags days that do not fit, links
redials, and fits arrivals and busyness, handle times, patience, the
self-service menu and agents on duty; it builds the typical-week scenario
and backtests the model over the log's own days. The result, a
``Calibration``, holds every evidence table (``tables()``), the scenario and
the backtest; ``sim.calibration.output`` writes them to a folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration import backtest as bt
from sim.calibration.arrivals import check_days, fit_arrivals, fit_busyness
from sim.calibration.calllog import CallLog, read_call_log
from sim.calibration.columns import BUILT_IN_FORMATS, ColumnMap
from sim.calibration.contact_types import DEFAULT_MIN_SHARE, assign_types
from sim.calibration.durations import MIN_SAMPLE, fit_duration, fit_patience
from sim.calibration.fitted_scenario import log_horizon, typical_week
from sim.calibration.records import call_table
from sim.calibration.redials import fit_retries, link_retries
from sim.calibration.staffing import agents_on_duty, handover_time
from sim.files.calllog_io import MAX_LOG_BYTES, CallLogError, load_column_map, read_text_file
from sim.files.scenario_io import read_column
from sim.model.scenario import Scenario
from sim.runs.replication import replicate
from sim.runs.settings import RunSettings

REPLICATIONS, SEED = 10, 12345  # the fitted scenario's and its backtest's, unless the settings say otherwise


@dataclass
class Calibration:
    log: CallLog
    log_name: str
    origin: str
    interval_min: int
    target_s: float
    type_ids: list[str]
    type_labels: dict[str, str]
    high_priority: dict[str, bool]
    type_table: pd.DataFrame
    type_rule: str
    day_check: object
    busyness: object
    arrivals: object
    handle: dict
    patience: dict
    retries: object
    priority_table: pd.DataFrame
    priority_note: str
    day_agents: np.ndarray
    week_agents: np.ndarray
    staffing_rule: str
    handover_s: float = 0.0
    handover_table: pd.DataFrame | None = None
    handover_note: str = ""
    scenario: Scenario | None = None
    backtest: bt.Backtest | None = None
    notes: list[str] = field(default_factory=list)

    # what fitted_scenario reads
    @property
    def has_bot(self) -> bool:
        return self.log.has_bot

    @property
    def n_calls(self) -> int:
        return len(self.log.calls)

    @property
    def log_days(self) -> int:
        return self.log.days

    @property
    def start_date(self):
        return self.log.start_date

    @property
    def start_weekday(self) -> int:
        return self.log.start_weekday

    @property
    def day_rule(self) -> str:
        return self.day_check.rule

    @property
    def excluded_days_text(self) -> str:
        out = self.day_check.days[~self.day_check.days["kept"]]
        return ", ".join(f"{d} ({w}, {n} calls: {r})" for d, w, n, r in
                         zip(out["date"], out["weekday"], out["calls"], out["reason"])) or "none"

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every evidence table, tidy, by file name (without .csv)."""
        handle_c = pd.concat([f.candidates.assign(contact_type=t) for t, f in self.handle.items()], ignore_index=True)
        handle_q = pd.concat([f.quantiles.assign(contact_type=t) for t, f in self.handle.items()], ignore_index=True)
        pat_c = pd.concat([f.candidates.assign(contact_type=t) for t, f in self.patience.items()], ignore_index=True)
        pat_s = pd.concat([f.survival.assign(contact_type=t) for t, f in self.patience.items()], ignore_index=True)
        per_day = 1440 // self.interval_min
        staffing = pd.DataFrame({
            "day": np.repeat(np.arange(self.log_days), per_day),
            "interval": np.tile(np.arange(per_day), self.log_days),
            "agents_on_duty_lower_bound": self.day_agents,
        })
        door = self.retries.front_door
        tables = {
            "log_rejected_rows": self.log.rejected,
            "fit_contact_types": self.type_table,
            "fit_days": self.day_check.days.merge(self.busyness.table[["day", "expected"]], on="day", how="left"),
            "fit_arrivals": self.arrivals.table,
            "fit_handle_time": handle_c[["contact_type", *handle_c.columns.drop("contact_type")]],
            "fit_handle_time_quantiles": handle_q[["contact_type", *handle_q.columns.drop("contact_type")]],
            "fit_patience": pat_c[["contact_type", *pat_c.columns.drop("contact_type")]],
            "fit_patience_survival": pat_s[["contact_type", *pat_s.columns.drop("contact_type")]],
            "fit_redials": self.retries.table.assign(redial_delay=lambda t: t["redial_delay"].astype(str)),
            "fit_priorities": self.priority_table,
            "fit_staffing": staffing,
            "fit_after_contact_work": self.handover_table,
        }
        if self.has_bot and door["time"] is not None:
            tables["fit_bot_time"] = door["time"].candidates
            tables["fit_bot_time_quantiles"] = door["time"].quantiles
        if self.backtest is not None:
            tables["backtest"] = self.backtest.table
            tables["backtest_summary"] = self.backtest.summary
        return tables


def _resolve_mapping(format_name: str | None, columns: str | Path | ColumnMap | None) -> ColumnMap:
    if format_name is not None and columns is not None:
        raise CallLogError(["give either a built-in format or a column mapping, not both"])
    if isinstance(columns, ColumnMap):
        return columns
    if columns is not None:
        return load_column_map(columns)
    name = format_name or "anonymous_bank"
    if name not in BUILT_IN_FORMATS:
        raise CallLogError([f"--format: unknown format {name!r}; built in: {', '.join(BUILT_IN_FORMATS)}"])
    return BUILT_IN_FORMATS[name]


def _keep_weeks(log: CallLog, weeks: list[int] | None) -> CallLog:
    if not weeks:
        return log
    n_weeks = (log.days + 6) // 7
    bad = [w for w in weeks if not 1 <= w <= n_weeks]
    if bad:
        raise CallLogError([f"--weeks: the log has weeks 1..{n_weeks} (7 days each from {log.start_date}); "
                            f"got {', '.join(map(str, bad))}"])
    week = log.calls["day"] // 7 + 1
    kept = log.calls[week.isin(weeks)].copy()
    first = (min(weeks) - 1) * 7
    kept["day"] -= first
    kept["arrival_s"] -= first * 86400.0
    for col in ("enqueue_s", "leave_queue_s", "service_start_s"):
        kept[col] -= first * 86400.0
    days = int(kept["day"].max()) + 1 if len(kept) else 0
    return CallLog(calls=kept.reset_index(drop=True), rejected=log.rejected, notes=log.notes,
                   start_date=log.start_date + timedelta(days=first), days=days, format_name=log.format_name,
                   rows_read=log.rows_read, has_bot=log.has_bot, source=log.source)


def read_staffing(path: str | Path, days: int, per_day: int) -> np.ndarray:
    """Agents per interval from a CSV with a column ``agents``: one week from Monday, or every interval of the log."""
    text = read_text_file(path, 5_000_000, "--staffing")
    try:
        values = np.asarray(read_column(text, "agents"))
    except ValueError as exc:
        raise CallLogError([f"--staffing: {exc}"], str(path)) from None
    if values.size not in (7 * per_day, days * per_day) or np.any(values < 0):
        raise CallLogError([f"--staffing: needs {7 * per_day} values (a week of intervals from Monday) or "
                            f"{days * per_day} (every interval of the log), none negative; got {values.size}"],
                           str(path))
    return np.floor(values + 0.5).astype(int)


def calibrate(
    log: str | Path,
    out: str | Path | None = None,
    *,
    format: str | None = None,
    columns: str | Path | ColumnMap | None = None,
    interval_min: int = 30,
    weeks: list[int] | None = None,
    staffing: str | Path | None = None,
    target_s: float = 20.0,
    min_type_share: float = DEFAULT_MIN_SHARE,
    settings: RunSettings | None = None,
    backtest: bool = True,
    text: str | None = None,
) -> Calibration:
    """Fit a scenario from a call log and backtest it; write everything to ``out`` when given.

    ``format`` names a built-in layout (``anonymous_bank``, ``humanline``) or
    ``columns`` gives a column mapping (a YAML file or a ColumnMap); ``text``
    is the log's content when it is already in memory (the app's upload).
    ``settings``: the fitted scenario's replications and seed and the
    backtest's (unset: ``REPLICATIONS``, ``SEED``); progress in percent of the
    whole, the step at work as its ``stage``.
    """
    settings = (settings or RunSettings()).or_defaults(REPLICATIONS, SEED)
    replications, seed = settings.replications, settings.seed
    if interval_min not in (15, 30, 60):
        raise CallLogError([f"--interval-min: must be 15, 30 or 60, got {interval_min}"])

    def report(fraction: float, step: str) -> None:
        settings.tell(round(100 * fraction), 100, step)

    mapping = _resolve_mapping(format, columns)
    if out is not None:
        from sim.calibration.output import check_folder

        check_folder(Path(out))  # before the work, not after it
    name = Path(str(log)).name
    report(0.02, "reading the log")
    if text is None:
        text = read_text_file(log, MAX_LOG_BYTES, "LOG")
    call_log = _keep_weeks(read_call_log(text, mapping, str(log)), weeks)
    calls = call_log.calls
    if calls.empty:
        raise CallLogError(["no usable call in the weeks asked for"], str(log))
    origin = f"fitted from {name} ({mapping.name} layout)"
    report(0.1, "contact types and days")
    calls["type_id"], type_table, type_rule = assign_types(calls, min_type_share)
    type_ids = list(calls["type_id"].value_counts().index)
    high = {t: bool(calls.loc[calls["type_id"] == t, "high_priority"].mean() > 0.5) for t in type_ids}
    labels = {t: "log types " + ", ".join(sorted(set(type_table.loc[type_table["contact_type"] == t, "log_type"])))
              + (" (priority customers)" if high[t] else "") for t in type_ids}
    day_check = check_days(calls, call_log.days, call_log.start_date)
    kept_days = day_check.kept
    fit_calls = calls[calls["day"].isin(kept_days)].copy()
    report(0.2, "redials and returns")
    linked = link_retries(fit_calls)
    has_bot = call_log.has_bot and bool(fit_calls["bot_s"].notna().any())
    call_log.has_bot = has_bot
    retries = fit_retries(linked, type_ids, has_bot)
    report(0.3, "busyness and arrivals")
    busyness = fit_busyness(day_check)
    arrivals = fit_arrivals(fit_calls, day_check, call_log.start_weekday, interval_min, retries.first_share,
                            busyness.cv)
    report(0.4, "handle times and patience")
    handle, patience = {}, {}
    answered_all = fit_calls[fit_calls["outcome"] == "answered"]
    queued_all = fit_calls[fit_calls["enqueue_s"].notna() & (fit_calls["wait_s"] > 0)]
    for tid in type_ids:
        mine = answered_all[answered_all["type_id"] == tid]["handle_s"]
        if len(mine) < MIN_SAMPLE:
            handle[tid] = fit_duration(answered_all["handle_s"], f"handle time (all types pooled: {tid} has "
                                                                 f"{len(mine)} answered calls)")
        else:
            handle[tid] = fit_duration(mine, f"handle time ({tid})")
        q = queued_all[queued_all["type_id"] == tid]
        pooled = (q["outcome"] == "abandoned").sum() < MIN_SAMPLE
        source = queued_all if pooled else q
        what = f"patience (all types pooled: {tid} has fewer than {MIN_SAMPLE} abandonments)" if pooled else \
            f"patience ({tid})"
        patience[tid] = fit_patience(source["wait_s"], source["outcome"] == "abandoned", what)
    queued = fit_calls[fit_calls["enqueue_s"].notna()]
    priority_table = queued.groupby("high_priority").agg(
        offered=("outcome", "size"), mean_wait_s=("wait_s", "mean"),
        p_wait=("wait_s", lambda w: float(np.mean(w >= bt.WAITED_S))),
        abandonment=("outcome", lambda o: float(np.mean(o == "abandoned"))),
    ).reset_index()
    waits = priority_table.set_index("high_priority")["mean_wait_s"]
    priority_note = ("priority 1 for calls of the log's high-priority class, 0 otherwise; served by priority, "
                     "then first come first served, non-preemptively (the model's rule; a centre may instead give "
                     "its priority callers a head start)")
    if len(waits) == 2:
        priority_note += f"; mean wait in the log: high priority {waits[True]:.0f} s, others {waits[False]:.0f} s"
    report(0.5, "agents on duty")
    per_day = 1440 // interval_min
    if staffing is not None:
        values = read_staffing(staffing, call_log.days, per_day)
        day_agents = values if values.size == call_log.days * per_day else \
            np.concatenate([values.reshape(7, per_day)[(d + call_log.start_weekday) % 7]
                            for d in range(call_log.days)])
        staffing_rule = f"read from {Path(str(staffing)).name} (the user's staffing file)"
    else:
        day_agents, staffing_rule = agents_on_duty(calls, call_log.days, interval_min * 60)
    by_day = day_agents.reshape(call_log.days, per_day)
    weekday_of = (np.arange(call_log.days) + call_log.start_weekday) % 7
    week_agents = np.zeros((7, per_day), dtype=int)
    for w in range(7):
        days_w = [d for d in kept_days if weekday_of[d] == w]
        if days_w:
            week_agents[w] = np.floor(by_day[days_w].mean(axis=0) + 0.5).astype(int)
    staffing_rule += "; the typical week takes the mean over kept days of each weekday, rounded half up"
    handover_s, handover_table, handover_note = handover_time(fit_calls)
    cal = Calibration(
        log=call_log, log_name=name, origin=origin, interval_min=interval_min, target_s=target_s,
        type_ids=type_ids, type_labels=labels, high_priority=high, type_table=type_table, type_rule=type_rule,
        day_check=day_check, busyness=busyness, arrivals=arrivals, handle=handle, patience=patience,
        retries=retries, priority_table=priority_table, priority_note=priority_note, day_agents=day_agents,
        week_agents=week_agents, staffing_rule=staffing_rule, notes=list(call_log.notes),
        handover_s=handover_s, handover_table=handover_table, handover_note=handover_note,
    )
    cal.scenario = typical_week(cal, replications=replications, seed=seed)
    if backtest:
        cal.backtest = run_backtest(cal, replications, seed,
                                    lambda done, total: report(0.55 + 0.4 * done / total,
                                                               f"backtest: replication {done} of {total}"))
    if out is not None:
        from sim.calibration.output import write_calibration

        report(0.97, "writing")
        write_calibration(cal, out)
    report(1.0, "done")
    return cal


def simulated_calls(scenario: Scenario, replications: int, seed: int, progress=None) -> list[pd.DataFrame]:
    """Each replication's calls (sim.calibration.records.call_table), on the runner's seeding rule.

    ``progress(done, total)`` after each replication.
    """
    out = []
    for r in range(replications):
        one = replicate(scenario, None, seed, r)
        out.append(call_table(scenario, one.workload, one.log))
        if progress:
            progress(r + 1, replications)
    return out


def run_backtest(cal: Calibration, replications: int, seed: int, progress=None) -> bt.Backtest:
    scenario = log_horizon(cal, replications, seed)
    kept = cal.day_check.kept
    observed = bt.hour_metrics(cal.log.calls, kept, cal.target_s)
    simulated = [bt.hour_metrics(c, kept, cal.target_s)
                 for c in simulated_calls(scenario, replications, seed, progress)]
    return bt.compare(observed, simulated, cal.target_s)


__all__ = ["Calibration", "calibrate"]
