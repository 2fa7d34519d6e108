"""Due dates count working days: weekends, public holidays and make-up days (调休)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from flask_babel import force_locale

from app.engine.due_periods import CALENDAR_DAYS, parse_due_counting
from app.extensions import db
from app.models import Setting
from app.services.foundation.errors import ValidationFailed
from app.services.runtime.calendar import CALENDAR_KEY, WorkCalendar, save_calendar_year
from app.services.runtime.instances import start_instance

# A National Day week of the kind the State Council sets (illustrative dates): Oct 1-8
# off, with Sunday Sep 27 and Saturday Oct 10 worked in exchange.
NATIONAL_DAY = {
    "holidays": [f"2026-10-0{d}" for d in range(1, 9)],
    "makeup_workdays": ["2026-09-27", "2026-10-10"],
}


# Stored times are naive UTC; the county (Asia/Shanghai) is eight hours ahead, so its
# offices close at 17:30 local = 09:30 UTC.
CLOSE_UTC = (9, 30)


def test_five_working_days_from_a_friday_skip_the_weekend_and_end_at_closing_time():
    friday = datetime(2026, 11, 27, 5, 47)  # 13:47 in Beijing
    assert WorkCalendar().add_working_days(friday, 5) == datetime(2026, 12, 4, *CLOSE_UTC)


def test_days_are_the_countys_days_not_utcs():
    # Monday 07:00 in Beijing is Sunday 23:00 UTC: one working day on is Tuesday.
    sunday_utc = datetime(2026, 11, 29, 23, 0)
    assert WorkCalendar().add_working_days(sunday_utc, 1) == datetime(2026, 12, 1, *CLOSE_UTC)
    urumqi = WorkCalendar(zone="Asia/Urumqi")  # UTC+6: offices close at 11:30 UTC
    assert urumqi.add_working_days(sunday_utc, 1) == datetime(2026, 12, 1, 11, 30)


def test_national_day_holiday_and_its_make_up_days():
    calendar = WorkCalendar.from_setting(NATIONAL_DAY)
    assert calendar.is_working_day(date(2026, 9, 27))  # a Sunday worked
    assert not calendar.is_working_day(date(2026, 10, 2))  # a Friday off
    # From Wed Sep 30: Oct 1-8 are off, Sat Oct 10 is worked, Sun Oct 11 is not.
    start = datetime(2026, 9, 30, 2, 0)
    assert calendar.add_working_days(start, 1) == datetime(2026, 10, 9, *CLOSE_UTC)
    assert calendar.add_working_days(start, 2) == datetime(2026, 10, 10, *CLOSE_UTC)
    assert calendar.add_working_days(start, 3) == datetime(2026, 10, 12, *CLOSE_UTC)


def test_a_period_with_hours_runs_by_the_clock():
    start = datetime(2026, 11, 27, 1, 0)  # a Friday, 09:00 in Beijing
    period = timedelta(days=1, hours=4)
    assert WorkCalendar().due_after(start, period) == datetime(2026, 11, 30, 5, 0)
    assert WorkCalendar().due_after(start, timedelta(hours=4)) == datetime(2026, 11, 27, 5, 0)


def test_a_task_due_in_ten_days_is_due_ten_working_days_later(app, user):
    db.session.merge(Setting(key=CALENDAR_KEY, value=NATIONAL_DAY))
    db.session.commit()
    app.config["CLOCK"] = lambda: datetime(2026, 9, 28, 8, 0)  # Monday
    _, ready = start_instance(user("unit"), "simple_approval")
    # dueIn P10D: Sep 29, 30, Oct 9, 10 (make-up), 12, 13, 14, 15, 16, 19, at 17:30.
    assert ready[0].due_at == datetime(2026, 10, 19, *CLOSE_UTC)


def test_a_period_in_calendar_days_runs_through_weekends_and_holidays():
    calendar = WorkCalendar(holidays=frozenset({date(2026, 10, 1), date(2026, 10, 2)}))
    start = datetime(2026, 9, 30, 4, 13)
    assert calendar.due_after(start, timedelta(days=20), CALENDAR_DAYS) == datetime(
        2026, 10, 20, *CLOSE_UTC
    )
    assert calendar.due_after(start, timedelta(days=20)) > datetime(2026, 10, 20, *CLOSE_UTC)


def test_a_diagram_says_which_calendar_a_due_period_counts_in():
    assert parse_due_counting(None) == "working"
    assert parse_due_counting("calendar") == "calendar"
    with pytest.raises(ValueError, match=r"must be working \(working days\) or calendar"):
        parse_due_counting("lunar")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "zh_Hans_CN",
            [
                "法定节假日“十月一日”不是日期（如 2026-10-01）",
                "调休上班日 2026-10-09 是工作日，无需调休",
            ],
        ),
        (
            "en",
            [
                "The holiday “十月一日” is not a date such as 2026-10-01.",
                "The make-up working day 2026-10-09 is a weekday already: a make-up day must "
                "be a weekend day.",
            ],
        ),
    ],
)
def test_a_bad_calendar_is_refused_in_the_reader_s_language(user, language, expected):
    with pytest.raises(ValidationFailed) as refused, force_locale(language):
        save_calendar_year(user("finance"), 2026, "十月一日", "2026-10-09")
    with force_locale(language):
        assert refused.value.details == expected
