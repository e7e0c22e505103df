"""Results of an experiment, as tidy tables, and the statistics users read off them.

``replications`` has one row per policy x replication x contact type with the
raw counts, sums and money of docs/design.md §4. Everything else is derived from
it: rates are computed per replication (a replication where a rate is
undefined, e.g. nothing offered, is left out of that rate's interval) and then
averaged with a t interval across replications. "all" rows sum the contact
types of a replication before deriving rates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.model.metrics import COUNT_COLUMNS, LIMIT_OUTCOMES, MONEY_COLUMNS
from sim.model.scenario import Scenario
from sim.runs.stats import Range, t_intervals

if TYPE_CHECKING:
    from sim.runs.precision import Precision

KEYS = ["policy", "replication", "contact_type"]
ALL_TYPES = "all"

# Derived metric -> (numerator column, denominator column).
RATES: dict[str, tuple[str, str]] = {
    "service_level": ("answered_within_target", "offered"),
    "abandonment": ("abandoned", "offered"),
    "balking": ("balked", "offered"),
    "callback_take_up": ("callback_accepted", "callback_offered"),
    "callback_reach": ("callback_answered", "callback_accepted"),
    "p_delay": ("delayed", "offered"),
    "asa_s": ("answered_wait_sum_s", "answered"),
    "mean_wait_s": ("wait_sum_s", "offered"),
    "bot_containment": ("bot_resolved", "bot_sessions"),
    "share_reached_human": ("reached_human", "incidents"),
    "share_within_guarantee": ("within_guarantee", "incidents"),
    "mean_time_to_human_s": ("time_to_human_sum_s", "reached_human"),
    "attempts_per_incident": ("attempts", "incidents"),
    "share_unreached": ("unreached", "incidents"),
    "attempts_per_unreached": ("unreached_attempts", "unreached"),
    # The centre's limits: those that never joined the queue over attempts, the others over offered.
    "busy_tone_share": ("busy_tone", "attempts"),
    "queue_full_share": ("queue_full", "attempts"),
    "closed_share": ("closed", "attempts"),
    "disconnected_share": ("disconnected", "offered"),
    "left_message_share": ("left_message", "offered"),
}
TIME_TO_HUMAN_QUANTILES = (0.5, 0.9, 0.99)
# Interval columns that add up over contact types (the queue length too: it is a count of those waiting).
INTERVAL_SUMMED = ("incidents", "attempts", "offered", "answered", "abandoned", "answered_within_target",
                   "wait_sum_s", "queue_length_mean", *LIMIT_OUTCOMES)
# Measures of the emergency guarantee: defined for emergency types (and their 'emergency' pool) only. On a
# routine type or on 'all' they would read as a guarantee figure that mixes in contacts it does not cover.
GUARANTEE_ONLY = frozenset({"share_within_guarantee"})
SUMMED = (*COUNT_COLUMNS, *MONEY_COLUMNS, "amount_at_risk", "unreached", "unreached_loss", "unreached_attempts")
COMPARE_METRICS = (
    *MONEY_COLUMNS,
    "agent_and_bot_cost",
    "service_level",
    "abandonment",
    "asa_s",
    "p_delay",
    "share_reached_human",
    "share_within_guarantee",
    "mean_time_to_human_s",
    "time_to_human_p50_s",
    "time_to_human_p90_s",
    "time_to_human_p99_s",
    "unreached",
    "offered",
    "answered",
)
# Metrics that are shares of something, so lie in [0, 1]; every other summary
# metric (counts, sums of seconds, money, means of times, attempts per
# incident) is never negative. Intervals are kept inside these ranges (stats.py).
SHARES = frozenset(
    {
        "service_level",
        "abandonment",
        "balking",
        "callback_take_up",
        "callback_reach",
        "p_delay",
        "bot_containment",
        "share_reached_human",
        "share_within_guarantee",
        "share_unreached",
        "occupancy",
        "busy_tone_share",
        "queue_full_share",
        "closed_share",
        "disconnected_share",
        "left_message_share",
    }
)
NON_NEGATIVE: Range = (0.0, np.inf)


def level_range(metric: str) -> Range:
    """Where a metric's per-replication values, and so its mean, can lie."""
    return (0.0, 1.0) if metric in SHARES else NON_NEGATIVE


def difference_range(metric: str) -> Range:
    """Where a paired difference of a metric can lie: shares differ by at most 1 either way."""
    return (-1.0, 1.0) if metric in SHARES else (-np.inf, np.inf)


SAVINGS = (
    "wages_saved",
    "bot_cost_saved",
    "added_customer_loss",
    "added_liability",
    "added_churn",
    "net_saving",
    "net_saving_platform",
)


def derive_rates(table: pd.DataFrame) -> pd.DataFrame:
    """Add the RATES columns to a frame of summed counts (NaN where undefined)."""
    out = table.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        for name, (num, den) in RATES.items():
            den_values = out[den].to_numpy(dtype=float)
            out[name] = np.where(den_values > 0, out[num].to_numpy(dtype=float) / den_values, np.nan)
    # named for what it sums: customer losses, liability and churn are not in it
    out["agent_and_bot_cost"] = out["agent_cost"] + out["bot_cost"]
    return out


@dataclass
class Results:
    scenario: Scenario
    policies: list[str]
    seed: int
    n_replications: int
    replications: pd.DataFrame
    intervals: pd.DataFrame
    agents: pd.DataFrame
    incidents: pd.DataFrame
    meta: dict = field(default_factory=dict)
    precision: Precision | None = None  # what a precision target reached (sim.runs.precision), if one was set

    # ------------------------------------------------------------ per interval
    def interval_means(self) -> pd.DataFrame:
        """Per policy x interval, every contact type together, averaged over replications.

        Counts and the queue length are summed over the types, then averaged
        over replications; ``agents_on_duty`` is the interval's own (the same
        on every type's row). Service level, abandonment and mean wait are
        ratios of those means, which with equal replications are the ratios
        of the totals, as ``RATES`` defines them.
        """
        frame = self.intervals
        if frame.empty:
            return frame.copy()
        frame = frame.assign(wait_sum_s=(frame["mean_wait_s"] * frame["offered"]).fillna(0.0))
        counts = [c for c in INTERVAL_SUMMED if c in frame]
        keys = ["policy", "replication", "interval", "interval_start_s", "day"]
        grouped = frame.groupby(keys, sort=False)
        per_rep = grouped[counts].sum()
        per_rep["agents_on_duty"] = grouped["agents_on_duty"].first()
        out = per_rep.reset_index().groupby(keys[:1] + keys[2:], sort=False)[[*counts, "agents_on_duty"]]
        out = out.mean().reset_index()
        with np.errstate(invalid="ignore", divide="ignore"):
            for name in ("service_level", "abandonment", "mean_wait_s"):
                num, den = RATES[name]
                den_values = out[den].to_numpy(dtype=float)
                out[name] = np.where(den_values > 0, out[num].to_numpy(dtype=float) / den_values, np.nan)
        return out

    # ------------------------------------------------------------ per replication
    def per_replication(self, quantiles: bool = True) -> pd.DataFrame:
        """One row per policy x replication x contact type, plus 'all' and 'emergency' rows, with rates.

        ``occupancy`` (busy over paid agent time) is on the 'all' rows only;
        ``quantiles=False`` leaves out the time-to-human percentiles (the
        costliest columns), for callers that do not read them.
        """
        cols = [c for c in SUMMED if c in self.replications]
        totals = self.replications.groupby(["policy", "replication"], sort=False)[cols].sum().reset_index()
        totals["contact_type"] = ALL_TYPES
        emergency = [c.id for c in self.scenario.contact_types if c.emergency]
        frames = [self.replications, totals]
        if emergency:
            em = self.replications[self.replications["contact_type"].isin(emergency)]
            em = em.groupby(["policy", "replication"], sort=False)[cols].sum().reset_index()
            em["contact_type"] = "emergency"
            frames.append(em)
        table = derive_rates(pd.concat(frames, ignore_index=True))
        covered = table["contact_type"].isin([*emergency, "emergency"])
        for metric in GUARANTEE_ONLY:
            table[metric] = table[metric].where(covered)
        # Occupancy belongs to the agents, not to a contact type: on the 'all' rows only.
        hours = self.agents.groupby(["policy", "replication"], sort=False)[["busy_hours", "paid_hours"]].sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            occupancy = (hours["busy_hours"] / hours["paid_hours"]).rename("occupancy").reset_index()
        table = table.merge(occupancy.assign(contact_type=ALL_TYPES), on=KEYS, how="left")
        percentiles = self._time_to_human_quantiles() if quantiles else None
        if percentiles is not None:
            table = table.merge(percentiles, on=KEYS, how="left")
        return table

    def _time_to_human_quantiles(self) -> pd.DataFrame | None:
        """p50/p90/p99 of time-to-human per replication, from the kept incidents.

        An incident that never reached a human counts as an infinite wait, so
        a percentile beyond the share reached is ``inf`` ("not reached"),
        never a flattering number computed over the lucky ones only.
        """
        if self.incidents.empty:
            return None
        inc = self.incidents.assign(t=self.incidents["time_to_human_s"].fillna(np.inf))
        emergency = {c.id for c in self.scenario.contact_types if c.emergency}
        pooled = inc[inc["contact_type"].isin(emergency)].assign(contact_type="emergency")
        rows = []
        for (policy, rep, ctype), group in pd.concat([inc, pooled]).groupby(KEYS, sort=False):
            t = group["t"].to_numpy()
            q = np.quantile(t, TIME_TO_HUMAN_QUANTILES, method="inverted_cdf")
            rows.append((policy, rep, ctype, *q))
        names = [f"time_to_human_p{int(q * 100)}_s" for q in TIME_TO_HUMAN_QUANTILES]
        return pd.DataFrame(rows, columns=[*KEYS, *names])

    def summary(self, confidence: float = 0.95) -> pd.DataFrame:
        """Mean and confidence interval per policy x contact type x metric (long format).

        Columns: policy, contact_type, metric, mean, ci_low, ci_high, n, rough.
        The interval is Student's t across replications, intersected with the
        metric's feasible range (``level_range``: [0, 1] for shares, [0, inf)
        for counts, times and money), which keeps the t interval's coverage
        and never reports an impossible bound. ``rough`` is True when fewer
        than ``stats.ROUGH_BELOW`` (5) replications stand behind it. NaN
        bounds: a single replication, or a value that is infinite in some
        replication (a percentile of time-to-human that was never reached).
        """
        table = self.per_replication().drop(columns="replication")
        metrics = table.columns.drop(["policy", "contact_type"])
        out = t_intervals(
            table, ["policy", "contact_type"], confidence, feasible={m: level_range(m) for m in metrics}
        )
        return self._defined_only(out)

    def _defined_only(self, table: pd.DataFrame) -> pd.DataFrame:
        """Leave out the rows of a measure where it is not defined (the guarantee outside the emergency types)."""
        covered = {c.id for c in self.scenario.contact_types if c.emergency} | {"emergency"}
        undefined = table["metric"].isin(GUARANTEE_ONLY) & ~table["contact_type"].isin(covered)
        return table[~undefined].reset_index(drop=True)

    def save(self, directory: str | Path, command: str | None = None) -> Path:
        from sim.files.export import save_results

        return save_results(self, Path(directory), command=command)

    # ------------------------------------------------------------------ compare
    def compare(self, baseline: str | None = None, confidence: float = 0.95) -> pd.DataFrame:
        """Paired differences of every policy against ``baseline``, replication by replication.

        For ordinary metrics ``difference`` is policy minus baseline. The
        savings metrics are differences already, signed so that positive is
        good for the policy (their ``baseline`` and ``value`` are NaN):
        ``wages_saved`` and ``bot_cost_saved`` (baseline minus policy),
        ``added_customer_loss``, ``added_liability`` and ``added_churn``
        (policy minus baseline), ``net_saving`` — what society saves: wages and
        bot cost saved minus added customer losses and churn (liability only
        moves money from platform to customer) — and ``net_saving_platform``:
        saved costs minus added liability and churn.

        Intervals are paired t intervals, intersected with the difference's
        feasible range ([-1, 1] for shares); ``rough`` as in ``summary``.
        """
        baseline = baseline or self._default_baseline()
        per_replication = self.per_replication()
        paired = self.paired(baseline, per_replication)
        table = per_replication.set_index(KEYS).sort_index()
        levels_of = [m for m in COMPARE_METRICS if m in table.columns]
        frames = []
        for policy in self.policies:
            mine = paired[paired["policy"] == policy].drop(columns=["policy", "replication"])
            diffs = t_intervals(
                mine, "contact_type", confidence, feasible={m: difference_range(m) for m in levels_of}
            )
            levels = pd.DataFrame(
                {
                    "baseline": table.loc[baseline, levels_of].groupby(level="contact_type", sort=False).mean()
                    .stack(future_stack=True),
                    "value": table.loc[policy, levels_of].groupby(level="contact_type", sort=False).mean()
                    .stack(future_stack=True),
                }
            )
            levels.index.names = ["contact_type", "metric"]
            part = diffs.merge(levels.reset_index(), on=["contact_type", "metric"], how="left")
            part.insert(0, "policy", policy)
            frames.append(part)
        out = pd.concat(frames, ignore_index=True).rename(columns={"mean": "difference"})
        return self._defined_only(out[["policy", "contact_type", "metric", "baseline", "value", "difference",
                                       "ci_low", "ci_high", "n", "rough"]])

    def paired(self, baseline: str | None = None, per_replication: pd.DataFrame | None = None) -> pd.DataFrame:
        """Per policy x replication x contact type: differences against ``baseline`` in the same replication.

        The COMPARE_METRICS as policy minus baseline, and the SAVINGS signed so
        that positive is good for the policy (see ``compare``). ``compare`` is
        the t interval of these rows; experiments read them per run.
        ``per_replication``: that table, if the caller has it already.
        """
        baseline = baseline or self._default_baseline()
        if baseline not in self.policies:
            raise KeyError(f"baseline {baseline!r} is not among the policies run: {', '.join(self.policies)}")
        table = (self.per_replication() if per_replication is None else per_replication).set_index(KEYS).sort_index()
        metrics = [m for m in COMPARE_METRICS if m in table.columns]
        mine = table.loc[list(self.policies), metrics]
        # The baseline's row of the same replication and contact type, beside every policy's row.
        theirs = table.loc[baseline, metrics].reindex(mine.index.droplevel("policy"))
        paired = mine - theirs.to_numpy()
        saved = -paired["agent_cost"] - paired["bot_cost"]
        savings = pd.DataFrame(
            {
                "wages_saved": -paired["agent_cost"],
                "bot_cost_saved": -paired["bot_cost"],
                "added_customer_loss": paired["customer_loss"],
                "added_liability": paired["platform_liability"],
                "added_churn": paired["churn_cost"],
                "net_saving": saved - paired["customer_loss"] - paired["churn_cost"],
                "net_saving_platform": saved - paired["platform_liability"] - paired["churn_cost"],
            }
        )
        out = paired.join(savings).reset_index()
        return out[["policy", "replication", "contact_type", *metrics, *SAVINGS]]

    def _default_baseline(self) -> str:
        wanted = self.scenario.baseline_policy.id
        return wanted if wanted in self.policies else self.policies[0]
