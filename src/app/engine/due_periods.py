"""Due periods as diagrams write them: an ISO 8601 duration (`dueIn`, a boundary or catch
timer's delay) and how its days count (`dueCalendar`). Read alike by the compiler, the
lint, the foreign timers and the host's calendar, so each imports them from here.
"""

from __future__ import annotations

import re
from datetime import timedelta

from flask_babel import gettext as _
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

# A step's due period and a boundary timer's delay, in working days: more than a year is
# no deadline anyone keeps, and beyond it a calendar walk (and at last the calendar) ends.
MAX_DUE_IN = timedelta(days=366)
# How a due period's days count (property `dueCalendar`): working days unless the rule
# says calendar days (预算法 art. 57: 批复 within 20 and 15 calendar days).
WORKING_DAYS, CALENDAR_DAYS = "working", "calendar"
DUE_COUNTINGS = (WORKING_DAYS, CALENDAR_DAYS)
# The fewest days each part of a duration can mean: a period whose least length is past
# MAX_DUE_IN is refused before SpiffWorkflow walks its months one by one (P1000000Y took
# seconds of a deploy), so only periods near the bound are ever walked.
_FEWEST_DAYS = {"years": 365, "months": 28, "weeks": 7, "days": 1, "hours": 1 / 24,
                "minutes": 1 / 1440, "seconds": 1 / 86400}  # fmt: skip
ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")


def parse_due_in(text: str | None) -> timedelta | None:
    """An ISO 8601 duration such as P10D or PT4H, longer than zero and at most
    MAX_DUE_IN; None when absent. Raises ValueError saying which rule it breaks."""
    if not text:
        return None
    try:
        parsed = TimerEventDefinition.parse_iso_duration(text.strip())
    except Exception:  # SpiffWorkflow says "Invalid duration" as a bare Exception
        raise _not_a_duration(text) from None
    if sum(_FEWEST_DAYS[part] * value for part, value in parsed.items()) > MAX_DUE_IN.days:
        raise _out_of_bounds(text)
    try:
        period = TimerEventDefinition.get_timedelta_from_start(parsed)
    except Exception:
        raise _not_a_duration(text) from None
    if not timedelta(0) < period <= MAX_DUE_IN:
        raise _out_of_bounds(text)
    return period


# Worded only when raised: wording them on every call (flask_babel then settles the
# language on `g`) made an English API client's later error come back in Chinese.
def _not_a_duration(text: str) -> ValueError:
    return ValueError(_("“%(text)s” is not an ISO 8601 duration such as P10D.", text=text[:40]))


def _out_of_bounds(text: str) -> ValueError:
    return ValueError(
        _(
            "“%(text)s” must be longer than zero and at most %(days)s days.",
            text=text[:40],
            days=MAX_DUE_IN.days,
        )
    )


def parse_due_counting(text: str | None) -> str:
    """A `dueCalendar` property: working (the default) or calendar days. Raises ValueError."""
    value = (text or WORKING_DAYS).strip()
    if value not in DUE_COUNTINGS:
        raise ValueError(
            _(
                "dueCalendar “%(value)s” must be working (working days) or calendar "
                "(calendar days).",
                value=value[:40],
            )
        )
    return value
