"""The fitted scenario: a typical week of the centre, every fitted value with its ``sources`` note.

``typical_week`` builds it from the fits: one contact type per (log type,
priority class) with its per-interval arrival table for Monday..Sunday, its
handle time, patience, redials and menu behaviour; the self-service menu as
the bot in front of every call; the observed staffing (the mean over kept
days of each weekday, a lower bound) as a staffing table and as the
baseline policy ``observed``. ``log_horizon`` builds the same model over the
log's own days, each day with its observed staffing and at its observed
volume (the day's busyness factor is its ratio to the fitted expectation):
what the backtest runs.
"""

from __future__ import annotations

import numpy as np

from sim.model.scenario import WEEKDAYS, Scenario

BASELINE_POLICY = "observed"


def _types(fit, expected_by_type: dict[str, np.ndarray]) -> list[dict]:
    out = []
    for tid in fit.type_ids:
        redial = fit.retries.redial[tid]
        door = fit.retries.front_door
        ct = {
            "id": tid,
            "label": fit.type_labels.get(tid, tid),
            "priority": 1 if fit.high_priority[tid] else 0,
            "target_s": fit.target_s,
            "volume": {"table": [round(float(v), 4) for v in expected_by_type[tid]]},
            "handle_time_s": fit.handle[tid].spec,
            "patience_s": fit.patience[tid].spec,
            "redial": {"probability": round(redial["probability"], 4), "max_attempts": redial["max_attempts"]},
        }
        if redial["delay"] is not None:
            ct["redial"]["delay_s"] = redial["delay"].spec
        busy = redial.get("busy")
        if busy is not None:  # the log turned calls away: how those callers retried, for a model with limits
            ct["redial"]["busy_probability"] = round(busy["probability"], 4)
            if busy["delay"] is not None:
                ct["redial"]["busy_delay_s"] = busy["delay"].spec
        if fit.handover_s > 0:
            ct["after_contact_work_s"] = {"dist": "deterministic", "value": round(fit.handover_s, 1)}
        if fit.has_bot:
            bot = {"resolve_probability": round(door["share_ended"] * (1 - door["return_share"]), 5),
                   "false_resolution_probability": round(door["share_ended"] * door["return_share"], 5),
                   "time_s": door["time"].spec}
            if door["return_delay"] is not None:
                bot["return_delay_s"] = door["return_delay"].spec
            ct["bot"] = bot
        out.append(ct)
    return out


def _sources(fit) -> dict[str, str]:
    # Keyed by index path, as every scenario's sources are (the Assumptions page and the report match them).
    src = {"contact_types[*].id": f"{fit.origin}; {fit.type_rule}",
           "busyness_cv": f"{fit.origin}; {fit.busyness.note}; {fit.day_rule}; excluded: {fit.excluded_days_text}",
           "agents.tables[0].agents": f"{fit.origin}; {fit.staffing_rule}"}
    for k, tid in enumerate(fit.type_ids):
        where = f"contact_types[{k}]"
        src[f"{where}.volume.table"] = f"{fit.origin}; {tid}: {fit.arrivals.notes[tid]}"
        src[f"{where}.handle_time_s"] = f"{fit.origin}; {fit.handle[tid].note}"
        src[f"{where}.patience_s"] = f"{fit.origin}; {fit.patience[tid].note}"
        src[f"{where}.redial"] = f"{fit.origin}; {fit.retries.rule}; {tid}: {fit.retries.redial[tid]['note']}"
        src[f"{where}.priority"] = f"{fit.origin}; {fit.priority_note}"
        src[f"{where}.after_contact_work_s"] = f"{fit.origin}; {fit.handover_note}"
        if fit.has_bot:
            src[f"{where}.bot"] = f"{fit.origin}; {fit.retries.front_door['note']}"
    if fit.has_bot:
        src["front_door.bot_enabled"] = (f"{fit.origin}: every call passes the self-service menu first; the human "
                                         "option is always there (menu_s 0, found with probability 1)")
    return src


def _scenario(fit, days: int, start_weekday: str, expected: dict, agents: list[int], name: str, description: str,
              replications: int, seed: int) -> Scenario:
    data = {
        "name": name,
        "description": description,
        "days": days,
        "start_weekday": start_weekday,
        "interval_min": fit.interval_min,
        "busyness_cv": round(fit.busyness.cv, 4),
        "contact_types": _types(fit, expected),
        "agents": {"tables": [{"id": "observed", "agents": [int(a) for a in agents]}]},
        "front_door": {"bot_enabled": bool(fit.has_bot)},
        "policies": [{"id": BASELINE_POLICY, "label": "Observed staffing (a lower bound)", "baseline": True,
                      "description": "the agents seen serving calls in each interval of the log"}],
        "replications": replications,
        "seed": seed,
        "sources": _sources(fit),
    }
    return Scenario.model_validate(data)


def typical_week(fit, replications: int = 10, seed: int = 12345) -> Scenario:
    expected = {tid: fit.arrivals.expected[tid].ravel() for tid in fit.type_ids}
    return _scenario(
        fit, 7, "mon", expected, fit.week_agents.ravel().tolist(),
        name=f"calibrated from {fit.log_name}",
        description=(f"A typical week fitted by `python -m sim calibrate` from {fit.log_name} ({fit.n_calls:,} calls, "
                     f"{fit.log_days} days from {fit.start_date}); see sources for every estimate."),
        replications=replications, seed=seed,
    )


def log_horizon(fit, replications: int, seed: int) -> Scenario:
    """The fitted model over the log's own days, each with its weekday's arrivals and its own observed staffing."""
    weekdays = (np.arange(fit.log_days) + fit.start_weekday) % 7
    # Each day at its own observed level (its busyness factor is the day's ratio to the model's expectation),
    # so the backtest judges the queueing model against the day the staffing was planned for, not a random day.
    level = np.ones(fit.log_days)
    days = fit.busyness.table
    level[days["day"].to_numpy()] = days["ratio"].to_numpy()
    expected = {tid: (fit.arrivals.expected[tid][weekdays] * level[:, None]).ravel() for tid in fit.type_ids}
    scenario = _scenario(fit, fit.log_days, WEEKDAYS[fit.start_weekday], expected, fit.day_agents.tolist(),
                     name=f"backtest of {fit.log_name}", description="the fitted model over the log's own days",
                     replications=replications, seed=seed)
    return scenario.model_copy(update={"busyness_cv": 0.0})
