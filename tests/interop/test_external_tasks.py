"""Camunda's own Python external-task worker (PyPI's camunda-external-task-client-python3,
unmodified) does the external service task of a diagram drawn in Camunda Modeler 5,
against the app served over real HTTP: it fetches the task with its typed variables,
completes it with variables the next gateway reads, fails it down to an incident that
finance sees and retries, and raises a BPMN error that the task's boundary event catches.
"""

from __future__ import annotations

import base64

import pytest
import requests
from camunda.external_task.external_task_worker import ExternalTaskWorker, NoExternalTaskFound

from app.extensions import db
from app.models import Org
from app.services.foundation.jobs import run_due_jobs
from app.services.operations.setup import add_user

BUDGET_CHECK = (
    "camunda7_external.bpmn",
    "purchase-request.schema.json",
    "purchase-review.schema.json",
)
WORKER, WORKER_PASSWORD = "budget-robot", "Robot-Pa55word-2026"


@pytest.fixture
def service_account(app):
    """A service account holding only the role service_worker."""
    finance = db.session.query(Org).filter_by(code="finance").one()
    add_user(WORKER, "预算校验程序", finance, ["service_worker"], WORKER_PASSWORD)
    db.session.commit()
    return WORKER


@pytest.fixture
def worker(live_server, service_account):
    """worker(**config) -> Camunda's worker signed in with HTTP Basic as the account."""

    def make(**config) -> ExternalTaskWorker:
        settings = {
            "auth_basic": {"username": WORKER, "password": WORKER_PASSWORD},
            "maxTasks": 5,
            "lockDuration": 60_000,
            "asyncResponseTimeout": 0,
            "retries": 2,
            "retryTimeout": 0,
            "sleepSeconds": 0,
            **config,
        }
        return ExternalTaskWorker("budget-worker-1", live_server + "/engine-rest", settings)

    return make


@pytest.fixture
def at_the_check(api, deploy, run, fixture_files):
    """at_the_check(amount) -> the submission, its request done, now at the check."""
    answer = deploy(fixture_files(*BUDGET_CHECK))
    assert answer.status == 201, answer.body

    def start(amount: int) -> int:
        started = api("unit").post("/processes/c7_budget_check/instances", {"title": "采购"})
        assert started.status == 201, started.body
        (request,) = started.body["tasks"]
        (check,) = run(request, "unit", {"amount": amount, "category": "edu"})
        assert (check["activity_id"], check["role"]) == ("Activity_check", "service_worker")
        return request["instance_id"]

    return start


def _inbox(api, username: str, instance_id: int) -> list[str]:
    tasks = api(username).get("/tasks", process="c7_budget_check").body
    return [t["activity_id"] for t in tasks if t["instance_id"] == instance_id]


def test_the_worker_fetches_typed_variables_and_its_answer_routes_the_gateway(
    api, worker, at_the_check
):
    enough, short = at_the_check(300), at_the_check(90_000)
    seen = {}

    def check(task):
        seen[int(task.get_process_instance_id())] = (
            task.get_topic_name(),
            task.get_activity_id(),
            task.get_variable("amount", with_meta=True)["type"],
            task.get_variable("category"),
            task.get_worker_id(),
        )
        enough_left = task.get_variable("amount") < 1000
        return task.complete({"within_budget": enough_left, "remaining": 1000 - 300})

    worker().fetch_and_execute("budget-check", check)
    assert seen == {
        enough: ("budget-check", "Activity_check", "Integer", "edu", "budget-worker-1"),
        short: ("budget-check", "Activity_check", "Integer", "edu", "budget-worker-1"),
    }
    assert _inbox(api, "finance", enough) == ["Activity_archive"]
    assert _inbox(api, "unit", short) == ["Activity_reduce"]
    detail = api("finance").get(f"/instances/{enough}").body
    assert (detail["data"]["within_budget"], detail["data"]["remaining"]) == (True, 700)
    done = [s for s in detail["steps"] if s["activity_id"] == "Activity_check"]
    assert done[0]["data"] == {"within_budget": True, "remaining": 700}
    # Done once: nothing is left for the worker to fetch.
    with pytest.raises(NoExternalTaskFound):
        worker().fetch_and_execute("budget-check", check)


def test_failures_count_down_the_retries_to_an_incident_finance_sees_and_retries(
    api, worker, at_the_check
):
    instance_id = at_the_check(300)
    tries = []

    def unreachable(task):
        tries.append(task._context.get("retries"))
        return task.failure("预算系统不可达", "connection refused", max_retries=2, retry_timeout=0)

    for _ in range(3):
        worker().fetch_and_execute("budget-check", unreachable)
    assert tries == [None, 2, 1]  # Camunda's client counts down from the retries it sets
    with pytest.raises(NoExternalTaskFound):
        worker().fetch_and_execute("budget-check", unreachable)

    incidents = api("finance").get("/incidents").body
    (incident,) = [i for i in incidents if i["instance_id"] == instance_id]
    assert (incident["kind"], incident["status"]) == ("external_task", "incident")
    assert "预算系统不可达" in incident["last_error"]
    notes = api("finance").get("/notifications").body["items"]
    assert any(
        n["kind"] == "incident" and "校验预算额度" in n["title"]
        for n in notes
        if n["instance_id"] == instance_id
    )
    history = api("finance").get(f"/instances/{instance_id}").body["history"]
    assert [h["action"] for h in history].count("external_failure") == 3

    assert api("finance").post(f"/incidents/{incident['id']}/retry", {}).status == 200
    run_due_jobs()
    worker().fetch_and_execute(
        "budget-check", lambda task: task.complete({"within_budget": True, "remaining": 1})
    )
    assert _inbox(api, "finance", instance_id) == ["Activity_archive"]


def test_a_bpmn_error_is_caught_by_the_boundary_error_event(api, worker, at_the_check):
    instance_id = at_the_check(5_000_000)

    def over(task):
        return task.bpmn_error("OVER_BUDGET", "超出年度额度", {"over_by": 4_999_000})

    worker().fetch_and_execute("budget-check", over)
    assert _inbox(api, "finance", instance_id) == ["Activity_explain"]
    detail = api("finance").get(f"/instances/{instance_id}").body
    assert detail["data"]["over_by"] == 4_999_000
    assert "external_error" in [h["action"] for h in detail["history"]]


def test_an_error_code_no_boundary_event_catches_moves_nothing(live_server, at_the_check, worker):
    at_the_check(300)
    fetched = worker().client.fetch_and_lock("budget-check")
    (task,) = fetched
    answer = requests.post(
        f"{live_server}/engine-rest/external-task/{task['id']}/bpmnError",
        json={"workerId": "budget-worker-1", "errorCode": "NO_SUCH_CODE"},
        auth=(WORKER, WORKER_PASSWORD),
        timeout=10,
    )
    assert answer.status_code == 400
    assert answer.json()["type"] == "RestException"
    assert "NO_SUCH_CODE" in answer.json()["message"]


def test_locks_are_the_workers_own_and_can_be_extended_or_given_back(
    live_server, at_the_check, worker
):
    at_the_check(300)
    first = worker().client.fetch_and_lock("budget-check")
    assert worker().client.fetch_and_lock("budget-check") == []  # locked by the first
    task_id = first[0]["id"]
    base = f"{live_server}/engine-rest/external-task/{task_id}"
    auth = (WORKER, WORKER_PASSWORD)
    other = requests.post(
        f"{base}/complete", json={"workerId": "someone-else"}, auth=auth, timeout=10
    )
    assert other.status_code == 409
    extended = requests.post(
        f"{base}/extendLock",
        json={"workerId": "budget-worker-1", "newDuration": 120_000},
        auth=auth,
        timeout=10,
    )
    assert extended.status_code == 204
    assert requests.post(f"{base}/unlock", auth=auth, timeout=10).status_code == 204
    again = worker().client.fetch_and_lock("budget-check")
    assert [t["id"] for t in again] == [task_id]


def test_a_service_account_sees_no_inbox_and_no_submission_and_others_may_not_fetch(
    api, live_server, at_the_check, worker
):
    instance_id = at_the_check(300)
    worker().fetch_and_execute(
        "budget-check", lambda task: task.complete({"within_budget": True, "remaining": 1})
    )
    token = api("unit").token  # a person's token
    signed = requests.post(
        f"{live_server}/api/v1/auth/token",
        json={"username": WORKER, "password": WORKER_PASSWORD},
        timeout=10,
    ).json()["token"]
    as_worker = {"Authorization": f"Bearer {signed}"}
    assert requests.get(f"{live_server}/api/v1/tasks", headers=as_worker, timeout=10).json() == []
    detail = requests.get(
        f"{live_server}/api/v1/instances/{instance_id}", headers=as_worker, timeout=10
    )
    assert detail.status_code == 404
    fetch = f"{live_server}/engine-rest/external-task/fetchAndLock"
    body = {"workerId": "w", "maxTasks": 1, "topics": [{"topicName": "budget-check"}]}
    by_token = requests.post(fetch, json=body, headers=as_worker, timeout=10)
    assert by_token.status_code == 200
    person = requests.post(
        fetch, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert person.status_code == 403
    nobody = requests.post(fetch, json=body, timeout=10)
    assert nobody.status_code == 401
    wrong = base64.b64encode(f"{WORKER}:wrong".encode()).decode()
    refused = requests.post(
        fetch, json=body, headers={"Authorization": f"Basic {wrong}"}, timeout=10
    )
    assert refused.status_code == 401


def test_a_long_polling_fetch_answers_with_a_task_created_while_it_waits(
    app, api, deploy, run, fixture_files, worker
):
    import threading
    import time

    assert deploy(fixture_files(*BUDGET_CHECK)).status == 201
    started = api("unit").post("/processes/c7_budget_check/instances", {"title": "长轮询"})
    (request,) = started.body["tasks"]
    polling = worker(asyncResponseTimeout=8_000)  # as Camunda's client asks: up to 8 s
    answered: dict = {}

    def fetch():
        began = time.monotonic()
        answered["tasks"] = polling.client.fetch_and_lock("budget-check")
        answered["after"] = time.monotonic() - began

    waiting = threading.Thread(target=fetch)
    waiting.start()
    time.sleep(1.0)  # the fetch is waiting: nothing of the topic exists yet
    assert waiting.is_alive()
    (check,) = run(request, "unit", {"amount": 300, "category": "edu"})
    waiting.join(timeout=10)
    assert not waiting.is_alive()
    assert [t["id"] for t in answered["tasks"]] == [str(check["id"])]
    assert answered["tasks"][0]["workerId"] == "budget-worker-1"
    # It answered once the task was there, well before its 8 s were up.
    assert 1.0 <= answered["after"] < 4.0


def test_a_long_poll_waits_at_most_the_configured_bound(app, worker, service_account):
    import time

    app.config["EXTERNAL_TASK_LONG_POLL_SECONDS"] = 1
    try:
        began = time.monotonic()
        tasks = worker(asyncResponseTimeout=30_000).client.fetch_and_lock("budget-check")
        waited = time.monotonic() - began
    finally:
        app.config["EXTERNAL_TASK_LONG_POLL_SECONDS"] = 10
    assert tasks == []
    assert 0.5 <= waited < 3.0


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (None, "外部任务 999999 不存在"),
        ("zh-CN,zh;q=0.9", "外部任务 999999 不存在"),
        ("en-US,en;q=0.9", "There is no external task 999999."),
    ],
)
def test_a_worker_reads_a_refusal_in_its_language_in_camunda_s_shape(
    client, service_account, language, message
):
    credentials = base64.b64encode(f"{WORKER}:{WORKER_PASSWORD}".encode()).decode()
    headers = {"Authorization": f"Basic {credentials}"}
    if language:
        headers["Accept-Language"] = language
    answer = client.post("/engine-rest/external-task/999999/unlock", json={}, headers=headers)
    assert answer.status_code == 404
    assert answer.get_json() == {"type": "NotFoundException", "message": message}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (None, "需要 HTTP Basic 或 Bearer 认证"),
        ("en", "HTTP Basic or Bearer authentication is required."),
    ],
)
def test_a_worker_without_credentials_is_told_so_in_its_language(client, language, message):
    headers = {"Accept-Language": language} if language else {}
    answer = client.post("/engine-rest/external-task/fetchAndLock", json={}, headers=headers)
    assert answer.status_code == 401
    assert answer.get_json() == {"type": "AuthenticationException", "message": message}


def test_a_malformed_fetch_is_refused_camunda_s_way_naming_the_member(live_server, service_account):
    for body, named in (
        ({"workerId": "w", "maxTasks": 1}, "topics"),
        ({"workerId": "w", "topics": [{"lockDuration": 1000}]}, "topics/0/topicName"),
        ({"workerId": "w", "maxTasks": True, "topics": []}, "maxTasks"),
    ):
        answer = requests.post(
            f"{live_server}/engine-rest/external-task/fetchAndLock",
            json=body,
            auth=(WORKER, WORKER_PASSWORD),
            headers={"Accept-Language": "en"},
            timeout=10,
        )
        assert answer.status_code == 400, body
        assert answer.json()["type"] == "RestException"
        assert f"The member {named} " in answer.json()["message"], answer.json()
