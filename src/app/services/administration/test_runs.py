"""The modeler's test run: a diagram run in memory, step by step, as each role would.

An administrator wants to see which way the gateways go before deploying, without a
real submission: nothing here writes a row. The engine runs on the diagram the modeler
holds (compiled, not deployed); its state travels to the browser and back inside a
token signed with the app's secret, so the server never loads state it did not make.
Registry operators that would write 项目库 are replaced by stand-ins that only say they
were called; computations and registry reads run for real.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from app import engine
from app.engine.runtime import registered_functions
from app.engine.xml import parse_xml
from app.extensions import db
from app.forms import form_spec
from app.forms.ownership import owned_data
from app.forms.validation import unstorable_text
from app.models import Role, User
from app.performance.context import RequestRefused, running
from app.performance.registry import absent_project
from app.performance.registry_operators import WRITING_OPERATORS
from app.services.administration.modeler_catalog import available_forms, latest_decisions
from app.services.administration.modeler_catalog import schema_fields as fields_of
from app.services.foundation.errors import BadRequest, LintFailed, ValidationFailed, stored_text
from app.services.foundation.policy import require_can_deploy
from app.services.foundation.roles import resolve_role
from app.services.runtime.tasks import form_errors

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
GATEWAYS = ("exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway")
TOKEN_SALT = "modeler-test-run"
TOKEN_MAX_AGE = 12 * 3600


@dataclass(frozen=True)
class _Flow:
    id: str
    name: str
    source: str
    target: str


def start_test_run(actor: User, key: str, xml: bytes, data: dict | None = None) -> dict:
    """Run the diagram to its first wait state. Raises LintFailed (with findings) when the
    diagram would not deploy, BadRequest when the start fails."""
    require_can_deploy(actor)
    if data is not None and not isinstance(data, dict):
        raise BadRequest(_l("data must be a JSON object."))
    process = _compile(key, xml)
    calls: list[str] = []
    start_data = dict(data or {})
    with running(_scratch_instance(actor), actor):
        try:
            step = engine.start_workflow(process, start_data, functions=_functions(calls))
        except engine.EngineError as exc:
            raise BadRequest(
                _l("The test run failed at its start: %(reason)s", reason=str(exc))
            ) from exc
    return _answer(key, xml, process, step, start_data, [], calls)


def advance_test_run(
    actor: User, key: str, xml: bytes, token: str, task_id: str, submitted: Any
) -> dict:
    """Complete one waiting step of a test run with `submitted` (that step's form data).

    Raises BadRequest for a token this server did not sign or that belongs to another
    version of the diagram, ValidationFailed (with details) when the data does not
    satisfy the step's form, as a real submission would be refused.
    """
    require_can_deploy(actor)
    if not isinstance(submitted, dict):
        raise BadRequest(_l("data must be a JSON object."))
    run = _load_token(token, key, xml)
    process = _compile(key, xml)
    waiting = {t["task_id"]: t for t in run["ready"]}
    if task_id not in waiting:
        raise BadRequest(_l("The step %(step)r is not waiting in this test run.", step=task_id))
    spec = process.user_tasks.get(waiting[task_id]["activity_id"])
    forms = available_forms(key) if spec and spec.form else {}
    schema = forms.get(spec.form) if spec and spec.form else None
    if schema is not None:
        form = form_spec(schema, forms.get(spec.ui_form or "") or {})
        errors = list(unstorable_text(submitted))  # before anything recursive reads it
        if not errors:
            submitted = owned_data(form.fields, submitted, run["data"], form.readonly).data
            errors = form_errors(schema, submitted)
        if errors:
            raise ValidationFailed(
                _l("The form has %(count)s error(s).", count=len(errors)),
                details=[{"path": e.path, "message": e.message} for e in errors],
            )
    data = {**run["data"], **submitted}
    calls: list[str] = []
    with running(_scratch_instance(actor), actor):
        try:
            step = engine.complete_task(
                process, run["state"], task_id, data, functions=_functions(calls)
            )
        except engine.TaskNotReady as exc:
            raise BadRequest(_l("The step is not waiting: %(reason)s", reason=str(exc))) from exc
        except engine.EngineError as exc:
            raise BadRequest(_l("The test run failed: %(reason)s", reason=str(exc))) from exc
    done = [waiting[task_id]["activity_id"]]
    return _answer(key, xml, process, step, {**data, **step.data}, done, calls)


@dataclass(frozen=True)
class StepForm:
    """A waiting step's form as the task page would show it: schema, layout, and the data
    the run holds (what its fields open with)."""

    schema: dict | None
    ui: dict
    data: dict


def step_form(key: str, form: str | None, ui_form: str | None, data: dict) -> StepForm:
    """The form files a test run's step names, from what a deployment would pin."""
    forms = available_forms(key) if form else {}
    schema = forms.get(form) if form else None
    ui = forms.get(ui_form or "") or {}
    return StepForm(schema if isinstance(schema, dict) else None, ui, data)


def waiting_step_form(actor: User, key: str, xml: bytes, token: Any, task_id: str) -> StepForm:
    """The form of one waiting step of a signed test run, with the run's data. Raises
    BadRequest for a token this server did not sign or a step not waiting."""
    require_can_deploy(actor)
    run = _load_token(token, key, xml)
    waiting = {t["task_id"]: t for t in run["ready"]}
    if task_id not in waiting:
        raise BadRequest(_l("The step %(step)r is not waiting in this test run.", step=task_id))
    spec = _compile(key, xml).user_tasks.get(waiting[task_id]["activity_id"])
    if spec is None:
        return StepForm(None, {}, run["data"])
    return step_form(key, spec.form, spec.ui_form, run["data"])


def _compile(key: str, xml: bytes) -> engine.CompiledProcess:
    process, findings = engine.lint_bpmn(xml, f"{key}.bpmn", resolve_role, latest_decisions(key))
    errors = [f for f in findings if f.severity == "error"]
    if errors or process is None:
        raise LintFailed(
            _l("The diagram has %(count)s error(s); it cannot be test run.", count=len(errors)),
            details=[f.as_dict() for f in findings],
        )
    if process.key != key:
        raise BadRequest(
            _l(
                "The diagram's process key is “%(found)s”, not “%(key)s”.",
                found=process.key,
                key=key,
            )
        )
    return process


def _scratch_instance(actor: User) -> Any:
    """Stands in for the submission registry reads attach a project to; never stored."""
    return SimpleNamespace(id=None, project_id=None, org=actor.org, org_id=actor.org_id)


def _functions(calls: list[str]) -> dict[str, Callable[..., Any]]:
    functions = registered_functions()
    for name in WRITING_OPERATORS & functions.keys():
        functions[name] = _stand_in(name, calls)
    for name, answer in _READ_STAND_INS.items():
        if name in functions:
            functions[name] = _reading_within_reach(name, functions[name], answer, calls)
    return functions


# What a registry read answers in a test run for a project the administrator cannot see
# or the registry does not hold: the most thorough path, never another org's figures.
_READ_STAND_INS: dict[str, Callable[[], dict]] = {
    "registry_lookup": absent_project,
    "registry_assess_adjustment": lambda: {
        "route": "review",
        "changes_county_total": True,
        # Kept in the run's data as the operator keeps its own basis: in the county's language.
        "basis": stored_text(
            _l(
                "Test run: the registry holds no such project; it goes through review and a"
                " budget adjustment."
            )
        ),
    },
}


def _reading_within_reach(
    name: str, read: Callable[..., Any], answer: Callable[[], dict], calls: list[str]
) -> Callable[..., Any]:
    """Registry reads see what the administrator's own organisation may see; a project
    beyond it, or one the registry lacks, answers as a stand-in, never with its figures."""

    def read_or_stand_in(*args: Any, **kwargs: Any) -> dict:
        try:
            return read(*args, **kwargs)
        except RequestRefused:
            calls.append(name)
            return {**answer(), "test_run": True, "operator": name}

    return read_or_stand_in


def _stand_in(name: str, calls: list[str]) -> Callable[..., Any]:
    def stand_in(*args: Any, **kwargs: Any) -> dict:
        calls.append(name)
        return {"test_run": True, "operator": name, "recorded": False}

    return stand_in


def _answer(
    key: str,
    xml: bytes,
    process: engine.CompiledProcess,
    step: engine.Step,
    data: dict,
    done: list[str],
    calls: list[str],
) -> dict:
    data = _Json.loads(_Json.dumps(data))
    flows, kinds = _diagram(xml)
    visited = done + [a for a in step.passed if a not in done]
    waiting = {t.spec.id for t in step.ready}
    taken = [f for f in flows if _was_taken(f, visited, waiting)]
    decisions = [
        {
            "gateway": gateway,
            "flows": [{"id": f.id, "name": f.name} for f in taken if f.source == gateway],
        }
        for gateway in visited
        if kinds.get(gateway) in GATEWAYS
    ]
    forms = available_forms(key)
    role_names = dict(db.session.execute(select(Role.code, Role.name)).all())
    ready = []
    for task in step.ready:
        role = resolve_role(task.spec.lane)
        schema = forms.get(task.spec.form) if task.spec.form else None
        ready.append(
            {
                "task_id": task.engine_task_id,
                "activity_id": task.spec.id,
                "name": task.spec.name,
                "role": role,
                "role_name": role_names.get(role or "", task.spec.lane),
                "assignee_from": task.spec.assignee_from,
                "assignee": data.get(task.spec.assignee_from) if task.spec.assignee_from else None,
                "due_in": task.spec.due_in_text,
                "form": task.spec.form,
                "ui_form": task.spec.ui_form,
                "fields": _form_fields(schema),
                "prefill": _prefill(schema, data),
            }
        )
    token = _serializer().dumps(
        {
            "key": key,
            "diagram": _digest(xml),
            "state": step.state,
            "data": data,
            "ready": [{"task_id": t["task_id"], "activity_id": t["activity_id"]} for t in ready],
        }
    )
    return {
        "token": token,
        "finished": step.finished,
        "visited": visited,
        "flows": [f.id for f in taken],
        "decisions": decisions,
        "ready": ready,
        "data": data,
        "stand_ins": calls,
    }


def _was_taken(flow: _Flow, visited: list[str], waiting: set[str]) -> bool:
    """A flow was taken when its source ran in this step and its target ran after it or
    waits now (a flow back to the step just completed only counts when it waits again)."""
    if flow.source not in visited:
        return False
    if flow.target in waiting:
        return True
    after = visited[visited.index(flow.source) + 1 :]
    return flow.target in after


def _form_fields(schema: dict | None) -> list[dict]:
    if schema is None:
        return []
    required = set(schema.get("required") or [])
    fields = fields_of(schema)
    for field in fields:
        field["required"] = field["name"] in required
    return fields


def _prefill(schema: dict | None, data: dict) -> dict:
    """What the step's form opens with: what the run already holds, else the schema's
    first example, else the field's default."""
    if schema is None:
        return {}
    examples = schema.get("examples")
    example = examples[0] if isinstance(examples, list) and examples else {}
    example = example if isinstance(example, dict) else {}
    values = {}
    for name, prop in (schema.get("properties") or {}).items():
        if name in data:
            values[name] = data[name]
        elif name in example:
            values[name] = example[name]
        elif isinstance(prop, dict) and "default" in prop:
            values[name] = prop["default"]
    return values


def _diagram(xml: bytes) -> tuple[list[_Flow], dict[str, str]]:
    root = parse_xml(xml)
    flows = [
        _Flow(f.get("id", ""), f.get("name") or "", f.get("sourceRef", ""), f.get("targetRef", ""))
        for f in root.iter(f"{{{BPMN_NS}}}sequenceFlow")
    ]
    kinds = {
        element.get("id"): element.tag.split("}")[-1]
        for element in root.iter()
        if isinstance(element.tag, str) and element.get("id")
    }
    return flows, kinds


class _Json:
    """JSON for the token: values a script made that JSON lacks (dates) travel as text."""

    @staticmethod
    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)

    @staticmethod
    def loads(text: str | bytes) -> Any:
        return json.loads(text)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=TOKEN_SALT, serializer=_Json
    )


def _digest(xml: bytes) -> str:
    return hashlib.sha256(xml).hexdigest()


def _load_token(token: Any, key: str, xml: bytes) -> dict:
    if not isinstance(token, str) or not token:
        raise BadRequest(_l("The test run's state is missing: start the test run again."))
    try:
        run = _serializer().loads(token, max_age=TOKEN_MAX_AGE)
    except SignatureExpired as exc:
        raise BadRequest(_l("The test run expired: start it again.")) from exc
    except BadSignature as exc:
        raise BadRequest(_l("The test run's state is not valid.")) from exc
    if run.get("key") != key or run.get("diagram") != _digest(xml):
        raise BadRequest(_l("The diagram changed during the test run: start the test run again."))
    return run
