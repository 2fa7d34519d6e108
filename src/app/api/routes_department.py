"""JSON API v1 for the department level: a department's year targets and self-evaluation
as a whole, and their official forms as PDF or Excel."""

from __future__ import annotations

from flask import jsonify
from flask_babel import lazy_gettext as _l

from app.api.auth import api_login_required, api_user
from app.api.blueprint import api_blueprint as bp
from app.api.schemas.registry import DEPARTMENT_YEAR
from app.api.serializers import iso
from app.downloads import document_download
from app.performance.department import targets_as_dict
from app.services.documents import department_documents
from app.services.foundation.errors import NotFound
from app.services.registry import departments


def _check_kind(kind: str) -> None:
    if kind not in ("pdf", "xlsx"):
        raise NotFound(_l("There is no .%(kind)s format, only pdf and xlsx.", kind=kind))


@bp.get("/departments/<int:department_id>/targets")
@api_login_required
def department_targets(department_id: int):
    targets = departments.visible_targets(api_user(), department_id, DEPARTMENT_YEAR())
    return jsonify(targets_as_dict(targets))


@bp.get("/departments/<int:department_id>/self-evaluation")
@api_login_required
def department_self_evaluation(department_id: int):
    report = departments.visible_evaluation(api_user(), department_id, DEPARTMENT_YEAR())
    return jsonify(
        {
            "department_id": report.department_id,
            "department": report.department.name,
            "fiscal_year": report.fiscal_year,
            "status": report.status,
            "overall_result": report.overall_result,
            "function_results": report.function_results or [],
            "indicator_results": report.indicator_results or [],
            "project_grades": report.project_grades or [],
            "budget_total": report.budget_total,
            "spent_total": report.spent_total,
            "score": report.score,
            "grade": report.grade,
            "conclusion": report.conclusion,
            "finance_opinion": report.finance_opinion,
            "delivered_at": iso(report.delivered_at),
            "government_read_at": iso(report.government_read_at),
            "government_comment": report.government_comment,
        }
    )


@bp.get("/departments/<int:department_id>/documents/targets.<kind>")
@api_login_required
def department_targets_file(department_id: int, kind: str):
    _check_kind(kind)
    document = department_documents.department_targets_document(
        api_user(), department_id, DEPARTMENT_YEAR()
    )
    return document_download(document, kind)


@bp.get("/departments/<int:department_id>/documents/self-evaluation.<kind>")
@api_login_required
def department_self_evaluation_file(department_id: int, kind: str):
    _check_kind(kind)
    document = department_documents.department_evaluation_document(
        api_user(), department_id, DEPARTMENT_YEAR()
    )
    return document_download(document, kind)
