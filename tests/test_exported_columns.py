"""Every folder a command writes describes every column it holds, and its tables hold no trap for a reader.

A column without a meaning in ``data_dictionary.csv`` is one a reader must
guess; a guarantee share on routine rows or on 'all' reads as the emergency
figure (issue 25, items 10 and 14). Each command runs in-process on a small
bundled scenario with ``--out``, as a user would.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
MMC = ROOT / "scenarios" / "classroom_mmc.yaml"
HOTLINE = ROOT / "scenarios" / "bank_hotline_day.yaml"

COMMANDS = {
    "run": ["run", str(HOTLINE), "--replications", "2"],
    "compare": ["compare", str(HOTLINE), "--replications", "2"],
    "roster": ["roster", str(HOTLINE), "--rounds", "0", "--replications", "2"],
    "erlang": ["erlang", "--calls-per-hour", "200", "--aht-s", "180", "--agents", "14", "--patience-s", "300"],
    "staff": ["staff", str(HOTLINE), "--method", "erlang_c", "--method", "erlang_a_lagged"],
    "guarantee": ["guarantee", str(HOTLINE), "--rounds", "0", "--replications", "2"],
    "breakeven": ["breakeven", str(MMC), "--kind", "staffing", "--values", "1,0.9", "--replications", "2"],
}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    out = {}
    for name, argv in COMMANDS.items():
        folder = tmp_path_factory.mktemp(name) / "out"
        assert main([*argv, "--out", str(folder)]) == 0, name
        out[name] = folder
    # experiment + analyse: the analysis folder of a small one-at-a-time experiment
    from sim.files.scenario_io import dump_yaml

    root = tmp_path_factory.mktemp("experiment")
    spec = root / "exp.yaml"
    spec.write_text(dump_yaml({
        "name": "small", "scenario": str(HOTLINE), "replications": 2, "seed": 3,
        "design": {"kind": "one_at_a_time"},
        "factors": [{"path": "contact_types[fraud].loss.half_life_min", "low": 30, "high": 120},
                    {"path": "economics.liability_share", "low": 0.2, "high": 0.9}]}))
    assert main(["experiment", str(spec), "--out", str(root / "exp")]) == 0
    assert main(["analyse", str(root / "exp")]) == 0
    out["analyse"] = root / "exp" / "analysis"
    return out


@pytest.mark.parametrize("command", [*COMMANDS, "analyse"])
def test_the_data_dictionary_describes_every_column_of_every_file_a_command_writes(folders, command):
    folder = folders[command]
    dictionary = pd.read_csv(folder / "data_dictionary.csv", keep_default_na=False)
    described = {(r.file, r.column) for r in dictionary.itertuples() if r.meaning.strip()}
    missing = []
    for path in sorted(folder.glob("*.csv")):
        if path.name == "data_dictionary.csv":
            continue
        table = pd.read_csv(path)
        missing += [f"{path.name}: {c}" for c in table.columns if (path.name, c) not in described]
        for key in ("metric", "measure"):  # the long tables' values are columns in all but name
            if key in table.columns:
                missing += [f"{path.name}: {key}={m}" for m in table[key].unique()
                            if (path.name, f"{key}={m}") not in described]
    assert not missing, f"{command}: columns without a meaning: {missing}"


def test_the_guarantee_share_is_written_only_where_it_is_defined(folders):
    # bank_hotline_day: general (routine), lost_card and fraud (emergencies)
    for name in ("summary.csv", "replications.csv", "compare.csv"):
        path = folders["compare"] / name
        table = pd.read_csv(path)
        if "metric" in table.columns:
            scopes = set(table.loc[table.metric == "share_within_guarantee", "contact_type"])
            assert scopes and scopes <= {"lost_card", "fraud", "emergency"}, (name, scopes)
    summary = pd.read_csv(folders["compare"] / "summary.csv")
    assert "total_cost" not in set(summary.metric)
    assert "agent_and_bot_cost" in set(summary.metric)
    dictionary = pd.read_csv(folders["compare"] / "data_dictionary.csv", keep_default_na=False)
    meaning = dictionary.set_index(["file", "column"]).loc[("summary.csv", "metric=agent_and_bot_cost"), "meaning"]
    assert "customer losses" in meaning  # says what it leaves out


def test_the_headline_table_is_one_row_per_policy_rounded_and_matches_compare(folders):
    folder = folders["compare"]
    headline = pd.read_csv(folder / "headline.csv")
    compare = pd.read_csv(folder / "compare.csv")
    summary = pd.read_csv(folder / "summary.csv")
    assert list(headline["policy"]) == list(dict.fromkeys(summary["policy"]))
    assert headline["replications"].eq(2).all() and headline["seed"].notna().all()
    for row in headline.itertuples():
        base = bool(row.is_baseline)
        hit = compare[(compare.policy == row.policy) & (compare.contact_type == "all")
                      & (compare.metric == "net_saving")]
        if base:
            assert pd.isna(row.net_saving)
        else:
            assert row.net_saving == pytest.approx(hit["difference"].iloc[0], abs=0.5)
            assert float(row.net_saving).is_integer()  # whole currency units
        share = summary[(summary.policy == row.policy) & (summary.contact_type == "emergency")
                        & (summary.metric == "share_within_guarantee")]["mean"].iloc[0]
        assert row.emergency_within_guarantee_pct == pytest.approx(100 * share, abs=0.05)
    # what routine callers get, per non-emergency type
    assert {"service_level_pct[general]", "abandonment_pct[general]", "asa_s[general]"} <= set(headline.columns)
    text = (folder / "headline.csv").read_text()
    assert "e-" not in text and not any(len(cell.split(".")[-1]) > 2 for cell in text.replace("\n", ",").split(",")
                                        if cell.replace(".", "").replace("-", "").isdigit() and "." in cell)


def test_differences_of_shares_are_percentage_points_in_the_dictionary(folders):
    dictionary = pd.read_csv(folders["compare"] / "data_dictionary.csv", keep_default_na=False)
    difference = dictionary[(dictionary.file == "compare.csv") & (dictionary.column == "difference")].iloc[0]
    assert "percentage points" in difference.meaning
    pp = dictionary[(dictionary.file == "headline.csv")
                    & (dictionary.column == "emergency_within_guarantee_difference_pp")].iloc[0]
    assert pp.unit == "pp"


@pytest.mark.parametrize("command", [*COMMANDS, "analyse"])
def test_every_file_a_command_writes_has_a_description(folders, command):
    from sim.files.dictionary import FILES

    assert [p.name for p in folders[command].iterdir() if p.name not in FILES] == []


def test_the_analyse_command_prints_a_change_of_a_share_in_percentage_points():
    from sim.cli.experiment import render_analysis

    tornado = pd.DataFrame([{"policy": "cut", "figure": "share_within_guarantee", "factor": "economics.x",
                             "base_mean": 0.95, "low_change": -0.041, "high_change": 0.012, "swing": 0.053}])
    text = " ".join(render_analysis({"tornado": tornado}).split())
    assert "base 95.0%" in text and "low -4.1 pp" in text and "high 1.2 pp" in text and "-4.1%" not in text


def test_the_formatter_writes_differences_of_shares_in_pp_and_others_as_their_kind():
    from sim.present.formatting import fmt_ci, fmt_difference

    assert fmt_difference(-0.849, "share") == "-84.9 pp"
    assert fmt_difference(-0.0001, "share") == "0.0 pp"  # no "-0.0 pp"
    assert fmt_difference(-1234.4, "money", "USD") == "-USD 1,234"
    assert fmt_ci(-0.05, 0.01, "pp") == "-5.0 pp to 1.0 pp"
