"""The official forms to print or hand on, each as a PDF and as an Excel workbook, and
finance's page choosing which evaluation reports are published (信息公开)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import params
from app.downloads import document_download
from app.services.documents import disclosure
from app.services.documents import document as documents
from app.services.documents import monitoring as document_monitoring
from app.services.documents import results as document_results
from app.services.documents import self_evaluation as document_self_evaluation
from app.services.foundation.clock import now
from app.services.foundation.errors import ValidationFailed
from app.services.foundation.policy import require_can_choose_disclosure
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor


@bp.get("/projects/<int:project_id>/documents/targets.<any(pdf, xlsx):kind>")
def project_targets_document(project_id: int, kind: str):
    return document_download(documents.project_targets(actor(), project_id), kind)


@bp.get("/projects/<int:project_id>/documents/self-evaluation.<any(pdf, xlsx):kind>")
def project_self_evaluation_document(project_id: int, kind: str):
    return document_download(
        document_self_evaluation.project_self_evaluation(actor(), project_id), kind
    )


@bp.get("/campaigns/<int:campaign_id>/documents/monitoring-summary.<any(pdf, xlsx):kind>")
def monitoring_summary_document(campaign_id: int, kind: str):
    return document_download(document_monitoring.monitoring_summary(actor(), campaign_id), kind)


@bp.get("/years/<int:fiscal_year>/documents/evaluation-results.<any(pdf, xlsx):kind>")
def evaluation_results_document(fiscal_year: int, kind: str):
    return document_download(document_results.evaluation_results(actor(), fiscal_year), kind)


@bp.get("/years/<int:fiscal_year>/documents/disclosure.<any(pdf, xlsx):kind>")
def disclosure_document(fiscal_year: int, kind: str):
    return document_download(disclosure.disclosure_list(actor(), fiscal_year), kind)


def _disclosure_year() -> int:
    """The year whose reports are published: the newest graded one (else last year)
    unless the page names another."""
    default = disclosure.latest_graded_year() or now().year - 1
    return params.year("year", request.values, default=default)


@bp.get("/disclosure")
def disclosure_page():
    require_can_choose_disclosure(actor())  # rights before reading the year
    year = _disclosure_year()
    return render_template(
        "disclosure.html", choices=disclosure.disclosure_choices(actor(), year), errors=None
    )


@bp.post("/disclosure")
def save_disclosure():
    user = actor()
    require_can_choose_disclosure(user)
    year = _disclosure_year()
    departments = params.record_ids("department", request.form)
    projects = params.record_ids("project", request.form)
    try:
        disclosure.save_disclosure(user, year, departments, projects)
    except ValidationFailed as refused:
        choices = disclosure.disclosure_choices(user, year)
        choices.chosen_departments, choices.chosen_projects = set(departments), set(projects)
        return render_template("disclosure.html", choices=choices, errors=refused.details), 422
    flash(_("The %(year)s disclosure list is saved.", year=year), "success")
    return redirect(url_for("web.disclosure_page", year=year))
