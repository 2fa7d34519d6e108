"""Versions of a process, for process administrators: comparing two versions, moving running
submissions to a newer one, exporting a version and importing a diagram with its forms.

The versions page itself is served by routes_modeler.py; its template links here and
reads the process log through `process_log` below. Every decision on who may do this is
the services'.
"""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.services import migration, process_audit, transfer, version_diff
from app.services.diagram_views import definition_version, process_steps, versions_of
from app.services.errors import BadRequest, LintFailed, NotFound
from app.services.orgs import list_orgs
from app.services.policy import require_can_deploy
from app.web import web_blueprint as bp
from app.web.navigation import actor


def _int(value: str | None, name: str) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise BadRequest(_("%(name)s must be a version number.", name=name)) from None


def _optional_int(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise NotFound(f"“{value}”不存在 (no such item)")
    return int(value)


@bp.app_template_global("process_log")
def process_log(key: str) -> list:
    """The versions page's log of deployments, rollbacks, imports and migrations."""
    return process_audit.process_events(actor(), key)


@bp.get("/admin/processes/<key>/diff")
def process_diff(key: str):
    require_can_deploy(actor())  # before anything says whether the process exists
    versions = versions_of(key)
    if not versions:
        raise NotFound(f"流程“{key}”未部署 (no such process)")
    newest = versions[0]
    new = _int(request.args.get("new") or str(newest), _("New version"))
    old = _int(request.args.get("old") or str(max(new - 1, 1)), _("Old version"))
    diff = version_diff.diff_versions(actor(), key, old, new)
    return render_template("process_diff.html", key=key, diff=diff, versions=versions)


@bp.route("/admin/processes/<key>/migrate", methods=["GET"])
def process_migrate(key: str):
    require_can_deploy(actor())
    versions = versions_of(key)
    if not versions:
        raise NotFound(f"流程“{key}”未部署 (no such process)")
    source = _int(request.args.get("from") or str(versions[-1]), _("Old version"))
    target = _int(request.args.get("to") or str(versions[0]), _("New version"))
    activity = request.args.get("activity") or None
    org_id = _optional_int(request.args.get("org"))
    candidates = migration.plan_migration(actor(), key, source, target, activity, org_id)
    return render_template(
        "process_migrate.html",
        key=key,
        versions=versions,
        source=source,
        target=target,
        activity=activity,
        org_id=org_id,
        steps=process_steps(definition_version(key, source)),
        orgs=list_orgs(),
        candidates=candidates,
    )


@bp.post("/admin/processes/<key>/migrate")
def process_migrate_submit(key: str):
    require_can_deploy(actor())  # rights before reading the form
    form = request.form
    ids = [int(i) for i in form.getlist("instance") if i.isdigit()]
    result = migration.migrate_submissions(
        actor(),
        key,
        _int(form.get("from"), _("Old version")),
        _int(form.get("to"), _("New version")),
        form.get("reason", ""),
        form.get("activity") or None,
        _optional_int(form.get("org")),
        ids,
    )
    flash(
        _(
            "%(moved)s submissions moved to v%(version)s; %(refused)s left on their version.",
            moved=len(result.moved),
            version=form.get("to"),
            refused=len(result.refused),
        ),
        "success" if result.moved else "info",
    )
    return redirect(url_for("web.process_versions", key=key))


@bp.get("/admin/processes/<key>/versions/<int:version>/export")
def process_export(key: str, version: int):
    filename, data = transfer.export_version(actor(), key, version)
    response = make_response(data)
    response.mimetype = "application/zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/admin/import")
def process_import():
    require_can_deploy(actor())
    return render_template("process_import.html")


@bp.post("/admin/import")
def process_import_submit():
    require_can_deploy(actor())
    uploads = [(s.filename, s.read()) for s in request.files.getlist("files") if s.filename]
    try:
        imported = transfer.import_process(actor(), uploads, request.form.get("comment") or None)
    except (LintFailed, BadRequest) as exc:
        page = render_template("process_import.html", refused=exc, findings=exc.details or [])
        return page, 400
    definition = imported.definition
    flash(
        _("Imported %(key)s as v%(version)s.", key=definition.key, version=definition.version),
        "success",
    )
    for note in imported.notes.converted:
        flash(_("Carried over: %(note)s", note=note), "info")
    if imported.notes.ignored:
        flash(
            _(
                "Kept in the diagram but not used here: %(items)s",
                items=", ".join(imported.notes.ignored),
            ),
            "info",
        )
    for warning in definition.warnings:
        flash(
            _(
                "Warning at %(element)s: %(message)s",
                element=warning["element_id"] or "—",
                message=warning["message"],
            ),
            "warning",
        )
    return redirect(url_for("web.process_versions", key=definition.key))


@bp.app_template_global("aspect_label")
def aspect_label(aspect: str) -> str:
    """What changed on a diagram element, in the reader's language."""
    labels = {
        "name": _("name"),
        "type": _("type"),
        "attributes": _("settings or connections"),
        "extensionElements": _("properties (form, due period, operator)"),
        "conditionExpression": _("condition"),
        "script": _("script"),
        "lane": _("lane (role)"),
    }
    return labels.get(aspect, aspect)


@bp.app_template_global("field_change_label")
def field_change_label(change: str) -> str:
    labels = {
        "form-added": _("form file added"),
        "form-removed": _("form file removed"),
        "added": _("field added"),
        "removed": _("field removed"),
        "type": _("type changed"),
        "title": _("title changed"),
        "required": _("required changed"),
        "layout": _("layout changed"),
    }
    return labels.get(change, change)
