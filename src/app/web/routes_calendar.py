"""工作日历: finance keeps the year's public holidays and make-up working days (调休)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import params
from app.services.foundation.clock import now
from app.services.foundation.errors import ValidationFailed
from app.services.foundation.policy import require_can_edit_calendar
from app.services.runtime import calendar
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor


def _year() -> int:
    return params.year("year", request.values, default=now().year)


@bp.get("/settings/calendar")
def work_calendar():
    require_can_edit_calendar(actor())  # rights before reading the year
    year = _year()
    return _page(calendar.calendar_year(actor(), year), None, None)


@bp.post("/settings/calendar")
def save_work_calendar():
    user = actor()
    require_can_edit_calendar(user)
    year = _year()
    holidays, makeup = request.form.get("holidays", ""), request.form.get("makeup_workdays", "")
    try:
        calendar.save_calendar_year(user, year, holidays, makeup)
    except ValidationFailed as refused:  # shown above the form, with what was typed
        return _page(calendar.calendar_year(user, year), refused.details, (holidays, makeup)), 422
    flash(_("The %(year)s calendar is saved.", year=year), "success")
    return redirect(url_for("web.work_calendar", year=year))


def _page(year: calendar.CalendarYear, errors: list | None, typed: tuple[str, str] | None):
    holidays, makeup = typed or (
        "\n".join(str(d) for d in year.holidays),
        "\n".join(str(d) for d in year.makeup_workdays),
    )
    return render_template(
        "calendar.html", year=year, errors=errors, holidays=holidays, makeup=makeup
    )
