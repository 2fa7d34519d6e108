"""JSON API v1 handlers: read the request, call one service, answer."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import lazy_gettext as _l

from app import params
from app.api.auth import api_login_required, api_token, api_user
from app.api.blueprint import api_blueprint as bp
from app.api.idempotent import idempotent
from app.api.openapi import OPENAPI
from app.api.schemas.auth import TokenRequest
from app.api.schemas.work import (
    INBOX_QUERY,
    INSTANCE_QUERY,
    SUMMARY_QUERY,
    CompleteRequest,
    StartRequest,
)
from app.api.serializers import (
    definition_json,
    history_json,
    instance_json,
    iso,
    task_json,
)
from app.security import throttle_sign_in
from app.services.accounts import credentials as accounts
from app.services.accounts import orgs
from app.services.administration import deployment
from app.services.foundation import policy
from app.services.foundation.errors import BadRequest
from app.services.runtime import instances, queries, returns, tasks
from app.services.runtime.definitions import latest_definitions
from app.services.runtime.forms_view import task_form


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(OPENAPI)


@bp.post("/auth/token")
@throttle_sign_in
def issue_token():
    body = TokenRequest.from_request()
    user = accounts.sign_in(body.username, body.password)
    token, row = accounts.issue_token(user)
    return jsonify(
        token=token, token_id=row.id, expires_at=iso(row.expires_at), username=user.username
    )


@bp.delete("/auth/token")
@api_login_required
def revoke_token():
    accounts.revoke_presented_token(api_token())
    return jsonify(revoked=1)


@bp.delete("/auth/tokens")
@api_login_required
def revoke_all_tokens():
    return jsonify(revoked=accounts.sign_out_everywhere(api_user()))


@bp.get("/processes")
@api_login_required
def list_processes():
    return jsonify([definition_json(d) for d in latest_definitions()])


@bp.post("/processes/<key>/instances")
@api_login_required
@idempotent
def start_instance(key: str):
    body = StartRequest.from_request()
    instance, ready = instances.start_instance(
        api_user(), key, body.title, _org_id(body.org, "org"), body.data
    )
    ready = queries.name_org_and_holder(ready)
    answer = {"id": instance.id, "status": instance.status, "tasks": [task_json(t) for t in ready]}
    return answer, 201


@bp.get("/tasks")
@api_login_required
def list_tasks():
    asked = INBOX_QUERY.read()
    inbox = queries.list_inbox(
        api_user(),
        mine=asked["mine"],
        process=asked["process"],
        overdue=asked["overdue"],
        sort=asked["sort"],
    )
    return jsonify([task_json(t) for t in inbox.tasks])


@bp.get("/tasks/<int:task_id>")
@api_login_required
def get_task(task_id: int):
    view = task_form(api_user(), task_id)
    return jsonify(
        {**task_json(view.task), "form": {"schema": view.schema, "ui": view.ui}, "data": view.data}
    )


@bp.post("/tasks/<int:task_id>/claim")
@api_login_required
@idempotent
def claim_task(task_id: int):
    (claimed,) = queries.name_org_and_holder([tasks.claim_task(api_user(), task_id)])
    return task_json(claimed), 200


@bp.post("/tasks/<int:task_id>/unclaim")
@api_login_required
@idempotent
def unclaim_task(task_id: int):
    (released,) = queries.name_org_and_holder([tasks.unclaim_task(api_user(), task_id)])
    return task_json(released), 200


@bp.post("/tasks/<int:task_id>/complete")
@api_login_required
@idempotent
def complete_task(task_id: int):
    user = api_user()
    # Who may act comes first: a malformed body to a task one may not complete answers
    # as the service would (404, 403, 409); a well-formed one costs no extra query.
    body = CompleteRequest.from_request(check_first=lambda: tasks.check_can_complete(user, task_id))
    done = returns.complete_task_telling_returns(user, task_id, body.data)
    answer: dict = {
        "instance": {"id": done.instance.id, "status": done.instance.status},
        "tasks": [task_json(t) for t in queries.name_org_and_holder(done.ready)],
    }
    if done.reopened:  # an extension of the contract: present only on a return
        answer["returned"] = [
            {
                "task_id": t.id,
                "name": t.name,
                "notified": [u.username for u in done.notified.get(t.id, [])],
            }
            for t in done.reopened
        ]
    return answer, 200


@bp.get("/instances")
@api_login_required
def list_instances():
    asked = INSTANCE_QUERY.read()
    found = queries.list_instances(
        api_user(),
        process=asked["process"],
        status=asked["status"],
        activity=asked["activity"],
        org_id=orgs.org_id_for(asked["org"]),
        overdue=asked["overdue"],
        limit=asked["limit"],
        offset=asked["offset"],
    )
    current = queries.open_tasks_of([i.id for i in found])
    return jsonify([instance_json(i, current[i.id]) for i in found])


@bp.get("/instances/<int:instance_id>")
@api_login_required
def get_instance(instance_id: int):
    detail = queries.instance_detail(api_user(), instance_id)
    return jsonify(
        {
            **instance_json(detail.instance, detail.current),
            "history": [history_json(e) for e in detail.history],
            "steps": [
                {
                    "task_id": t.id,
                    "activity_id": t.activity_id,
                    "name": t.name,
                    "completed_by": t.completed_by.username if t.completed_by else None,
                    "completed_at": iso(t.completed_at),
                    "data": t.data,
                }
                for t in detail.completed
            ],
            "data": detail.instance.data,
        }
    )


@bp.get("/tracking/summary")
@api_login_required
def tracking_summary():
    rows = queries.tracking_summary(api_user(), SUMMARY_QUERY.read()["process"])
    return jsonify(
        [
            {
                "process_key": r.process_key,
                "activity_id": r.activity_id,
                "name": r.name,
                "role": r.role,
                "open": r.open,
                "overdue": r.overdue,
                "oldest_since": iso(r.oldest_since),
            }
            for r in rows
        ]
    )


@bp.post("/deployments")
@api_login_required
@idempotent
def deploy():
    policy.require_can_deploy(api_user())  # refused for want of rights before reading files
    bpmn_name, bpmn, forms = _deployment_files()
    definition = deployment.deploy_definition(
        api_user(),
        bpmn,
        bpmn_name,
        forms,
        params.note("comment", request.form),
        default_role=params.text("default_role", request.form),
    )
    answer = {**definition_json(definition), "warnings": list(definition.warnings)}
    return {**answer, "processes": definition.processes}, 201


def _deployment_files() -> tuple[str, bytes, dict[str, bytes]]:
    diagrams, forms = [], {}
    for storage in (s for key in request.files for s in request.files.getlist(key)):
        name = storage.filename or ""
        if name.lower().endswith(".bpmn") or name.lower().endswith(".bpmn20.xml"):
            diagrams.append((name, storage.read()))
        elif name:
            forms[name.rsplit("/", 1)[-1]] = storage.read()
    if not diagrams:
        raise BadRequest(_l("Upload at least one .bpmn file; none was received."))
    name, main, called = deployment.split_diagrams(diagrams)  # the others: call activities
    return name, main, {**forms, **called}


def _org_id(value, name: str) -> int | None:
    return orgs.org_id_for(params.reference(value, name))
