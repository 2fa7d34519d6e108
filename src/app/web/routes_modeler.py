"""Process administration in the browser: the modeler, its drafts, versions and rollback.

The modeler page loads bpmn-js (served by the app) and our own small properties panel
(static/modeler.js); the diagram travels as XML on its own address, and the panel's
saves and deploys answer JSON. Every decision on who may do this is the services'.
"""

from __future__ import annotations

from flask import flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import CombinedMultiDict, FileStorage
from werkzeug.routing import BuildError

from app import params
from app.forms import (
    FieldError,
    apply_row_action,
    build_form,
    errors_by_field,
    form_spec,
    form_to_data,
)
from app.models import MAX_ID
from app.services.administration import deploy_preview, modeler_catalog, modeling, test_runs
from app.services.foundation.errors import LintFailed, ServiceError, ValidationFailed
from app.services.foundation.policy import require_can_deploy
from app.services.runtime.tasks import EMPTY_FORM
from app.web.blueprint import web_blueprint as bp
from app.web.diagram_changes import changes_json
from app.web.filters import iso_period
from app.web.navigation import actor
from app.web.routes_versions import field_change_label


def _json_error(exc: ServiceError):
    body = {"ok": False, "error": exc.code, "message": exc.message}
    if isinstance(exc, LintFailed):
        body["findings"] = exc.details or []
    if isinstance(exc, ValidationFailed):
        body["details"] = exc.details or []
    return jsonify(body), exc.status


@bp.get("/admin/processes")
def admin_processes():
    return render_template("process_list.html", processes=modeling.list_processes(actor()))


@bp.get("/admin/processes/<key>/versions")
def process_versions(key: str):
    versions = modeling.list_versions(actor(), key)
    return render_template("process_versions.html", key=key, versions=versions)


@bp.post("/admin/processes/<key>/rollback")
def process_rollback(key: str):
    require_can_deploy(actor())  # rights before reading the form
    version = params.integer("version", 1, MAX_ID, source=request.form)
    if version is None:
        raise params.refuse(
            "version", _("The parameter version must be the version to roll back to.")
        )
    definition = modeling.rollback(actor(), key, version, params.note("comment", request.form))
    flash(
        _(
            "Version %(old)s deployed again as v%(version)s.",
            old=version,
            version=definition.version,
        ),
        "success",
    )
    return redirect(url_for("web.process_versions", key=key))


@bp.get("/admin/modeler/new")
def modeler_new():
    require_can_deploy(actor())
    return _modeler_page(None, None)


@bp.get("/admin/modeler/<key>")
def modeler(key: str):
    return _modeler_page(key, modeling.modeler_source(actor(), key))


def _modeler_page(key: str | None, source: modeling.ModelerSource | None):
    config = {
        "key": key,
        "xmlUrl": url_for("web.modeler_xml", key=key) if key else None,
        "draftUrl": url_for("web.modeler_draft", key="__KEY__"),
        "discardUrl": url_for("web.modeler_discard", key="__KEY__"),
        "deployUrl": url_for("web.modeler_deploy", key="__KEY__"),
        "changesUrl": url_for("web.modeler_changes", key="__KEY__"),
        "modelerUrl": url_for("web.modeler", key="__KEY__"),
        "versionsUrl": url_for("web.process_versions", key="__KEY__"),
        "newUrl": url_for("web.modeler_new"),
        "deployedVersion": source.version if source else None,
        "roles": modeling.role_choices(),
        "forms": modeling.form_choices(key),
        "formTitles": modeling.form_titles(key),
        "formFields": modeler_catalog.form_fields(key),
        "operators": modeler_catalog.operator_catalog(),
        "checkUrl": url_for("web.modeler_check", key="__KEY__"),
        "scriptCheckUrl": url_for("web.modeler_check_script"),
        "testRunUrl": url_for("web.modeler_test_run", key="__KEY__"),
        "testStepUrl": url_for("web.modeler_test_step", key="__KEY__"),
        "formEditorUrl": _form_editor_url(FORM_EDITOR_ENDPOINT, filename="__FORM__"),
        "newFormUrl": _form_editor_url(NEW_FORM_ENDPOINT),
        "messages": _panel_messages(),
    }
    return render_template("modeler.html", key=key, source=source, config=config)


@bp.get("/admin/modeler/<key>/diagram.bpmn")
def modeler_xml(key: str):
    source = modeling.modeler_source(actor(), key)
    response = make_response(source.xml)
    response.mimetype = "application/xml"
    response.cache_control.no_store = True  # a draft changes under the same address
    return response


@bp.post("/admin/modeler/<key>/draft")
def modeler_draft(key: str):
    try:
        draft = modeling.save_draft(actor(), key, request.get_data())
    except ServiceError as exc:
        return _json_error(exc)
    return jsonify({"ok": True, "key": draft.key, "updated_at": draft.updated_at.isoformat()})


@bp.post("/admin/modeler/<key>/discard")
def modeler_discard(key: str):
    try:
        discarded = modeling.discard_draft(actor(), key)
    except ServiceError as exc:
        return _json_error(exc)
    return jsonify({"ok": True, "discarded": discarded})


@bp.get("/admin/modeler/<key>/changes")
def modeler_changes(key: str):
    """What deploying the saved draft would change: the confirmation shows it."""
    try:
        preview = deploy_preview.preview_deploy(actor(), key)
    except ServiceError as exc:
        return _json_error(exc)
    return jsonify(
        {
            "ok": True,
            "key": preview.key,
            "deployed_version": preview.deployed_version,
            "next_version": preview.next_version,
            "elements": changes_json(preview.elements, key),
            "fields": [
                {
                    "form": f.form,
                    "field": f.field,
                    "change": field_change_label(f.change),
                    "old": f.old,
                    "new": f.new,
                }
                for f in preview.fields
            ],
        }
    )


@bp.post("/admin/modeler/<key>/deploy")
def modeler_deploy(key: str):
    try:
        require_can_deploy(actor())  # rights before reading the body
        comment = params.note("comment", params.json_body())
        definition = modeling.deploy_draft(actor(), key, comment)
    except ServiceError as exc:
        return _json_error(exc)
    return jsonify(
        {
            "ok": True,
            "key": definition.key,
            "version": definition.version,
            "warnings": list(definition.warnings),  # did not block; shown on the diagram
        }
    )


# The form editor's pages: the panel links each user task's form to its editor ("edit")
# and offers "new form" (the forms list, where a form is created or copied).
FORM_EDITOR_ENDPOINT = "web.form_editor"  # takes filename=<schema file name>
NEW_FORM_ENDPOINT = "web.admin_forms"


def _form_editor_url(endpoint: str, **values: str) -> str | None:
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@bp.get("/admin/modeler/operators")
def modeler_operators():
    require_can_deploy(actor())
    return jsonify(modeler_catalog.operator_catalog())


@bp.post("/admin/modeler/check-script")
def modeler_check_script():
    try:
        require_can_deploy(actor())  # rights before reading the body
        body = params.json_body()
        findings = modeler_catalog.check_script(
            actor(), body.get("script"), body.get("mode") or "exec"
        )
    except ServiceError as exc:
        return _json_error(exc)
    return jsonify({"ok": not findings, "findings": findings})


@bp.post("/admin/modeler/<key>/check")
def modeler_check(key: str):
    try:
        findings = modeler_catalog.check_diagram(actor(), key, request.get_data())
    except ServiceError as exc:
        return _json_error(exc)
    return jsonify({"ok": True, "findings": findings})


@bp.post("/admin/modeler/<key>/test-run")
def modeler_test_run(key: str):
    try:
        require_can_deploy(actor())  # rights before reading the body
        body = params.json_body()
        answer = test_runs.start_test_run(actor(), key, _xml_of(body), body.get("data"))
    except ServiceError as exc:
        return _json_error(exc)
    return jsonify({"ok": True, **_with_forms(key, _periods_in_words(answer))})


@bp.post("/admin/modeler/<key>/test-run/step")
def modeler_test_step(key: str):
    """Complete a test run's step. A JSON body carries the data; a form post (what the
    test run's forms send, the task page's own form) is read as the task page reads it:
    a row button redraws the form, a refusal answers the form with its errors."""
    try:
        require_can_deploy(actor())  # rights before reading the body
        if request.mimetype == "application/json":
            body = params.json_body()
            submitted = body.get("data")
        else:
            body = request.form
            submitted, redrawn = _posted_step(key, body)
            if redrawn is not None:
                return jsonify({"ok": True, "redraw": redrawn})
        try:
            answer = test_runs.advance_test_run(
                actor(),
                key,
                _xml_of(body),
                body.get("token"),
                str(body.get("task_id") or ""),
                submitted,
            )
        except ValidationFailed as exc:
            if request.mimetype == "application/json":
                raise
            return _refused_step(key, body, exc)
    except ServiceError as exc:
        return _json_error(exc)
    return jsonify({"ok": True, **_with_forms(key, _periods_in_words(answer))})


def _step_form(key: str, body) -> tuple:
    found = test_runs.waiting_step_form(
        actor(), key, _xml_of(body), body.get("token"), str(body.get("task_id") or "")
    )
    spec = form_spec(found.schema or EMPTY_FORM, found.ui)
    return spec, found.data


def _posted_step(key: str, body) -> tuple[dict, str | None]:
    """(data, None) from a posted test-run form, or ({}, the redrawn form) for a row button."""
    spec, data = _step_form(key, body)
    formdata = CombinedMultiDict([request.files, request.form])
    row_action = apply_row_action(formdata)
    if row_action is not None:
        return {}, _form_html(spec, build_form(spec, row_action.formdata, data))
    submitted = form_to_data(spec, build_form(spec, formdata, data), data)
    # A test run stores nothing: a chosen file is left out rather than uploaded.
    return {k: v for k, v in submitted.items() if not isinstance(v, FileStorage)}, None


def _refused_step(key: str, body, exc: ValidationFailed):
    spec, data = _step_form(key, body)
    form = build_form(spec, CombinedMultiDict([request.files, request.form]), data)
    errors = errors_by_field([FieldError(d["path"], d["message"]) for d in exc.details or []])
    answer = {
        "ok": False,
        "error": exc.code,
        "message": exc.message,
        "details": exc.details or [],
        "html": _form_html(spec, form, errors),
    }
    return jsonify(answer), exc.status


def _form_html(spec, form, errors=None) -> str:
    """A step's form exactly as the task page renders it (the same macro)."""
    return render_template("partials/testrun_form.html", spec=spec, form=form, errors=errors or {})


def _with_forms(key: str, answer: dict) -> dict:
    """Each waiting step's form rendered as its task page will render it."""
    for task in answer.get("ready") or []:
        found = test_runs.step_form(key, task.get("form"), task.get("ui_form"), answer["data"])
        spec = form_spec(found.schema or EMPTY_FORM, found.ui)
        values = {**(answer.get("data") or {}), **(task.get("prefill") or {})}
        task["html"] = _form_html(spec, build_form(spec, None, values))
    return answer


def _periods_in_words(answer: dict) -> dict:
    """Each waiting step's due period as the steps table says it ("10个工作日", not P10D)."""
    for task in answer.get("ready") or []:
        if task.get("due_in"):
            task["due_in"] = iso_period(task["due_in"])
    return answer


def _xml_of(body) -> bytes:
    """The diagram a test-run call carries: a JSON string, or in a form post a file part
    (a form field's line breaks would be rewritten to CRLF and the diagram's digest with
    them)."""
    posted = request.files.get("xml") if request.mimetype != "application/json" else None
    if posted is not None:
        posted.stream.seek(0)  # read once for the step's form, again for the step
        return posted.read()
    xml = body.get("xml")
    return xml.encode("utf-8") if isinstance(xml, str) else b""


def _panel_messages() -> dict:
    """The words static/modeler.js shows, in the reader's language."""
    return {
        "notLoaded": _("The modeler could not be loaded."),
        "loadFailed": _("The diagram could not be opened."),
        "selectSomething": _("Select an element to edit its properties."),
        "notOnList": _("(not on the list)"),
        "name": _("Name"),
        "processKey": _("Process key"),
        "keyHint": _("Letters, digits and _ . -, starting with a letter; fixed once deployed."),
        "keyFixed": _("The key of a deployed process cannot change."),
        "badKey": _("A process key starts with a letter and holds only letters, digits, _ . -"),
        "processName": _("Process name"),
        "laneRole": _("Role of this lane"),
        "laneHint": _("Tasks in this lane go to the inboxes of this role."),
        "chooseRole": _("— choose a role —"),
        "form": _("Form"),
        "uiForm": _("Form layout (ui schema)"),
        "noForm": _("— none —"),
        "dueDays": _("Due in days"),
        "dueCalendar": _("Days counted as"),
        "dueCalendarHint": _("Working days skip weekends and holidays; calendar days do not."),
        "workingDays": _("working days"),
        "calendarDays": _("calendar days"),
        "dueHint": _("Empty: no due date."),
        "dueRaw": _("Currently:"),
        "periodDays": _("{n} working days"),
        "periodHours": _("{n} hours"),
        "periodMinutes": _("{n} minutes"),
        "condition": _("Condition"),
        "condField": _("Field"),
        "condOperator": _("Operator"),
        "condValue": _("Value"),
        "condValueHint": _("For “in”, separate values with commas."),
        "condRaw": _("Expression"),
        "condRawHint": _("A Python expression over the submitted fields."),
        "defaultFlow": _("Default flow (taken when no condition holds)"),
        "chooseField": _("— choose a field —"),
        "otherField": _("Another name…"),
        "condFieldHint": _(
            "Fields of the forms filled before this gateway, and results of earlier steps."
        ),
        "noFieldsBefore": _(
            "No form is filled before this gateway: choose “Another name…” to type one."
        ),
        "editForm": _("Edit this form"),
        "newForm": _("New form"),
        "assigneeFrom": _("Assign to the user named in field"),
        "assigneeHint": _(
            "Optional: a field of an earlier form that holds a username (e.g. the chosen expert)."
        ),
        "badFieldName": _("A field name starts with a letter and holds only letters, digits and _"),
        "timerDays": _("Timer fires after days"),
        "timerHint": _("Days after the task starts when the timer fires, e.g. to escalate."),
        "operator": _("Operator to call"),
        "chooseOperator": _("— choose an operator —"),
        "operatorHint": _("What this step computes or records, from the performance module."),
        "parameters": _("Parameters"),
        "parameterHint": _(
            'An expression over the fields, e.g. opening_budget or project.get("grade").'
        ),
        "required": _("Required"),
        "optional": _("Optional"),
        "optionalDefault": _("Optional; default {default}"),
        "notAParameter": _("Not a parameter of this operator"),
        "resultVariable": _("Result variable"),
        "resultHint": _(
            "The field the operator's answer is stored in, for later gateways and steps."
        ),
        "script": _("Script"),
        "scriptHint": _(
            "Sandboxed Python: no imports, no names starting with _. Names it sets become fields."
        ),
        "checkScript": _("Check the script"),
        "taskScripts": _("Scripts before and after this step"),
        "preScript": _("Before the step starts (preScript)"),
        "postScript": _("After the step is completed (postScript)"),
        "codeOk": _("The sandbox accepts it."),
        "atLine": _("Line {line}:"),
        "checking": _("Checking…"),
        "checkClean": _("No findings: the diagram can be deployed."),
        "checkFound": _("{count} findings, {errors} of them errors."),
        "testRunStarting": _("Starting the test run…"),
        "testRunWaiting": _(
            "{count} step(s) waiting: fill the form as the role shown and complete it."
        ),
        "testRunFinished": _("The process reached its end."),
        "testRunStuck": _(
            "No step is waiting and the process has not ended (a timer or message waits)."
        ),
        "gatewayTook": _("{gateway} took: {flows}"),
        "standIn": _("{name} was not run: it would write to the project registry."),
        "actAs": _("As: {role}"),
        "assignedBy": _("assigned to the user named in {field} ({value})"),
        "dueLabel": _("due in"),
        "noFormFields": _("This step names no form."),
        "completeStep": _("Complete this step"),
        "notANumber": _("Not a number"),
        "notJson": _("Not valid JSON"),
        "draftSaved": _("Draft saved."),
        "saveFailed": _("The draft was not saved:"),
        "deploying": _("Checking and deploying…"),
        "confirmDeploy": _(
            "Deploy “{key}” as version {version}? New submissions will run it; "
            "submissions under way keep the version they started on."
        ),
        "noChanges": _("The diagram and its forms are the same as the deployed version."),
        "deployCancelled": _("Not deployed: the draft is kept."),
        "changedElements": _("Changed elements"),
        "changedFields": _("Changed form fields"),
        "change": _("Change"),
        "element": _("Element"),
        "elementType": _("Type"),
        "whatChanged": _("What changed"),
        "formFile": _("Form file"),
        "field": _("Field"),
        "before": _("Before"),
        "after": _("After"),
        "changeKinds": {"added": _("Added"), "removed": _("Removed"), "changed": _("Changed")},
        "deployFailed": _("Deployment refused."),
        "deployedAs": _("Deployed as version %s."),
        "seeVersions": _("See the versions"),
        "confirmDiscard": _("Discard the draft and go back to the deployed version?"),
        "error": _("Error"),
        "warning": _("Warning"),
        "newProcess": _("New process"),
        "startEvent": _("Process starts"),
        "types": {
            "bpmn:Collaboration": _("Collaboration"),
            "bpmn:Process": _("Process"),
            "bpmn:Participant": _("Pool"),
            "bpmn:Lane": _("Lane"),
            "bpmn:UserTask": _("User task"),
            "bpmn:ServiceTask": _("Service task"),
            "bpmn:ScriptTask": _("Script task"),
            "bpmn:Task": _("Task"),
            "bpmn:StartEvent": _("Start event"),
            "bpmn:BoundaryEvent": _("Boundary event"),
            "bpmn:EndEvent": _("End event"),
            "bpmn:ExclusiveGateway": _("Exclusive gateway"),
            "bpmn:ParallelGateway": _("Parallel gateway"),
            "bpmn:InclusiveGateway": _("Inclusive gateway"),
            "bpmn:SequenceFlow": _("Sequence flow"),
        },
    }
