"""JSON API v1 for the county's budget as a whole (本级预算草案): what the page shows."""

from __future__ import annotations

from flask import jsonify

from app.api.auth import api_login_required, api_user
from app.api.blueprint import api_blueprint as bp
from app.api.serializers import iso
from app.services.registry import county_budget


@bp.get("/county-budget/<int:fiscal_year>")
@api_login_required
def county_budget_year(fiscal_year: int):
    year = county_budget.county_budget_year(api_user(), fiscal_year)
    budget = dict(year.budget or {})
    if budget:
        budget["approved_at"] = iso(budget["approved_at"])
    return jsonify(
        {"fiscal_year": year.fiscal_year, "status_name": year.status_name, "budget": budget or None}
    )
