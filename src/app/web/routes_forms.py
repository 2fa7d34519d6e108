"""The form editor (process administrators): the list of forms, the editor, its saves and
its live preview. The preview answers the HTML of the product's own form renderer, the
same macros a task page uses, for a posted schema and ui schema; it changes nothing.
"""

from __future__ import annotations

import json

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from jinja2.utils import htmlsafe_json_dumps

from app import params
from app.forms import build_form
from app.security import framed_by_own_pages
from app.services.administration import form_editing
from app.services.foundation.errors import BadRequest, Conflict, NotFound, ServiceError
from app.services.foundation.policy import require_can_deploy
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor


@bp.get("/admin/forms")
def admin_forms():
    return render_template("form_list.html", forms=form_editing.list_forms(actor()))


@bp.post("/admin/forms")
def create_form():
    require_can_deploy(actor())  # rights before reading the form
    try:
        filename = (params.text("filename", request.form) or "").strip()
        form_editing.create_form(actor(), filename, params.text("copy_of", request.form))
    except (BadRequest, Conflict, NotFound) as exc:  # a name to fix: say so on the list
        flash(exc.message, "error")
        return redirect(url_for("web.admin_forms"))
    return redirect(url_for("web.form_editor", filename=filename))


@bp.get("/admin/forms/<filename>")
def form_editor(filename: str):
    user = actor()
    source = form_editing.form_source(user, filename)
    config = {
        "filename": source.filename,
        "uiFilename": source.ui_filename,
        "schema": source.schema,
        "ui": source.ui,
        "saveUrl": url_for("web.save_form", filename=filename),
        "messages": _editor_messages(),
    }
    history = form_editing.form_history(user, filename)
    # Not Jinja's tojson: it sorts keys, and the order of properties is the form's order.
    config_json = htmlsafe_json_dumps(config, dumps=json.dumps, ensure_ascii=False)
    return render_template(
        "form_editor.html", source=source, config_json=config_json, history=history
    )


@bp.post("/admin/forms/<filename>/save")
def save_form(filename: str):
    try:
        require_can_deploy(actor())  # rights before reading the body
        body = params.json_body()
        draft = form_editing.save_form(actor(), filename, body.get("schema"), body.get("ui", {}))
    except ServiceError as exc:
        answer = {"ok": False, "error": exc.code, "message": exc.message}
        answer["problems"] = exc.details or []
        return jsonify(answer), exc.status
    return jsonify({"ok": True, "filename": filename, "saved_at": draft.updated_at.isoformat()})


@bp.post("/admin/forms/<filename>/discard")
def discard_form(filename: str):
    if form_editing.discard_form_draft(actor(), filename):
        flash(_("The saved copy was discarded."), "success")
    if not form_editing.form_exists(filename):  # a new form: nothing left to open
        return redirect(url_for("web.admin_forms"))
    return redirect(url_for("web.form_editor", filename=filename))


@bp.post("/admin/forms/preview")
@framed_by_own_pages  # the editor shows the answer in a frame beside the fields
def preview_form():
    try:
        spec = form_editing.preview_form(
            actor(), request.form.get("schema", ""), request.form.get("ui", "")
        )
    except ServiceError as exc:
        if exc.status != 400:
            raise
        page = render_template("form_preview.html", spec=None, problems=exc.details or [])
        return page, 400
    return render_template("form_preview.html", spec=spec, form=build_form(spec), problems=[])


def _editor_messages() -> dict:
    """The words static/form_editor.js shows, in the reader's language."""
    return {
        "kinds": {
            "text": _("Text"),
            "textarea": _("Long text"),
            "number": _("Number"),
            "integer": _("Whole number"),
            "date": _("Date"),
            "select": _("Choice (list)"),
            "radio": _("Choice (buttons)"),
            "boolean": _("Yes/no"),
            "file": _("File"),
            "table": _("Table"),
            "other": _("Other (edit in JSON)"),
        },
        "title": _("Title"),
        "key": _("Field name"),
        "keyHint": _("Letters, digits and _, starting with a letter; conditions use it."),
        "badKey": _("A field name starts with a letter and holds only letters, digits and _."),
        "takenKey": _("Another field already has this name."),
        "kind": _("Type"),
        "help": _("Help text"),
        "required": _("Required"),
        "readonly": _("Read-only"),
        "minLength": _("Shortest length"),
        "maxLength": _("Longest length"),
        "pattern": _("Pattern (regular expression)"),
        "minimum": _("Minimum"),
        "maximum": _("Maximum"),
        "options": _("Options, one a line"),
        "optionsHint": _("“code = shown text”, or just the text."),
        "atLeastOneRow": _("At least one row"),
        "columns": _("Columns"),
        "addColumn": _("Add a column"),
        "addField": _("Add a field"),
        "moveUp": _("Move up"),
        "moveDown": _("Move down"),
        "remove": _("Remove"),
        "otherHint": _("This kind of field is kept as it is; edit it in the JSON."),
        "newField": _("New field"),
        "newColumn": _("New column"),
        "option": _("Option"),
        "noFields": _("No fields yet."),
        "formTitle": _("Form title"),
        "saved": _("Saved."),
        "saving": _("Saving…"),
        "notSaved": _("Not saved:"),
        "badJson": _("Not valid JSON:"),
        "unsaved": _("There are changes that are not saved."),
    }
