"""Redials and returns linked by customer id, and the self-service menu as the bot front door.

**Linking rule.** A call from a known customer id that arrives within
``LINK_WINDOW_S`` after the same customer's previous call ended unanswered
is a retry of it: a *redial* when that call abandoned the queue, a *return*
when it ended in the self-service menu, a *busy redial* when it was not
admitted (busy tone, full queue, closed line; it ended on arrival, or on
leaving the menu), a *call back after the centre* when the centre ended it
(disconnected at closing, voicemail). Calls with an unknown id (the bank
writes 0) cannot be linked; the shares measured on known ids are taken to
hold for all calls, which the note says. A call that follows an answered
call is a new incident, not a retry.

From the links: per contact type the redial probability after a queue
abandonment (with a binomial 95% interval), the delay to the redial and the
attempts per incident seen at most; the same after a call not admitted (the
model's ``redial.busy_probability`` and ``busy_delay_s``, fitted only where
the log has such calls); for the menu, the share of the calls that entered
it that end there and, of those, the share that come back, with the delay.
The share of calls that are *first* attempts scales the arrival tables
(``sim.calibration.arrivals``), since the model makes the retries itself.

In the model (``BotBehaviour``) a menu session that ends without a human is
``resolve_probability`` (done) or ``false_resolution_probability`` (the
customer returns after ``return_delay_s``); every other session goes on to
the agents' queue with no further loss (``menu_s`` 0, the human option
always found), as in the log.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sim.calibration.durations import fit_duration

LINK_WINDOW_S = 3600.0
MIN_LINKED = 30  # fewer linked retries than this: one pooled estimate for every type (stated)
MAX_ATTEMPTS_CAP = 50
MIN_KNOWN_CALLS = 200  # fewer calls with a known id in a type: its share of first attempts is the pooled one
# What a retry is called, by how the call it retries ended (sim.calibration.calllog outcomes).
RETRY_KIND = {"abandoned": "redial", "bot_ended": "return", "not_admitted": "busy_redial",
              "ended_by_centre": "after_centre_ended"}


def link_retries(calls: pd.DataFrame) -> pd.DataFrame:
    """Adds ``retry_of`` (row of the call it retries, -1), ``retry_kind`` and ``retry_delay_s`` to ``calls``."""
    outcome = calls["outcome"]
    end = np.where(outcome.isin(["abandoned", "ended_by_centre"]), calls["leave_queue_s"],
                   np.where(outcome.isin(["bot_ended", "not_admitted"]), calls["arrival_s"] + calls["bot_s"].fillna(0),
                            calls["service_start_s"] + calls["handle_s"]))
    known = calls["customer"].notna().to_numpy()
    out = calls.copy()
    out["end_s"] = end
    out["retry_of"] = -1
    out["retry_delay_s"] = np.nan
    out["retry_kind"] = ""
    idx = np.flatnonzero(known)
    if idx.size:
        sub = out.iloc[idx]
        order = np.lexsort((sub["arrival_s"].to_numpy(), sub["customer"].to_numpy()))
        rows = idx[order]
        cust = out["customer"].to_numpy()[rows]
        same = cust[1:] == cust[:-1]
        prev, nxt = rows[:-1], rows[1:]
        gap = out["arrival_s"].to_numpy()[nxt] - end[prev]
        prev_outcome = out["outcome"].to_numpy()[prev]
        linked = same & (prev_outcome != "answered") & (gap >= -1.0) & (gap <= LINK_WINDOW_S)
        col = out.columns.get_loc
        out.iloc[nxt[linked], col("retry_of")] = prev[linked]
        out.iloc[nxt[linked], col("retry_delay_s")] = np.maximum(gap[linked], 0.0)
        out.iloc[nxt[linked], col("retry_kind")] = pd.Series(prev_outcome[linked]).map(RETRY_KIND).to_numpy()
    return out


def attempt_numbers(linked: pd.DataFrame) -> np.ndarray:
    """1 for a first attempt, n for the n-th call of a chain of retries."""
    retry_of = linked["retry_of"].to_numpy()
    number = np.ones(len(retry_of), dtype=int)
    for i in np.flatnonzero(retry_of >= 0):  # retries come after what they retry, in arrival order
        number[i] = number[retry_of[i]] + 1
    return number


@dataclass
class RetryFit:
    # type id -> {"probability", "ci", "delay", "max_attempts", "note", "busy"}; "busy" (None when the log has no
    # call not admitted) is the same fit after a busy tone, full queue or closed line
    redial: dict[str, dict]
    first_share: dict[str, float]
    front_door: dict  # share_ended, return_share, return_delay (DurationFit | None), note
    table: pd.DataFrame  # evidence per type
    rule: str


def fit_retries(linked: pd.DataFrame, type_ids: list[str], has_bot: bool) -> RetryFit:
    from statsmodels.stats.proportion import proportion_confint
    known = linked[linked["customer"].notna()]
    retry_of = linked["retry_of"].to_numpy()
    is_retry = retry_of >= 0
    origin_type = np.where(is_retry, linked["type_id"].to_numpy()[np.maximum(retry_of, 0)], None)
    attempts = attempt_numbers(linked)
    kind = linked["retry_kind"].to_numpy()
    type_of = linked["type_id"].to_numpy()
    known_mask = linked["customer"].notna().to_numpy()
    outcome = linked["outcome"].to_numpy()

    def cap(chain: np.ndarray) -> int:
        return int(min(chain.max() if chain.size else 1, MAX_ATTEMPTS_CAP))

    # In the model an incident's last allowed attempt cannot redial: only calls ended before the most attempts
    # seen in one chain (the fitted max_attempts) could have been followed by a redial, so only they count.
    pooled_max = cap(attempts)

    def retry_fit(after: str, retry_kind: str, what: str, tid: str, max_att: int) -> dict:
        """The chance that a call ending ``after`` is retried (``retry_kind``), per type or pooled, with its delay."""
        ended_known = known_mask & (outcome == after)
        every = is_retry & (kind == retry_kind)
        mine = every & (origin_type == tid)
        n_ended, n_re = int((ended_known & (type_of == tid) & (attempts < max_att)).sum()), int(mine.sum())
        pooled = n_re < MIN_LINKED
        if pooled:
            n_ended, n_re = int((ended_known & (attempts < pooled_max)).sum()), int(every.sum())
        p = n_re / n_ended if n_ended else 0.0
        lo, hi = proportion_confint(n_re, n_ended, method="wilson") if n_ended else (0.0, 0.0)
        delays = linked.loc[every if pooled else mine, "retry_delay_s"]
        delay = fit_duration(delays, f"{retry_kind.replace('_', ' ')} delay ({'all types' if pooled else tid})") \
            if len(delays) >= 2 else None
        where = f"all types pooled: fewer than {MIN_LINKED} linked of {tid}" if pooled else tid
        note = (f"{n_re:,} of {n_ended:,} {what} by known customer ids that could still redial "
                f"(before attempt {pooled_max if pooled else max_att}, the most seen in one chain: max_attempts) "
                f"({where}) were followed by a call from the same id within {LINK_WINDOW_S / 60:g} min: probability "
                f"{p:.3f} (Wilson 95% {lo:.3f}..{hi:.3f})" + (f"; delay: {delay.note}" if delay is not None else ""))
        return {"probability": p, "ci": (lo, hi), "delay": delay, "pooled": pooled, "ended": n_ended,
                "retries": int(mine.sum()), "note": note}

    any_refused = bool(np.any(outcome == "not_admitted"))
    out, rows, first_share = {}, [], {}
    for tid in type_ids:
        mine = type_of == tid
        max_att = cap(attempts[mine])
        redial = retry_fit("abandoned", "redial", "queue abandonments", tid, max_att)
        if redial["pooled"]:
            max_att = pooled_max
        p = redial["probability"]
        max_att = max(max_att, 2 if p > 0 else 1)
        note = "redial: " + redial["note"]
        busy = retry_fit("not_admitted", "busy_redial", "calls not admitted (busy tone, full queue, closed line)",
                         tid, max_att) if any_refused else None
        if busy is not None:
            note += "; busy_probability: " + busy["note"]
        out[tid] = {"probability": p, "ci": redial["ci"], "delay": redial["delay"], "max_attempts": max_att,
                    "note": note, "busy": busy}
        mine_known = known[known["type_id"] == tid]
        if len(mine_known) < MIN_KNOWN_CALLS:  # too few known ids to measure this type's share: pooled
            mine_known = known
        retries_known = int((mine_known["retry_of"] >= 0).sum())
        share = 1.0 - retries_known / len(mine_known) if len(mine_known) else 1.0
        first_share[tid] = share
        lo, hi = redial["ci"]
        row = {"contact_type": tid, "known_id_calls_used": len(mine_known), "retries_among_known": retries_known,
               "first_attempt_share": share, "queue_abandonments_counted": redial["ended"],
               "redials": redial["retries"], "redial_probability": p, "redial_ci_low": lo,
               "redial_ci_high": hi, "pooled": redial["pooled"], "max_attempts": max_att,
               "redial_delay": redial["delay"].spec if redial["delay"] is not None else None}
        if any_refused:
            row.update({"not_admitted_counted": busy["ended"], "busy_redials": busy["retries"],
                        "busy_probability": busy["probability"], "busy_ci_low": busy["ci"][0],
                        "busy_ci_high": busy["ci"][1], "busy_pooled": busy["pooled"],
                        "busy_delay": busy["delay"].spec if busy["delay"] is not None else None})
        rows.append(row)
    front = {"share_ended": 0.0, "return_share": 0.0, "return_delay": None, "note": "", "time": None}
    if has_bot:
        ended = linked["outcome"] == "bot_ended"
        known_ended = known[known["outcome"] == "bot_ended"]
        returns = linked[is_retry & (linked["retry_kind"] == "return")]
        # The menu's share is of the calls that entered it: a call turned away on arrival never did.
        entered = (linked["outcome"] != "not_admitted") | linked["bot_s"].notna()
        share_ended = float(ended.sum() / entered.sum()) if entered.any() else 0.0
        ret = len(returns) / len(known_ended) if len(known_ended) else 0.0
        lo, hi = proportion_confint(len(returns), len(known_ended), method="wilson") if len(known_ended) else (0, 0)
        delay = fit_duration(returns["retry_delay_s"], "return delay") if len(returns) >= 2 else None
        bot_time = fit_duration(linked["bot_s"].dropna(), "time in the self-service menu")
        if not len(known_ended):
            unmeasured = ("; no call that ended in the menu carries a known customer id (ids are taken in the menu), "
                          "so whether such callers come back cannot be measured: taken as 0, an assumption")
        else:
            unmeasured = ""
        front = {
            "share_ended": share_ended, "return_share": ret, "return_ci": (lo, hi), "return_delay": delay,
            "time": bot_time,
            "note": (f"bot: {int(ended.sum()):,} of {int(entered.sum()):,} calls that entered the menu "
                     f"({share_ended:.1%}) ended in the self-service menu (no queue entry); of "
                     f"{len(known_ended):,} such calls by known ids "
                     f"{len(returns):,} ({ret:.1%}, Wilson 95% {lo:.3f}..{hi:.3f}) came back within "
                     f"{LINK_WINDOW_S / 60:g} min: resolve_probability = {share_ended * (1 - ret):.4f}, "
                     f"false_resolution_probability = {share_ended * ret:.4f}{unmeasured}; time_s: {bot_time.note}"),
        }
    rule = (f"a call from a known customer id arriving within {LINK_WINDOW_S / 60:g} minutes after that "
            "customer's previous call ended unanswered is a retry of it (a redial after a queue abandonment, a "
            "return after ending in the menu, a busy redial after a busy tone, full queue or closed line, a call "
            "after the centre ended the wait); unknown ids are not linked and known ids' shares are applied to all")
    return RetryFit(redial=out, first_share=first_share, front_door=front, table=pd.DataFrame(rows), rule=rule)
