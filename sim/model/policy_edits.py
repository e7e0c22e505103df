"""Edits of a scenario's list of policies, as pure functions: add (replacing by id), remove, one policy alone.

What the app does when a roster planned or edited by hand joins the
comparison, and what its caches are keyed on; the roster table does the same
when it adds a roster typed by hand. Each returns a new Scenario validated
as a file is (``build_scenario``: a policy that no longer fits raises
``ScenarioError`` naming its field); the scenario passed in is not changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sim.model.policy import Policy
from sim.model.scenario import Scenario
from sim.model.validation import build_scenario


def _data(policy: Policy | Mapping) -> dict:
    return policy.model_dump(mode="json", exclude_none=True) if isinstance(policy, Policy) else dict(policy)


def with_policies(scenario: Scenario, policies: Sequence[Policy | Mapping], source: str = "app") -> Scenario:
    """``scenario`` with ``policies`` (models or plain data) added after its own, each replacing the policy of its id.

    A scenario without policies runs as one implicit baseline (``effective_policies``); it is kept, explicit.
    """
    if not policies:
        return scenario
    added = [_data(p) for p in policies]
    ids = {p.get("id") for p in added}
    kept = [p.model_dump(mode="json", exclude_none=True) for p in scenario.effective_policies if p.id not in ids]
    data = scenario.model_dump(mode="json", exclude_none=True)
    data["policies"] = [*kept, *added]
    return build_scenario(data, source=source)


def without_policies(scenario: Scenario, ids: Iterable[str], source: str = "app") -> Scenario:
    """``scenario`` without the policies ``ids`` (ids it does not have are ignored); itself if it has none of them."""
    ids = set(ids)
    if not ids & {p.id for p in scenario.policies}:
        return scenario
    data = scenario.model_dump(mode="json", exclude_none=True)
    data["policies"] = [p.model_dump(mode="json", exclude_none=True) for p in scenario.policies if p.id not in ids]
    return build_scenario(data, source=source)


def policy_alone(scenario: Scenario, policy_id: str, source: str = "app") -> Scenario:
    """``scenario`` with ``policy_id`` as its only policy, the baseline (KeyError naming the known ones if unknown).

    What depends on one policy only (its staffing requirement) is keyed on this, so that adding or editing
    another policy does not compute it again.
    """
    policy = scenario.policy(policy_id)
    data = scenario.model_dump(mode="json", exclude_none=True)
    data["policies"] = [{**policy.model_dump(mode="json", exclude_none=True), "baseline": True}]
    return build_scenario(data, source=source)
