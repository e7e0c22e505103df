"""Loss curves: fitted to the published evidence, valid everywhere in their band, refused when impossible."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.loss_catalogue import CATALOGUE
from sim.model.loss_curves import Curve, band_at, named_curve, named_curves, points_share, severity, two_phase_share
from sim.model.validation import ScenarioError, build_scenario
from sim.studies.loss_fit import (
    CURVES,
    EVIDENCE_COLUMNS,
    curve_table,
    differences,
    fit_catalogue,
    fit_points,
    read_evidence,
    used_rows,
)
from sim.studies.uncertainty.defaults import default_experiment
from support import contact_type, run_hand, scenario, shift

DELAYS_S = np.concatenate([[0.0], np.geomspace(1.0, 60 * 86400.0, 400)])


def assert_valid_curve(share: np.ndarray) -> None:
    assert share[0] == 0.0
    assert np.all(np.diff(share) >= -1e-12), "a loss curve never decreases"
    assert np.all((share >= 0.0) & (share <= 1.0))


# ----------------------------------------------------------------- the evidence and its fit


def test_every_evidence_row_carries_a_source_a_figure_and_its_reading():
    evidence = read_evidence()
    assert list(evidence.columns) == list(EVIDENCE_COLUMNS)
    assert evidence["id"].is_unique
    for column in ("source", "figure", "reading", "caveat"):
        assert evidence[column].notna().all() and (evidence[column].str.len() > 10).all(), column
    assert set(evidence["used"]) == {"yes", "no"}
    # A row left out says why, in its reading.
    assert evidence.loc[evidence["used"] == "no", "reading"].str.startswith("not used").all()


def test_the_fitted_curve_passes_within_its_band_through_every_point_it_was_fitted_to():
    for name in named_curves():
        table = curve_table(name, CATALOGUE)
        assert len(table) == len(CATALOGUE[name]["rows"]) >= 1
        assert (table["band_low"] <= table["fitted_share_lost"] + 1e-12).all(), name
        assert (table["fitted_share_lost"] <= table["band_high"] + 1e-12).all(), name


def test_the_instant_transfer_fit_stays_near_the_points_it_rests_on():
    # The sources disagree (Singapore's three recoveries after a few days span 59-76% lost), so the
    # fit cannot pass through each; it must stay within a few points of every one.
    table = curve_table("instant_transfer", CATALOGUE)
    assert (abs(table["fitted_share_lost"] - table["share_lost"]) < 0.09).all()


def test_refitting_the_evidence_table_reproduces_the_stored_parameters():
    assert differences(CATALOGUE, fit_catalogue()) == []


def test_the_fit_recovers_the_parameters_of_a_curve_it_generated():
    truth = Curve("two_phase", (0.4, 900.0, 3 * 86400.0))
    delay_s = np.array([300.0, 900.0, 3600.0, 6 * 3600.0, 86400.0, 3 * 86400.0, 7 * 86400.0, 14 * 86400.0])
    fitted = fit_points("two_phase", delay_s, truth.share_lost(delay_s))
    assert fitted.params == pytest.approx(truth.params, rel=1e-3)
    one = Curve("exponential", (2 * 86400.0,))
    assert fit_points("exponential", delay_s, one.share_lost(delay_s)).params == pytest.approx(one.params, rel=1e-4)


def test_a_named_curve_lists_the_evidence_rows_it_rests_on_and_cites_them():
    evidence = read_evidence()
    for name, entry in CATALOGUE.items():
        assert entry["rows"] == list(used_rows(evidence, name)["id"])
        for row in entry["rows"]:
            assert row in entry["sources"]
        assert entry["form"] == CURVES[name]["form"]


def test_a_row_outside_zero_to_one_is_refused_naming_the_row():
    evidence = read_evidence()
    evidence.loc[evidence["id"] == "rusi_1h", "share_lost_high"] = 1.3
    with pytest.raises(ValueError, match="rusi_1h"):
        fit_catalogue(evidence, draws=2)


# ----------------------------------------------------------------- every curve is a loss curve


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(CATALOGUE)), band=st.floats(0.0, 1.0))
def test_every_band_position_of_a_named_curve_is_a_valid_curve(name, band):
    assert_valid_curve(named_curve(name, band).share_lost(DELAYS_S))


@settings(max_examples=60, deadline=None)
@given(
    w=st.floats(0.0, 1.0),
    fast=st.floats(1.0, 1e6),
    ratio=st.floats(1.0, 1e4),
)
def test_a_two_phase_curve_is_monotone_starts_at_zero_and_never_exceeds_one(w, fast, ratio):
    assert_valid_curve(two_phase_share(DELAYS_S, w, fast, fast * ratio))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0.01, 40_000.0), st.floats(0.0, 1.0)), min_size=1, max_size=8,
                unique_by=lambda p: round(p[0], 6)))
def test_a_curve_through_valid_points_is_valid_and_passes_through_them(points):
    points = sorted(points)
    after_min = np.array([p[0] for p in points])
    share = np.maximum.accumulate([p[1] for p in points])
    curve = points_share(DELAYS_S, after_min * 60.0, share)
    assert_valid_curve(curve)
    assert points_share(after_min * 60.0, after_min * 60.0, share) == pytest.approx(share, abs=1e-9)


def test_the_band_position_orders_curves_by_severity_and_half_is_the_fit():
    for name, entry in CATALOGUE.items():
        assert named_curve(name, 0.5).params == tuple(entry["fit"])
        ranked = [severity(named_curve(name, b)) for b in (0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0)]
        assert ranked == sorted(ranked)


def test_the_band_is_wider_than_a_point_and_contains_the_fit_at_every_delay():
    t = np.geomspace(60.0, 14 * 86400.0, 50)
    for name in named_curves():
        low, high = band_at(name, t)
        fit = named_curve(name).share_lost(t)
        assert np.all(low <= fit + 1e-9) and np.all(fit <= high + 1e-9)
        assert np.any(high - low > 0.01)


# ----------------------------------------------------------------- scenarios that use curves


def _fraud(loss: dict) -> dict:
    return contact_type("fraud", emergency=True, loss={"amount_at_risk": {"dist": "deterministic", "value": 1000},
                                                       **loss})


@pytest.mark.parametrize(
    ("points", "named"),
    [
        ([[15, 0.3], [60, 1.2]], "points[1]"),
        ([[15, -0.1]], "points[0]"),
        ([[15, 0.5], [60, 0.4]], "points[1]"),
        ([[15, 0.2], [60, 0.5], [30, 0.6]], "points[2]"),
        ([[0, 0.2]], "points[0]"),
    ],
)
def test_a_curve_given_by_impossible_points_is_refused_naming_the_point(points, named):
    loss = {"curve": {"points": [{"after_min": a, "share_lost": s} for a, s in points]}}
    data = {"days": 1, "contact_types": [_fraud(loss)], "agents": {"shifts": [shift()]}}
    with pytest.raises(ScenarioError) as caught:
        build_scenario(data)
    message = str(caught.value)
    assert f"contact_types[fraud].loss.curve.points" in message and named in message


def test_an_unknown_named_curve_is_refused_listing_the_known_ones():
    data = {"days": 1, "contact_types": [_fraud({"curve": "card_frauds"})], "agents": {"shifts": [shift()]}}
    with pytest.raises(ScenarioError, match=r"contact_types\[fraud\]\.loss\.curve.*instant_transfer"):
        build_scenario(data)


def test_a_curve_and_a_half_life_together_are_refused():
    data = {"days": 1, "contact_types": [_fraud({"curve": "instant_transfer", "half_life_min": 30})],
            "agents": {"shifts": [shift()]}}
    with pytest.raises(ScenarioError, match=r"contact_types\[fraud\]\.loss\.half_life_min"):
        build_scenario(data)


def test_a_scenario_on_the_half_life_form_loses_exactly_as_before():
    sc = scenario(types=[_fraud({"half_life_min": 90})], shifts=[shift(start="02:00", length_h=1)])
    _, _, tables = run_hand(sc, {"fraud": [0.0]}, amount_at_risk=1000.0)
    assert tables.incidents.iloc[0]["loss"] == 1000.0 * -math.expm1(-7200.0 * (math.log(2.0) / 5400.0))
    assert sc.loss_curve_bands == {}


def test_an_incident_on_a_named_curve_loses_what_the_curve_says_at_its_band_position():
    fraud = _fraud({"curve": "instant_transfer"})
    for band in (0.05, 0.5, 0.95):
        sc = scenario(types=[fraud], shifts=[shift(start="01:00", length_h=1)],
                      loss_curve_bands={"instant_transfer": band})
        _, _, tables = run_hand(sc, {"fraud": [0.0]}, amount_at_risk=1000.0)
        expected = 1000.0 * named_curve("instant_transfer", band).share_lost(3600.0)
        assert tables.incidents.iloc[0]["loss"] == pytest.approx(float(expected))


def test_an_incident_on_its_own_points_loses_what_the_points_say():
    fraud = _fraud({"curve": {"points": [{"after_min": 30, "share_lost": 0.2}, {"after_min": 60, "share_lost": 0.5}]}})
    sc = scenario(types=[fraud], shifts=[shift(start="01:00", length_h=1)])
    _, _, tables = run_hand(sc, {"fraud": [0.0]}, amount_at_risk=1000.0)
    assert tables.incidents.iloc[0]["loss"] == pytest.approx(500.0)


def test_a_report_delay_adds_to_the_time_the_money_drains():
    fraud = _fraud({"curve": {"points": [{"after_min": 60, "share_lost": 0.5}, {"after_min": 120, "share_lost": 0.8}]},
                    "report_delay_s": {"dist": "deterministic", "value": 3600}})
    sc = scenario(types=[fraud], shifts=[shift(start="01:00", length_h=1)])
    _, _, tables = run_hand(sc, {"fraud": [0.0]}, amount_at_risk=1000.0)
    assert tables.incidents.iloc[0]["loss"] == pytest.approx(800.0)  # an hour before the call, an hour waiting


def test_every_named_curve_in_use_gets_a_band_position_and_an_unused_one_is_refused():
    sc = scenario(types=[_fraud({"curve": "instant_transfer"})])
    assert sc.loss_curve_bands == {"instant_transfer": 0.5}
    with pytest.raises(ScenarioError, match="loss_curve_bands.*international_wire"):
        build_scenario({"days": 1, "contact_types": [_fraud({"curve": "instant_transfer"})],
                        "agents": {"shifts": [shift()]}, "loss_curve_bands": {"international_wire": 0.5}})


# ----------------------------------------------------------------- the experiment factor


def test_the_default_experiment_varies_each_named_curve_once_and_every_level_is_a_valid_curve():
    import sim

    sc = sim.load_scenario("scenarios/payment_platform.yaml")
    experiment = default_experiment(sc, "bot_cut40")
    paths = [f.path for f in experiment.spec.factors]
    # fraud and takeover share the instant_transfer curve: one factor, not two
    assert paths.count("loss_curve_bands.instant_transfer") == 1
    assert not any(p.endswith("half_life_min") for p in paths)
    factor = next(f for f in experiment.spec.factors if f.path == "loss_curve_bands.instant_transfer")
    assert (factor.low, factor.high) == (0.05, 0.95)
    for level in np.linspace(factor.low, factor.high, 7):
        varied = experiment.scenario_at({factor.path: float(level)})
        for ct in varied.contact_types:
            if ct.emergency:
                assert_valid_curve(varied.share_lost(ct, DELAYS_S))


# ----------------------------------------------------------------- the command


def test_loss_fit_checks_the_stored_fit_and_refuses_a_bad_table_naming_the_row(tmp_path, capsys):
    from sim.cli import main

    assert main(["loss-fit", "--check"]) == 0
    out = capsys.readouterr().out
    assert "rusi_15min" in out and "the refit reproduces the stored parameters" in out
    bad = read_evidence()
    bad.loc[bad["id"] == "sg_two_weeks", "share_lost_low"] = 0.99  # above its central value
    path = tmp_path / "evidence.csv"
    bad.to_csv(path, index=False)
    assert main(["loss-fit", "--evidence", str(path)]) == 2
    assert "sg_two_weeks" in capsys.readouterr().err
    assert main(["loss-fit", "--evidence", str(tmp_path / "missing.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_the_loss_curves_share_of_the_swings_is_its_squared_swing_over_all():
    import pandas as pd

    from sim.studies.uncertainty.analysis import loss_curve_share

    tornado = pd.DataFrame({
        "policy": ["cut"] * 4, "figure": ["net_saving"] * 4,
        "factor": ["loss_curve_bands.instant_transfer", "contact_types[x].loss.half_life_min",
                   "economics.bot_cost_per_session", "agents.absence_probability"],
        "swing": [3.0, -4.0, 12.0, 0.0],
    })
    row = loss_curve_share(tornado).iloc[0]
    assert row["loss_curve_factors"] == 2 and row["swing"] == 4.0
    assert row["share"] == pytest.approx((9 + 16) / (9 + 16 + 144))
