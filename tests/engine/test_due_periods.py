"""A due period from a diagram is bounded by what it means, not by how long it takes to
work out: a period surely longer than the bound is refused before SpiffWorkflow walks its
months one by one, and every other period is judged on its exact length."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from app.engine.due_periods import MAX_DUE_IN, parse_due_in

DATE_PARTS = st.fixed_dictionaries(
    {},
    optional={
        "Y": st.integers(0, 3),
        "M": st.integers(0, 40),
        "D": st.integers(0, 800),
    },
)
TIME_PARTS = st.fixed_dictionaries(
    {}, optional={"H": st.integers(0, 20_000), "S": st.integers(0, 40_000_000)}
)


def iso(date: dict, time: dict) -> str:
    text = "P" + "".join(f"{date[part]}{part}" for part in "YMD" if part in date)
    if time:
        text += "T" + "".join(f"{time[part]}{part}" for part in "HS" if part in time)
    return text


def exact(text: str) -> timedelta:
    parsed = TimerEventDefinition.parse_iso_duration(text)
    return TimerEventDefinition.get_timedelta_from_start(parsed)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(DATE_PARTS, TIME_PARTS)
def test_a_period_is_kept_exactly_when_its_length_is_within_the_bound(app, date, time):
    text = iso(date, time)
    if text == "P":
        return
    length = exact(text)
    if timedelta(0) < length <= MAX_DUE_IN:
        assert parse_due_in(text) == length
    else:
        with pytest.raises(ValueError, match="366"):
            parse_due_in(text)


@pytest.mark.parametrize(
    "text", ["P1000000Y", "P99999999999999999999D", "P400000000M", "P1.5Y", "PT99999999999H"]
)
def test_a_period_surely_past_the_bound_is_refused_without_being_worked_out(app, monkeypatch, text):
    def walk(*_):
        raise AssertionError("walked month by month")

    monkeypatch.setattr(TimerEventDefinition, "get_timedelta_from_start", staticmethod(walk))
    with pytest.raises(ValueError, match="至多 366 天|at most 366 days"):
        parse_due_in(text)
