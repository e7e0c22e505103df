"""The data dictionary of the exported tables: what every column means, its unit and currency.

A table without its dictionary invites misreading ("is loss per incident or
per run? in which currency?"). ``data_dictionary`` describes every column of
the tables it is given, and every value of the long tables' ``metric``
column, so an export carries its own legend. A column this module does not
know is listed with an empty meaning, and the tests fail on it: a new column
must be described before it ships (tests/test_exported_columns.py runs every
command that writes a folder).

A column is looked up in its own file's entries first (``cover.csv`` of
``roster`` has a ``required`` that means something of its own), then in the
shared ones. Two families of names are described from their stem:
``X_ci_low`` / ``X_ci_high`` (the bounds of X's interval) and ``X[type]``
(X for one contact type, in the wide ``headline.csv``).

Differences of shares (``difference`` of a share metric in ``compare.csv``)
are percentage points, stored as a fraction: -0.849 is -84.9 pp, never
"-84.9%"; the wide table writes them in pp outright (``_pp``).
"""

from __future__ import annotations

import pandas as pd

# What each file a command or the app writes holds, in a few words (the Downloads page, the README's lists).
FILES = {
    "headline.csv": "one row per policy: net effects and their terms with 95% CIs, costs, the guarantee, "
                    "routine service; rounded, to open in a spreadsheet",
    "replications.csv": "one row per policy x replication x contact type: raw counts, sums and money",
    "summary.csv": "mean and 95% CI per policy x contact type x metric",
    "compare.csv": "paired differences against the baseline (shares' differences: pp as a fraction)",
    "intervals.csv": "per policy x replication x interval x contact type: the model's own interval table",
    "interval_means.csv": "per policy x interval, every contact type together, mean over replications",
    "incidents.csv": "emergency incidents, one row each: arrival, time to a human, loss",
    "agents.csv": "per policy x replication x agent group: paid, busy and overtime hours",
    "frontier.csv": "the cost-of-cutting frontier: one row per share kept x metric",
    "cover.csv": "roster: per interval and skill group, required against on duty after absence",
    "rounds.csv": "roster: each simulate-and-repair round's wages, size and guarantee",
    "roster.yaml": "roster: the agents block and the policy using it, to paste into a scenario",
    "guarantee.csv": "guarantee: against each policy, what the cheapest guarantee roster costs and prevents",
    "guarantee_policies.csv": "guarantee: each roster's wages, agent-hours, peak agents and guarantee share",
    "erlang.csv": "erlang: the formula's figures per number of agents",
    "staffing.csv": "staff: agents needed per interval by method, against the roster",
    "breakeven.csv": "breakeven: every member tested, with its figures and intervals",
    "breakeven_findings.csv": "breakeven: the answer per criterion, with its bracket",
    "breakeven_runs.csv": "breakeven: every member x metric as run",
    "data_dictionary.csv": "every column of the other files: meaning, unit, currency",
    "points.csv": "analyse: each design point's figures per policy, mean and 95% CI",
    "tornado.csv": "analyse: one-at-a-time swings of each figure per factor",
    "loss_curve_share.csv": "analyse: how much of the one-at-a-time swings the loss curves' factors make",
    "morris.csv": "analyse: Morris elementary effects per factor",
    "sobol.csv": "analyse: Sobol first and total indices per factor",
    "verdict.csv": "analyse: per point and policy, whether it saves money and keeps the guarantee",
    "verdict_boxes.csv": "analyse: the factor ranges where the verdict flips",
    "scenario.yaml": "the scenario as run, headed by the app's changes",
    "provenance.json": "scenario hash, seed, replications, versions, git commit, the command, the time",
}

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
    "busy_tone": ("attempts that found every phone line they could use taken (never joined the queue)", "count"),
    "queue_full": ("attempts that reached the human queue with every waiting place taken and no agent free "
                   "(never joined the queue)", "count"),
    "disconnected": ("offered attempts still waiting when their type's line closed (at_closing: disconnect)",
                     "count"),
    "closed": ("attempts that arrived while their type's line was closed (never joined the queue)", "count"),
    "left_message": ("offered attempts that waited the type's max_wait_s and left a message (ends the incident)",
                     "count"),
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
    "difference": ("policy minus baseline, per replication, then averaged; savings signed so positive is good; "
                   "for a share, a difference in percentage points stored as a fraction (-0.05 = -5 pp)",
                   "as the metric (shares: pp as a fraction)"),
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
    "headcount": ("agents on the policy's roster at this value (shift headcounts and table peaks)", "count"),
    "weekday": ("day of the week of the interval", "key"),
    "time": ("clock time at the start of the interval", "key"),
    "load_erlangs": ("offered load: arrival rate x mean service time", "Erlangs"),
    "p_wait": ("probability an arriving call waits at all", "share"),
    "p_abandon": ("probability an arriving call abandons", "share"),
    "asa_s": ("average speed of answer of answered calls", "seconds"),
}
# The wide headline table (sim.files.headline): one row per policy.
_HEADLINE = {
    "label": ("the policy's label in the scenario", "key"),
    "is_baseline": ("this policy is the baseline the differences are taken against", "flag"),
    "replications": ("replications behind every figure of the row", "count"),
    "seed": ("seed of the run (same seed and replications, same numbers)", "key"),
    "emergency_within_guarantee_pct": ("emergency incidents reaching a human within the guarantee, of all "
                                       "emergency incidents, as a percentage", "%"),
    "emergency_within_guarantee_difference_pp": ("policy minus baseline of the emergency share within the "
                                                 "guarantee, paired per replication", "pp"),
    "emergency_unreached": ("emergency incidents that never reached a human, per run", "count"),
    "service_level_pct": ("service level (answered within the type's target / offered) as a percentage", "%"),
    "abandonment_pct": ("abandoned / offered as a percentage", "%"),
}
# guarantee.csv's measures: the cheapest roster keeping the guarantee against a policy P, paired (sim.studies.guarantee)
_MEASURES = {
    "extra_wages": ("agent cost of the guarantee roster - P's (negative: it pays less)", "money"),
    "extra_bot_cost": ("bot cost of the guarantee roster - P's", "money"),
    "losses_prevented": ("customer losses under P - under the guarantee roster", "money"),
    "liability_prevented": ("platform liability under P - under the guarantee roster", "money"),
    "churn_prevented": ("churn cost under P - under the guarantee roster (negative: the roster adds churn)",
                        "money"),
    "unreached_prevented": ("emergency incidents never reaching a human under P - under the guarantee roster",
                            "count"),
    "net_for_society": ("losses + churn prevented - extra wages - extra bot cost", "money"),
    "net_for_platform": ("liability + churn prevented - extra wages - extra bot cost", "money"),
}
_FACTOR_TABLES = ("points", "verdict")  # analysis tables with one column per experiment factor
# Per file: the meaning of a column in that file, where it differs from the shared one or is its own.
_BY_FILE = {
    "cover": {
        "skill": ("skill group the requirement is for (contact types needing that skill)", "key"),
        "when": ("weekday and clock time of the interval", "key"),
        "required": ("agents needed on duty in the interval by the requirement method, before repair", "count"),
        "required_after_repair": ("agents needed after the simulation raised the requirement where emergencies "
                                  "missed the guarantee", "count"),
        "on_duty_after_shrinkage": ("the optimised roster's agents on duty, breaks out, times (1 - absence)",
                                    "count"),
        "over_cover": ("on duty after shrinkage - required after repair (negative: short)", "count"),
    },
    "rounds": {
        "round": ("simulate-and-repair round, 0 = the first solve", "key"),
        "wages_over_horizon": ("scheduled wages of the roster over the scenario's horizon", "money"),
        "cost_per_week": ("scheduled wages of the roster a week", "money"),
        "status": ("the integer program's solver status", "key"),
        "gap": ("proven optimality gap of the solution: 0.01 = within 1% of the cheapest roster", "share"),
        "solve_s": ("wall-clock time of the solve", "seconds"),
        "agent_hours_per_week": ("scheduled agent-hours on duty a week, breaks out, before absence", "hours"),
        "peak_agents_on_duty": ("most agents scheduled on duty in any interval, breaks out, before absence",
                                "count"),
        "guarantee_share_mean": ("emergencies within the guarantee in this round's check (mean over its "
                                 "replications, fresh seeds)", "share"),
        "guarantee_share_ci_low": ("lower bound of its 95% interval", "share"),
        "guarantee_share_ci_high": ("upper bound of its 95% interval", "share"),
        "holds_with_confidence": ("the lower bound meets the guarantee's target share", "flag"),
    },
    "staffing": {
        "method": ("how agents_needed was computed (erlang_c, erlang_a_lagged, isa, ...)", "key"),
        "calls_per_interval": ("expected first attempts arriving in the interval", "count"),
        "target_s": ("service-level target time used for the interval", "seconds"),
        "service_level_target": ("share to be answered within target_s", "share"),
        "binding_type": ("contact type whose target sets the agents in a pooled row (empty: none binds)", "key"),
        "agents_needed": ("agents needed on duty in the interval by the method", "count"),
        "predicted_service_level": ("service level the method predicts with agents_needed", "share"),
        "rostered": ("agents on duty per the roster, scheduled breaks out, no absence", "count"),
        "gap": ("rostered - agents_needed (negative: short)", "count"),
    },
    "breakeven": {
        "value": ("the family member: share of the roster kept (staffing) or the bot-resolve multiplier", "number"),
        "stage": ("where the search tested it: the coarse grid or a bisection step", "key"),
        "simulated_as": ("the member actually simulated (values giving the same scenario share one run)", "number"),
        "batch": ("the sweep call this member was run in (every member of a batch meets the same customers)",
                  "key"),
        "share_within_guarantee": ("emergencies within the guarantee at this member, its own mean", "share"),
        "unreached": ("emergency incidents never reaching a human, per run", "count"),
        "service_level": ("service level of every contact type together", "share"),
        "abandonment": ("abandonment of every contact type together", "share"),
        "saving_positive_mean": ("net saving above 0 on the mean", "flag"),
        "saving_positive_confident": ("net saving above 0 on the lower bound", "flag"),
    },
    "breakeven_runs": {
        "value": ("the family member: share of the roster kept (staffing) or the bot-resolve multiplier", "number"),
        "mean": ("the metric at this member: its level, or for savings the paired difference against the "
                 "baseline", "as the metric"),
        "batch": ("the sweep call this member was run in", "key"),
    },
    "breakeven_findings": {
        "criterion": ("the question answered (guarantee or saving, on the mean or with confidence)", "key"),
        "metric": ("the measure the criterion is judged on", "key"),
        "value": ("deepest member meeting the criterion (empty: none does)", "number"),
        "mean": ("the judged measure at that member", "as the metric"),
        "next_value": ("shallowest tested member deeper than value that fails (empty: none fails)", "number"),
        "next_headcount": ("agents on the roster at next_value", "count"),
        "next_mean": ("the judged measure at next_value", "as the metric"),
        "next_ci_low": ("lower bound of its interval", "as the metric"),
        "next_ci_high": ("upper bound of its interval", "as the metric"),
        "message": ("the answer in words", "text"),
    },
    "guarantee": {
        "policy": ("the policy the cheapest guarantee roster ('planned') is set against", "key"),
        "measure": ("what the guarantee roster changes against the policy (see the measure rows)", "key"),
        "mean": ("paired mean over replications, the same customers for both", "as the measure"),
        "n": ("replications behind the figure", "count"),
    },
    "guarantee_policies": {
        "planned": ("this row is the cheapest roster keeping the guarantee", "flag"),
        "wages_per_week": ("scheduled wages of the policy's roster a week", "money"),
        "agent_hours_per_week": ("scheduled agent-hours on duty a week, breaks out, before absence", "hours"),
        "peak_agents_on_duty": ("most agents scheduled on duty in any interval, breaks out, before absence",
                                "count"),
        "within_guarantee": ("emergencies reaching a human within the guarantee (the policy's own mean)", "share"),
        "keeps_guarantee": ("the lower bound of that share meets the guarantee's target", "flag"),
    },
    # analysis/ of an experiment folder (sim.studies.uncertainty.analysis); factor columns are the factors' paths
    "points": {
        "point": ("design point number (0: the base point of a one-at-a-time design)", "key"),
        "figure": ("the figure of this row: net_saving, net_saving_platform or share_within_guarantee", "key"),
        "mean": ("the figure at this point, mean over its replications (savings: paired against the baseline)",
                 "as the figure"),
    },
    "tornado": {
        "figure": ("the figure the swing is measured on", "key"),
        "factor": ("the input moved alone (its path in the scenario)", "key"),
        "low_value": ("the factor's low value", "as the factor"),
        "high_value": ("the factor's high value", "as the factor"),
        "base_mean": ("the figure at the base point", "as the figure"),
        "low_change": ("figure at the low value - at the base point, paired per replication (a share's: pp as a "
                       "fraction)", "as the figure"),
        "high_change": ("figure at the high value - at the base point, paired per replication", "as the figure"),
        "low": ("the change at the low value", "as the figure"),  # stems of low_ci_low ... high_ci_high
        "high": ("the change at the high value", "as the figure"),
        "swing": ("high_change - low_change: how far the factor moves the figure", "as the figure"),
    },
    "loss_curve_share": {
        "figure": ("the figure the swings are measured on", "key"),
        "loss_curve_factors": ("how many of the design's factors move a named loss curve within its band", "count"),
        "swing": ("the largest swing of the figure among the loss-curve factors (high_change - low_change)",
                  "as the figure"),
        "share": ("the loss-curve factors' squared swings over all factors' squared swings: the share of the "
                  "figure's variance over the ranges explored that the loss curve explains, if effects add up",
                  "share"),
    },
    "morris": {
        "figure": ("the figure the effects are measured on", "key"),
        "factor": ("the input (its path in the scenario)", "key"),
        "mu_star": ("Morris mu*: mean absolute elementary effect (how much the factor matters)", "as the figure"),
        "mu": ("Morris mu: mean elementary effect (its sign: the direction)", "as the figure"),
        "sigma": ("Morris sigma: spread of the elementary effects (interactions, non-linearity)", "as the figure"),
        "mu_star_conf": ("half-width of mu*'s bootstrap interval", "as the figure"),
    },
    "sobol": {
        "figure": ("the figure the indices are of", "key"),
        "factor": ("the input (its path in the scenario)", "key"),
        "S1": ("first-order Sobol index: share of the figure's variance due to the factor alone", "share"),
        "S1_conf": ("half-width of S1's interval", "share"),
        "ST": ("total Sobol index: share of variance involving the factor, interactions included", "share"),
        "ST_conf": ("half-width of ST's interval", "share"),
    },
    "verdict": {
        "point": ("design point number", "key"),
        "net_saving": ("net effect for society at this point, mean (against the baseline)", "money"),
        "net_saving_platform": ("net effect for the platform at this point, mean", "money"),
        "share_within_guarantee": ("emergencies within the guarantee at this point, mean", "share"),
        "saves_money": ("net effect for society above 0 at this point (empty for the baseline)", "flag"),
        "guarantee_holds": ("the guarantee's target share met on the mean at this point", "flag"),
    },
    "verdict_boxes": {
        "verdict": ("the verdict located: saves_money or guarantee_holds", "key"),
        "value": ("the verdict's value inside the box (the less common one)", "flag"),
        "where": ("the box in words", "text"),
        "factor": ("a factor bounding the box (empty: the verdict never flips)", "key"),
        "low": ("the box's lower bound on that factor", "as the factor"),
        "high": ("the box's upper bound on that factor", "as the factor"),
        "coverage": ("share of the points with that verdict that lie in the box", "share"),
        "density": ("share of the points in the box that have that verdict", "share"),
        "points": ("points with that verdict", "count"),
    },
    "headline": {
        "net_saving": ("for society, against the baseline: wages + bot cost saved - added customer losses - added "
                       "churn (empty for the baseline)", "money"),
        "net_saving_platform": ("for the platform, against the baseline: wages + bot cost saved - added liability - "
                                "added churn (empty for the baseline)", "money"),
        "customer_loss": ("money emergency victims lost, per run (the policy's level)", "money"),
    },
}
_METRICS = {
    **{k: v for k, v in _COLUMNS.items() if k in (
        "incidents", "attempts", "bot_sessions", "bot_resolved", "bot_false_resolved", "blocked", "offered",
        "answered", "abandoned", "balked", "delayed", "answered_within_target", "abandoned_within_target",
        "wait_sum_s", "answered_wait_sum_s", "reached_human", "within_guarantee", "time_to_human_sum_s",
        "handled_s", "callback_offered", "callback_accepted", "callback_answered", "callback_unanswered",
        "callback_calls", "callback_dial_s", "agent_cost", "bot_cost", "customer_loss", "platform_liability", "churn_cost",
        "amount_at_risk", "unreached", "unreached_loss", "unreached_attempts", "service_level", "mean_wait_s",
        "abandonment", "occupancy", "busy_tone", "queue_full", "disconnected", "closed", "left_message")},
    "busy_tone_share": ("busy_tone / attempts", "share"),
    "queue_full_share": ("queue_full / attempts", "share"),
    "closed_share": ("closed / attempts", "share"),
    "disconnected_share": ("disconnected / offered", "share"),
    "left_message_share": ("left_message / offered", "share"),
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
    "agent_and_bot_cost": ("agent cost + bot cost: what the platform pays to run the service (customer losses, "
                           "liability and churn are not in it)", "money"),
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
            meaning, unit = describe(name, column)
            rows.append(_row(name, column, meaning, unit, currency))
        for key, meanings in (("metric", _METRICS), ("measure", _MEASURES)):
            if key in frame.columns:
                for value in dict.fromkeys(frame[key]):
                    meaning, unit = meanings.get(value, ("", ""))
                    rows.append(_row(name, f"{key}={value}", meaning, unit, currency))
    return pd.DataFrame(rows, columns=["file", "column", "meaning", "unit", "currency"])


def describe(table: str, column: str) -> tuple[str, str]:
    """(meaning, unit) of ``column`` in ``table`` (a file name without .csv); ("", "") when unknown."""
    own = _BY_FILE.get(table, {})
    found = own.get(column) or _KEYS.get(column) or _COLUMNS.get(column) or _HEADLINE.get(column) \
        or _METRICS.get(column)
    if found:
        return found
    if column.endswith("]") and "[" in column:  # X[type]: X for one contact type
        stem, type_id = column[:-1].split("[", 1)
        meaning, unit = describe(table, stem)
        return (f"{meaning}, for contact type {type_id}" if meaning else "", unit)
    for suffix, bound in (("_ci_low", "lower"), ("_ci_high", "upper")):
        if column.endswith(suffix):
            meaning, unit = describe(table, column.removesuffix(suffix))
            return (f"{bound} bound of the 95% interval of: {meaning}" if meaning else "", unit)
    if table in _FACTOR_TABLES and "." in column:  # an experiment factor, named by its path
        return f"the value of the factor {column} at this point", "as the factor"
    return "", ""


def _row(table: str, column: str, meaning: str, unit: str, currency: str) -> dict:
    money = unit == "money"
    return {"file": f"{table}.csv", "column": column, "meaning": meaning,
            "unit": f"{currency} per run" if money else unit, "currency": currency if money else ""}
