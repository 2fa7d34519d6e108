"""Working days: due periods count days the county's offices are open.

A day is a working day when it is Monday to Friday and not a public holiday, or when it
is a make-up working day (调休, a weekend day worked in exchange for a holiday). Finance
keeps the year's holidays and make-up days in the `work_calendar` setting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from app.extensions import db
from app.models import Setting

CALENDAR_KEY = "work_calendar"


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = field(default_factory=frozenset)
    makeup_workdays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_setting(cls, value: dict | None) -> WorkCalendar:
        value = value or {}
        return cls(
            frozenset(date.fromisoformat(d) for d in value.get("holidays", [])),
            frozenset(date.fromisoformat(d) for d in value.get("makeup_workdays", [])),
        )

    def is_working_day(self, day: date) -> bool:
        if day in self.makeup_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """`days` working days after `start`, at the same time of day."""
        current = start
        remaining = days
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_working_day(current.date()):
                remaining -= 1
        return current

    def due_after(self, start: datetime, period: timedelta) -> datetime:
        """A due period's whole days count as working days; hours and minutes as they are."""
        whole_days = period.days
        rest = period - timedelta(days=whole_days)
        return self.add_working_days(start, whole_days) + rest


def work_calendar() -> WorkCalendar:
    setting = db.session.get(Setting, CALENDAR_KEY)
    return WorkCalendar.from_setting(setting.value if setting else None)
