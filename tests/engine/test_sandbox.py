"""The diagram script sandbox: what scripts may do, what they may not, and the clock."""

from __future__ import annotations

import json
import sys
import threading
import time
from decimal import Decimal
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from app.engine import restricting
from app.engine.sandbox import (
    Limits,
    SandboxedEnvironment,
    ScriptError,
    check_syntax,
    make_script_engine,
)


@pytest.fixture
def env() -> SandboxedEnvironment:
    return SandboxedEnvironment({"double": lambda x: x * 2}, Limits(script_seconds=0.2))


# --------------------------------------------------------------------------- allowed


def test_condition_compares_task_data_in_chinese(env: SandboxedEnvironment) -> None:
    assert env.evaluate("grade == '中'", {"grade": "中"}) is True
    assert env.evaluate("\n  grade == '中'\n  ", {"grade": "优"}) is False


def test_script_variables_land_in_task_data_without_functions_or_builtins(
    env: SandboxedEnvironment,
) -> None:
    data: dict[str, Any] = {"scores": [80, 90], "totals": {"a": 1}}
    env.execute(
        "total = sum(scores)\n"
        "totals['a'] += 1\n"
        "def helper(x):\n"
        "    return x + 1\n"
        "bumped = helper(total)\n"
        "alias = len\n"
        "print('debug output is discarded')\n",
        data,
    )
    assert data == {"scores": [80, 90], "totals": {"a": 2}, "total": 170, "bumped": 171}
    assert not any(key.startswith("_") for key in data)


def test_named_functions_are_callable_from_scripts_and_conditions(
    env: SandboxedEnvironment,
) -> None:
    data: dict[str, Any] = {"amount": 21}
    env.execute("doubled = double(amount)", data)
    assert data["doubled"] == 42
    assert env.evaluate("double(amount) > 40", data) is True
    assert "double" not in data


def test_everyday_budget_constructs_work(env: SandboxedEnvironment) -> None:
    data: dict[str, Any] = {
        "rows": [{"name": "甲", "amount": Decimal("1.50")}, {"name": "乙", "amount": Decimal("2")}],
    }
    env.execute(
        "by_name = {row['name']: row['amount'] for row in rows}\n"
        "names = sorted([row['name'] for row in rows])\n"
        "total = sum(row['amount'] for row in rows)\n"
        "counts = {'big': 0, 'small': 0}\n"
        "for i, row in enumerate(rows):\n"
        "    if row['amount'] > 1 and not row['name'] == '':\n"
        "        counts['big'] += 1\n"
        "    else:\n"
        "        counts['small'] += 1\n"
        "pairs = list(zip(range(2), names))\n"
        "rounded = round(float(total), 1)\n"
        "n = 0\n"
        "n += max(1, 2) * abs(-3)\n"
        "labels = set(str(x) for x in [1, 1, 2])\n"
        "tenths = total.quantize(rows[1]['amount'] / 10)\n",
        data,
    )
    assert data["total"] == Decimal("3.50")
    assert data["counts"] == {"big": 2, "small": 0}
    assert data["names"] == ["乙", "甲"]
    assert data["pairs"] == [(0, "乙"), (1, "甲")]
    assert data["n"] == 6
    assert data["labels"] == {"1", "2"}


def test_a_failing_script_leaves_top_level_task_data_unchanged(env: SandboxedEnvironment) -> None:
    data: dict[str, Any] = {"x": 1}
    with pytest.raises(ScriptError, match="ZeroDivisionError"):
        env.execute("y = 2\nz = 1 / 0", data)
    assert data == {"x": 1}


def test_script_can_delete_a_variable(env: SandboxedEnvironment) -> None:
    data: dict[str, Any] = {"x": 1, "y": 2}
    env.execute("del y", data)
    assert data == {"x": 1}


def test_task_data_named_like_a_function_shadows_it_and_survives(
    env: SandboxedEnvironment,
) -> None:
    # Every round carries `adjusted_budget`, also an operator's name: scripts still run.
    data: dict[str, Any] = {"double": 3}
    env.execute("x = double + 1", data)
    assert data == {"double": 3, "x": 4}
    env.execute("double = 5", data)
    assert data["double"] == 5


# --------------------------------------------------------------------------- refused


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("import os", "import os"),
        ("from os import path", "from os import path"),
        ("__import__('os')", "__import__"),
        ("x = ().__class__.__bases__", "__class__"),
        ("open('/etc/passwd')", "open"),
        ("eval('1')", "eval"),
        ("exec('x = 1')", "exec"),
        ("compile('1', 'f', 'eval')", "compile"),
        ("globals()", "globals"),
        ("getattr(x, '__class__')", "getattr"),
        ("type(x).mro()", "type"),
        ("_secret = 1", "_secret"),
        ("y = _getattr_", "_getattr_"),
        ("try:\n    pass\nexcept Exception:\n    pass", "try"),
        ("class Foo:\n    pass", "Foo"),
    ],
)
def test_forbidden_constructs_are_refused_by_name(
    env: SandboxedEnvironment, source: str, named: str
) -> None:
    with pytest.raises(ScriptError) as raised:
        env.execute(source, {"x": 1})
    assert named in str(raised.value)
    assert raised.value.line_number == 1


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("'{0.__class__}'.format(x)", "format"),
        ("int.mro()", "mro"),
        ("f = open", "open"),
        ("y = 10 ** 10 ** 10", "too large"),
        ("y = 'a' * 10 ** 9", "too large"),
        ("y = sum(range(10 ** 12))", "range"),
    ],
)
def test_runtime_escapes_are_refused_by_name(
    env: SandboxedEnvironment, source: str, named: str
) -> None:
    with pytest.raises(ScriptError, match=named):
        env.execute(source, {"x": 1})


def test_condition_with_forbidden_access_is_refused(env: SandboxedEnvironment) -> None:
    with pytest.raises(ScriptError, match="__class__"):
        env.evaluate("grade.__class__", {"grade": "中"})


def test_runtime_error_reports_the_script_line(env: SandboxedEnvironment) -> None:
    with pytest.raises(ScriptError) as raised:
        env.execute("a = 1\nb = missing + 1\n", {})
    assert raised.value.line_number == 2
    assert "missing" in str(raised.value)


# --------------------------------------------------------------------------- the clock


def test_endless_loop_is_stopped_and_the_thread_keeps_working(env: SandboxedEnvironment) -> None:
    started = time.monotonic()
    with pytest.raises(ScriptError, match="ran longer than 0.2 s"):
        env.execute("while True:\n    pass", {})
    assert time.monotonic() - started < 2

    data: dict[str, Any] = {}
    env.execute("done = True", data)
    assert data == {"done": True}


def test_endless_loop_in_a_condition_comprehension_is_stopped(env: SandboxedEnvironment) -> None:
    started = time.monotonic()
    with pytest.raises(ScriptError, match="ran longer"):
        env.evaluate("any(x < 0 for x in range(1000000) for y in range(1000000))", {})
    assert time.monotonic() - started < 2


def test_time_limit_works_outside_the_main_thread(env: SandboxedEnvironment) -> None:
    outcome: dict[str, Any] = {}

    def worker() -> None:
        started = time.monotonic()
        try:
            env.execute("n = 0\nwhile True:\n    n += 1", {})
        except ScriptError as exc:
            outcome["error"] = exc
        outcome["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert "ran longer" in str(outcome["error"])
    assert outcome["elapsed"] < 2


def test_previous_trace_function_is_restored(env: SandboxedEnvironment) -> None:
    def tracer(frame: Any, event: str, arg: Any) -> None:
        return None

    original = sys.gettrace()
    sys.settrace(tracer)
    try:
        env.execute("x = 1", {})
        with pytest.raises(ScriptError):
            env.execute("while True:\n    pass", {})
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(original)


# --------------------------------------------------------------------------- linting


def test_check_syntax_reports_a_syntax_error_with_its_line() -> None:
    message = check_syntax("x = 1\ny = (\n", "exec")
    assert message is not None
    assert "Line 2" in message and "SyntaxError" in message


def test_check_syntax_reports_a_forbidden_import() -> None:
    message = check_syntax("x = 1\nimport os", "exec")
    assert message is not None
    assert "Line 2" in message and "import os" in message


def test_check_syntax_accepts_good_code() -> None:
    assert check_syntax("grade == '中'", "eval") is None
    assert check_syntax("totals['a'] += 1", "exec") is None
    assert check_syntax("x = 1", "eval") is not None  # a statement is not a condition


def test_same_source_is_compiled_once(env: SandboxedEnvironment) -> None:
    env.evaluate("amount > 12345", {"amount": 1})
    before = restricting._compile.cache_info().hits
    env.evaluate("amount > 12345", {"amount": 2})
    assert restricting._compile.cache_info().hits == before + 1


# --------------------------------------------------------------------------- services


def test_service_task_calls_the_named_operator_with_plain_values() -> None:
    env = SandboxedEnvironment({"score": lambda amount, weight: Decimal(amount) * weight})
    answer = env.call_service(
        {},
        operation_name="score",
        operation_params={
            "amount": {"value": "2.5", "type": "str"},
            "weight": {"value": 2, "type": "int"},
        },
    )
    assert json.loads(answer) == 5


def test_unknown_service_operator_is_named() -> None:
    env = SandboxedEnvironment({"score": lambda: 1})
    with pytest.raises(ScriptError, match="Unknown service operator “nope”"):
        env.call_service({}, operation_name="nope", operation_params={})


def test_function_names_that_scripts_could_not_call_are_refused() -> None:
    with pytest.raises(ValueError, match="_hidden"):
        SandboxedEnvironment({"_hidden": len})


# --------------------------------------------------------------------------- in a workflow

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="grading" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="grade_it"/>
    <bpmn:scriptTask id="grade_it" name="评分">
      <bpmn:script>SCRIPT</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="grade_it" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" default="to_other"/>
    <bpmn:sequenceFlow id="to_middle" sourceRef="gw" targetRef="middle">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">
        grade == '中'
      </bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to_other" sourceRef="gw" targetRef="other"/>
    <bpmn:endEvent id="middle"/>
    <bpmn:endEvent id="other"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _run_workflow(script: str, data: dict[str, Any]) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(BPMN.replace("SCRIPT", script).encode(), "grading.bpmn")
    workflow = BpmnWorkflow(
        parser.get_spec("grading"),
        script_engine=make_script_engine({"double": lambda x: x * 2}),
    )
    workflow.get_tasks(spec_name="start")[0].data.update(data)
    workflow.do_engine_steps()
    return workflow


def _completed(workflow: BpmnWorkflow) -> set[str]:
    return {task.task_spec.name for task in workflow.get_tasks(state=TaskState.COMPLETED)}


def test_workflow_gateway_follows_the_condition_set_by_a_script() -> None:
    script = "points = double(score)\ngrade = '中' if points &lt; 150 else '优'"
    middle = _run_workflow(script, {"score": 70})
    assert middle.is_completed()
    assert "middle" in _completed(middle) and "other" not in _completed(middle)
    assert middle.data["grade"] == "中"

    other = _run_workflow(script, {"score": 90})
    assert "other" in _completed(other) and "middle" not in _completed(other)


def test_workflow_script_that_imports_fails_with_the_sandbox_error() -> None:
    with pytest.raises(WorkflowTaskException) as raised:
        _run_workflow("import os\ngrade = '中'", {"score": 70})
    assert raised.value.error_type == "ScriptError"
    assert "import os" in str(raised.value)
    assert raised.value.task.state == TaskState.ERROR
