"""Working days: due periods count days the county's offices are open.

A day is a working day when it is Monday to Friday and not a public holiday, or when it
is a make-up working day (调休, a weekend day worked in exchange for a holiday). Finance
keeps the year's holidays and make-up days in the `work_calendar` setting.

A period of whole days ends when the offices close on its last day (17:30 in the
county's zone, the setting BABEL_DEFAULT_TIMEZONE): a deadline reads "10月19日 17:30",
not the minute the step happened to open. Days are the county's days, not UTC's: a
step opened at 07:00 Monday in Beijing (23:00 Sunday UTC) counts from Monday.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import Text, cast, select

from app.engine.due_periods import CALENDAR_DAYS, MAX_DUE_IN, WORKING_DAYS
from app.extensions import db
from app.models import Setting, User
from app.services.foundation.clock import now
from app.services.foundation.document_format import county_time
from app.services.foundation.errors import ValidationFailed, render
from app.services.foundation.policy import require_can_edit_calendar
from app.services.foundation.transaction import transactional

CALENDAR_KEY = "work_calendar"
MAX_WORKING_DAYS = MAX_DUE_IN.days  # the lint refuses longer due periods
CLOSING_TIME = time(17, 30)  # when the county's offices close: a day's deadlines fall then
DEFAULT_ZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = field(default_factory=frozenset)
    makeup_workdays: frozenset[date] = field(default_factory=frozenset)
    zone: str = DEFAULT_ZONE

    @classmethod
    def from_setting(cls, value: dict | None, zone: str = DEFAULT_ZONE) -> WorkCalendar:
        value = value or {}
        return cls(
            frozenset(date.fromisoformat(d) for d in value.get("holidays", [])),
            frozenset(date.fromisoformat(d) for d in value.get("makeup_workdays", [])),
            zone,
        )

    def local(self, at: datetime) -> datetime:
        """A stored time (naive UTC) as the county's wall clock (naive)."""
        return at.replace(tzinfo=UTC).astimezone(ZoneInfo(self.zone)).replace(tzinfo=None)

    def closing(self, day: date) -> datetime:
        """When the offices close on `day`, as a stored time (naive UTC)."""
        local = datetime.combine(day, CLOSING_TIME, tzinfo=ZoneInfo(self.zone))
        return local.astimezone(UTC).replace(tzinfo=None)

    def is_working_day(self, day: date) -> bool:
        if day in self.makeup_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def working_day_after(self, start: datetime, days: int) -> date:
        """The county's date `days` working days after `start`'s. Raises ValueError beyond
        MAX_WORKING_DAYS: each day is a step of the walk, and a diagram deployed before
        due periods were bounded must not stall a worker or run off the calendar."""
        if days > MAX_WORKING_DAYS:
            raise ValueError(
                render(
                    _l(
                        "The due period is longer than %(days)s working days.",
                        days=MAX_WORKING_DAYS,
                    )
                )
            )
        day = self.local(start).date()
        remaining = days
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """`days` working days after `start`, when the offices close that day (17:30
        county time); no days at all is `start` itself."""
        if days <= 0:
            return start
        return self.closing(self.working_day_after(start, days))

    def due_after(
        self, start: datetime, period: timedelta, counting: str = WORKING_DAYS
    ) -> datetime:
        """A due period's whole days count as working days, or as calendar days where the
        law says so (`counting=CALENDAR_DAYS`: 预算法's 20 and 15 days for 批复), and end
        when the offices close on the last day. A period with hours or minutes (PT4H,
        P1DT4H) runs by the clock from the same time of day: it is meant to the hour."""
        whole_days = period.days
        rest = period - timedelta(days=whole_days)
        if counting == CALENDAR_DAYS:
            if rest or whole_days <= 0:
                return start + period
            return self.closing(self.local(start).date() + timedelta(days=whole_days))
        if not rest:
            return self.add_working_days(start, whole_days)
        local = self.local(start)
        day = self.working_day_after(start, whole_days)
        same_time = datetime.combine(day, local.time(), tzinfo=ZoneInfo(self.zone))
        return same_time.astimezone(UTC).replace(tzinfo=None) + rest


def county_zone() -> str:
    """The county's time zone (BABEL_DEFAULT_TIMEZONE, the TIME_ZONE setting)."""
    if has_app_context():
        return current_app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_ZONE
    return DEFAULT_ZONE


def work_calendar() -> WorkCalendar:
    """The county's calendar as this transaction sees it.

    Every step that opens a task asks, so the setting is read as stored text (one
    indexed row, no ORM object) and parsed only when that text differs from one parsed
    before: finance's change is seen by every worker's next step, with no cache to
    invalidate across processes.
    """
    return calendar_from_stored(db.session.connection().execute(CALENDAR_AS_STORED).scalar())


def calendar_from_stored(stored: str | None) -> WorkCalendar:
    """The calendar of the setting's text as `CALENDAR_AS_STORED` reads it (a statement
    that opens tasks may read it beside its own rows, one round trip fewer)."""
    return _parsed_calendar(stored, county_zone())


_setting = Setting.__table__.c
CALENDAR_AS_STORED = select(cast(_setting.value, Text)).where(_setting.key == CALENDAR_KEY)


@functools.lru_cache(maxsize=4)  # a calendar is a frozen value: safe to share
def _parsed_calendar(stored: str | None, zone: str) -> WorkCalendar:
    return WorkCalendar.from_setting(json.loads(stored) if stored else None, zone)


# --- finance edits the year's holidays and make-up days ---------------------------------


@dataclass(frozen=True)
class CalendarYear:
    year: int
    holidays: list[date]
    makeup_workdays: list[date]
    updated_by: str | None
    updated_at: str | None


def calendar_year(actor: User, year: int) -> CalendarYear:
    require_can_edit_calendar(actor)
    setting = db.session.get(Setting, CALENDAR_KEY)
    value = (setting.value if setting else None) or {}
    calendar = WorkCalendar.from_setting(value)
    return CalendarYear(
        year,
        sorted(d for d in calendar.holidays if d.year == year),
        sorted(d for d in calendar.makeup_workdays if d.year == year),
        value.get("updated_by"),
        _county_time(value.get("updated_at")),
    )


def _county_time(stored: str | None) -> str | None:
    """The stored change time (UTC, ISO) as the county reads it: "2026-12-05 16:44"."""
    try:
        return county_time(datetime.fromisoformat(stored)) if stored else None
    except ValueError:
        return stored


@transactional
def save_calendar_year(actor: User, year: int, holidays: str, makeup_workdays: str) -> None:
    """Replace `year`'s holidays and make-up working days (other years are kept).

    Each text lists days or ranges (2026-10-01~2026-10-08), by line or comma. Refused
    with every bad entry named, and nothing saved, when a day is not a date of `year`, a
    range runs backwards, a day is both off and worked, or a make-up day is a weekday.
    Due dates already set stay as they are; tasks opened from now on use the new days.
    """
    require_can_edit_calendar(actor)
    errors: list = []
    off = _parse_days(holidays, year, _HOLIDAY_PROBLEMS, errors)
    worked = _parse_days(makeup_workdays, year, _MAKEUP_PROBLEMS, errors)
    for day in sorted(off & worked):
        errors.append(
            _l("%(day)s cannot be both a holiday and a make-up working day.", day=str(day))
        )
    for day in sorted(worked):
        if day.weekday() < 5:
            errors.append(
                _l(
                    "The make-up working day %(day)s is a weekday already: a make-up day "
                    "must be a weekend day.",
                    day=str(day),
                )
            )
    if errors:
        raise ValidationFailed(_l("The calendar has errors; nothing was saved."), details=errors)
    setting = db.session.get(Setting, CALENDAR_KEY)
    value = dict((setting.value if setting else None) or {})
    kept = WorkCalendar.from_setting(value)
    value["holidays"] = sorted(
        str(d) for d in {*(d for d in kept.holidays if d.year != year), *off}
    )
    value["makeup_workdays"] = sorted(
        str(d) for d in {*(d for d in kept.makeup_workdays if d.year != year), *worked}
    )
    value["updated_by"] = actor.display_name
    value["updated_at"] = now().isoformat(timespec="minutes")
    if setting is None:
        db.session.add(Setting(key=CALENDAR_KEY, value=value))
    else:
        setting.value = value


# What is wrong with an entry, as whole sentences for each list: (not a date, not in the
# year, a range running backwards).
_HOLIDAY_PROBLEMS = (
    lambda item, year: _l(
        "The holiday “%(item)s” is not a date such as %(year)s-10-01.", item=item, year=year
    ),
    lambda item, year: _l("The holiday “%(item)s” is not in %(year)s.", item=item, year=year),
    lambda item, year: _l("The holidays “%(item)s” end before they begin.", item=item),
)
_MAKEUP_PROBLEMS = (
    lambda item, year: _l(
        "The make-up working day “%(item)s” is not a date such as %(year)s-10-10.",
        item=item,
        year=year,
    ),
    lambda item, year: _l(
        "The make-up working day “%(item)s” is not in %(year)s.", item=item, year=year
    ),
    lambda item, year: _l("The make-up working days “%(item)s” end before they begin.", item=item),
)


def _parse_days(text: str, year: int, problems: tuple, errors: list) -> set[date]:
    days: set[date] = set()
    for item in (part.strip() for part in re.split(r"[\s,，、;；]+", text or "")):
        if not item:
            continue
        bounds = re.split(r"~|～|\.\.", item, maxsplit=1)
        first, last = bounds[0].strip(), (bounds[1].strip() if len(bounds) > 1 else "")
        try:
            start = date.fromisoformat(first)
            end = date.fromisoformat(last) if last else start
        except ValueError:
            errors.append(problems[0](item, year))
            continue
        if start.year != year or end.year != year:
            errors.append(problems[1](item, year))
            continue
        if end < start:
            errors.append(problems[2](item, year))
            continue
        days.update(start + timedelta(days=n) for n in range((end - start).days + 1))
    return days
