"""The inbox: the tasks waiting for me or my roles, and claiming / releasing them."""

from __future__ import annotations

from flask import flash, redirect, render_template
from flask_babel import gettext as _

from app import params
from app.services.runtime import queries, returns, tasks
from app.services.runtime.definitions import latest_definitions
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor, back_or


@bp.get("/")
def inbox():
    mine = params.flag("mine")
    sort = params.choice("sort", queries.INBOX_SORTS, "waiting")
    found = queries.list_inbox(
        actor(),
        mine=mine,
        process=params.text("process"),
        overdue=params.flag("overdue"),
        sort=sort,
    )
    return render_template(
        "inbox.html",
        inbox=found,
        mine=mine,
        sort=sort,
        definitions=latest_definitions(),
        returned=returns.returned_tasks(found.tasks),
    )


@bp.post("/tasks/<int:task_id>/claim")
def claim_task(task_id: int):
    task = tasks.claim_task(actor(), task_id)
    flash(_("You claimed “%(name)s”.", name=task.name), "success")
    return redirect(back_or("web.inbox"))


@bp.post("/tasks/<int:task_id>/unclaim")
def unclaim_task(task_id: int):
    task = tasks.unclaim_task(actor(), task_id)
    flash(_("You released “%(name)s”.", name=task.name), "success")
    return redirect(back_or("web.inbox"))
