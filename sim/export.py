"""Writing results to disk: the tables as CSV and a provenance record.

``provenance.json`` says exactly what produced the numbers — a hash of the
validated scenario, the seed and replication count, the policies, the
package versions and the command — so that a policy analyst can show where a
figure came from and anyone can reproduce it.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from .scenario import Scenario

_PACKAGES = ("humanline", "simpy", "numpy", "scipy", "pandas", "pydantic")


def scenario_hash(scenario: Scenario) -> str:
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def provenance_record(command: str | None = None, scenario: Scenario | None = None, **facts) -> dict:
    """What produced a set of numbers: the command, the scenario's hash, the facts given, versions."""
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    record: dict = {}
    if scenario is not None:
        record.update({"scenario": scenario.name, "scenario_sha256": scenario_hash(scenario)})
    record.update(facts)
    record.update(
        {
            "command": command if command is not None else " ".join(sys.argv),
            "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "versions": versions,
        }
    )
    return record


def provenance(results, command: str | None = None) -> dict:
    return provenance_record(
        command,
        results.scenario,
        seed=results.seed,
        replications=results.n_replications,
        policies=list(results.policies),
        baseline=results.scenario.baseline_policy.id,
        **results.meta,
    )


def save_results(results, directory: Path, command: str | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    results.replications.to_csv(directory / "replications.csv", index=False)
    results.summary().to_csv(directory / "summary.csv", index=False)
    results.intervals.to_csv(directory / "intervals.csv", index=False)
    results.agents.to_csv(directory / "agents.csv", index=False)
    if len(results.incidents):
        results.incidents.to_csv(directory / "incidents.csv", index=False)
    if len(results.policies) > 1:
        results.compare().to_csv(directory / "compare.csv", index=False)
    (directory / "provenance.json").write_text(json.dumps(provenance(results, command), indent=2) + "\n")
    return directory
