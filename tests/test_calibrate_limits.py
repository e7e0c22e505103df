"""Calibrating a centre whose limits turn calls away or end waits: busy tones, full queues, closing, messages.

A call the centre never let in (busy tone, full queue, closed line) arrived but was not offered; a call the
centre ended while it waited (disconnected at closing, a message) was offered and says only that the caller's
patience was longer than the wait. Reading either as an abandonment biases patience short and abandonment high.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.calibration import calibrate
from sim.calibration.backtest import hour_metrics
from sim.calibration.calllog import read_call_log
from sim.calibration.columns import HUMANLINE, ColumnMap
from sim.calibration.durations import fit_patience
from sim.calibration.records import call_table, write_call_records
from sim.files.calllog_io import CallLogError, parse_column_map
from sim.model.attempt_log import OUTCOME_NAMES
from sim.runs.replication import replicate

PROFILE = [0] * 8 + [1] + [2] * 9 + [1, 1] + [0] * 4
PATIENCE_MEAN_S = 240
BUSY_PROBABILITY = 0.7
LIMITED = {
    "name": "limits round trip", "days": 28, "interval_min": 60, "busyness_cv": 0.1,
    "front_door": {"bot_enabled": True},
    "capacity": {"lines": 8, "queue_places": 3},  # tight: busy tones and full queues
    "agents": {"shifts": [{"id": "day", "start": "08:00", "length_h": 12, "headcount": 3}]},
    "contact_types": [{
        "id": "general", "volume": {"per_day": 500, "profile": PROFILE},
        "hours": ["08:00-19:00"], "at_closing": "disconnect",  # the 19h callers find it closed
        "max_wait_s": 120,  # half of the patience mean: many waits end in a message
        "handle_time_s": {"dist": "lognormal", "mean": 200, "cv": 1.0},
        "patience_s": {"dist": "exponential", "mean": PATIENCE_MEAN_S},
        "redial": {"probability": 0.4, "delay_s": {"dist": "exponential", "mean": 600}, "max_attempts": 3,
                   "busy_probability": BUSY_PROBABILITY, "busy_delay_s": {"dist": "exponential", "mean": 120}},
        "bot": {"resolve_probability": 0.1, "time_s": {"dist": "gamma", "mean": 30, "cv": 0.5}},
    }],
}
NOT_ADMITTED = {"busy_tone", "queue_full", "closed"}
ENDED_BY_CENTRE = {"disconnected", "left_message"}


def _ci(candidates: pd.DataFrame, dist: str, parameter: str) -> tuple[float, float]:
    """A parameter's 95% interval from a fit's candidates table ("lambda_ 251.7 (237..266.4); ...")."""
    text = candidates.set_index("dist").loc[dist, "ci"].split(parameter)[1]
    lo, hi = text.split("(")[1].split(")")[0].split("..")
    return float(lo), float(hi)


@pytest.fixture(scope="module")
def limited_round_trip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("limits_round_trip")
    known = sim.Scenario.model_validate(LIMITED)
    written = write_call_records(known, ["base"], seed=7, replications=1, out=folder)
    records = pd.read_csv(folder / written[0], dtype=str, keep_default_na=False)
    cal = calibrate(folder / written[0], folder / "calibration", format="humanline", interval_min=60,
                    settings=sim.RunSettings(replications=4, seed=3))
    return known, records, cal, folder


def test_a_limited_centre_round_trip_has_every_kind_of_ending(limited_round_trip):
    _, records, cal, _ = limited_round_trip
    seen = set(records["outcome"])
    assert NOT_ADMITTED | ENDED_BY_CENTRE <= seen  # the scenario exercises every limit
    assert cal.log.rejected.empty  # not one refused as impossible
    counts = cal.log.calls["outcome"].value_counts()
    assert counts["not_admitted"] == records["outcome"].isin(NOT_ADMITTED).sum()
    assert counts["ended_by_centre"] == records["outcome"].isin(ENDED_BY_CENTRE).sum()
    assert counts["abandoned"] == records["outcome"].isin(["abandoned", "balked", "callback_unanswered"]).sum()


def test_waits_the_centre_cut_off_censor_patience_and_its_mean_is_recovered(limited_round_trip):
    _, _, cal, _ = limited_round_trip
    lo, hi = _ci(cal.patience["general"].candidates, "exponential", "lambda_")
    assert lo <= PATIENCE_MEAN_S <= hi
    # Read as abandonments (what the layout did before), the messages and disconnections cut patience short.
    calls = cal.log.calls
    queued = calls[calls["enqueue_s"].notna() & (calls["wait_s"] > 0)]
    naive = fit_patience(queued["wait_s"], queued["outcome"].isin(["abandoned", "ended_by_centre"]), "naive")
    naive_lo, naive_hi = _ci(naive.candidates, "exponential", "lambda_")
    assert naive_hi < PATIENCE_MEAN_S
    assert "ended by the centre" in cal.patience["general"].note


def test_calls_turned_away_count_as_arrivals_and_their_callbacks_as_busy_redials(limited_round_trip):
    known, records, cal, _ = limited_round_trip
    ct = known.contact_types[0]
    # Every arrival in the 19h hour found the line closed: left out, the arrival table would have no 19h.
    arrivals = cal.arrivals.table
    assert arrivals.loc[arrivals["interval"] == 19, "observed_mean"].sum() > 0
    assert arrivals["observed_mean"].mul(arrivals["days"]).sum() == len(cal.log.calls)  # every day kept
    per_day = cal.arrivals.expected["general"].sum(axis=1).mean()
    se = ct.volume.per_day * np.sqrt(1 / (28 * ct.volume.per_day) + 0.1**2 / 28)
    assert abs(per_day - ct.volume.per_day) < 3 * se, per_day
    busy = cal.retries.redial["general"]["busy"]
    assert busy["ci"][0] <= BUSY_PROBABILITY <= busy["ci"][1]
    redial_lo, redial_hi = cal.retries.redial["general"]["ci"]
    assert redial_lo <= ct.redial.probability <= redial_hi  # busy redials are not counted as redials
    fitted = cal.scenario.contact_types[0].redial
    assert fitted.busy_probability == pytest.approx(busy["probability"], abs=1e-4)
    assert fitted.busy_delay_s is not None


def test_the_menu_share_is_of_the_calls_that_entered_the_menu(limited_round_trip):
    _, records, cal, _ = limited_round_trip
    entered = (records["bot_entry"] != "").sum()
    ended = records["outcome"].isin(["bot_resolved", "bot_false_resolved", "blocked"]).sum()
    assert cal.retries.front_door["share_ended"] == pytest.approx(ended / entered)
    se = np.sqrt(0.1 * 0.9 / entered)
    assert abs(cal.retries.front_door["share_ended"] - 0.1) < 3 * se


def test_the_fit_tables_give_abandonment_of_the_offered_and_the_share_turned_away(limited_round_trip):
    _, records, cal, folder = limited_round_trip
    row = cal.priority_table.iloc[0]
    offered = (~records["outcome"].isin(NOT_ADMITTED | {"bot_resolved", "bot_false_resolved", "blocked"})).sum()
    assert row["offered"] == offered
    assert row["arrived"] == len(records)
    assert row["not_admitted"] == pytest.approx(records["outcome"].isin(NOT_ADMITTED).sum() / len(records))
    assert row["ended_by_centre"] == pytest.approx(records["outcome"].isin(ENDED_BY_CENTRE).sum() / offered)
    assert row["abandonment"] == pytest.approx(
        records["outcome"].isin(["abandoned", "balked", "callback_unanswered"]).sum() / offered)
    assert "busy_probability" in pd.read_csv(folder / "calibration" / "fit_redials.csv").columns
    summary = (folder / "calibration" / "calibration.md").read_text()
    assert "were not admitted" in summary and "add `capacity` and `hours`" in summary  # what the fit leaves out
    assert "were ended by the centre" in summary
    assert sim.load_scenario(folder / "calibration" / "scenario.yaml").warnings == []


def test_simulated_calls_cut_off_by_the_centre_were_queued_and_calls_turned_away_were_not():
    scenario = sim.Scenario.model_validate({**LIMITED, "days": 3})
    run = replicate(scenario, None, 11, 0)
    names = np.asarray(OUTCOME_NAMES)[run.log.column("outcome").astype(int)]
    table = call_table(scenario, run.workload, run.log)
    cut_off = np.isin(names, list(ENDED_BY_CENTRE))
    refused = np.isin(names, list(NOT_ADMITTED))
    assert cut_off.any() and refused.any()
    assert (table.loc[cut_off, "outcome"] == "ended_by_centre").all()
    assert table.loc[cut_off, "wait_s"].notna().all() and (table.loc[cut_off, "wait_s"] >= 0).all()
    assert (table.loc[refused, "outcome"] == "not_admitted").all()
    assert table.loc[refused, "enqueue_s"].isna().all()
    messages = table.loc[names == "left_message", "wait_s"].to_numpy()
    assert messages.size and np.allclose(messages, LIMITED["contact_types"][0]["max_wait_s"])


def test_backtest_offered_counts_calls_the_centre_ended_and_abandonment_excludes_them():
    calls = pd.DataFrame({
        "day": 0, "weekday": 0, "arrival_s": [36000.0 + n for n in range(5)],
        "enqueue_s": [36000.0, 36001.0, 36002.0, 36003.0, np.nan],
        "wait_s": [5.0, 30.0, 120.0, 0.0, np.nan],
        "outcome": ["answered", "abandoned", "ended_by_centre", "ended_by_centre", "not_admitted"],
    })
    row = hour_metrics(calls, [0], target_s=20).iloc[0]
    assert row["offered"] == 4
    assert row["abandonment"] == pytest.approx(1 / 4)
    assert row["service_level"] == pytest.approx(1 / 4)


MAP = {
    "name": "acd", "delimiter": ",",
    "columns": {"arrival": "start", "queue_entry": "queued", "queue_exit": "dequeued", "outcome": "result",
                "service_start": "answered_at", "service_end": "ended_at", "customer": "caller"},
    "outcomes": {"answered": ["OK"], "unanswered": ["LOST"], "not_admitted": ["BUSY", "CLOSED"],
                 "ended_by_centre": ["VOICEMAIL", "CUT"], "ignore": ["TEST"]},
}
LOG_HEADER = "start,queued,dequeued,result,answered_at,ended_at,caller"


def _log(*rows: str, mapping: dict | None = None):
    return read_call_log("\n".join([LOG_HEADER, *rows]), ColumnMap.model_validate(mapping or MAP))


def test_the_reader_labels_calls_not_admitted_and_ended_by_the_centre():
    log = _log("2024-01-01 10:00:00,2024-01-01 10:00:00,2024-01-01 10:00:20,OK,2024-01-01 10:00:20,"
               "2024-01-01 10:03:00,a",
               "2024-01-01 10:01:00,2024-01-01 10:01:00,2024-01-01 10:01:45,LOST,,,b",
               "2024-01-01 10:02:00,,,BUSY,,,c",
               "2024-01-01 10:02:30,2024-01-01 10:02:30,2024-01-01 10:02:30,CLOSED,,,d",  # stamps, never got in
               "2024-01-01 10:03:00,2024-01-01 10:03:00,2024-01-01 10:05:00,VOICEMAIL,,,e",
               "2024-01-01 10:04:00,,,CUT,,,f",
               "2024-01-01 10:05:00,,,TEST,,,g")
    calls = log.calls.set_index("customer")
    assert calls["outcome"].to_dict() == {"a": "answered", "b": "abandoned", "c": "not_admitted", "d": "not_admitted",
                                          "e": "ended_by_centre", "f": "ended_by_centre"}
    assert calls.loc[["c", "d"], ["enqueue_s", "leave_queue_s", "wait_s"]].isna().all().all()
    assert calls.loc["e", "wait_s"] == pytest.approx(120.0)
    assert calls.loc["f", "wait_s"] == 0.0  # reached the queue and was cut off at once
    assert calls.loc["b", "wait_s"] == pytest.approx(45.0)
    assert log.rejected["rows"].sum() == 1  # the TEST row, counted


def test_a_call_ended_by_the_centre_in_the_queue_without_an_exit_time_is_refused_as_impossible():
    log = _log("2024-01-01 10:00:00,2024-01-01 10:00:00,2024-01-01 10:00:20,OK,2024-01-01 10:00:20,"
               "2024-01-01 10:03:00,a",
               "2024-01-01 10:03:00,2024-01-01 10:03:00,,VOICEMAIL,,,e")
    assert list(log.rejected["reason"]) == ["impossible: ended by the centre in the queue with no queue-exit time"]
    assert list(log.calls["outcome"]) == ["answered"]


def test_without_the_new_lists_a_mapping_reads_as_before():
    mapping = {**MAP, "outcomes": {"answered": ["OK"], "unanswered": ["LOST"]}}
    parsed = ColumnMap.model_validate(mapping)
    assert parsed.outcomes.not_admitted == [] and parsed.outcomes.ended_by_centre == []
    log = _log("2024-01-01 10:00:00,,,BUSY,,,c", "2024-01-01 10:01:00,2024-01-01 10:01:00,2024-01-01 10:01:45,"
               "LOST,,,b", mapping=mapping)
    assert list(log.calls["outcome"]) == ["abandoned"]
    assert log.rejected["reason"].str.contains("a value not listed under outcomes").all()


@pytest.mark.parametrize("first, second", [("not_admitted", "ended_by_centre"), ("unanswered", "not_admitted"),
                                           ("ended_by_centre", "ignore")])
def test_a_mapping_listing_a_value_under_two_lists_is_refused_naming_it(first, second):
    outcomes = {"answered": ["OK"], "unanswered": ["LOST"], first: ["BUSY"], second: ["BUSY"]}
    if first == "unanswered":
        outcomes["unanswered"] = ["LOST", "BUSY"]
    text = f"columns: {{arrival: start, outcome: result}}\noutcomes: {outcomes}\n"
    with pytest.raises(CallLogError) as err:
        parse_column_map(text, "map.yaml")
    message = str(err.value)
    assert "'BUSY'" in message and first in message and second in message


def test_the_humanline_layout_reads_every_limit_outcome_apart_from_abandonment():
    groups = HUMANLINE.outcomes
    assert set(groups.not_admitted) == NOT_ADMITTED
    assert set(groups.ended_by_centre) == ENDED_BY_CENTRE
    listed = groups.answered + groups.unanswered + groups.not_admitted + groups.ended_by_centre + groups.ignore
    assert sorted(listed) == sorted(OUTCOME_NAMES)  # every outcome the model logs, each once
