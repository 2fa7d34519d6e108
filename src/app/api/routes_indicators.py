"""`GET /api/v1/indicators`: the indicator library a target form's rows are picked from
(the 共性指标 and one department's 个性指标), for clients that fill forms themselves."""

from __future__ import annotations

from flask import jsonify

from app.api.auth import api_login_required, api_user
from app.api.blueprint import api_blueprint as bp
from app.api.schemas.registry import INDICATOR_QUERY
from app.models import LibraryIndicator
from app.services.accounts import orgs
from app.services.registry import indicators


@bp.get("/indicators")
@api_login_required
def list_indicators():
    asked = INDICATOR_QUERY.read()
    department_id = orgs.org_id_for(asked["department"])
    rows = indicators.indicators_for_forms(api_user(), department_id, asked["q"])
    return jsonify([_indicator_json(row) for row in rows])


def _indicator_json(row: LibraryIndicator) -> dict:
    return {
        "id": row.id,
        "library": "common" if row.department_id is None else "department",
        "department_id": row.department_id,
        "level1": row.level1,
        "level2": row.level2,
        "name": row.name,
        "sign": row.sign,
        "unit": row.unit,
        "scoring_standard": row.scoring_standard,
        "standard_value": row.standard_value,
        "explanation": row.explanation,
    }
