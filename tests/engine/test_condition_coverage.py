"""Conditions that together hold for every value need no default flow."""

from __future__ import annotations

import pytest

from app.engine.conditions import covers_every_case


@pytest.mark.parametrize(
    "conditions",
    [
        ["approved", "not approved"],
        ["approved == True", "approved == False"],
        ["approved", "approved != True"],
        ["a > 5 and b == 1", "not (a > 5 and b == 1)"],
        ["amount > 5", "amount <= 5"],
        ["amount < 10", "10 <= amount < 100", "amount >= 100"],
        ["decision == 'approve'", "decision != 'approve'"],
        ["kind in ('a', 'b')", "kind not in ('a', 'b')"],
    ],
)
def test_these_cover_every_case(conditions):
    assert covers_every_case(conditions)


@pytest.mark.parametrize(
    "conditions",
    [
        ["approved", "rejected"],
        ["amount > 5", "amount < 5"],
        ["amount < 10", "amount > 10"],
        ["amount >= 100", "10 <= amount < 100"],
        ["decision == 'approve'", "decision == 'return'"],
        ["a > 5", "b <= 5"],
        ["f(x)", "not f(y)"],
    ],
)
def test_these_leave_a_case_open(conditions):
    assert not covers_every_case(conditions)


def test_every_value_of_an_enumerated_field_covers():
    enums = {"decision": {"approve", "return"}}
    assert covers_every_case(["decision == 'approve'", "decision == 'return'"], enums)
    assert covers_every_case(["decision in ('approve', 'return')"], enums)
    assert not covers_every_case(["decision == 'approve'"], enums)
