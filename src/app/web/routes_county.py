"""The county's budget as a whole (本级预算草案): one page per year, from the totals by
department and function down to each department's page and each project's."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from app import params
from app.services.foundation.policy import may_see_county_budget
from app.services.registry import county_budget
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor


@bp.get("/county-budget")
def county_budget_page():
    year = county_budget.county_budget_year(actor(), params.year("year"))
    return render_template("county_budget.html", year=year)


@bp.app_context_processor
def county_budget_context() -> dict:
    signed_in = current_user.is_authenticated
    return {"may_see_county_budget": signed_in and may_see_county_budget(current_user)}
