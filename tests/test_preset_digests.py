"""Every bundled scenario gives the same tables, byte for byte, as when the digest was taken.

A change meant to keep every result (a refactor of the engine, its routing,
the runner) must not move one number of any preset. This compares, for each
scenario in ``scenarios/`` and ``scenarios/exercises/`` (every policy, a
couple of replications), and for a few variants of the flagship that reach
the routing rules the presets leave unused (callbacks predicted by the head
of the line and taken when idle, staged overflow into reserved groups), a
digest of:

- ``tables``: every table ``sim.run`` returns (replications, intervals,
  agents, incidents), written out exactly (CSV, floats round-trip);
- ``engine``: the engine's raw run logs (``RunLog``: attempts, agents,
  breaks, callbacks, dials) per policy and replication, so a change of the
  measures (sim.model.metrics, economics) can be told from a change of the
  sample paths.

The digests live in ``tests/preset_digests.json``. Regenerate them only on
purpose, when a change is *meant* to move results, and say why in the commit:

    .venv/bin/python tests/test_preset_digests.py --regenerate
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from the worktree root
    sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from sim.model.engine import latest_outcome_s  # noqa: E402
from sim.model.roster import build_roster  # noqa: E402
from sim.model.scenario import Scenario  # noqa: E402
from sim.model.simulation import simulate  # noqa: E402
from sim.model.workload import draw_workload  # noqa: E402
from sim.runs.runner import replication_streams  # noqa: E402

DIGESTS = Path(__file__).with_name("preset_digests.json")
REPLICATIONS = 2
SEED = 7
TABLES = ("replications", "intervals", "agents", "incidents")
LOG_ARRAYS = ("attempts", "agent_start_s", "agent_leave_s", "agent_end_s", "agent_group", "breaks", "callbacks",
              "dials")


def _scenario_files() -> list[Path]:
    files = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "scenarios" / "exercises").glob("*.yaml"))
    return [p for p in files if not p.name.endswith(".exercise.yaml")]  # exercise files are not scenarios


def _flagship_variant(name: str) -> Scenario:
    """The flagship with a routing rule no preset uses, on the policies where it bites."""
    data = sim.load_scenario(ROOT / "scenarios" / "payment_platform.yaml").model_dump(mode="json")
    policies = {p["id"]: p for p in data["policies"]}
    if name == "callbacks_head_of_line_when_idle":
        callback = policies["callbacks_cut40"]["front_door"]["callback"]
        callback.update(predictor="head_of_line", queue="when_idle", offer_in_queue=False, threshold_s=60)
        keep = ["callbacks_cut40"]
    elif name == "overflow_into_emergency_desk":
        # Routine and refund callers overflow into the desk reserved for emergencies after 90 s, then 0 s.
        policies["emergency_line"]["routing"] = {"overflow": [
            {"contact_type": "routine", "stages": [{"after_s": 90, "groups": ["desk_day", "desk_late"]}]},
            {"contact_type": "refund", "stages": [{"after_s": 0, "groups": ["desk_night"]},
                                                  {"after_s": 45, "groups": ["desk_day"]}]},
        ]}
        keep = ["emergency_line"]
    elif name == "chats_with_callbacks_and_overflow":
        policy = policies["callbacks_cut40"]
        policy["chat"] = {"types": ["routine"], "max_per_agent": 2, "handle_time_factors": [1.0, 1.6]}
        policy["front_door"]["callback"]["offer_to"] = ["refund"]
        data["agents"]["shifts"].append({"id": "spare", "start": "09:00", "length_h": 8, "headcount": 2,
                                         "skills": ["spare"], "cost_per_hour": 27})
        data["routing"] = {"overflow": [
            {"contact_type": "routine", "stages": [{"after_s": 30, "groups": ["spare"]}]},
            {"contact_type": "refund", "stages": [{"after_s": 120, "groups": ["spare"]}]},
        ]}
        keep = ["callbacks_cut40"]
    else:
        raise KeyError(name)
    data["policies"] = [p for p in data["policies"] if p["id"] in keep or p.get("baseline")]
    return Scenario.model_validate(data)


VARIANTS = ("callbacks_head_of_line_when_idle", "overflow_into_emergency_desk", "chats_with_callbacks_and_overflow")


def _cases() -> dict[str, callable]:
    cases = {str(p.relative_to(ROOT)): (lambda p=p: sim.load_scenario(p)) for p in _scenario_files()}
    cases.update({f"payment_platform.yaml+{v}": (lambda v=v: _flagship_variant(v)) for v in VARIANTS})
    return cases


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _engine_digest(scenario: Scenario) -> str:
    """The run logs of every policy and replication, as the runner makes them."""
    h = hashlib.sha256()
    for replication, (workload_seed, absence_seed) in enumerate(replication_streams(SEED, REPLICATIONS)):
        workload = draw_workload(scenario, workload_seed)
        for policy in scenario.effective_policies:
            resolved = scenario.for_policy(policy.id)
            roster = build_roster(resolved, absence_seed, until_s=latest_outcome_s(resolved, workload))
            log = simulate(resolved, workload, roster)
            h.update(f"{replication}/{policy.id}".encode())
            for name in LOG_ARRAYS:
                values = np.ascontiguousarray(getattr(log, name), dtype=float)
                h.update(f"{name}{values.shape}".encode())
                h.update(values.tobytes())
            h.update(repr(float(log.end_s)).encode())
    return h.hexdigest()


def digest(scenario: Scenario) -> dict[str, str]:
    results = sim.run(scenario, settings=sim.RunSettings(replications=REPLICATIONS, seed=SEED), keep_incidents="all")
    out = {name: _sha(getattr(results, name).to_csv(index=False).encode()) for name in TABLES}
    out["engine"] = _engine_digest(scenario)
    return out


def _stored() -> dict:
    return json.loads(DIGESTS.read_text())


@pytest.mark.parametrize("case", sorted(_cases()))
def test_bundled_scenario_tables_are_byte_identical_to_the_stored_digest(case):
    stored = _stored()["cases"]
    assert case in stored, f"{case} has no stored digest: regenerate on purpose (see the module docstring)"
    now = digest(_cases()[case]())
    changed = [name for name in stored[case] if now.get(name) != stored[case][name]]
    assert not changed, f"{case}: {', '.join(changed)} differ from the stored digest"


def test_every_stored_digest_names_a_bundled_scenario():
    assert set(_stored()["cases"]) == set(_cases())


def _regenerate() -> None:
    cases = {name: digest(make()) for name, make in sorted(_cases().items())}
    DIGESTS.write_text(json.dumps({
        "about": "sha256 of each bundled scenario's tables and run logs; see tests/test_preset_digests.py",
        "replications": REPLICATIONS, "seed": SEED, "cases": cases,
    }, indent=1) + "\n")
    print(f"wrote {DIGESTS} ({len(cases)} cases)")


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit("usage: python tests/test_preset_digests.py --regenerate   (only on purpose; say why in the commit)")
    _regenerate()
