"""Versions of a process, for process administrators: comparing two versions, moving running
submissions to a newer one, exporting a version and importing a diagram with its forms.

The versions page itself is served by routes_modeler.py; its template links here and
reads the process log through `process_log` below. Every decision on who may do this is
the services'.
"""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import params
from app.models import MAX_ID
from app.services.accounts.orgs import list_orgs
from app.services.administration import migration, process_audit, transfer, version_diff
from app.services.administration.diagram_views import definition_version, process_steps, versions_of
from app.services.administration.modeling import role_choices
from app.services.foundation.errors import BadRequest, LintFailed, NotFound
from app.services.foundation.policy import require_can_deploy
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor


def _version(name: str, default: int | None = None, source=None) -> int:
    """A version number from the query (or `source`), `default` when absent."""
    version = params.integer(name, 1, MAX_ID, default=default, source=source)
    if version is None:
        raise params.refuse(name, _l("The parameter %(name)s must be a version number.", name=name))
    return version


@bp.app_template_global("process_log")
def process_log(key: str) -> list:
    """The versions page's log of deployments, rollbacks, imports and migrations."""
    return process_audit.process_events(actor(), key)


@bp.get("/admin/processes/<key>/diff")
def process_diff(key: str):
    require_can_deploy(actor())  # before anything says whether the process exists
    versions = versions_of(key)
    if not versions:
        raise NotFound(_l("The process “%(key)s” is not deployed.", key=key))
    newest = versions[0]
    new = _version("new", newest)
    old = _version("old", max(new - 1, 1))
    diff = version_diff.diff_versions(actor(), key, old, new)
    return render_template("process_diff.html", key=key, diff=diff, versions=versions)


@bp.route("/admin/processes/<key>/migrate", methods=["GET"])
def process_migrate(key: str):
    require_can_deploy(actor())
    versions = versions_of(key)
    if not versions:
        raise NotFound(_l("The process “%(key)s” is not deployed.", key=key))
    source = _version("from", versions[-1])
    target = _version("to", versions[0])
    activity = params.text("activity")
    org_id = params.record_id("org")
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
    target = _version("to", source=form)
    result = migration.migrate_submissions(
        actor(),
        key,
        _version("from", source=form),
        target,
        params.note("reason", form) or "",
        params.text("activity", form),
        params.record_id("org", form),
        params.record_ids("instance", form),
    )
    flash(
        _(
            "%(moved)s submissions moved to v%(version)s; %(refused)s left on their version.",
            moved=len(result.moved),
            version=target,
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
    return render_template("process_import.html", roles=role_choices())


@bp.post("/admin/import")
def process_import_submit():
    require_can_deploy(actor())
    uploads = [(s.filename, s.read()) for s in request.files.getlist("files") if s.filename]
    default_role = params.text("default_role", request.form)
    try:
        imported = transfer.import_process(
            actor(), uploads, params.note("comment", request.form), default_role
        )
    except (LintFailed, BadRequest) as exc:
        page = render_template(
            "process_import.html",
            refused=exc,
            findings=exc.details or [],
            roles=role_choices(),
            default_role=default_role,
        )
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
