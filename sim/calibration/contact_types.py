"""Contact types from a log's type and priority columns, small ones merged by a stated rule.

A contact type is a pair (the log's type, its priority class): the model's
priority belongs to a type, and the log's priority customers are served
ahead (the bank: its priority customers, within every type). The
high-priority class gets priority 1, the rest 0. A pair with fewer than
``min_share`` of the calls joins the largest pair of the same priority
class, so every type has enough calls to fit; the merges are listed.
"""

from __future__ import annotations

import re

import pandas as pd

DEFAULT_MIN_SHARE = 0.02


def _ident(text: str) -> str:
    ident = re.sub(r"[^A-Za-z0-9_.-]", "_", str(text)).strip("_.-") or "calls"
    return ident[:48]


def assign_types(calls: pd.DataFrame, min_share: float = DEFAULT_MIN_SHARE) -> tuple[pd.Series, pd.DataFrame, str]:
    """(type id per call, the mapping table, the rule stated)."""
    both_classes = calls.groupby("type")["high_priority"].nunique() > 1
    pair_id = {}
    for (t, high), _ in calls.groupby(["type", "high_priority"]):
        base = _ident(t)
        pair_id[(t, high)] = f"{base}_priority" if high and both_classes.get(t, False) else base
    raw_id = pd.Series([pair_id[(t, h)] for t, h in zip(calls["type"], calls["high_priority"])], index=calls.index)
    counts = raw_id.value_counts()
    share = counts / len(calls)
    high_of = {pair_id[k]: k[1] for k in pair_id}
    merged = {}
    for cls in (False, True):
        ids = [i for i in counts.index if high_of[i] == cls]
        if not ids:
            continue
        largest = max(ids, key=lambda i: counts[i])
        for i in ids:
            merged[i] = i if share[i] >= min_share or i == largest else largest
    final = raw_id.map(merged)
    table = pd.DataFrame({
        "log_type": [k[0] for k in pair_id], "high_priority": [k[1] for k in pair_id],
        "pair": list(pair_id.values()),
    })
    table["calls"] = table["pair"].map(counts)
    table["share"] = table["calls"] / len(calls)
    table["contact_type"] = table["pair"].map(merged)
    rule = (f"a contact type is a (log type, priority class) pair; a pair with under {min_share:.0%} of the calls "
            "joins the largest pair of its priority class")
    return final, table.sort_values("calls", ascending=False).reset_index(drop=True), rule
