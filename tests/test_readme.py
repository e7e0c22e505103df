"""The README a new user learns from names every page, every file and the keys they need, and its examples load."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

import sim
from sim.files.export import RESULT_FILES
from sim.model.scenario import EmergencyLine, FrontDoor
from sim.studies.planning import Plan, Repair, ShiftTemplate

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks() -> list[str]:
    """The README's YAML code blocks, unindented."""
    out = []
    for match in re.finditer(r"^( *)```yaml\n(.*?)^\1```", README, flags=re.S | re.M):
        indent = len(match.group(1))
        out.append("\n".join(line[indent:] for line in match.group(2).splitlines()))
    return out


def test_the_pages_list_names_every_page_of_the_app():
    titles = re.findall(r'st\.Page\([^)]*title="([^"]+)"', (ROOT / "app.py").read_text(encoding="utf-8"))
    assert "Plan a roster" in titles and "Edit a roster" in titles
    app = README[README.index("## The app"):README.index("## Command line")]
    for title in titles:
        assert f"**{title}**" in app, title


def test_every_file_run_out_writes_is_listed():
    for name in RESULT_FILES:
        assert f"`{name}`" in README, name


def test_the_plan_file_example_is_complete_and_loads():
    (block,) = [b for b in _blocks() if b.lstrip().startswith("scenario:") and "templates:" in b]
    data = yaml.safe_load(block)
    plan = Plan.model_validate(data)
    assert (ROOT / "plans" / plan.scenario).exists()  # relative to a planning file in plans/
    for model in (Plan, ShiftTemplate, Repair):
        for name in model.model_fields:
            assert re.search(rf"^\s*-?\s*{name}:", block, flags=re.M), f"{model.__name__}.{name}"


def test_the_front_door_keys_the_emergency_line_and_skills_are_documented_and_load():
    (door,) = [b for b in _blocks() if "bot_enabled:" in b]
    for name in [*FrontDoor.model_fields, *EmergencyLine.model_fields]:
        if name != "callback":  # its own example follows
            assert f"{name}:" in door, name
    base = sim.load_scenario(ROOT / "scenarios" / "payment_platform.yaml").model_dump(mode="json")
    policy = yaml.safe_load(door)["policies"][0]
    base["policies"].append(policy)
    assert sim.Scenario.model_validate(base).policy("bot_first").front_door.emergency_line.enabled
    assert "`skill: fraud`" in README and "reserved_for" in README
    assert "one pool of\n  agents with every skill" in README  # what isa needs, before its error says so


def test_the_capacity_hours_and_busy_redial_keys_are_documented_and_load():
    from sim.model.capacity import Capacity
    from sim.model.scenario import ContactType, Redial

    (block,) = [b for b in _blocks() if "queue_places:" in b]
    for name in [*Capacity.model_fields, "hours", "at_closing", "max_wait_s", "busy_probability", "busy_delay_s"]:
        assert f"{name}:" in block, name
    assert {"hours", "at_closing", "max_wait_s"} <= set(ContactType.model_fields)
    assert {"busy_probability", "busy_delay_s"} <= set(Redial.model_fields)
    example = yaml.safe_load(block)
    base = sim.load_scenario(ROOT / "scenarios" / "payment_platform.yaml").model_dump(mode="json")
    base["capacity"] = {**example["capacity"], "lines_per_type": {"fraud": 4}}
    general = {**base["contact_types"][-1], **{k: v for k, v in example["contact_types"][0].items() if k != "id"}}
    general["redial"] = {**base["contact_types"][-1]["redial"], **example["contact_types"][0]["redial"]}
    base["contact_types"][-1] = general
    loaded = sim.Scenario.model_validate(base)
    assert loaded.capacity.lines == 24 and loaded.contact_types[-1].at_closing == "disconnect"
