"""Starting a submission and filling a task's form."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import CombinedMultiDict

from app import params
from app.forms import (
    FieldError,
    apply_row_action,
    build_form,
    errors_by_field,
    form_spec,
    form_to_data,
)
from app.services.accounts import orgs
from app.services.foundation.errors import NotFound, ValidationFailed
from app.services.foundation.policy import can_see_task, may_start_on_behalf
from app.services.runtime import instances, queries, returns
from app.services.runtime.forms_view import TaskForm, task_form
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor
from app.web.steps import completed_steps


@bp.get("/start")
def start():
    user = actor()
    startable = instances.startable_processes(user)
    org_choices = orgs.list_orgs() if may_start_on_behalf(user) else []
    return render_template("start.html", definitions=startable, orgs=org_choices)


@bp.post("/start")
def start_submission():
    user = actor()
    org_id = orgs.org_id_for(params.reference(request.form.get("org"), "org"))
    instance, ready = instances.start_instance(
        user, params.text("process", request.form) or "", request.form.get("title") or None, org_id
    )
    flash(_("Started “%(title)s”.", title=instance.title), "success")
    first = next((t for t in ready if can_see_task(user, t)), None)
    if first is not None:
        return redirect(url_for("web.task", task_id=first.id))
    return redirect(url_for("web.instance", instance_id=instance.id))


@bp.get("/tasks/<int:task_id>")
def task(task_id: int):
    view = task_form(actor(), task_id)
    spec = form_spec(view.schema, view.ui)
    return _task_page(view, spec, build_form(spec, None, view.data))


@bp.post("/tasks/<int:task_id>")
def submit_task(task_id: int):
    view = task_form(actor(), task_id)
    spec = form_spec(view.schema, view.ui)
    formdata = CombinedMultiDict([request.files, request.form])
    row_action = apply_row_action(formdata)
    if row_action is not None:  # add/remove a table row: show the form again, submit nothing
        return _task_page(view, spec, build_form(spec, row_action.formdata, view.data))
    form = build_form(spec, formdata, view.data)
    try:
        done = returns.complete_task_telling_returns(
            actor(), task_id, form_to_data(spec, form, view.data)
        )
    except ValidationFailed as exc:
        errors = [FieldError(d["path"], d["message"]) for d in exc.details or []]
        return _task_page(view, spec, form, errors_by_field(errors)), 422
    flash(_completion_message(done), "success")
    return redirect(url_for("web.inbox"))


def _completion_message(done: returns.Completion) -> str:
    """Say what the submission did: sent back to whom, finished, or on to which step."""
    if done.reopened:  # a return is not a submission onwards
        steps = "、".join(dict.fromkeys(t.name for t in done.reopened))
        people = "、".join(
            dict.fromkeys(u.display_name for users in done.notified.values() for u in users)
        )
        if people:
            return _(
                "Returned: “%(steps)s” is to be done again; %(people)s notified.",
                steps=steps,
                people=people,
            )
        return _("Returned: “%(steps)s” is to be done again.", steps=steps)
    if done.instance.status == "completed":
        return _("Submitted; “%(title)s” is finished.", title=done.instance.title)
    if done.ready:
        steps = "、".join(dict.fromkeys(t.name for t in done.ready))
        return _("Submitted; next: “%(steps)s”.", steps=steps)
    return _("Submitted.")


def _task_page(view: TaskForm, spec, form, errors=None):
    """The task page; earlier steps are shown when the person may see the submission."""
    try:
        detail = queries.instance_detail(actor(), view.task.instance_id)
    except NotFound:
        detail = None
    return render_template(
        "task.html",
        task=view.task,
        spec=spec,
        form=form,
        errors=errors or {},
        steps=completed_steps(detail.completed) if detail else [],
    )
