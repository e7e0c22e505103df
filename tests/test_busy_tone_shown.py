"""The busy-tone outcome where a user looks first: the comparison table, the app's headline and the report text.

A centre whose lines run out must say so on the first screen, not only in the
per-type tables; a centre without lines (or whose lines never run out) keeps
the tables it had.
"""

from __future__ import annotations

import pytest

import sim
from sim.model.scenario import Scenario
from sim.present.report import verdict_paragraphs
from sim.present.formatting import fmt_value
from sim.present.tables import comparison_table
from sim.studies.comparison import comparison_tables

LABEL = "Busy tone: every line taken (of attempts)"


def _scenario(lines: int | None) -> Scenario:
    """Nine agents; the baseline has ``lines`` lines, the policy ``fewer_lines`` nine (none: no lines at all)."""
    few = {"capacity": {"lines": 9}} if lines is not None else {}
    return Scenario.model_validate({
        "name": "lines",
        "days": 1,
        "contact_types": [{"id": "calls", "target_s": 20, "volume": {"per_day": 2400},
                           "handle_time_s": {"dist": "exponential", "mean": 300},
                           "patience_s": {"dist": "exponential", "mean": 300}}],
        **({"capacity": {"lines": lines}} if lines is not None else {}),
        "agents": {"shifts": [{"id": "a", "start": "00:00", "length_h": 24, "headcount": 9, "cost_per_hour": 20}]},
        "policies": [{"id": "now", "baseline": True}, {"id": "fewer_lines", **few}],
        "replications": 3,
    })


@pytest.fixture(scope="module")
def with_lines():
    return sim.run(_scenario(30), settings=sim.RunSettings(replications=3, seed=1))


def _table(results):
    sc = results.scenario
    return comparison_table(results.compare(), results.summary(), list(results.policies), {}, "now",
                            sc.economics.currency, False)


def test_the_comparison_table_shows_the_busy_tone_share_where_lines_run_out(with_lines):
    table = _table(with_lines)
    assert LABEL in table.index
    row = table.loc[LABEL]
    summary = with_lines.summary()
    share = summary[(summary.policy == "fewer_lines") & (summary.contact_type == "all")
                    & (summary.metric == "busy_tone_share")]["mean"].iloc[0]
    assert share > 0.05  # nine lines for nine agents: every caller who would wait hears a busy tone
    assert row["fewer_lines"].startswith(fmt_value(share, "share") + " (")
    assert row["now"].startswith("0.0% (")  # thirty lines for nine agents: never all taken


def test_without_lines_the_comparison_table_is_the_one_it_was():
    table = _table(sim.run(_scenario(None).model_copy(update={"policies": _scenario(None).policies[:1]}),
                           settings=sim.RunSettings(replications=2, seed=1)))
    assert LABEL not in table.index


def test_the_report_says_how_many_attempts_met_a_busy_tone(with_lines):
    paragraphs = verdict_paragraphs(comparison_tables(with_lines), {})
    text = " ".join(str(p["html"]) for p in paragraphs if p["policy"] == "fewer_lines")
    assert "Attempts met by a busy tone (every phone line taken)" in text
    assert 'data-metric="busy_tone_share"' in text


def test_the_app_headline_carries_each_policys_busy_tone_share(with_lines):
    from ui.tables import headline

    class Comparison:  # the fields headline() reads (ui.compute.Comparison)
        policies = list(with_lines.policies)
        compare = with_lines.compare()
        summary = with_lines.summary()
        labels = {}
        descriptions = {}
        baseline = "now"

    heads = {h["policy"]: h for h in headline(Comparison())}
    assert heads["fewer_lines"]["busy_tone"]["mean"] > 0.05
    assert heads["fewer_lines"]["busy_tone"]["ci_low"] <= heads["fewer_lines"]["busy_tone"]["mean"]
