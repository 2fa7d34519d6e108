"""Deploying a process diagram with its forms (process administrators only)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import params
from app.services.administration import deployment
from app.services.administration.modeling import role_choices
from app.services.foundation.errors import BadRequest, LintFailed
from app.services.foundation.policy import require_can_deploy
from app.services.runtime.definitions import latest_definitions
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor


@bp.get("/admin/deploy")
def deploy():
    require_can_deploy(actor())
    return render_template("deploy.html", definitions=latest_definitions(), roles=role_choices())


@bp.post("/admin/deploy")
def deploy_submit():
    require_can_deploy(actor())
    default_role = params.text("default_role", request.form)
    try:
        bpmn_name, bpmn, forms = _uploaded_files()
        definition = deployment.deploy_definition(
            actor(),
            bpmn,
            bpmn_name,
            forms,
            params.note("comment", request.form),
            default_role=default_role,
        )
    except (LintFailed, BadRequest) as exc:  # show the refusal on the form, findings listed
        page = render_template(
            "deploy.html",
            definitions=latest_definitions(),
            refused=exc,
            findings=exc.details or [],
            roles=role_choices(),
            default_role=default_role,
        )
        return page, 400
    flash(_("Deployed %(key)s v%(version)s.", key=definition.key, version=definition.version))
    for warning in definition.warnings:  # they did not block; the administrator should see them
        flash(
            _(
                "Warning at %(element)s: %(message)s",
                element=warning["element_id"] or "—",
                message=warning["message"],
            ),
            "warning",
        )
    return redirect(url_for("web.deploy"))


def _uploaded_files() -> tuple[str, bytes, dict[str, bytes]]:
    diagram = request.files.get("bpmn")
    if diagram is None or not diagram.filename:
        raise BadRequest(_("Choose one .bpmn file to deploy."))
    forms = {
        storage.filename.rsplit("/", 1)[-1]: storage.read()
        for storage in request.files.getlist("forms")
        if storage.filename
    }
    return diagram.filename, diagram.read(), forms
