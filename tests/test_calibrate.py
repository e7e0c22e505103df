"""Calibration from a call log: reading and refusing logs, recovering known parameters, the real month's backtest."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.calibration import calibrate
from sim.calibration.calllog import read_call_log
from sim.calibration.columns import ANONYMOUS_BANK, HUMANLINE
from sim.calibration.records import write_call_records
from sim.cli import main
from sim.files.calllog_io import CallLogError, parse_column_map
from sim.present.tables import parameter_rows

REPO = Path(__file__).resolve().parents[1]
BANK_NAME = "anonymous_bank_1999_10.txt"


def _bank_log() -> Path | None:
    for folder in (os.environ.get("HUMANLINE_SHARED_DATA"), REPO.parent / "shared" / "data", "/work/shared/data"):
        if folder and (Path(folder) / BANK_NAME).is_file():
            return Path(folder) / BANK_NAME
    return None


BANK = _bank_log()
needs_bank = pytest.mark.skipif(BANK is None, reason=f"{BANK_NAME} is not at ../shared/data (research-use data, "
                                                     "kept out of the repository; CI has it)")

HEADER = ("vru+line\tcall_id\tcustomer_id\tpriority\ttype\tdate\tvru_entry\tvru_exit\tvru_time\tq_start\tq_exit\t"
          "q_time\toutcome\tser_start\tser_exit\tser_time\tserver")


def _bank_row(call_id, entry, exit_, q_start="0:00:00", q_exit="0:00:00", outcome="AGENT", ser_start="0:00:00",
              ser_exit="0:00:00", server="DANA", customer="0", priority="0", type_="PS", date="991004"):
    return "\t".join(["AA0101", str(call_id), customer, priority, type_, date, entry, exit_, "0", q_start, q_exit, "0",
                      outcome, ser_start, ser_exit, "0", server])


def test_bank_rows_across_midnight_are_kept_on_the_next_day():
    text = "\n".join([HEADER,
                      _bank_row(1, "23:59:40", "23:59:55", "23:59:55", "0:00:30", "AGENT", "0:00:30", "0:03:00"),
                      _bank_row(2, "10:00:00", "10:00:10", ser_start="10:00:10", ser_exit="10:02:10")])
    log = read_call_log(text, ANONYMOUS_BANK)
    late = log.calls.loc[log.calls["call_id"] == "1"].iloc[0]
    assert late["wait_s"] == pytest.approx(35.0)
    assert late["handle_s"] == pytest.approx(150.0)
    assert late["outcome"] == "answered"
    assert any("crossed midnight" in n for n in log.notes)
    assert log.rejected.empty


def test_bad_rows_are_counted_by_reason_and_the_rest_is_used():
    text = "\n".join([HEADER,
                      _bank_row(1, "10:00:00", "10:00:10", ser_start="10:00:10", ser_exit="10:02:10"),
                      _bank_row(2, "10:05:00", "10:05:10", outcome="PHANTOM", server="NO_SERVER"),
                      _bank_row(3, "10:06:00", "10:06:10", "10:06:10", "10:05:00", outcome="HANG", server="NO_SERVER"),
                      _bank_row(4, "1O:07:00", "10:07:10", ser_start="10:07:10", ser_exit="10:08:10"),
                      "AA0101\t5\t0\t0       NW\t991004\t10:09:00",
                      _bank_row(6, "10:10:00", "10:10:10", "10:10:10", "10:11:00", outcome="HANG", server="NO_SERVER"),
                      _bank_row(7, "10:12:00", "10:12:10", outcome="HANG", server="NO_SERVER")])
    log = read_call_log(text, ANONYMOUS_BANK)
    reasons = dict(zip(log.rejected["reason"], log.rejected["rows"]))
    assert reasons.pop("outcome 'PHANTOM' is listed under outcomes.ignore") == 1
    assert reasons.pop("impossible: negative wait (left the queue before joining it)") == 1
    assert reasons.pop("a row with 6 cells; the header has 17") == 1
    assert reasons.pop("columns.arrival ('vru_entry'): not a time in the format '%H:%M:%S'") == 1
    assert not reasons
    assert sorted(log.calls["outcome"]) == ["abandoned", "answered", "bot_ended"]  # a menu hang-up is not a queue one


def test_a_mapping_naming_a_missing_column_is_refused_naming_it():
    mapping = ANONYMOUS_BANK.model_copy(update={"columns": ANONYMOUS_BANK.columns.model_copy(
        update={"agent": "agent_name"})})
    with pytest.raises(CallLogError) as err:
        read_call_log(HEADER + "\n" + _bank_row(1, "10:00:00", "10:00:10"), mapping)
    assert "columns.agent: the log has no column 'agent_name'" in err.value.problems[0]


def test_a_log_with_no_usable_row_is_refused_with_the_reasons():
    text = HEADER + "\n" + _bank_row(1, "10:00:00", "10:00:10", outcome="PHANTOM")
    with pytest.raises(CallLogError) as err:
        read_call_log(text, ANONYMOUS_BANK)
    assert "no usable call" in str(err.value) and "PHANTOM" in str(err.value)


def test_a_column_mapping_file_is_validated_field_by_field():
    with pytest.raises(CallLogError) as err:
        parse_column_map("columns: {arrival: t}\noutcomes: {answered: [A], unanswered: [A]}\n", "map.yaml")
    text = str(err.value)
    assert "columns.outcome" in text and "listed under both" in text
    with pytest.raises(CallLogError, match="written twice"):
        parse_column_map("name: a\nname: b\n", "map.yaml")


def test_cli_refuses_a_bad_mapping_with_exit_code_2(tmp_path, capsys):
    log = tmp_path / "log.csv"
    log.write_text("start,result\n2024-01-01 10:00:00,ANSWERED\n")
    bad = tmp_path / "map.yaml"
    bad.write_text("columns: {arrival: start, outcome: status}\noutcomes: {answered: [ANSWERED], unanswered: [X]}\n")
    assert main(["calibrate", str(log), "--columns", str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "columns.outcome: the log has no column 'status'" in err
    assert not (tmp_path / "out").exists()


KNOWN = {
    "name": "round trip", "days": 28, "interval_min": 60, "busyness_cv": 0.15, "front_door": {"bot_enabled": True},
    "agents": {"shifts": [{"id": "day", "start": "08:00", "length_h": 12, "headcount": 3}]},
    "contact_types": [
        {"id": "general", "volume": {"per_day": 500, "profile": [0] * 8 + [1] + [2] * 9 + [1, 1] + [0] * 4},
         "handle_time_s": {"dist": "lognormal", "mean": 200, "cv": 1.0},
         "patience_s": {"dist": "exponential", "mean": 240},
         "redial": {"probability": 0.4, "delay_s": {"dist": "exponential", "mean": 600}, "max_attempts": 3},
         "bot": {"resolve_probability": 0.1, "time_s": {"dist": "gamma", "mean": 30, "cv": 0.5}}},
        {"id": "vip", "priority": 1, "volume": {"per_day": 150, "profile": [0] * 8 + [1] + [2] * 9 + [1, 1] + [0] * 4},
         "handle_time_s": {"dist": "gamma", "mean": 300, "cv": 0.8},
         "patience_s": {"dist": "weibull", "shape": 0.8, "scale": 400},
         "redial": {"probability": 0.4, "delay_s": {"dist": "exponential", "mean": 600}, "max_attempts": 3},
         "bot": {"resolve_probability": 0.1, "time_s": {"dist": "gamma", "mean": 30, "cv": 0.5}}},
    ],
}


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("round_trip")
    known = sim.Scenario.model_validate(KNOWN)
    written = write_call_records(known, ["base"], seed=7, replications=1, out=folder)
    cal = calibrate(folder / written[0], folder / "calibration", format="humanline", interval_min=60,
                    settings=sim.RunSettings(replications=10, seed=3))
    return known, cal, folder


def test_round_trip_recovers_arrival_rates_and_busyness(round_trip):
    known, cal, _ = round_trip
    for ct in known.contact_types:
        per_day = cal.arrivals.expected[ct.id].sum(axis=1).mean()
        # 28 days of Poisson counts with a gamma day factor of cv 0.15: the mean day is known to ~3%.
        se = ct.volume.per_day * np.sqrt(1 / (28 * ct.volume.per_day) + 0.15**2 / 28)
        assert abs(per_day - ct.volume.per_day) < 3 * se, (ct.id, per_day)
    low, high = cal.busyness.ci
    assert low <= 0.15 <= high


def test_round_trip_recovers_handle_time_patience_redials_and_the_bot(round_trip):
    known, cal, _ = round_trip
    for ct in known.contact_types:
        fit = cal.handle[ct.id]
        assert fit.dist == ct.handle_time_s.dist and fit.fits
        n = fit.n
        sd = ct.handle_time_s.mean * ct.handle_time_s.cv
        assert abs(fit.spec["mean"] - ct.handle_time_s.mean) < 3 * sd / np.sqrt(n)
        redial = cal.retries.redial[ct.id]
        lo, hi = redial["ci"]
        assert lo <= ct.redial.probability <= hi
        assert redial["max_attempts"] == ct.redial.max_attempts
    general = cal.patience["general"]
    assert general.spec["dist"] == "exponential"
    # lifelines' 95% interval of the exponential mean, from the candidates table
    ci = general.candidates.set_index("dist").loc["exponential", "ci"]
    lo, hi = (float(x) for x in ci.split("(")[1].rstrip(")").split(".."))
    assert lo <= 240 <= hi
    vip = cal.patience["vip"].candidates.set_index("dist").loc["weibull", "ci"]
    rho = vip.split("rho_")[1]
    lo, hi = (float(x) for x in rho.split("(")[1].split(")")[0].split(".."))
    assert lo <= 0.8 <= hi
    door = cal.retries.front_door
    share_se = np.sqrt(0.1 * 0.9 / len(cal.log.calls))
    assert abs(door["share_ended"] - 0.1) < 3 * share_se
    assert cal.high_priority == {"general": False, "vip": True}
    assert cal.handover_s == 0  # the model's agents take a waiting caller the moment they finish


def test_round_trip_backtest_matches_and_the_scenario_loads_cleanly(round_trip):
    _, cal, folder = round_trip
    summary = cal.backtest.summary.set_index("metric")
    assert summary.loc["offered", "weighted_abs_error"] < 8
    for metric in ("abandonment", "p_wait", "service_level"):
        assert summary.loc[metric, "weighted_abs_error"] < 8, metric
    inside = summary["cells_inside"].sum() / summary["cells"].sum()
    assert inside > 0.85
    loaded = sim.load_scenario(folder / "calibration" / "scenario.yaml")
    assert loaded.warnings == []
    assert all(f"contact_types[{k}].patience_s" in loaded.sources for k in range(len(cal.type_ids)))
    rows = parameter_rows(loaded, {}).set_index("parameter")["source"]
    assert "Kaplan-Meier" in rows["contact_types[1].patience_s"]  # the Assumptions page shows each note
    assert "lower bound" in rows["agents.tables[0].agents"]
    for name in ("backtest.csv", "fit_arrivals.csv", "fit_patience_survival.csv", "fig_backtest.png", "calibration.md"):
        assert (folder / "calibration" / name).is_file()


@needs_bank
def test_the_bank_month_reads_with_its_traps_counted():
    log = read_call_log(BANK.read_text(encoding="latin-1"), ANONYMOUS_BANK)
    assert log.rows_read == 34_625  # the file's lines less the header
    assert len(log.calls) + log.rejected["rows"].sum() == log.rows_read
    reasons = dict(zip(log.rejected["reason"], log.rejected["rows"]))
    assert reasons["outcome 'PHANTOM' is listed under outcomes.ignore"] == 147
    assert reasons["a row with 16 cells; the header has 17"] == 2
    assert log.days == 31 and str(log.start_date) == "1999-10-01"
    assert any("crossed midnight" in n for n in log.notes)
    assert HUMANLINE.name == "humanline"


@needs_bank
def test_the_bank_month_calibrates_and_its_backtest_is_within_the_stated_tolerances(tmp_path):
    cal = calibrate(BANK, tmp_path / "bank", settings=sim.RunSettings(replications=10, seed=1))
    loaded = sim.load_scenario(tmp_path / "bank" / "scenario.yaml")
    assert loaded.warnings == []
    assert {"PS", "PS_priority", "NW", "IN", "NE", "NE_priority"} == set(cal.type_ids)
    summary = cal.backtest.summary.set_index("metric")["weighted_abs_error"]
    # The tolerances README states for the month ("Bring your own centre"), with a margin for the seed.
    assert summary["offered"] < 8
    assert summary["abandonment"] < 5
    assert summary["p_wait"] < 18
    assert summary["asa_s"] < 20
    assert summary["service_level"] < 16


def test_the_documented_example_mapping_validates():
    mapping = parse_column_map((REPO / "docs" / "reference" / "call_log_columns.yaml").read_text(), "example")
    assert mapping.columns.customer == "ani_hash" and not mapping.times_of_day


def test_run_out_calls_writes_a_log_the_calibrator_reads_whole(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(REPO / "scenarios" / "classroom_mmcm.yaml"), "--replications", "1", "--out", str(out),
                 "--calls"]) == 0
    written = sorted(out.glob("calls-*-rep1.csv"))
    assert [c.name for c in written] == ["calls-n11-rep1.csv", "calls-n14-rep1.csv"]  # one per policy
    assert "calls-n11-rep1.csv" in capsys.readouterr().out
    calls = written[0]
    text = calls.read_text()
    log = read_call_log(text, HUMANLINE, str(calls))
    assert log.rejected.empty
    answered = log.calls["outcome"] == "answered"
    assert (log.calls.loc[answered, "handle_s"] >= 0).all()
    assert log.rows_read == len(text.strip().splitlines()) - 1


def test_run_calls_without_out_is_refused(capsys):
    assert main(["run", str(REPO / "scenarios" / "classroom_mmcm.yaml"), "--calls"]) == 2
    assert "--calls: needs --out" in capsys.readouterr().err


def test_calibrate_refuses_a_folder_holding_other_files_before_any_work(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    log = tmp_path / "log.csv"
    log.write_text("start,result\n2024-01-01 10:00:00,ANSWERED\n")
    assert main(["calibrate", str(log), "--format", "humanline", "--out", str(out)]) == 2
    assert "not empty and is not an earlier calibration" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "my notes" and len(list(out.iterdir())) == 1


def test_a_staffing_file_replaces_the_estimate_and_weeks_outside_the_log_are_refused(round_trip, tmp_path, capsys):
    _, _, folder = round_trip
    log = next(folder.glob("calls-base-rep1.csv"))
    week = ([0] * 8 + [4] * 12 + [0] * 4) * 7
    staffing = tmp_path / "agents.csv"
    staffing.write_text("agents\n" + "\n".join(map(str, week)) + "\n")
    cal = calibrate(log, format="humanline", interval_min=60, staffing=staffing, backtest=False)
    assert cal.week_agents.ravel().tolist() == week
    assert "read from agents.csv" in cal.scenario.sources["agents.tables[0].agents"]
    assert main(["calibrate", str(log), "--format", "humanline", "--weeks", "2,9", "--out", str(tmp_path / "o")]) == 2
    assert "--weeks: the log has weeks 1..4" in capsys.readouterr().err


row_strategy = st.tuples(
    st.sampled_from(["AGENT", "HANG", "PHANTOM", "BUSY"]),
    st.sampled_from(["10:00:00", "23:59:58", "7:0x:00", ""]),  # arrival: fine, late, unreadable, missing
    st.integers(0, 40), st.integers(0, 400), st.booleans(), st.booleans(),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(row_strategy, min_size=1, max_size=30))
def test_every_row_is_either_a_call_or_counted_left_out(rows):
    """Nothing is dropped silently, whatever mix of good, bad and impossible rows a log holds."""
    lines = [HEADER]
    for n, (outcome, arrival, vru_s, wait_s, queued, short_row) in enumerate(rows):
        if short_row:
            lines.append(f"AA0101\t{n}\t0")
            continue
        base = pd.Timestamp("1999-10-04 " + (arrival if ":" in arrival and "x" not in arrival else "10:00:00"))
        exit_ = base + pd.Timedelta(seconds=vru_s)
        leave = exit_ + pd.Timedelta(seconds=wait_s)
        clock = lambda t: f"{t.hour}:{t.minute:02d}:{t.second:02d}"  # noqa: E731
        answered = outcome == "AGENT"
        lines.append(_bank_row(
            n, arrival, clock(exit_), clock(exit_) if queued else "0:00:00", clock(leave) if queued else "0:00:00",
            outcome, clock(leave) if answered else "0:00:00",
            clock(leave + pd.Timedelta(seconds=60)) if answered else "0:00:00",
            "DANA" if answered else "NO_SERVER"))
    text = "\n".join(lines)
    try:
        log = read_call_log(text, ANONYMOUS_BANK)
    except CallLogError as exc:
        assert "no usable call" in str(exc)
        return
    left_out = int(log.rejected["rows"].sum()) if len(log.rejected) else 0
    assert len(log.calls) + left_out == len(rows)


def test_any_export_calibrates_through_a_column_mapping_and_a_log_without_a_menu_has_no_bot(tmp_path):
    """An export with other column names, no self-service menu and no priority column, read through --columns."""
    data = {**KNOWN, "days": 14, "front_door": {"bot_enabled": False},
            "contact_types": [{k: v for k, v in c.items() if k != "bot"} for c in KNOWN["contact_types"][:1]]}
    known = sim.Scenario.model_validate(data)
    written = write_call_records(known, ["base"], seed=5, replications=1, out=tmp_path)[0]
    records = pd.read_csv(tmp_path / written, dtype=str, keep_default_na=False)
    export = records.rename(columns={"arrival": "start", "queue_entry": "queued", "queue_exit": "dequeued",
                                     "outcome": "result", "service_start": "answered_at",
                                     "service_end": "ended_at", "agent": "agent_id", "customer_id": "caller"})
    export = export.drop(columns=["bot_entry", "bot_exit", "priority", "type"])
    export["result"] = export["result"].map({"answered": "OK"}).fillna("LOST")
    export.to_csv(tmp_path / "export.csv", sep=";", index=False)
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "name: acd\ndelimiter: ';'\n"
        "columns: {arrival: start, queue_entry: queued, queue_exit: dequeued, outcome: result,\n"
        "          service_start: answered_at, service_end: ended_at, agent: agent_id, customer: caller}\n"
        "outcomes: {answered: [OK], unanswered: [LOST]}\n")
    cal = calibrate(tmp_path / "export.csv", tmp_path / "fitted", columns=mapping, interval_min=60,
                    settings=sim.RunSettings(replications=4))
    assert cal.log.rejected.empty and not cal.has_bot
    assert cal.type_ids == ["calls"]
    assert not cal.scenario.front_door.bot_enabled
    lo, hi = cal.retries.redial["calls"]["ci"]
    assert lo <= 0.4 <= hi
    assert sim.load_scenario(tmp_path / "fitted" / "scenario.yaml").warnings == []
