"""控制数: finance sets each department's total for a year's 遴选排序."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import params
from app.services.foundation.clock import now
from app.services.foundation.errors import ValidationFailed
from app.services.foundation.policy import require_can_set_control_totals
from app.services.registry import control_totals
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor

FIELD_PREFIX = "amount_"


def _year() -> int:
    """The budget year being compiled: next year unless the page names another."""
    return params.year("year", request.values, default=now().year + 1)


@bp.get("/settings/control-totals")
def control_totals_page():
    require_can_set_control_totals(actor())  # rights before reading the year
    year = _year()
    return render_template(
        "control_totals.html",
        year=year,
        lines=control_totals.control_totals(actor(), year),
        errors=None,
        typed={},
    )


@bp.post("/settings/control-totals")
def save_control_totals():
    user = actor()
    require_can_set_control_totals(user)
    year = _year()
    typed = {
        int(name.removeprefix(FIELD_PREFIX)): value
        for name, value in request.form.items()
        if name.startswith(FIELD_PREFIX) and name.removeprefix(FIELD_PREFIX).isdigit()
    }
    try:
        control_totals.save_control_totals(user, year, typed)
    except ValidationFailed as refused:
        lines = control_totals.control_totals(user, year)
        page = render_template(
            "control_totals.html", year=year, lines=lines, errors=refused.details, typed=typed
        )
        return page, 422
    flash(_("The %(year)s control totals are saved.", year=year), "success")
    return redirect(url_for("web.control_totals_page", year=year))
