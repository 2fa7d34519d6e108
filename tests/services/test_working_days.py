"""Due dates count working days: weekends, public holidays and make-up days (调休)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.engine.compiler import CALENDAR_DAYS, parse_due_counting
from app.extensions import db
from app.models import Setting
from app.services.calendar import CALENDAR_KEY, WorkCalendar
from app.services.instances import start_instance

# A National Day week of the kind the State Council sets (illustrative dates): Oct 1-8
# off, with Sunday Sep 27 and Saturday Oct 10 worked in exchange.
NATIONAL_DAY = {
    "holidays": [f"2026-10-0{d}" for d in range(1, 9)],
    "makeup_workdays": ["2026-09-27", "2026-10-10"],
}


def test_five_working_days_from_a_friday_skip_the_weekend():
    friday = datetime(2026, 11, 27, 9, 30)
    assert WorkCalendar().add_working_days(friday, 5) == datetime(2026, 12, 4, 9, 30)


def test_national_day_holiday_and_its_make_up_days():
    calendar = WorkCalendar.from_setting(NATIONAL_DAY)
    assert calendar.is_working_day(date(2026, 9, 27))  # a Sunday worked
    assert not calendar.is_working_day(date(2026, 10, 2))  # a Friday off
    # From Wed Sep 30: Oct 1-8 are off, Sat Oct 10 is worked, Sun Oct 11 is not.
    start = datetime(2026, 9, 30, 10, 0)
    assert calendar.add_working_days(start, 1) == datetime(2026, 10, 9, 10, 0)
    assert calendar.add_working_days(start, 2) == datetime(2026, 10, 10, 10, 0)
    assert calendar.add_working_days(start, 3) == datetime(2026, 10, 12, 10, 0)


def test_hours_in_a_due_period_are_plain_hours():
    start = datetime(2026, 11, 27, 9, 0)  # a Friday
    period = timedelta(days=1, hours=4)
    assert WorkCalendar().due_after(start, period) == datetime(2026, 11, 30, 13, 0)


def test_a_task_due_in_ten_days_is_due_ten_working_days_later(app, user):
    db.session.merge(Setting(key=CALENDAR_KEY, value=NATIONAL_DAY))
    db.session.commit()
    app.config["CLOCK"] = lambda: datetime(2026, 9, 28, 8, 0)  # Monday
    _, ready = start_instance(user("unit"), "simple_approval")
    # dueIn P10D: Sep 29, 30, Oct 9, 10 (make-up), 12, 13, 14, 15, 16, 19.
    assert ready[0].due_at == datetime(2026, 10, 19, 8, 0)


def test_a_period_in_calendar_days_runs_through_weekends_and_holidays():
    calendar = WorkCalendar(holidays=frozenset({date(2026, 10, 1), date(2026, 10, 2)}))
    start = datetime(2026, 9, 30, 9, 0)
    assert calendar.due_after(start, timedelta(days=20), CALENDAR_DAYS) == datetime(
        2026, 10, 20, 9, 0
    )
    assert calendar.due_after(start, timedelta(days=20)) > datetime(2026, 10, 20, 9, 0)


def test_a_diagram_says_which_calendar_a_due_period_counts_in():
    assert parse_due_counting(None) == "working"
    assert parse_due_counting("calendar") == "calendar"
    with pytest.raises(ValueError, match="working or calendar"):
        parse_due_counting("lunar")
