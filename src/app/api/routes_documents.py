"""The official documents over the API, as the pages send them: a PDF or an Excel
workbook of each, for whoever may see what it holds (services decide, as for the pages)."""

from __future__ import annotations

from io import BytesIO

from flask import send_file

from app.api import api_blueprint as bp
from app.api.auth import api_login_required, api_user
from app.services import (
    disclosure,
    document_monitoring,
    document_render,
    document_results,
    document_self_evaluation,
    documents,
)
from app.services.documents import Document


def _sent(document: Document, kind: str):
    content, mimetype, filename = document_render.document_file(document, kind)
    return send_file(
        BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=filename
    )


@bp.get("/projects/<int:project_id>/documents/targets.pdf", defaults={"kind": "pdf"})
@bp.get("/projects/<int:project_id>/documents/targets.xlsx", defaults={"kind": "xlsx"})
@api_login_required
def project_targets_document(project_id: int, kind: str):
    return _sent(documents.project_targets(api_user(), project_id), kind)


@bp.get("/projects/<int:project_id>/documents/self-evaluation.pdf", defaults={"kind": "pdf"})
@bp.get("/projects/<int:project_id>/documents/self-evaluation.xlsx", defaults={"kind": "xlsx"})
@api_login_required
def project_self_evaluation_document(project_id: int, kind: str):
    return _sent(document_self_evaluation.project_self_evaluation(api_user(), project_id), kind)


@bp.get("/campaigns/<int:campaign_id>/documents/monitoring-summary.pdf", defaults={"kind": "pdf"})
@bp.get("/campaigns/<int:campaign_id>/documents/monitoring-summary.xlsx", defaults={"kind": "xlsx"})
@api_login_required
def monitoring_summary_document(campaign_id: int, kind: str):
    return _sent(document_monitoring.monitoring_summary(api_user(), campaign_id), kind)


@bp.get("/years/<int:fiscal_year>/documents/evaluation-results.pdf", defaults={"kind": "pdf"})
@bp.get("/years/<int:fiscal_year>/documents/evaluation-results.xlsx", defaults={"kind": "xlsx"})
@api_login_required
def evaluation_results_document(fiscal_year: int, kind: str):
    return _sent(document_results.evaluation_results(api_user(), fiscal_year), kind)


@bp.get("/years/<int:fiscal_year>/documents/disclosure.pdf", defaults={"kind": "pdf"})
@bp.get("/years/<int:fiscal_year>/documents/disclosure.xlsx", defaults={"kind": "xlsx"})
@api_login_required
def disclosure_document(fiscal_year: int, kind: str):
    return _sent(disclosure.disclosure_list(api_user(), fiscal_year), kind)
