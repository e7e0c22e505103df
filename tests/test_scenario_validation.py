"""Scenario files: bad input is rejected with one clear message naming the field and value.

Every bad case is written to a real file and read with ``sim.load_scenario``, so
the YAML parsing and CSV inlining are exercised as a user meets them. A case
states the text the message must contain: the field path (e.g.
``contact_types[calls].volume.per_day``, list items named by id) and, where there is one, the bad value.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

import sim

ROOT = Path(__file__).resolve().parents[1]
PRESETS = sorted((ROOT / "scenarios").glob("*.yaml"))

HOURLY_TABLE = [0, 0, 0, 0, 0, 0, 2, 5, 10, 14, 16, 15, 13, 12, 13, 14, 12, 10, 8, 6, 4, 2, 1, 0.5]


# ------------------------------------------------------------------ helpers


def _tokens(path: str) -> list[str | int]:
    """'contact_types[0].volume.per_day' -> ['contact_types', 0, 'volume', 'per_day']."""
    return [int(index) if index else name for name, index in re.findall(r"([A-Za-z_]\w*)|\[(\d+)\]", path)]


def set_at(path: str, value: Any) -> Callable[[dict], None]:
    """A mutation that sets ``path`` (creating missing mappings on the way) to ``value``."""

    def mutate(data: dict) -> None:
        *parents, last = _tokens(path)
        node: Any = data
        for key in parents:
            if isinstance(key, str) and key not in node:
                node[key] = {}
            node = node[key]
        node[last] = copy.deepcopy(value)

    return mutate


def both(*mutations: Callable[[dict], None]) -> Callable[[dict], None]:
    def mutate(data: dict) -> None:
        for m in mutations:
            m(data)

    return mutate


def duplicate_contact_type(data: dict) -> None:
    data["contact_types"].append(copy.deepcopy(data["contact_types"][0]))


def unquoted_shift_start_22_00(data: dict) -> str:
    """The scenario as YAML text with ``start: 22:00`` written without quotes, as people type it."""
    text = re.sub(r"start: '?08:00'?", "start: 22:00", yaml.safe_dump(data, sort_keys=False))
    assert "start: 22:00\n" in text
    return text


def days_written_1_30(data: dict) -> str:
    """``days: 1:30``, which YAML 1.1 reads as the base-60 number 90."""
    text = yaml.safe_dump(data, sort_keys=False).replace("days: 1\n", "days: 1:30\n")
    assert text.splitlines()[1] == "days: 1:30"
    return text


@dataclass
class Case:
    id: str
    # A mutation of (a copy of) the minimal scenario, which may return raw YAML text to write
    # instead; or the raw YAML text itself.
    mutate: Callable[[dict], str | None] | str
    fields: tuple[str, ...]  # text naming the field path; all must appear in the message
    values: tuple[str, ...] = ()  # text showing the bad value; empty when there is no value to show
    csvs: dict[str, str] = field(default_factory=dict)


CASES: list[Case] = [
    # malformed YAML: there is no field yet, so the message must say where in the file
    Case("malformed-yaml-unclosed-bracket", "name: [unclosed\ndays: 1\n", ("not valid YAML",), ("line 2",)),
    Case("malformed-yaml-mapping-in-scalar", "name: a: b\n", ("not valid YAML",), ("line 1",)),
    # wrong types
    Case("wrong-type-days-is-text", set_at("days", "two"), ("days",), ("'two'",)),
    Case("wrong-type-per-day-is-text", set_at("contact_types[0].volume.per_day", "lots"),
         ("contact_types[calls].volume.per_day",), ("'lots'",)),
    Case("wrong-type-headcount-is-fractional", set_at("agents.shifts[0].headcount", 2.5),
         ("agents.shifts[day].headcount",), ("2.5",)),
    Case("wrong-type-contact-types-is-text", set_at("contact_types", "abc"), ("contact_types",), ("'abc'",)),
    Case("wrong-type-contact-types-is-a-number", set_at("contact_types", 5), ("contact_types",), ("got 5",)),
    Case("wrong-type-policies-is-a-number", set_at("policies", 3), ("policies",), ("got 3",)),
    Case("wrong-type-interval-not-15-30-60", set_at("interval_min", 20), ("interval_min",), ("20",)),
    Case("wrong-type-unknown-weekday", set_at("start_weekday", "monday"), ("start_weekday",), ("'monday'",)),
    # negative, zero or infinite rates and durations
    Case("negative-daily-volume", set_at("contact_types[0].volume.per_day", -5),
         ("contact_types[calls].volume.per_day",), ("-5",)),
    Case("zero-daily-volume", set_at("contact_types[0].volume.per_day", 0),
         ("contact_types[calls].volume.per_day",), ("got 0",)),
    Case("infinite-daily-volume", set_at("contact_types[0].volume.per_day", float("inf")),
         ("contact_types[calls].volume.per_day",), ("got inf",)),
    Case("negative-volume-table-entry", set_at("contact_types[0].volume", {"table": [1] * 23 + [-2]}),
         ("contact_types[calls].volume.table[23]",), ("-2",)),
    Case("negative-handle-time-mean", set_at("contact_types[0].handle_time_s", {"dist": "exponential", "mean": -1}),
         ("contact_types[calls].handle_time_s.mean",), ("-1",)),
    Case("zero-patience-mean", set_at("contact_types[0].patience_s", {"dist": "exponential", "mean": 0}),
         ("contact_types[calls].patience_s.mean",), ("got 0",)),
    Case("infinite-handle-time-mean",
         set_at("contact_types[0].handle_time_s", {"dist": "exponential", "mean": float("inf")}),
         ("contact_types[calls].handle_time_s.mean",), ("got inf",)),
    Case("negative-headcount", set_at("agents.shifts[0].headcount", -1), ("agents.shifts[day].headcount",), ("-1",)),
    # profiles and tables of the wrong length
    Case("profile-of-wrong-length", set_at("contact_types[0].volume.profile", [1] * 23),
         ("contact_types[calls].volume.profile",), ("23",)),
    Case("weekday-factors-of-length-6", set_at("contact_types[0].volume.weekday_factors", [1] * 6),
         ("contact_types[calls].volume.weekday_factors",), ("6",)),
    Case("volume-table-of-wrong-length", set_at("contact_types[0].volume", {"table": [1] * 5}),
         ("contact_types[calls].volume.table",), ("5",)),
    Case("staffing-table-of-wrong-length", set_at("agents.tables", [{"id": "pool", "agents": [1] * 5}]),
         ("agents.tables[pool].agents",), ("5",)),
    Case("policy-staffing-table-of-wrong-length",
         set_at("policies", [{"id": "cut", "agents": {"tables": [{"id": "pool", "agents": [1] * 7}]}}]),
         ("policies[cut].agents.tables[pool].agents",), ("7",)),
    # a shift that ends before it starts (shift = start + length_h)
    Case("shift-length-zero", set_at("agents.shifts[0].length_h", 0), ("agents.shifts[day].length_h",), ("got 0",)),
    Case("shift-length-negative", set_at("agents.shifts[0].length_h", -3),
         ("agents.shifts[day].length_h",), ("-3",)),
    Case("shift-longer-than-a-day", set_at("agents.shifts[0].length_h", 25),
         ("agents.shifts[day].length_h",), ("25",)),
    # probabilities outside [0, 1]
    Case("balk-probability-above-1", set_at("contact_types[0].balk_probability", 1.5),
         ("contact_types[calls].balk_probability",), ("1.5",)),
    Case("balk-probability-negative", set_at("contact_types[0].balk_probability", -0.1),
         ("contact_types[calls].balk_probability",), ("-0.1",)),
    Case("redial-probability-above-1", set_at("contact_types[0].redial.probability", 2),
         ("contact_types[calls].redial.probability",), ("got 2",)),
    Case("absence-probability-above-1", set_at("agents.absence_probability", 1.01),
         ("agents.absence_probability",), ("1.01",)),
    Case("hidden-entry-probability-above-1", set_at("front_door.human_option_found_probability", 1.5),
         ("front_door.human_option_found_probability",), ("1.5",)),
    Case("liability-share-above-1-in-a-policy",
         set_at("policies", [{"id": "cut", "economics": {"liability_share": 1.2}}]),
         ("policies[cut].economics.liability_share",), ("1.2",)),
    Case("bot-resolve-plus-false-resolution-above-1",
         set_at("contact_types[0].bot", {"resolve_probability": 0.7, "false_resolution_probability": 0.45}),
         ("contact_types[calls].bot",), ("0.7", "0.45")),
    # unknown keys
    Case("unknown-key-at-top-level", set_at("dayz", 3), ("dayz", "unknown field")),
    Case("unknown-key-in-volume", set_at("contact_types[0].volume.perday", 3),
         ("contact_types[calls].volume.perday", "unknown field")),
    Case("unknown-key-in-shift", set_at("agents.shifts[0].headcont", 3),
         ("agents.shifts[day].headcont", "unknown field")),
    Case("unknown-key-in-distribution",
         set_at("contact_types[0].handle_time_s", {"dist": "exponential", "mean": 180, "cv": 1}),
         ("contact_types[calls].handle_time_s.cv", "unknown field")),
    Case("unknown-key-in-policy", set_at("policies", [{"id": "cut", "staffing_scal": 0.5}]),
         ("policies[cut].staffing_scal", "unknown field")),
    # distributions
    Case("unknown-distribution-name", set_at("contact_types[0].handle_time_s", {"dist": "normal", "mean": 180}),
         ("contact_types[calls].handle_time_s",), ("'normal'",)),
    Case("lognormal-cv-zero", set_at("contact_types[0].handle_time_s", {"dist": "lognormal", "mean": 180, "cv": 0}),
         ("contact_types[calls].handle_time_s.cv",), ("got 0",)),
    Case("lognormal-cv-negative",
         set_at("contact_types[0].handle_time_s", {"dist": "lognormal", "mean": 180, "cv": -0.5}),
         ("contact_types[calls].handle_time_s.cv",), ("-0.5",)),
    Case("empirical-with-no-values", set_at("contact_types[0].patience_s", {"dist": "empirical", "values": []}),
         ("contact_types[calls].patience_s.values",)),
    # cross-field consistency
    Case("reserved-for-unknown-contact-type", set_at("agents.shifts[0].reserved_for", ["ghost"]),
         ("agents.shifts[day].reserved_for",), ("ghost",)),
    Case("table-reserved-for-unknown-contact-type",
         set_at("agents.tables", [{"id": "pool", "agents": [1] * 24, "reserved_for": ["ghost"]}]),
         ("agents.tables[pool].reserved_for",), ("ghost",)),
    Case("duplicate-contact-type-ids", duplicate_contact_type, ("contact_types",), ("calls",)),
    Case("duplicate-shift-ids",
         set_at("agents.shifts", [{"id": "day", "start": "08:00", "length_h": 8, "headcount": 1}] * 2),
         ("agents",), ("day",)),
    Case("two-baseline-policies",
         set_at("policies", [{"id": "keep", "baseline": True}, {"id": "cut", "baseline": True}]),
         ("policies", "baseline"), ("keep", "cut")),
    Case("warmup-longer-than-horizon", set_at("warmup_h", 30), ("warmup_h",), ("30",)),
    Case("warmup-equal-to-horizon", set_at("warmup_h", 24), ("warmup_h",), ("24",)),
    Case("warmup-ending-inside-an-interval", set_at("warmup_h", 1.5), ("warmup_h", "60-minute intervals"), ("1.5",)),
    Case("empty-contact-types", set_at("contact_types", []), ("contact_types",)),
    Case("both-per-day-and-table", set_at("contact_types[0].volume.table", [1] * 24), ("contact_types[calls].volume",)),
    Case("amount-at-risk-on-a-non-emergency-type",
         set_at("contact_types[0].loss.amount_at_risk", {"dist": "deterministic", "value": 100}),
         ("contact_types[calls]", "loss.amount_at_risk")),
    # clock times and spans
    Case("shift-start-25-00", set_at("agents.shifts[0].start", "25:00"), ("agents.shifts[day].start",), ("25:00",)),
    Case("days-written-as-a-clock-1-30", days_written_1_30, ("days (line 2)",), ("'1:30'",)),
    Case("break-ends-after-the-shift", set_at("agents.shifts[0].breaks", [{"after_h": 7.5, "length_min": 60}]),
         ("agents.shifts[day]", "breaks[0]"), ("7.5", "60")),
    Case("bot-only-hours-not-a-span", set_at("front_door.bot_only_hours", ["22:00 to 06:00"]),
         ("front_door.bot_only_hours",), ("'22:00 to 06:00'",)),
    Case("bot-only-hours-empty-span", set_at("front_door.bot_only_hours", ["09:00-09:00"]),
         ("front_door.bot_only_hours",), ("09:00-09:00",)),
    Case("bot-only-hours-bad-clock-in-policy", set_at("policies", [{"id": "bot", "front_door": {
        "bot_enabled": True, "bot_only_hours": ["18:00-26:00"]}}]),
         ("policies[bot].front_door.bot_only_hours",), ("26:00",)),
    Case("night-hours-not-a-span", set_at("economics.night_hours", "22-06"), ("economics.night_hours",), ("'22-06'",)),
    # CSV tables beside the YAML file
    Case("missing-volume-csv", set_at("contact_types[0].volume", {"table_csv": "nope.csv"}),
         ("contact_types[calls].volume.table_csv",), ("nope.csv",)),
    Case("missing-agents-csv", set_at("agents.tables", [{"id": "pool", "agents_csv": "pool.csv"}]),
         ("agents.tables[pool].agents_csv",), ("pool.csv",)),
    Case("volume-csv-with-non-numeric-cell", set_at("contact_types[0].volume", {"table_csv": "calls.csv"}),
         ("contact_types[calls].volume.table_csv",), ("line 3", "column 'expected_incidents'", "not a number"),
         csvs={"calls.csv": "expected_incidents\n1\nabc\n" + "1\n" * 22}),
    Case("agents-csv-with-non-numeric-cell", set_at("agents.tables", [{"id": "pool", "agents_csv": "pool.csv"}]),
         ("agents.tables[pool].agents_csv",), ("line 4", "column 'agents'", "not a number"),
         csvs={"pool.csv": "agents\n1\n1\ntwo\n" + "1\n" * 21}),
    Case("volume-csv-without-the-column", set_at("contact_types[0].volume", {"table_csv": "calls.csv"}),
         ("contact_types[calls].volume.table_csv", "expected_incidents"), ("hour", "calls"),
         csvs={"calls.csv": "hour,calls\n" + "".join(f"{h},5\n" for h in range(24))}),
    Case("agents-csv-without-the-column", set_at("agents.tables", [{"id": "pool", "agents_csv": "pool.csv"}]),
         ("agents.tables[pool].agents_csv", "agents"), ("hour", "staff"),
         csvs={"pool.csv": "hour,staff\n" + "".join(f"{h},2\n" for h in range(24))}),
    Case("volume-csv-with-header-only", set_at("contact_types[0].volume", {"table_csv": "calls.csv"}),
         ("contact_types[calls].volume.table_csv",), ("calls.csv",), csvs={"calls.csv": "expected_incidents\n"}),
    Case("volume-csv-of-wrong-length", set_at("contact_types[0].volume", {"table_csv": "calls.csv"}),
         ("contact_types[calls].volume.table",), ("5",), csvs={"calls.csv": "expected_incidents\n" + "1\n" * 5}),
    Case("volume-csv-and-inline-table-together",
         set_at("contact_types[0].volume", {"table_csv": "calls.csv", "table": [3] * 24}),
         ("contact_types[calls].volume", "table_csv"), csvs={"calls.csv": "expected_incidents\n" + "1\n" * 24}),
]


def _params(cases: list[Case]) -> list:
    return [pytest.param(case, id=case.id) for case in cases]


def _load_error(case: Case, minimal: dict, tmp_path: Path, write_scenario) -> sim.ScenarioError:
    if isinstance(case.mutate, str):
        data: dict | str = case.mutate
    else:
        data = copy.deepcopy(minimal)
        data = case.mutate(data) or data
    path = write_scenario(tmp_path, data, case.csvs)
    with pytest.raises(sim.ScenarioError) as excinfo:
        sim.load_scenario(path)
    return excinfo.value


# ------------------------------------------------------------ bad input cases


@pytest.mark.parametrize("case", _params(CASES))
def test_bad_scenario_is_rejected_with_a_message_naming_the_field(case, minimal_scenario, tmp_path, write_scenario):
    message = str(_load_error(case, minimal_scenario, tmp_path, write_scenario))
    for text in case.fields:
        assert text in message, f"expected {text!r} in:\n{message}"


@pytest.mark.parametrize("case", _params([c for c in CASES if c.values]))
def test_bad_scenario_message_shows_the_bad_value(case, minimal_scenario, tmp_path, write_scenario):
    error = _load_error(case, minimal_scenario, tmp_path, write_scenario)
    # Look for the value outside the field path, so that e.g. '0' is not found in 'contact_types[0]'.
    message = str(error).replace(str(tmp_path), "")
    for text in case.fields:
        message = message.replace(text, "")
    for text in case.values:
        assert text in message, f"expected {text!r} in:\n{error}"


@pytest.mark.parametrize("case", _params(CASES))
def test_one_mistake_gives_exactly_one_problem_line(case, minimal_scenario, tmp_path, write_scenario):
    error = _load_error(case, minimal_scenario, tmp_path, write_scenario)
    assert len(error.problems) == 1, error.problems


def test_several_mistakes_are_all_reported_at_once(minimal_scenario, tmp_path, write_scenario):
    minimal_scenario["days"] = 0
    minimal_scenario["contact_types"][0]["balk_probability"] = 2
    minimal_scenario["agents"]["shifts"][0]["length_h"] = -1
    with pytest.raises(sim.ScenarioError) as excinfo:
        sim.load_scenario(write_scenario(tmp_path, minimal_scenario))
    message = str(excinfo.value)
    for path in ("days", "contact_types[calls].balk_probability", "agents.shifts[day].length_h"):
        assert path in message
    assert len(excinfo.value.problems) == 3


def test_missing_scenario_file_is_a_scenario_error_naming_the_file(tmp_path):
    path = tmp_path / "no_such_scenario.yaml"
    with pytest.raises(sim.ScenarioError, match="file not found") as excinfo:
        sim.load_scenario(path)
    assert "no_such_scenario.yaml" in str(excinfo.value)


def test_empty_document_is_a_scenario_error(tmp_path, write_scenario):
    with pytest.raises(sim.ScenarioError, match="mapping"):
        sim.load_scenario(write_scenario(tmp_path, ""))


def test_scenario_error_is_a_value_error_that_names_the_source_file(minimal_scenario, tmp_path, write_scenario):
    minimal_scenario["days"] = -1
    path = write_scenario(tmp_path, minimal_scenario)
    with pytest.raises(ValueError) as excinfo:
        sim.load_scenario(path)
    assert isinstance(excinfo.value, sim.ScenarioError)
    assert str(path) in str(excinfo.value)


# ------------------------------------------------------------- valid input


def test_minimal_scenario_loads(minimal_scenario, tmp_path, write_scenario):
    scenario = sim.load_scenario(write_scenario(tmp_path, minimal_scenario))
    assert isinstance(scenario, sim.Scenario)
    assert [c.id for c in scenario.contact_types] == ["calls"]


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(set_at("agents.shifts[0].headcount", 0), id="zero-agents-on-duty"),
        pytest.param(set_at("contact_types[0].volume.profile", [0] * 8 + [1] * 10 + [0] * 6), id="profile-of-24"),
        pytest.param(set_at("front_door", {"bot_enabled": True, "bot_only_hours": ["22:00-06:00"]}),
                     id="bot-only-span-wrapping-midnight"),
        pytest.param(set_at("contact_types[0].bot", {"resolve_probability": 0.6, "false_resolution_probability": 0.4}),
                     id="bot-outcomes-summing-to-exactly-1"),
        pytest.param(set_at("agents.shifts[0].breaks", [{"after_h": 7, "length_min": 60}]),
                     id="break-ending-exactly-at-shift-end"),
        pytest.param(both(set_at("days", 2), set_at("agents.tables", [{"id": "pool", "agents": [1] * 48}])),
                     id="staffing-table-for-every-interval-of-the-horizon"),
        pytest.param(set_at("warmup_h", 23), id="warmup-one-interval-under-the-horizon"),
        pytest.param(set_at("contact_types[0].balk_probability", 1), id="probability-of-exactly-1"),
    ],
)
def test_boundary_values_that_are_legal_load(mutate, minimal_scenario, tmp_path, write_scenario):
    mutate(minimal_scenario)
    sim.load_scenario(write_scenario(tmp_path, minimal_scenario))


def test_volume_table_from_csv_equals_the_inline_table(minimal_scenario, tmp_path, write_scenario):
    inline = copy.deepcopy(minimal_scenario)
    inline["contact_types"][0]["volume"] = {"table": HOURLY_TABLE}
    from_csv = copy.deepcopy(minimal_scenario)
    from_csv["contact_types"][0]["volume"] = {"table_csv": "calls.csv"}
    csv_text = "interval,expected_incidents\n" + "".join(f"{i},{v}\n" for i, v in enumerate(HOURLY_TABLE))

    (tmp_path / "inline").mkdir()
    (tmp_path / "csv").mkdir()
    expected = sim.load_scenario(write_scenario(tmp_path / "inline", inline))
    loaded = sim.load_scenario(write_scenario(tmp_path / "csv", from_csv, {"calls.csv": csv_text}))
    assert loaded == expected
    assert list(loaded.contact_types[0].volume.table) == [float(v) for v in HOURLY_TABLE]


def test_csv_whose_column_is_misnamed_names_the_file_the_column_expected_and_the_columns_found(
    minimal_scenario, tmp_path, write_scenario
):
    minimal_scenario["contact_types"][0]["volume"] = {"table_csv": "calls.csv"}
    csv_text = "expected_incident\n" + "".join(f"{v}\n" for v in HOURLY_TABLE)
    with pytest.raises(sim.ScenarioError) as excinfo:
        sim.load_scenario(write_scenario(tmp_path, minimal_scenario, {"calls.csv": csv_text}))
    (problem,) = excinfo.value.problems
    assert problem.startswith("contact_types[calls].volume.table_csv: 'calls.csv'")
    assert "'expected_incidents'" in problem and "'expected_incident'" in problem


def test_unquoted_clock_time_is_read_as_the_clock_time(minimal_scenario, tmp_path, write_scenario):
    """YAML 1.1 would read an unquoted 22:00 as the base-60 number 1320; here it is text, as in YAML 1.2."""
    scenario = sim.load_scenario(write_scenario(tmp_path, unquoted_shift_start_22_00(minimal_scenario)))
    assert scenario.agents.shifts[0].start == "22:00"


def test_staffing_tables_from_csv_equal_the_inline_tables(minimal_scenario, tmp_path, write_scenario):
    agents = [0] * 7 + [2, 3, 4, 4, 4, 3, 3, 4, 4, 3, 2, 2, 1] + [0] * 4
    inline = copy.deepcopy(minimal_scenario)
    inline["agents"]["tables"] = [{"id": "pool", "agents": agents, "cost_per_hour": 25}]
    inline["policies"] = [{"id": "base"}, {"id": "alt", "agents": {"tables": [{"id": "alt_pool", "agents": agents}]}}]
    from_csv = copy.deepcopy(minimal_scenario)
    from_csv["agents"]["tables"] = [{"id": "pool", "agents_csv": "pool.csv", "cost_per_hour": 25}]
    from_csv["policies"] = [
        {"id": "base"},
        {"id": "alt", "agents": {"tables": [{"id": "alt_pool", "agents_csv": "pool.csv"}]}},
    ]
    csv_text = "interval,agents\n" + "".join(f"{i},{n}\n" for i, n in enumerate(agents))

    (tmp_path / "inline").mkdir()
    (tmp_path / "csv").mkdir()
    expected = sim.load_scenario(write_scenario(tmp_path / "inline", inline))
    loaded = sim.load_scenario(write_scenario(tmp_path / "csv", from_csv, {"pool.csv": csv_text}))
    assert loaded == expected
    assert loaded.agents.tables[0].agents == agents
    assert loaded.policies[1].agents.tables[0].agents == agents


def test_csv_paths_are_relative_to_the_scenario_file(minimal_scenario, tmp_path, write_scenario, monkeypatch):
    minimal_scenario["contact_types"][0]["volume"] = {"table_csv": "data/calls.csv"}
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "calls.csv").write_text("expected_incidents\n" + "2\n" * 24)
    path = write_scenario(tmp_path, minimal_scenario)
    monkeypatch.chdir(ROOT)  # somewhere else entirely
    assert sim.load_scenario(path).contact_types[0].volume.table == [2.0] * 24


def _roundtrip(scenario: sim.Scenario) -> sim.Scenario:
    def no_csv(name: str) -> str:
        raise AssertionError(f"a dumped scenario must not refer to CSV files, asked for {name}")

    return sim.parse_scenario(sim.scenario_to_yaml(scenario), no_csv)


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.stem)
def test_every_preset_round_trips_through_yaml(preset):
    scenario = sim.load_scenario(preset)
    assert _roundtrip(scenario) == scenario


def test_there_are_presets_to_round_trip():
    assert PRESETS, "scenarios/*.yaml is empty"


def test_scenario_using_every_section_round_trips_through_yaml(tmp_path, write_scenario):
    rich = {
        "name": "rich",
        "description": "every section set",
        "days": 2,
        "start_weekday": "fri",
        "interval_min": 60,
        "warmup_h": 2.0,
        "busyness_cv": 0.2,
        "guarantee_s": 90,
        "contact_types": [
            {
                "id": "fraud",
                "label": "Fraud",
                "emergency": True,
                "priority": 10,
                "skill": "security",
                "target_s": 15,
                "volume": {"per_day": 40, "profile": [1] * 24, "weekday_factors": [1, 1, 1, 1, 1.2, 0.8, 0.7]},
                "handle_time_s": {"dist": "lognormal", "mean": 400, "cv": 0.8},
                "after_contact_work_s": {"dist": "gamma", "mean": 60, "cv": 0.5},
                "patience_s": {"dist": "weibull", "shape": 0.7, "scale": 200},
                "balk_probability": 0.05,
                "redial": {"probability": 0.8, "delay_s": {"dist": "deterministic", "value": 120}, "max_attempts": 5},
                "bot": {"resolve_probability": 0.1, "recognise_emergency_probability": 0.5,
                        "false_resolution_probability": 0.2, "time_s": {"dist": "empirical", "values": [30, 60, 90]}},
                "loss": {"amount_at_risk": {"dist": "lognormal", "mean": 2000, "cv": 1.5}, "half_life_min": 30},
            },
            {
                "id": "billing",
                "volume": {"table": [5] * 48},
                "handle_time_s": {"dist": "exponential", "mean": 240},
                "patience_s": {"dist": "exponential", "mean": 300},
                "loss": {"churn_cost_per_abandoned": 12.5, "churn_cost_per_false_resolution": 3},
            },
        ],
        "agents": {
            "shifts": [
                {"id": "early", "start": "06:00", "length_h": 8.5, "weekdays": ["mon", "tue", "wed", "thu", "fri"],
                 "headcount": 3, "skills": ["security", "billing"], "cost_per_hour": 27,
                 "breaks": [{"after_h": 4, "length_min": 30}]},
                {"id": "night", "start": "22:00", "length_h": 8, "headcount": 1, "reserved_for": ["fraud"]},
            ],
            "tables": [{"id": "pool", "agents": [1] * 24, "skills": ["billing"], "cost_per_hour": 20}],
            "absence_probability": 0.1,
        },
        "front_door": {"bot_enabled": True, "bot_only_hours": ["00:00-06:00"], "menu_s": 45,
                       "human_option_found_probability": 0.7, "attempts_before_human": 2,
                       "emergency_line": {"enabled": True, "share_of_emergency_callers": 0.4}},
        "economics": {"currency": "EUR", "liability_share": 0.5, "bot_cost_per_session": 0.3,
                      "bot_fixed_cost_per_day": 100, "night_premium": 0.25, "night_hours": "21:00-05:00"},
        "policies": [
            {"id": "now", "label": "As is", "baseline": True},
            {"id": "cut", "description": "half the staff", "staffing_scale": 0.5,
             "front_door": {"bot_enabled": True}, "economics": {"liability_share": 1}},
            {"id": "tables", "agents": {"tables": [{"id": "t", "agents": [2] * 48}]}},
        ],
        "replications": 3,
        "seed": 99,
        "sources": {"contact_types[calls].volume.per_day": "made up"},
    }
    scenario = sim.load_scenario(write_scenario(tmp_path, rich))
    assert _roundtrip(scenario) == scenario


def test_documented_defaults_hold(minimal_scenario, tmp_path, write_scenario):
    del minimal_scenario["days"], minimal_scenario["interval_min"]
    scenario = sim.load_scenario(write_scenario(tmp_path, minimal_scenario))
    ct = scenario.contact_types[0]
    assert ct.target_s == 20  # DESIGN.md §4: "waits <= the type's target (default 20 s)"
    assert ct.required_skill == "calls"  # skill defaults to the type id
    assert ct.emergency is False and ct.priority == 0 and ct.balk_probability == 0
    assert ct.volume.weekday_factors == [1.0] * 7
    assert ct.after_contact_work_s.expectation() == 0
    assert (ct.redial.probability, ct.redial.max_attempts) == (0, 3)
    assert (ct.bot.resolve_probability, ct.bot.false_resolution_probability) == (0, 0)
    assert ct.loss.amount_at_risk is None and ct.loss.half_life_min == 60
    assert (scenario.days, scenario.interval_min, scenario.start_weekday) == (1, 30, "mon")
    assert (scenario.warmup_h, scenario.busyness_cv, scenario.guarantee_s) == (0, 0, 60)
    assert (scenario.replications, scenario.seed) == (10, 12345)
    shift = scenario.agents.shifts[0]
    assert shift.weekdays == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert shift.skills is None and shift.reserved_for == [] and shift.breaks == []
    assert scenario.agents.absence_probability == 0
    fd = scenario.front_door
    assert (fd.bot_enabled, fd.menu_s, fd.human_option_found_probability, fd.attempts_before_human) == (
        False, 0, 1, 1)
    assert fd.emergency_line.enabled is False
    assert (scenario.economics.currency, scenario.economics.liability_share) == ("USD", 0)
    assert scenario.economics.night_hours == "22:00-06:00"


def test_scenario_without_policies_runs_as_a_single_baseline_named_base(minimal_scenario, tmp_path, write_scenario):
    scenario = sim.load_scenario(write_scenario(tmp_path, minimal_scenario))
    assert [(p.id, p.baseline) for p in scenario.effective_policies] == [("base", True)]


def test_first_policy_is_the_baseline_when_none_is_marked(minimal_scenario, tmp_path, write_scenario):
    minimal_scenario["policies"] = [{"id": "a"}, {"id": "b", "staffing_scale": 0.5}]
    scenario = sim.load_scenario(write_scenario(tmp_path, minimal_scenario))
    assert scenario.baseline_policy.id == "a"
