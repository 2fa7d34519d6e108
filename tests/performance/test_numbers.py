"""Reading numbers and signs from form data."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale

from app.performance import normalize_qualitative, normalize_sign, to_decimal


@pytest.mark.parametrize(
    ("value", "number"),
    [
        (3000, Decimal(3000)),
        (0.1, Decimal("0.1")),
        ("3000", Decimal(3000)),
        ("3,000", Decimal(3000)),
        ("1,234,567.5", Decimal("1234567.5")),
        ("95%", Decimal(95)),
        ("９５％", Decimal(95)),  # full-width
        (" 12.5 人", Decimal("12.5")),
        ("≥95%", Decimal(95)),
        ("-5", Decimal(-5)),
        ("120万元", Decimal(120)),
    ],
)
def test_numbers_are_read_from_form_values(value, number):
    assert to_decimal(value) == number


@pytest.mark.parametrize(
    "value", [None, "", "  ", "待统计", "2024-12-31", "1,2", "1.2.3", True, float("nan"), [1]]
)
def test_values_without_one_clear_number_read_as_none(value):
    assert to_decimal(value) is None


@pytest.mark.parametrize(
    ("sign", "canonical"),
    [(">=", "≥"), ("≧", "≥"), ("＞", ">"), ("<=", "≤"), ("=", "="), (" 定性 ", "定性"), ("", None)],
)
def test_signs_are_normalised(sign, canonical):
    assert normalize_sign(sign) == canonical


@pytest.mark.parametrize(
    ("result", "code"),
    [("达成", "met"), ("部分达成", "partly"), ("未达成", "not_met"), ("maybe", None), (None, None)],
)
def test_qualitative_results_are_normalised(result, code):
    assert normalize_qualitative(result) == code


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh_Hans_CN", "指标符号“~”无法识别，须为 ≥ > = < ≤ 定性 之一"),
        ("en", "The indicator sign “~” is unknown: it must be one of ≥ > = < ≤ 定性."),
    ],
)
def test_an_unknown_sign_is_named_in_the_reader_s_language(app, language, message):
    with app.test_request_context(), force_locale(language), pytest.raises(ValueError) as refused:
        normalize_sign("~")
    assert str(refused.value) == message
