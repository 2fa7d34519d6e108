"""The official documents over the API, as the pages send them: a PDF or an Excel
workbook of each (`<kind>` is pdf or xlsx; any other answers 404), for whoever may see
what it holds (services decide, as for the pages)."""

from __future__ import annotations

from collections.abc import Callable

from app.api.auth import api_login_required, api_user
from app.api.blueprint import api_blueprint as bp
from app.downloads import document_download
from app.services.documents import disclosure
from app.services.documents import document as documents
from app.services.documents import monitoring as document_monitoring
from app.services.documents import render as document_render
from app.services.documents import results as document_results
from app.services.documents import self_evaluation as document_self_evaluation
from app.services.documents.document import Document


def _sent(kind: str, build: Callable[[], Document]):
    """The document `build` makes, as `kind`; an unknown kind is refused before it is built."""
    document_render.require_kind(kind)
    return document_download(build(), kind)


@bp.get("/projects/<int:project_id>/documents/targets.<kind>")
@api_login_required
def project_targets_document(project_id: int, kind: str):
    return _sent(kind, lambda: documents.project_targets(api_user(), project_id))


@bp.get("/projects/<int:project_id>/documents/self-evaluation.<kind>")
@api_login_required
def project_self_evaluation_document(project_id: int, kind: str):
    return _sent(
        kind, lambda: document_self_evaluation.project_self_evaluation(api_user(), project_id)
    )


@bp.get("/campaigns/<int:campaign_id>/documents/monitoring-summary.<kind>")
@api_login_required
def monitoring_summary_document(campaign_id: int, kind: str):
    return _sent(kind, lambda: document_monitoring.monitoring_summary(api_user(), campaign_id))


@bp.get("/years/<int:fiscal_year>/documents/evaluation-results.<kind>")
@api_login_required
def evaluation_results_document(fiscal_year: int, kind: str):
    return _sent(kind, lambda: document_results.evaluation_results(api_user(), fiscal_year))


@bp.get("/years/<int:fiscal_year>/documents/disclosure.<kind>")
@api_login_required
def disclosure_document(fiscal_year: int, kind: str):
    return _sent(kind, lambda: disclosure.disclosure_list(api_user(), fiscal_year))
