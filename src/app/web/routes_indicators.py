"""指标库: finance keeps the 共性指标, a department its own 个性指标, everyone reads; the
target forms' indicator tables offer both (`form_library`, read by forms/library.html)."""

from __future__ import annotations

from itertools import groupby

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from app import params
from app.models import LibraryIndicator
from app.models.indicator import INDICATOR_LEVELS, INDICATOR_SIGNS
from app.services.foundation.errors import BadRequest, ServiceError
from app.services.foundation.policy import require_can_edit_indicators
from app.services.registry import indicators
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor

COMMON = "common"


class IndicatorForm(FlaskForm):
    level1 = SelectField(lazy_gettext("Level-1 indicator"), choices=list(INDICATOR_LEVELS))
    level2 = SelectField(
        lazy_gettext("Level-2 indicator"),
        choices=[
            SelectChoice(level2, optgroup=level1)
            for level1, level2s in INDICATOR_LEVELS.items()
            for level2 in level2s
        ],
    )
    name = StringField(lazy_gettext("Level-3 indicator"))
    sign = SelectField(lazy_gettext("Sign"), choices=list(INDICATOR_SIGNS))
    unit = StringField(lazy_gettext("Unit"))
    scoring_standard = TextAreaField(lazy_gettext("Scoring standard"))
    standard_value = StringField(lazy_gettext("Standard value"))
    explanation = TextAreaField(lazy_gettext("Explanation"))


def _library_param(default: int | None) -> int | None:
    """`library` is "common" or a department's id; absent: `default`."""
    value = request.values.get("library")
    if value in (None, ""):
        return default
    if value == COMMON:
        return None
    if not value.isascii() or not value.isdigit():
        raise BadRequest(lazy_gettext("The parameter library is “common” or a department id."))
    return int(value)


def _library_key(department_id: int | None) -> str:
    return COMMON if department_id is None else str(department_id)


def _default_library() -> int | None:
    """A department opens on its own 个性指标; everyone else on the 共性指标."""
    if not indicators.library(actor(), None).editable:
        own = indicators.department_of(actor())
        if own is not None and indicators.library(actor(), own.id).editable:
            return own.id
    return None


def _fields(form: IndicatorForm) -> indicators.IndicatorFields:
    return indicators.IndicatorFields(
        level1=form.level1.data or "",
        level2=form.level2.data or "",
        name=form.name.data or "",
        sign=form.sign.data or "",
        unit=form.unit.data,
        scoring_standard=form.scoring_standard.data,
        standard_value=form.standard_value.data,
        explanation=form.explanation.data,
    )


@bp.get("/settings/indicators")
def indicator_library():
    user = actor()
    department_id = _library_param(_default_library())
    library = indicators.library(user, department_id)  # rights before reading the search
    query = params.text("q", max_length=100)
    inactive = library.editable and params.flag("inactive")
    rows = indicators.list_indicators(user, department_id, query, include_inactive=inactive)
    return render_template(
        "indicators.html",
        library=library,
        library_key=_library_key(department_id),
        departments=indicators.readable_departments(user),
        groups=[(level1, list(group)) for level1, group in groupby(rows, lambda r: r.level1)],
        count=len(rows),
        query=query,
        inactive=inactive,
    )


def _form_page(form: IndicatorForm, library, row: LibraryIndicator | None, error=None, status=200):
    page = render_template(
        "indicator_form.html",
        form=form,
        library=library,
        library_key=_library_key(library.department_id),
        row=row,
        error=error,
    )
    return page, status


@bp.route("/settings/indicators/new", methods=["GET", "POST"])
def new_indicator():
    department_id = _library_param(_default_library())
    library = indicators.library(actor(), department_id)
    require_can_edit_indicators(actor(), department_id)
    form = IndicatorForm()
    if not form.validate_on_submit():
        return _form_page(form, library, None, status=400 if request.method == "POST" else 200)
    try:
        row = indicators.add_indicator(actor(), department_id, _fields(form))
    except ServiceError as refused:
        return _form_page(form, library, None, _refusal(refused), refused.status)
    flash(_("Indicator %(name)s added.", name=row.name), "success")
    return redirect(url_for("web.indicator_library", library=_library_key(department_id)))


@bp.route("/settings/indicators/<int:indicator_id>", methods=["GET", "POST"])
def edit_indicator(indicator_id: int):
    row = indicators.get_indicator(actor(), indicator_id)
    library = indicators.library(actor(), row.department_id)
    require_can_edit_indicators(actor(), row.department_id)
    form = IndicatorForm(obj=row)
    if request.method == "GET" or not form.validate_on_submit():
        return _form_page(form, library, row, status=200 if request.method == "GET" else 400)
    try:
        row = indicators.update_indicator(actor(), indicator_id, _fields(form))
    except ServiceError as refused:
        return _form_page(form, library, row, _refusal(refused), refused.status)
    flash(_("Indicator %(name)s saved.", name=row.name), "success")
    return redirect(url_for("web.indicator_library", library=_library_key(row.department_id)))


@bp.post("/settings/indicators/<int:indicator_id>/deactivate")
def deactivate_indicator(indicator_id: int):
    row = indicators.set_indicator_active(actor(), indicator_id, False)
    message = _("Indicator %(name)s is deactivated: forms no longer offer it.", name=row.name)
    flash(message, "success")
    return redirect(url_for("web.edit_indicator", indicator_id=indicator_id))


@bp.post("/settings/indicators/<int:indicator_id>/activate")
def activate_indicator(indicator_id: int):
    row = indicators.set_indicator_active(actor(), indicator_id, True)
    flash(_("Indicator %(name)s is offered to the forms again.", name=row.name), "success")
    return redirect(url_for("web.edit_indicator", indicator_id=indicator_id))


def _refusal(refused: ServiceError) -> str:
    details = "；".join(str(d) for d in refused.details or [])
    return f"{refused.message}：{details}" if details else refused.message


@bp.app_template_global("form_library")
def form_library(name: str) -> list[dict]:
    """The entries a form's library table (ui:options.library) offers the signed-in
    person: for "indicators", the 共性指标 and their department's 个性指标, keyed by the
    indicator table's column names. Read once per request."""
    if name != "indicators" or not current_user.is_authenticated:
        return []
    if "form_library" not in g:
        rows = indicators.indicators_for_forms(actor())
        g.form_library = [_form_entry(row) for row in rows]
    return g.form_library


def _form_entry(row: LibraryIndicator) -> dict:
    return {
        "library": _("Common") if row.department_id is None else _("Department's own"),
        "explanation": row.explanation or "",
        "fill": {
            "level1": row.level1,
            "level2": row.level2,
            "name": row.name,
            "sign": row.sign,
            "unit": row.unit or "",
            "standard": row.scoring_standard or "",
            "standard_value": row.standard_value or "",
        },
    }
