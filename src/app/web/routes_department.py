"""The department level's pages: a department's year targets (部门整体绩效目标) and its
self-evaluation as a whole (部门整体支出绩效自评), with their printable forms."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from app import params
from app.downloads import document_download
from app.services.documents import department_documents
from app.services.registry import departments
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor


def required_year() -> int:
    """The `year` a document is of; refused by name when absent."""
    year = params.year("year")
    if year is None:
        raise params.refuse("year", _l("The parameter year is required, e.g. year=2028."))
    return year


@bp.get("/departments")
def departments_page():
    return render_template("departments.html", departments=departments.visible_departments(actor()))


@bp.get("/departments/<int:department_id>")
def department(department_id: int):
    year = departments.department_year(actor(), department_id, params.year("year"))
    return render_template("department.html", year=year)


@bp.get("/departments/<int:department_id>/documents/targets.<any(pdf, xlsx):kind>")
def department_targets_document(department_id: int, kind: str):
    document = department_documents.department_targets_document(
        actor(), department_id, required_year()
    )
    return document_download(document, kind)


@bp.get("/departments/<int:department_id>/documents/self-evaluation.<any(pdf, xlsx):kind>")
def department_evaluation_document(department_id: int, kind: str):
    document = department_documents.department_evaluation_document(
        actor(), department_id, required_year()
    )
    return document_download(document, kind)
