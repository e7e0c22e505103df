"""The simulation against closed forms: Erlang C for M/M/c and Erlang A for M/M/c+M.

Each check runs independent replications of a stationary queue (one 24-hour
shift, so no hand-over effects; the first hour left out as warm-up) and
asserts that the exact value lies within a few standard errors of the
replication mean. Four standard errors makes a false alarm for a correct
model about 1 in 16,000 per check; a model that is off by a few percent fails.
The published values come from docs/reference/erlang_cases.md.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.analytic.erlang import erlang_a_metrics, erlang_c_metrics

Z = 4.0


def stationary(calls_per_day, aht_s, servers, patience=None, days=1, warmup_h=1.0, target_s=20.0):
    patience_s = patience or {"dist": "deterministic", "value": 1e9}
    return sim.Scenario.model_validate(
        {
            "name": "stationary",
            "days": days,
            "warmup_h": warmup_h,
            "contact_types": [
                {
                    "id": "calls",
                    "target_s": target_s,
                    "volume": {"per_day": calls_per_day},
                    "handle_time_s": {"dist": "exponential", "mean": aht_s},
                    "patience_s": patience_s,
                    "redial": {"max_attempts": 1},
                }
            ],
            "agents": {"shifts": [{"id": "all", "start": "00:00", "length_h": 24, "headcount": servers}]},
        }
    )


def per_replication(results) -> "pd.DataFrame":  # noqa: F821
    table = results.per_replication()
    table = table[table.contact_type == "calls"].set_index("replication")
    agents = results.agents.set_index("replication")
    table["occupancy"] = agents["busy_hours"] / agents["paid_hours"]
    return table


def assert_close(values, exact, name, rel_floor=0.0):
    values = np.asarray(values, dtype=float)
    mean = values.mean()
    se = values.std(ddof=1) / np.sqrt(values.size)
    tolerance = Z * se + rel_floor * abs(exact)
    assert abs(mean - exact) <= tolerance, (
        f"{name}: simulated {mean:.5g} ± {se:.2g} (SE) vs exact {exact:.5g}; "
        f"off by {abs(mean - exact) / max(se, 1e-300):.1f} SE"
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "servers, p_wait, asa_s, sl",
    [(12, 0.44939, 40.4, 0.6402), (14, 0.17413, 7.84, 0.8884)],
    ids=["C1-12-agents", "C1-14-agents"],
)
def test_mmc_simulation_matches_published_erlang_c_case_c1(servers, p_wait, asa_s, sl):
    res = sim.run(stationary(4800, 180, servers), settings=sim.RunSettings(replications=30, seed=100 + servers))
    table = per_replication(res)
    assert_close(table["p_delay"], p_wait, "P(wait)")
    assert_close(table["asa_s"], asa_s, "ASA")
    assert_close(table["service_level"], sl, "SL(20 s)")
    assert_close(table["occupancy"], 10 / servers, "occupancy", rel_floor=0.005)


@pytest.mark.slow
def test_mmcm_simulation_matches_published_erlang_a_case_a1():
    patience = {"dist": "exponential", "mean": 300}
    res = sim.run(stationary(4800, 180, 14, patience=patience), settings=sim.RunSettings(replications=30, seed=7))
    table = per_replication(res)
    assert_close(table["p_delay"], 0.14526, "P(wait)")
    assert_close(table["abandonment"], 0.013984, "P(abandon)")
    assert_close(table["mean_wait_s"], 4.195, "mean wait over all arrivals")
    assert_close(table["service_level"], 0.916792, "answered within 20 s over all arrivals")
    assert_close(table["occupancy"], 0.704297, "occupancy", rel_floor=0.005)


GRID = [
    # (servers, offered load in Erlangs, mean patience s or None): light to heavy, 1 to 500 agents
    (1, 0.5, None),
    (2, 1.6, 600.0),
    (5, 4.0, None),
    (10, 9.0, 200.0),
    (30, 27.0, None),
    (50, 55.0, 300.0),
    (100, 95.0, None),
    (200, 210.0, 180.0),
    (500, 490.0, None),
    (500, 520.0, 240.0),
]


@pytest.mark.slow
@pytest.mark.parametrize("servers, load, patience_mean", GRID, ids=[f"N{n}-A{a:g}-{'A' if p else 'C'}" for n, a, p in GRID])
def test_simulation_matches_erlang_c_and_a_from_light_to_heavy_load(servers, load, patience_mean):
    aht_s = 120.0
    calls_per_day = load / aht_s * 86400
    # About 25,000 calls a replication: fewer hours for big centres, but at least 6 (5 after the
    # warm-up): near saturation (N500, A490) shorter windows give skewed per-replication waits
    # whose standard error is itself unreliable from few replications, hence 20 of them.
    hours = float(np.clip(2.5e5 / (calls_per_day / 24) / 10, 6, 24))
    patience = {"dist": "exponential", "mean": patience_mean} if patience_mean else None
    sc = stationary(calls_per_day, aht_s, servers, patience=patience, warmup_h=1.0)
    sc = sc.model_copy(update={"days": 1})
    if hours < 24:
        # A shorter horizon: agents on a shift that covers it, the rest of the day empty of calls.
        profile = [1.0 if (i + 1) * 0.5 <= hours else 0.0 for i in range(48)]
        ct = sc.contact_types[0]
        volume = ct.volume.model_copy(update={"per_day": calls_per_day * sum(profile) / 48, "profile": profile})
        sc = sc.model_copy(update={"contact_types": [ct.model_copy(update={"volume": volume})]})
    res = sim.run(sc, settings=sim.RunSettings(replications=20, seed=servers, workers=2))
    table = per_replication(res)
    rate = calls_per_day / 86400
    if patience_mean:
        exact = erlang_a_metrics(rate, aht_s, patience_mean, servers, target_s=20.0)
        assert_close(table["abandonment"], exact.p_abandon, "P(abandon)", rel_floor=0.01)
        assert_close(table["mean_wait_s"], exact.mean_wait_s, "mean wait", rel_floor=0.01)
        assert_close(table["service_level"], exact.answered_within_target, "SL", rel_floor=0.005)
    else:
        exact = erlang_c_metrics(rate, aht_s, servers, target_s=20.0)
        assert_close(table["p_delay"], exact.p_wait, "P(wait)", rel_floor=0.01)
        assert_close(table["asa_s"], exact.asa_s, "ASA", rel_floor=0.02)
        assert_close(table["service_level"], exact.service_level, "SL", rel_floor=0.005)
