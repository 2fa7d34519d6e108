"""What cannot run here is refused at deployment with a finding naming the element and
the expression or implementation — never deployed to fail or stall later."""

from __future__ import annotations

import pytest

from app.engine.foreign import translate_condition

JAVA = ("camunda7_java.bpmn", "purchase-request.schema.json")


def by_element(answer) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for finding in answer.body["details"]:
        found.setdefault(finding["element_id"], []).append(finding)
    return found


def test_java_implementations_unconvertible_conditions_and_due_dates_are_named(
    api, deploy, fixture_files
):
    answer = deploy(fixture_files(*JAVA))
    assert answer.status == 400 and answer.body["error"] == "lint_failed"
    found = by_element(answer)
    for task in ("Activity_notify", "Activity_book", "Activity_sign"):
        (java,) = [f for f in found[task] if f["severity"] == "error"]
        assert java["code"] == "java-implementation"
        assert "本平台无法运行；请改为带主题（topic）的外部任务" in java["message"]
        # Said once, in plain words, not again as the engine's "must have an operator".
        assert "operator" not in java["message"]
    assert "cn.gov.county.finance.NotifyDelegate" in found["Activity_notify"][0]["message"]
    (condition,) = found["Flow_big"]
    assert condition["code"] == "condition-unconvertible"
    assert 'execution.getVariable("amount")' in condition["message"]
    due = [f for f in found["Activity_request"] if f["code"] == "due-date"]
    assert due and "dateTime().plusDays(5)" in due[0]["message"]
    assert "c7_java" not in {p["key"] for p in api("admin").get("/processes").body}


def test_an_english_deployer_reads_the_findings_in_english(api, fixture_files):
    files = fixture_files(*JAVA)
    answer = api("admin").post_files("/deployments", files, headers={"Accept-Language": "en"})
    assert answer.status == 400 and answer.body["error"] == "lint_failed"
    (java,) = [f for f in by_element(answer)["Activity_notify"] if f["severity"] == "error"]
    assert java["message"] == (
        "“通知财务系统” runs Java code "
        "(camunda:class=“cn.gov.county.finance.NotifyDelegate”), which cannot run here: "
        "make it an external task with a topic."
    )
    (condition,) = by_element(answer)["Flow_big"]
    assert "cannot be converted: only comparisons of fields" in condition["message"]


def test_the_web_import_refuses_the_same_way(client_as, fixture_files):
    import io

    web = client_as("admin")
    files = fixture_files(*JAVA)
    data = {"files": [(io.BytesIO(raw), name) for name, raw in files.items()]}
    page = web.post("/admin/import", data=data, content_type="multipart/form-data")
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "Activity_notify" in text and "执行 Java 代码" in text
    assert "Flow_big" in text


@pytest.mark.parametrize(
    ("source", "dialect", "python"),
    [
        (
            "decision eq 'approve' && amount > 100000",
            "juel",
            "decision == 'approve' and amount > 100000",
        ),
        ("!approved || empty comment", "juel", "not approved or not comment"),
        ("amount ge 10 and amount lt 20", "juel", "amount >= 10 and amount < 20"),
        ("comment != null", "juel", "comment != None"),
        (' a > 5 and b = "x"', "feel", "a > 5 and b == 'x'"),
        ("approved = true or not(urgent)", "feel", "approved == True or not urgent"),
        ('category in ["edu", "health"]', "feel", "category in ['edu', 'health']"),
        ('state != "done"', "feel", "state != 'done'"),
    ],
)
def test_simple_juel_and_feel_conditions_become_python(source, dialect, python):
    assert translate_condition(source, dialect) == python


@pytest.mark.parametrize(
    ("source", "dialect"),
    [
        ('execution.getVariable("amount") > 1', "juel"),
        ("approved ? 1 : 2", "juel"),
        ("x = 1", "juel"),
        ('list contains(tags, "x")', "feel"),
        ("amount in [1..5]", "feel"),
        ("order.total > 5", "feel"),
        ("", "feel"),
    ],
)
def test_anything_more_is_not_converted(source, dialect):
    assert translate_condition(source, dialect) is None


def test_timers_nothing_would_fire_are_refused_so_nothing_waits_forever(deploy, fixture_files):
    answer = deploy(fixture_files("camunda7_timer_start.bpmn"))
    assert answer.status == 400 and answer.body["error"] == "lint_failed"
    found = by_element(answer)
    # A timer start event would start submissions of nobody's organisation on its own.
    (start,) = found["StartEvent_daily"]
    assert start["code"] == "waits-forever" and "是定时开始事件" in start["message"]
    # An intermediate timer waits for a duration (test_timers.py), not for a date …
    (date,) = found["Event_newyear"]
    assert date["code"] == "timer" and "等待到某个日期，平台不支持，请改为时长" in date["message"]
    # … nor for an expression the worker could not count.
    (expression,) = found["Event_pause"]
    assert expression["code"] == "timer" and "${pause}" in expression["message"]
