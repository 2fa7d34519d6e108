"""The demo county's calendar: the seed runs on a clock set weeks back, so the year it
leaves behind has real delays.

Every service reads the time through services/foundation/clock.py, so moving the app's CLOCK while
the demo accounts file, review and return makes each row carry the day it would have
been done on: a round launched five weeks ago, a report waiting a month, a deadline
passed. Each step happens on a working day, in office hours, in the county's zone; the
clock never runs past the real now. Afterwards the real clock is back, and the timers
that fell due meanwhile (the monitoring report's 逾期督办) fire as the worker would.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from app.services.foundation.clock import now
from app.services.runtime.calendar import WorkCalendar, county_zone, work_calendar


class DemoClock:
    """A settable clock for the seed: `on(days_ago, hour)` puts it on a working day's
    office hour in the county's zone; `later(...)` moves it on, never past `today`."""

    def __init__(self, today: datetime, calendar: WorkCalendar, zone: str) -> None:
        self.today = today
        self.at = today
        self.calendar = calendar
        self.zone = ZoneInfo(zone)

    def __call__(self) -> datetime:
        return self.at

    def on(self, days_ago: int, hour: int = 9, minute: int = 30) -> None:
        """`days_ago` calendar days before today at hour:minute county time; a weekend or
        holiday falls back to the working day before it."""
        local_today = self.today.replace(tzinfo=UTC).astimezone(self.zone).date()
        day = local_today - timedelta(days=days_ago)
        while not self.calendar.is_working_day(day):
            day -= timedelta(days=1)
        local = datetime.combine(day, time(hour, minute), tzinfo=self.zone)
        self.at = min(local.astimezone(UTC).replace(tzinfo=None), self.today)

    def later(self, **delta: float) -> None:
        self.at = min(self.at + timedelta(**delta), self.today)

    def closing_after(self, working_days: int) -> datetime:
        """When the offices close `working_days` working days from the clock's day."""
        return self.calendar.closing(self.calendar.working_day_after(self.at, working_days))


@contextmanager
def demo_clock() -> Iterator[DemoClock]:
    """The app's clock replaced by a DemoClock for the duration; the clock before is
    restored whatever happens."""
    config = current_app.config
    previous = config.get("CLOCK")
    clock = DemoClock(now(), work_calendar(), county_zone())
    config["CLOCK"] = clock
    try:
        yield clock
    finally:
        config["CLOCK"] = previous


def on(days_ago: int, hour: int = 9, minute: int = 30) -> None:
    """Move the demo clock, if one runs (a no-op otherwise: the steps also run alone)."""
    clock = current_app.config.get("CLOCK")
    if isinstance(clock, DemoClock):
        clock.on(days_ago, hour, minute)


def later(**delta: float) -> None:
    clock = current_app.config.get("CLOCK")
    if isinstance(clock, DemoClock):
        clock.later(**delta)


def round_deadline(working_days: int) -> datetime | None:
    """A round's 截止日期: the end of the working day `working_days` from the clock's."""
    clock = current_app.config.get("CLOCK")
    if isinstance(clock, DemoClock):
        return clock.closing_after(working_days)
    return work_calendar().closing(work_calendar().working_day_after(now(), working_days))
