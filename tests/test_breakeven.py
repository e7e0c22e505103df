"""Break-even search (sim/studies/breakeven.py).

The search logic is checked against a stand-in for ``sim.studies.sweep.sweep`` whose
answers are known by construction (a threshold in the headcount), so the
bisection, the brackets, the treatment of equivalent members, the
monotonicity checks and the common-random-number bookkeeping are tested
exactly and fast. Then one real search on an M/M/c+M queue whose answers come
from the Erlang A formula: the deepest cut keeping "80% within 20 s" and the
deepest cut with a positive net saving.
"""

from __future__ import annotations

import pandas as pd
import pytest

import sim
from sim.analytic.erlang import erlang_a_metrics, erlang_a_servers_needed
from sim.present.studies import render_breakeven
from sim.studies.breakeven import CRITERIA, BreakEvenError, breakeven, share_meaning, what
from sim.studies.sweep import member_id


def _scenario(headcount=100, **extra) -> sim.Scenario:
    data = {
        "name": "fake",
        "days": 1,
        "interval_min": 60,
        "guarantee_s": 60,
        "guarantee_share": 0.9,
        "contact_types": [
            {
                "id": "fraud",
                "emergency": True,
                "volume": {"per_day": 100},
                "handle_time_s": {"dist": "exponential", "mean": 300},
                "patience_s": {"dist": "exponential", "mean": 300},
                "bot": {"resolve_probability": 0.2, "false_resolution_probability": 0.1},
            }
        ],
        "agents": {"shifts": [{"id": "all", "start": "00:00", "length_h": 24, "headcount": headcount}]},
        "policies": [{"id": "today", "baseline": True}, {"id": "bot", "front_door": {"bot_enabled": True}}],
    }
    data.update(extra)
    return sim.Scenario.model_validate(data)


class FakeSweep:
    """Stands in for sim.studies.sweep.sweep: the pass/fail of each member is a function of its headcount."""

    def __init__(self, holds_mean, holds_confident, saving_mean, saving_confident, headcount=100, kind="staffing"):
        self.rules = (holds_mean, holds_confident, saving_mean, saving_confident)
        self.headcount = headcount
        self.kind = kind
        self.calls: list[dict] = []

    def level(self, value: float):
        return int(self.headcount * value + 0.5) if self.kind == "staffing" else value

    def __call__(self, scenario, kind, values, template=None, settings=None):
        replications = settings.replications
        self.calls.append({"values": list(values), "replications": replications, "seed": settings.seed,
                           "template": template})
        rows = []
        for v in values:
            x = self.level(v)
            hm, hc, sm, sc = (rule(x) for rule in self.rules)
            share = 0.95 if hc else (0.91 if hm else 0.8)
            net = 100.0 if sc else (10.0 if sm else -50.0)
            for metric, mean, half in (("share_within_guarantee", share, 0.02), ("net_saving", net, 20.0)):
                rows.append({
                    "value": v, "policy": member_id(kind, v), "metric": metric, "scope": "x", "mean": mean,
                    "ci_low": mean - half, "ci_high": mean + half, "n": replications,
                    "guarantee_holds_mean": hm, "guarantee_holds_confident": hc,
                })
        return pd.DataFrame(rows)

    def simulated_levels(self) -> list:
        return [self.level(v) for call in self.calls for v in call["values"]]


def _search(fake, scenario=None, replications=5, seed=42, **kwargs):
    scenario = scenario or _scenario(headcount=fake.headcount)
    return breakeven(scenario, sweep_fn=fake, settings=sim.RunSettings(replications=replications, seed=seed),
                     **kwargs)


# ------------------------------------------------------------------ search


def test_bisection_finds_each_criterion_to_one_agent_with_its_bracket():
    fake = FakeSweep(
        holds_mean=lambda h: h >= 63,
        holds_confident=lambda h: h >= 68,
        saving_mean=lambda h: 30 <= h <= 95,
        saving_confident=lambda h: 35 <= h <= 90,
    )
    result = _search(fake)
    expected = {"guarantee_mean": 63, "guarantee_confident": 68, "saving_mean": 30, "saving_confident": 35}
    for criterion, headcount in expected.items():
        f = result.findings[criterion]
        assert f.headcount == headcount, (criterion, f)
        assert f.next_headcount == headcount - 1, (criterion, f)
        assert f.bracketed and abs(f.value - f.next_value) <= result.resolution + 1e-9
    assert result.findings["guarantee_confident"].mean == pytest.approx(0.95)
    assert result.findings["saving_mean"].next_mean == pytest.approx(-50.0)
    assert not result.violations
    # Every member was simulated once, all with the same seed and replications (common random numbers).
    levels = fake.simulated_levels()
    assert len(levels) == len(set(levels))
    assert {(c["seed"], c["replications"], c["template"]) for c in fake.calls} == {(42, 5, "today")}
    assert len(fake.calls) > 1  # the grid, then refinement batches
    batches = {f"{i + 1}: " + ("grid" if i == 0 else f"refine {i}") for i in range(len(fake.calls))}
    assert set(result.runs["batch"]) == batches


def test_values_that_give_the_same_roster_share_one_simulation():
    fake = FakeSweep(lambda h: h >= 7, lambda h: h >= 7, lambda h: h >= 3, lambda h: h >= 3, headcount=10)
    result = _search(fake)
    levels = fake.simulated_levels()
    assert len(levels) == len(set(levels)), levels  # no roster simulated twice
    members = result.members
    shared = members[members["simulated_as"] != members["value"]]
    assert len(shared) > 0
    for row in shared.itertuples():
        twin = members[members["value"] == row.simulated_as].iloc[0]
        assert twin["headcount"] == row.headcount and twin["share_within_guarantee"] == row.share_within_guarantee
    assert result.findings["guarantee_mean"].headcount == 7
    assert result.findings["guarantee_mean"].next_headcount == 6


def test_runs_that_contradict_monotonicity_are_reported_and_the_answer_stays_conservative():
    holds = lambda h: h >= 75 or 45 <= h <= 55  # noqa: E731 - a passing island deeper than a failure
    fake = FakeSweep(holds, holds, lambda h: False, lambda h: False)
    result = _search(fake, values=[1.0, 0.8, 0.7, 0.5, 0.3])
    assert result.findings["guarantee_mean"].headcount == 75
    assert any("0.5 passes although" in v for v in result.violations), result.violations


def test_a_template_that_already_misses_the_guarantee_has_no_break_even_point():
    fake = FakeSweep(lambda h: False, lambda h: False, lambda h: False, lambda h: False)
    result = _search(fake, values=[1.0, 0.5])
    f = result.findings["guarantee_confident"]
    assert f.value is None and f.next_value == 1.0
    assert "not met even at the shallowest value tested" in f.message
    assert "not met at any value tested" in result.findings["saving_mean"].message
    assert len(fake.calls) == 1  # nothing to refine


def test_a_criterion_met_everywhere_is_reported_as_open_ended():
    fake = FakeSweep(lambda h: True, lambda h: True, lambda h: h < 100, lambda h: h < 100)
    result = _search(fake, values=[1.0, 0.6, 0.2])
    f = result.findings["guarantee_mean"]
    assert f.value == 0.2 and f.next_value is None and not f.bracketed
    assert "break-even lies beyond" in f.message
    assert result.findings["saving_mean"].value == 0.2


def test_bot_deflection_deepens_upwards():
    fake = FakeSweep(lambda m: m <= 2.2, lambda m: m <= 2.0, lambda m: m >= 1.5, lambda m: m >= 1.5, kind="bot_resolve")
    result = _search(fake, scenario=_scenario(), kind="bot_resolve", template="bot")
    f = result.findings["guarantee_mean"]
    assert f.value <= 2.2 < f.next_value and f.next_value - f.value <= result.resolution + 1e-9
    # Positive savings from 1.5 upwards, up to the top of the range (where deflection saturates: 0.9 / 0.2).
    s = result.findings["saving_mean"]
    assert s.value == pytest.approx(4.5) and s.next_value is None
    assert result.members["value"].is_monotonic_increasing


def test_render_shows_every_criterion_the_intervals_and_the_members():
    fake = FakeSweep(lambda h: h >= 63, lambda h: h >= 68, lambda h: 30 <= h <= 95, lambda h: 35 <= h <= 90)
    sc = _scenario()
    result = _search(fake, scenario=sc)
    text = render_breakeven(result, sc, varied=what(result.kind), meaning=share_meaning(sc, result.template))
    for criterion in CRITERIA:
        assert criterion in text
    assert "(68 agents)" in text and "first failing" in text and "95% CI" in text
    assert "members tested" in text and "same scenario as" in text


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"kind": "layoffs"}, "kind"),
        ({"template": "nope"}, "template"),
        ({"kind": "bot_resolve", "template": "today"}, "template"),  # no bot in front: nothing to scale
        ({"replications": 1}, "replications"),
        ({"values": [1.0, -0.5]}, "values"),
        ({"values": []}, "values"),
        ({"values": [20.0]}, "values"),  # beyond the Policy model's staffing_scale bound
        ({"resolution": 0.0}, "resolution"),
    ],
)
def test_bad_input_is_a_breakeven_error_naming_the_argument(kwargs, argument):
    fake = FakeSweep(lambda h: True, lambda h: True, lambda h: True, lambda h: True)
    with pytest.raises(BreakEvenError) as info:
        _search(fake, **kwargs)
    assert info.value.argument == argument


# ------------------------------------------------------------ known answer


def _mmcm(headcount=16) -> sim.Scenario:
    """M/M/c+M at 200 calls an hour for 8 hours (10 Erlangs), everyone an emergency, one attempt each.

    With one attempt and no bot, an incident's time-to-human within 20 s is
    "answered within 20 s over all arrivals", Erlang A's service level. Agents
    stay an hour after the last arrival so nobody is left without one. Each
    abandoned caller costs 5 in churn; agents cost 27 an hour.
    """
    return sim.Scenario.model_validate(
        {
            "name": "M/M/c+M break-even",
            "days": 1,
            "interval_min": 60,
            "warmup_h": 1,
            "guarantee_s": 20,
            "guarantee_share": 0.8,
            "contact_types": [
                {
                    "id": "calls",
                    "emergency": True,
                    "volume": {"per_day": 1600, "profile": [1] * 8 + [0] * 16},
                    "handle_time_s": {"dist": "exponential", "mean": 180},
                    "patience_s": {"dist": "exponential", "mean": 300},
                    "redial": {"max_attempts": 1},
                    "loss": {"churn_cost_per_abandoned": 5},
                }
            ],
            "agents": {"shifts": [{"id": "all", "start": "00:00", "length_h": 9, "headcount": headcount,
                                   "cost_per_hour": 27}]},
        }
    )


@pytest.mark.slow
def test_breakeven_on_mmcm_matches_erlang_a_for_the_guarantee_and_the_net_saving():
    lam, aht, patience = 200 / 3600, 180.0, 300.0
    needed = erlang_a_servers_needed(lam, aht, patience, 20, 0.8).servers
    assert needed == 13  # SL 0.858 with 13 agents, 0.772 with 12: clear of the target on both sides

    # Net saving of k agents against 16, from the formulas: 7 counted hours of calls, 8 paid hours.
    def net(k):
        def p_abandon(n):
            return erlang_a_metrics(lam, aht, patience, n, 20).p_abandon

        abandon = p_abandon(k) - p_abandon(16)
        return (16 - k) * 27 * 8 - 5 * 200 * 7 * abandon

    deepest_saving = min(k for k in range(1, 16) if all(net(j) > 0 for j in range(k, 16)))
    assert deepest_saving == 8  # +132 with 8 agents, -223 with 7

    sc = _mmcm()
    result = breakeven(sc, values=[1, 0.875, 0.75, 0.625, 0.5, 0.375],
                       settings=sim.RunSettings(replications=15, seed=3))
    for criterion in ("guarantee_mean", "guarantee_confident"):
        f = result.findings[criterion]
        assert abs(f.headcount - needed) <= 1, (criterion, f)
        assert f.bracketed and f.next_headcount == f.headcount - 1
        assert f.ci_low <= f.mean <= f.ci_high
    assert result.findings["guarantee_confident"].ci_low >= 0.8
    f = result.findings["saving_mean"]
    assert abs(f.headcount - deepest_saving) <= 1, f
    assert f.mean > 0 and f.next_mean <= 0
    assert not result.violations
    # The runs behind the answer: every member of every batch, each a sweep row set.
    assert set(result.runs["metric"]) >= {"share_within_guarantee", "net_saving"}
    assert result.runs["batch"].nunique() >= 2
