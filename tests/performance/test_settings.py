"""Thresholds: defaults of the brief, overrides from settings, clear refusals."""

from __future__ import annotations

import pytest

from app.performance import DEFAULT_THRESHOLDS, Thresholds


def test_defaults_are_the_brief():
    t = Thresholds()
    assert (t.execution_red_below, t.execution_yellow_below) == (60, 80)
    assert (t.indicator_red_below, t.indicator_yellow_below, t.indicator_blue_from) == (60, 80, 120)
    assert (t.weight_output, t.weight_benefit, t.weight_satisfaction, t.weight_execution) == (
        50,
        30,
        10,
        10,
    )
    assert t.qualitative_met_band == (80, 100)
    assert t.qualitative_partly_band == (60, 80)
    assert t.qualitative_not_met_band == (0, 60)
    assert (t.grade_excellent_from, t.grade_good_from, t.grade_fair_from) == (90, 80, 60)
    assert t.filing_change_percent == 5
    assert t.low_performing_grades == ("中", "差")
    assert t.low_performing_lights == ("red",)
    assert t == DEFAULT_THRESHOLDS


def test_from_mapping_overrides_and_reads_form_values():
    t = Thresholds.from_mapping(
        {
            "execution_red_below": "50",
            "filing_change_percent": "4.5%",
            "qualitative_partly_band": [65, 75],
            "low_performing_grades": "差",
            "grade_good_from": None,  # None keeps the default
        }
    )
    assert t.execution_red_below == 50
    assert t.filing_change_percent == 4.5
    assert t.qualitative_partly_band == (65, 75)
    assert t.low_performing_grades == ("差",)
    assert t.grade_good_from == 80


def test_as_dict_round_trips_through_from_mapping():
    t = Thresholds.from_mapping({"indicator_blue_from": 130})
    data = t.as_dict()
    assert data["indicator_blue_from"] == 130
    assert data["low_performing_grades"] == ["中", "差"]
    assert Thresholds.from_mapping(data) == t


def test_unknown_setting_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown performance setting.*red_light"):
        Thresholds.from_mapping({"red_light": 50})


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"execution_red_below": 90}, "ascend"),  # red above yellow 80
        ({"indicator_blue_from": 70}, "ascend"),
        ({"grade_fair_from": 85}, "ascend"),
        ({"weight_output": 60}, "add up to 100"),
        ({"qualitative_partly_percent": 90}, "outside its band"),
        ({"qualitative_met_band": [90, 110]}, "low ≤ high ≤ 100"),
        ({"execution_red_below": "abc"}, "non-negative number"),
        ({"low_performing_lights": ["purple"]}, "unknown light"),
        ({"low_performing_grades": ["C"]}, "unknown grade"),
    ],
)
def test_invalid_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        Thresholds.from_mapping(settings)


def test_thresholds_are_frozen():
    with pytest.raises(AttributeError):
        DEFAULT_THRESHOLDS.execution_red_below = 10  # type: ignore[misc]
