"""Camunda 7's external-task REST interface (`/engine-rest/external-task/…`), so that
Camunda's own workers (e.g. PyPI's camunda-external-task-client-python3) do our external
service tasks unmodified.

The shapes are Camunda's: typed variables in and out ({"name": {"value", "type"}}),
204 for what answers nothing, errors as {"type", "message"}. A worker signs in as a
service account (role `service_worker`): HTTP Basic with its username and password, or
a bearer token from `POST /api/v1/auth/token`. Each handler reads the request and calls
one service of services/runtime/external_tasks.py.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from datetime import datetime

from flask import Blueprint, current_app, jsonify, request
from flask_babel import lazy_gettext as _l

from app.api.schemas.engine_rest import (
    BpmnError,
    CompleteExternal,
    ExtendLock,
    Failure,
    FetchAndLock,
)
from app.extensions import csrf
from app.models import fits_id
from app.services.accounts.credentials import authenticate, user_from_token
from app.services.foundation import policy
from app.services.foundation.errors import BadRequest, NotAuthenticated, NotFound, ServiceError
from app.services.runtime import external_tasks

engine_rest_blueprint = Blueprint("engine_rest", __name__, url_prefix="/engine-rest")
csrf.exempt(engine_rest_blueprint)  # workers sign each request; there is no cookie

# How often a long-polling fetchAndLock looks for a task again, in seconds.
_POLL_INTERVAL = 0.5
# Camunda's names of the types a JSON value has (Integer within 32 bits, else Long).
_INT32 = 2**31


@engine_rest_blueprint.errorhandler(ServiceError)
def _camunda_error(exc: ServiceError):
    kind = "AuthenticationException" if exc.status == 401 else "RestException"
    if exc.status == 404:
        kind = "NotFoundException"
    answer = jsonify({"type": kind, "message": exc.message})
    if exc.status == 401:
        answer.headers["WWW-Authenticate"] = 'Basic realm="engine-rest"'
    return answer, exc.status


def _worker():
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        user = user_from_token(credentials.strip())
    elif scheme.lower() == "basic" and credentials.strip():
        try:
            username, _, password = base64.b64decode(credentials.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise NotAuthenticated(_l("The Authorization header cannot be read.")) from None
        user = authenticate(username, password)
    else:
        raise NotAuthenticated(_l("HTTP Basic or Bearer authentication is required."))
    policy.require_service_worker(user)
    return user


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest(_l("The body must be a JSON object."))
    return body


def _task_id(task_id: str) -> int:
    if not task_id.isdigit() or not fits_id(int(task_id)):
        raise NotFound(_l("There is no external task %(task_id)s.", task_id=task_id[:40]))
    return int(task_id)


def _number(value: int | float | None, default: int = 0) -> int:
    return default if value is None else int(value)


def typed(value) -> dict:
    """A value as Camunda types a variable."""
    if value is None:
        return {"value": None, "type": "Null", "valueInfo": {}}
    if isinstance(value, bool):
        return {"value": value, "type": "Boolean", "valueInfo": {}}
    if isinstance(value, int):
        kind = "Integer" if -_INT32 <= value < _INT32 else "Long"
        return {"value": value, "type": kind, "valueInfo": {}}
    if isinstance(value, float):
        return {"value": value, "type": "Double", "valueInfo": {}}
    if isinstance(value, str):
        return {"value": value, "type": "String", "valueInfo": {}}
    return {"value": json.dumps(value, ensure_ascii=False), "type": "Json", "valueInfo": {}}


def untyped(variables) -> dict:
    """Camunda's typed variables as plain values (untyped ones, as the Python client
    sends them, kept as they are; a Json one parsed). Raises BadRequest."""
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise BadRequest(_l("variables must be an object."))
    plain = {}
    for name, typed_value in variables.items():
        if not isinstance(typed_value, dict) or "value" not in typed_value:
            raise BadRequest(_l("The variable %(name)s must be {value, type}.", name=name))
        value, kind = typed_value["value"], str(typed_value.get("type") or "").lower()
        try:
            if kind == "json" and isinstance(value, str):
                value = json.loads(value)
            elif kind in ("integer", "long", "short") and value is not None:
                value = int(value)
            elif kind == "double" and value is not None:
                value = float(value)
            elif kind == "boolean" and isinstance(value, str):
                value = value.lower() == "true"
        except (TypeError, ValueError) as exc:
            raise BadRequest(
                _l("The variable %(name)s is not a %(kind)s.", name=name, kind=kind)
            ) from exc
        plain[name] = value
    return plain


def _camunda_time(at: datetime | None) -> str | None:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}+0000" if at else None


def _locked_task(task, instance, job, names) -> dict:
    data = instance.data or {}
    shown = data if names is None else {n: data[n] for n in names if n in data}
    payload = job.payload or {}
    return {
        "id": str(task.id),
        "topicName": payload.get("topic"),
        "workerId": job.locked_by,
        "lockExpirationTime": _camunda_time(job.locked_until),
        "processInstanceId": str(instance.id),
        "processDefinitionKey": instance.process_key,
        "processDefinitionVersionTag": None,
        "activityId": task.activity_id,
        "activityInstanceId": task.engine_task_id,
        "executionId": task.engine_task_id,
        "businessKey": instance.title,
        "retries": payload.get("retries"),
        "errorMessage": payload.get("errorMessage"),
        "errorDetails": payload.get("errorDetails"),
        "priority": 0,
        "tenantId": None,
        "extensionProperties": {},
        "variables": {name: typed(value) for name, value in shown.items()},
    }


@engine_rest_blueprint.post("/external-task/fetchAndLock")
def fetch_and_lock():
    worker, body = _worker(), FetchAndLock.read(_body())
    topics = [topic.model_dump() for topic in body.topics]
    worker_id, max_tasks = body.workerId or "", max(_number(body.maxTasks, 1), 0)
    # Long polling: with asyncResponseTimeout (ms) the answer waits until a task of the
    # topics can be locked, at most that long and at most EXTERNAL_TASK_LONG_POLL_SECONDS
    # (the request holds a web worker's thread meanwhile); an empty list after that, and
    # the worker asks again at once.
    cap = current_app.config.get("EXTERNAL_TASK_LONG_POLL_SECONDS", 10)
    wait = min(max(_number(body.asyncResponseTimeout), 0) / 1000, cap)
    deadline = time.monotonic() + wait
    while True:
        locked = external_tasks.fetch_and_lock(worker, worker_id, max_tasks, topics)
        if locked or max_tasks == 0 or time.monotonic() + _POLL_INTERVAL > deadline:
            break
        time.sleep(_POLL_INTERVAL)  # each look is one indexed query, in its own transaction
    return jsonify([_locked_task(*entry) for entry in locked])


@engine_rest_blueprint.post("/external-task/<task_id>/complete")
def complete(task_id: str):
    worker, body = _worker(), CompleteExternal.read(_body())
    variables = {**untyped(body.variables), **untyped(body.localVariables)}
    external_tasks.complete_external_task(worker, _task_id(task_id), body.workerId or "", variables)
    return "", 204


@engine_rest_blueprint.post("/external-task/<task_id>/failure")
def failure(task_id: str):
    worker, body = _worker(), Failure.read(_body())
    external_tasks.report_failure(
        worker,
        _task_id(task_id),
        body.workerId or "",
        body.errorMessage or "",
        body.errorDetails,
        _number(body.retries),
        _number(body.retryTimeout),
    )
    return "", 204


@engine_rest_blueprint.post("/external-task/<task_id>/bpmnError")
def bpmn_error(task_id: str):
    worker, body = _worker(), BpmnError.read(_body())
    code = (body.errorCode or "").strip()
    if not code:
        raise BadRequest(_l("errorCode is missing."))
    external_tasks.report_bpmn_error(
        worker,
        _task_id(task_id),
        body.workerId or "",
        code,
        body.errorMessage or "",
        untyped(body.variables),
    )
    return "", 204


@engine_rest_blueprint.post("/external-task/<task_id>/extendLock")
def extend_lock(task_id: str):
    worker, body = _worker(), ExtendLock.read(_body())
    external_tasks.extend_lock(
        worker, _task_id(task_id), body.workerId or "", _number(body.newDuration)
    )
    return "", 204


@engine_rest_blueprint.post("/external-task/<task_id>/unlock")
def unlock(task_id: str):
    external_tasks.unlock(_worker(), _task_id(task_id))
    return "", 204
