"""JSON API v1 for 整改清单: the rectification items the caller may see, with the
accountability list (问责/通报) and who decided every verification."""

from __future__ import annotations

from flask import jsonify

from app.api.auth import api_login_required, api_user
from app.api.blueprint import api_blueprint as bp
from app.api.schemas.registry import RECTIFICATION_QUERY
from app.api.serializers import iso
from app.models import User
from app.services.documents import rectification
from app.services.documents.rectification import RectificationFilters, RectificationRow


@bp.get("/rectifications")
@api_login_required
def list_rectifications():
    asked = RECTIFICATION_QUERY.read()
    filters = RectificationFilters(fiscal_year=asked["year"], status=asked["status"])
    found = rectification.rectification_list(api_user(), filters)
    return jsonify(
        fiscal_year=filters.fiscal_year,
        status=filters.status,
        today=found.today.isoformat(),
        items=[_item(row) for row in found.rows],
        accountability=[{**_item(row), "grounds": row.grounds} for row in found.accountability],
    )


def _person(user: User | None) -> dict | None:
    return None if user is None else {"username": user.username, "name": user.display_name}


def _item(row: RectificationRow) -> dict:
    item, project = row.item, row.project
    return {
        "id": item.id,
        "project_code": project.code,
        "project_name": project.name,
        "fiscal_year": project.fiscal_year,
        "department": project.department.name,
        "unit": project.unit.name,
        "instance_id": item.instance_id,
        "source": item.source,
        "description": item.description,
        "due_date": item.due_date.isoformat() if item.due_date else None,
        "status": item.status,
        "status_label": row.status_label,
        "overdue": row.overdue,
        "failures": item.failures or 0,
        "last_reason": item.last_reason,
        "action_taken": item.action_taken,
        "set_by": _person(item.created_by),
        "set_at": iso(item.created_at),
        "claimed_by": _person(item.claimed_by),
        "claimed_at": iso(item.claimed_at),
        "verified_by": _person(item.verified_by),
        "closed_at": iso(item.closed_at),
        "verifications": [
            {
                "at": iso(decision.at),
                "decided_by": {"username": decision.username, "name": decision.decided_by},
                "outcome": "passed" if decision.passed else "failed",
                "reason": decision.reason,
            }
            for decision in row.decisions
        ],
    }
