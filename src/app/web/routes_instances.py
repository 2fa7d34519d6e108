"""Submissions: the list, one submission's page, and its attachments."""

from __future__ import annotations

from io import BytesIO

from flask import render_template, send_file, url_for

from app import params
from app.services.runtime import attachments, queries
from app.services.runtime.definitions import latest_definitions
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor
from app.web.steps import completed_steps, decision_label


@bp.get("/instances")
def instances():
    found = queries.list_instances(
        actor(),
        process=params.text("process"),
        status=params.text("status"),
        overdue=params.flag("overdue"),
    )
    current = queries.open_tasks_of([i.id for i in found])
    return render_template(
        "instances.html", instances=found, current=current, definitions=latest_definitions()
    )


@bp.get("/instances/<int:instance_id>")
def instance(instance_id: int):
    detail = queries.instance_detail(actor(), instance_id)
    steps = completed_steps(detail.completed)
    decisions = {e.id: decision_label(e, steps) for e in detail.history}
    return render_template("instance.html", detail=detail, steps=steps, decisions=decisions)


@bp.get("/attachments/<int:attachment_id>")
def download_attachment(attachment_id: int):
    found = attachments.get_attachment(actor(), attachment_id)
    response = send_file(
        BytesIO(found.content),
        mimetype=found.content_type or "application/octet-stream",
        as_attachment=True,
        download_name=found.filename,
    )
    # Always a download, never sniffed into a page or script by the browser.
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.app_template_global("attachment_url")
def attachment_url(ident: str) -> str:
    """For the forms' read-only renderer: an attachment reference's download link."""
    return url_for("web.download_attachment", attachment_id=int(ident))
