"""The data dictionary of the exported tables: what every column means, its unit and currency.

A table without its dictionary invites misreading ("is loss per incident or
per run? in which currency?"). ``data_dictionary`` describes every column of
the tables it is given, and every value of the long tables' ``metric``
column, so an export carries its own legend. A column this module does not
know is listed with an empty meaning, and the tests fail on it: a new column
must be described before it ships.
"""

from __future__ import annotations

import pandas as pd

# unit: key, count, seconds, hours, money, share, number, flag
_KEYS = {
    "policy": ("policy id (see the scenario's policies)", "key"),
    "replication": ("replication number, 0-based; each has its own seed", "key"),
    "contact_type": ("contact type id; 'all' sums the types, 'emergency' the emergency types", "key"),
    "interval": ("interval number from the start of the horizon", "key"),
    "incident": ("incident number within its contact type and replication", "key"),
    "group": ("agent group (a shift id or a staffing table)", "key"),
    "metric": ("name of the measure on this row (see the metric rows of this dictionary)", "key"),
    "value": ("in summary/compare: the policy's level; in a frontier: the share of the roster kept", "number"),
    "template": ("policy whose roster the frontier scales", "key"),
}
_COLUMNS = {
    "incidents": ("distinct incidents that arrived", "count"),
    "attempts": ("incidents + redials + returns", "count"),
    "bot_sessions": ("attempts that entered the bot", "count"),
    "bot_resolved": ("bot sessions the bot resolved", "count"),
    "bot_false_resolved": ("bot sessions falsely marked resolved (the customer comes back)", "count"),
    "blocked": ("attempts that never found the human option", "count"),
    "offered": ("attempts that joined the human queue", "count"),
    "answered": ("offered attempts answered by a human (a callback: when the customer answers the call back)",
                 "count"),
    "abandoned": ("offered attempts that hung up while waiting (balked included)", "count"),
    "balked": ("offered attempts that hung up at once, no agent free", "count"),
    "delayed": ("offered attempts not answered at once", "count"),
    "answered_within_target": ("attempts answered within the type's target time", "count"),
    "abandoned_within_target": ("attempts abandoned within the type's target time", "count"),
    "wait_sum_s": ("queue time summed over offered attempts (a callback's runs to its call back)", "seconds"),
    "answered_wait_sum_s": ("queue time summed over answered attempts", "seconds"),
    "reached_human": ("incidents answered by a human at least once", "count"),
    "within_guarantee": ("incidents whose time to a human is within the guarantee", "count"),
    "time_to_human_sum_s": ("time to a human summed over incidents that reached one", "seconds"),
    "handled_s": ("agent time spent handling (talk and after-contact work)", "seconds"),
    "callback_offered": ("attempts offered a callback (predicted wait over the threshold, or waited that long)",
                         "count"),
    "callback_accepted": ("attempts that took the callback offered and left the live queue", "count"),
    "callback_answered": ("accepted callbacks whose call back the customer answered (then served)", "count"),
    "callback_unanswered": ("accepted callbacks never reached: every call back unanswered (an outcome of offered)",
                            "count"),
    "callback_calls": ("calls back placed, unanswered ones included", "count"),
    "callback_dial_s": ("agent time spent placing calls back (busy, paid)", "seconds"),
    "agent_cost": ("paid agent hours times hourly cost, overtime included", "money"),
    "bot_cost": ("bot sessions times cost per session, plus the fixed cost per day", "money"),
    "customer_loss": ("money emergency victims lost while not reaching a human", "money"),
    "platform_liability": ("the share of customer losses the platform compensates", "money"),
    "churn_cost": ("cost of abandoned and unresolved non-emergency incidents", "money"),
    "amount_at_risk": ("money at risk at the start of the emergency incidents", "money"),
    "unreached": ("incidents that never reached a human", "count"),
    "unreached_loss": ("losses of incidents that never reached a human", "money"),
    "unreached_attempts": ("attempts made by incidents that never reached a human", "count"),
    "mean": ("mean over replications", "as the metric"),
    "ci_low": ("lower bound of the confidence interval (Student t, kept inside the feasible range)", "as the metric"),
    "ci_high": ("upper bound of the confidence interval", "as the metric"),
    "n": ("replications behind the figure", "count"),
    "rough": ("fewer than 5 replications stand behind the interval", "flag"),
    "baseline": ("the baseline policy's level (paired comparison)", "as the metric"),
    "difference": ("policy minus baseline, per replication, then averaged; savings signed so positive is good",
                   "as the metric"),
    "interval_start_s": ("start of the interval since the start of the horizon", "seconds"),
    "day": ("day number from the start of the horizon, 0-based", "key"),
    "arrivals": ("attempts arriving in the interval", "count"),
    "service_level": ("answered within target / offered", "share"),
    "mean_wait_s": ("mean queue time of offered attempts", "seconds"),
    "queue_length_mean": ("time-average number waiting", "count"),
    "agents_on_duty": ("time-average agents on duty (breaks and absence taken out)", "count"),
    "abandonment": ("abandoned / offered", "share"),
    "arrival_s": ("first attempt of the incident, since the start of the horizon", "seconds"),
    "time_to_human_s": ("first attempt to first human answer, empty if never reached", "seconds"),
    "loss": ("money this incident lost", "money"),
    "platform_paid": ("what the policy's liability rule pays on this incident (share, cap, conditions)", "money"),
    "scheduled": ("agents rostered in the group", "count"),
    "agent_shifts": ("agent shifts worked (absences left out)", "count"),
    "presences": ("agent presences with paid time in the window (continuous cover counts once)", "count"),
    "paid_hours": ("paid agent hours, overtime included", "hours"),
    "overtime_hours": ("paid hours past shift end to finish a contact", "hours"),
    "busy_hours": ("agent hours spent handling or dialling (holding several chats counts once)", "hours"),
    "occupancy": ("busy hours / paid hours", "share"),
    "scope": ("contact types the figure is read at ('all' or 'emergency')", "key"),
    "guarantee_holds_mean": ("the share within the guarantee meets the target on the mean", "flag"),
    "guarantee_holds_confident": ("the share within the guarantee meets the target on the lower bound", "flag"),
    "agents": ("agents on the roster at this share kept", "count"),
}
_METRICS = {
    **{k: v for k, v in _COLUMNS.items() if k in (
        "incidents", "attempts", "bot_sessions", "bot_resolved", "bot_false_resolved", "blocked", "offered",
        "answered", "abandoned", "balked", "delayed", "answered_within_target", "abandoned_within_target",
        "wait_sum_s", "answered_wait_sum_s", "reached_human", "within_guarantee", "time_to_human_sum_s",
        "handled_s", "callback_offered", "callback_accepted", "callback_answered", "callback_unanswered",
        "callback_calls", "callback_dial_s", "agent_cost", "bot_cost", "customer_loss", "platform_liability", "churn_cost",
        "amount_at_risk", "unreached", "unreached_loss", "unreached_attempts", "service_level", "mean_wait_s",
        "abandonment", "occupancy")},
    "balking": ("balked / offered", "share"),
    "callback_take_up": ("callbacks accepted / callbacks offered", "share"),
    "callback_reach": ("callbacks answered / callbacks accepted", "share"),
    "p_delay": ("delayed / offered: probability of waiting at all", "share"),
    "asa_s": ("average speed of answer: queue time of answered attempts / answered", "seconds"),
    "bot_containment": ("bot resolved / bot sessions", "share"),
    "share_reached_human": ("incidents that reached a human / incidents", "share"),
    "share_within_guarantee": ("incidents reaching a human within the guarantee / incidents", "share"),
    "mean_time_to_human_s": ("mean time to a human of incidents that reached one", "seconds"),
    "attempts_per_incident": ("attempts / incidents", "number"),
    "share_unreached": ("incidents never reaching a human / incidents", "share"),
    "attempts_per_unreached": ("attempts per incident that never reached a human", "number"),
    "time_to_human_p50_s": ("median time to a human; never reached counts as infinite", "seconds"),
    "time_to_human_p90_s": ("90th percentile of time to a human; never reached counts as infinite", "seconds"),
    "time_to_human_p99_s": ("99th percentile of time to a human; never reached counts as infinite", "seconds"),
    "total_cost": ("agent cost + bot cost", "money"),
    "wages_saved": ("baseline agent cost - policy agent cost", "money"),
    "bot_cost_saved": ("baseline bot cost - policy bot cost", "money"),
    "added_customer_loss": ("policy customer losses - baseline's", "money"),
    "added_liability": ("policy liability - baseline's", "money"),
    "added_churn": ("policy churn cost - baseline's", "money"),
    "net_saving": ("for society: wages + bot cost saved - added customer losses - added churn", "money"),
    "net_saving_platform": ("for the platform: wages + bot cost saved - added liability - added churn", "money"),
}


def data_dictionary(tables: dict[str, pd.DataFrame], currency: str) -> pd.DataFrame:
    """One row per column of each table (and per metric of the long tables): file, column, meaning, unit, currency.

    Money is per replication (one run of the scenario's horizon) in ``currency``.
    """
    rows = []
    for name, frame in tables.items():
        for column in frame.columns:
            meaning, unit = _KEYS.get(column) or _COLUMNS.get(column) or ("", "")
            rows.append(_row(name, column, meaning, unit, currency))
        if "metric" in frame.columns:
            for metric in dict.fromkeys(frame["metric"]):
                meaning, unit = _METRICS.get(metric, ("", ""))
                rows.append(_row(name, f"metric={metric}", meaning, unit, currency))
    return pd.DataFrame(rows, columns=["file", "column", "meaning", "unit", "currency"])


def _row(table: str, column: str, meaning: str, unit: str, currency: str) -> dict:
    money = unit == "money"
    return {"file": f"{table}.csv", "column": column, "meaning": meaning,
            "unit": f"{currency} per run" if money else unit, "currency": currency if money else ""}
