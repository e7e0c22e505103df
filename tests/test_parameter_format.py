"""Parameters and their edits as people read them: no float noise, never two equal-looking sides of a change."""

from __future__ import annotations

import pytest

from sim.present.formatting import fmt_change, fmt_money_in, fmt_parameter, money_unit


@pytest.mark.parametrize("value, text", [
    (0.17499999999999996, "0.175"), (21.428571428571427, "21.43"), (60.0, "60"), (2024, "2024"),
    (True, "true"), (None, "none"), ([0.1 + 0.2, 3], "[0.3, 3]"), (123456.789, "123,457")])
def test_a_parameter_is_written_without_float_noise(value, text):
    assert fmt_parameter(value) == text


def test_a_change_shows_as_many_digits_as_tell_its_sides_apart():
    assert fmt_change(0.2, 0.17499999999999996) == "0.2 → 0.175"
    assert fmt_change(60.0, 21.428571428571427) == "60 → 21.43"
    assert fmt_change(0.2, 0.20001) == "0.2 → 0.20001"
    assert fmt_change(None, 3) == "not in the file → 3"


def test_a_money_column_is_written_in_one_unit():
    values = [-3059.4, -11449.0, 0.0]
    unit = money_unit(values)
    assert [fmt_money_in(v, unit) for v in values] == ["-3.1k", "-11.4k", "0"]
    assert money_unit([12.0, -950.0]) == ""
    assert money_unit([1.45e6, -12_300.0, 0.0]) == "k"  # millions only when every amount is one
    assert fmt_money_in(-1.4485e6, "k") == "-1,448.5k"
    assert money_unit([1.45e6, 2e6, 0.0]) == "M"
