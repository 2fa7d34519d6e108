"""整改清单: every rectification item one may see, with the accountability list, as a
page, a printable PDF and an Excel workbook."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext

from app import params
from app.downloads import document_download
from app.models.rectification import (
    RECTIFICATION_STATUS_LABELS,
    RECTIFICATION_STATUSES,
    SOURCE_EVALUATION,
    SOURCE_MONITORING,
)
from app.services.documents import rectification
from app.services.documents.rectification import FAILED_TWICE, OVERDUE, RectificationFilters
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor

ALL_YEARS = "all"
SOURCES = {
    SOURCE_EVALUATION: lazy_gettext("Evaluation"),
    SOURCE_MONITORING: lazy_gettext("Monitoring"),
}
GROUNDS = {
    OVERDUE: lazy_gettext("Overdue, not closed"),
    FAILED_TWICE: lazy_gettext("Failed verification twice"),
}


@bp.get("/rectifications")
def rectifications():
    user = actor()
    years = rectification.rectification_years(user)
    filters = rectification_filters(years)
    return render_template(
        "rectifications.html",
        found=rectification.rectification_list(user, filters),
        years=years,
        statuses=RECTIFICATION_STATUS_LABELS,
    )


@bp.get("/rectifications/document.<any(pdf, xlsx):kind>")
def rectifications_document(kind: str):
    user = actor()
    filters = rectification_filters(rectification.rectification_years(user))
    document = rectification.rectification_document(user, filters)
    return document_download(document, kind)


@bp.app_template_filter("rectification_status")
def rectification_status(status: str) -> str:
    return str(RECTIFICATION_STATUS_LABELS.get(status, status))


@bp.app_template_filter("rectification_source")
def rectification_source(source: str) -> str:
    return str(SOURCES.get(source, source))


@bp.app_template_filter("accountability_grounds")
def accountability_grounds(grounds: list[str]) -> str:
    return "、".join(str(GROUNDS.get(ground, ground)) for ground in grounds)


def rectification_filters(years: list[int]) -> RectificationFilters:
    """The list's filters from the query string; the newest year unless told otherwise."""
    if request.args.get("year") == ALL_YEARS:
        fiscal_year = None
    else:
        fiscal_year = params.year("year", default=years[0] if years else None)
    return RectificationFilters(
        fiscal_year=fiscal_year, status=params.choice("status", RECTIFICATION_STATUSES)
    )
