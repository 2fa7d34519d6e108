"""Every bound on diagram code holds whatever the code does: loops of any shape, one slow
builtin call that no interpreter can interrupt, memory, recursion, data that is small in
memory but huge once stored, and steps that never reach a wait state. Each is stopped
with an error naming the bound, and what ran before and after is unharmed.

No test measures time: the slow cases would run for minutes or hours (or take gigabytes)
if their bound did not hold, so a test that finishes is one whose bound held.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine import EngineError, LimitExceeded, Limits, ScriptRuntime, compile_process, runtime
from app.engine.errors import ScriptError
from app.engine.sandbox import SandboxedEnvironment
from app.engine.script_runner import storable

LIMITS = Limits(script_seconds=0.5)
TOO_LONG = "ran longer than 0.5 s and was stopped"
TOO_MUCH_MEMORY = "needed more than its 256 MB of memory"
TOO_LARGE = "would take more than the 1,024 KB allowed"

SLOW_SCRIPTS = {
    "a loop on one line": "while True: pass",
    "a loop over many lines": "n = 0\nwhile True:\n    n += 1\n    if n < 0:\n        break",
    # Keeps nothing, so the clock and not the memory limit stops it however fast the machine.
    "nested loops in a comprehension": "x = [i for i in range(10**6) for j in range(10**6) if 0]",
    "exponential recursion": "def f(n):\n    return f(n - 1) + f(n - 1) if n else 1\nx = f(200)",
    # One builtin call each: no tracer or signal handler runs until it returns.
    "sum of lists (one call, quadratic)": "x = sum([[1]] * 1000000, [])",
    "sorted (one call)": "x = sorted([i * 7919 % 1000003 for i in range(10**6)] * 9)",
}

SLOW_CONDITIONS = {
    "an endless comprehension": "any(x < 0 for x in range(10**6) for y in range(10**6))",
    "one slow builtin call": "sum([[1]] * 1000000, []) == []",
}

GREEDY_SCRIPTS = {
    "str.ljust": "x = 'x'.ljust(10**9)",
    "str.join": "x = ''.join(['x' * 10**6] * 1000)",
    "list repetition in a comprehension": "x = [list(range(10**6)) * 9 for i in range(5)]",
    "string building in a loop": "s = 'x' * 10**7\nparts = [s + str(i) for i in range(100)]",
}


@pytest.fixture
def calls() -> list[Any]:
    return []


@pytest.fixture
def env(calls: list[Any]) -> SandboxedEnvironment:
    def record(*args: Any) -> str:
        calls.append(args)
        return "recorded"

    return SandboxedEnvironment({"record": record, "double": lambda x: x * 2}, LIMITS)


def _refused(env: SandboxedEnvironment, source: str, mode: str = "exec") -> ScriptError:
    data: dict[str, Any] = {"kept": "原值"}
    with pytest.raises(ScriptError) as raised:
        if mode == "exec":
            env.execute(source, data)
        else:
            env.evaluate(source, data)
    assert data == {"kept": "原值"}  # a refused script changes nothing
    return raised.value


@pytest.mark.parametrize("source", SLOW_SCRIPTS.values(), ids=SLOW_SCRIPTS.keys())
def test_a_slow_script_of_any_shape_is_stopped_at_its_time_limit(env, source):
    assert TOO_LONG in str(_refused(env, source))


@pytest.mark.parametrize("source", SLOW_CONDITIONS.values(), ids=SLOW_CONDITIONS.keys())
def test_a_slow_condition_is_stopped_at_its_time_limit(env, source):
    assert TOO_LONG in str(_refused(env, source, "eval"))


def test_a_loop_the_worker_stops_itself_says_which_line_was_running(env):
    error = _refused(env, "x = 1\nwhile True:\n    x += 1")
    assert error.line_number in (2, 3)
    assert str(error).startswith(f"line {error.line_number}: ")


@pytest.mark.parametrize("source", GREEDY_SCRIPTS.values(), ids=GREEDY_SCRIPTS.keys())
def test_a_script_that_asks_for_too_much_memory_is_stopped_at_its_memory_limit(source):
    # Time enough that memory, not the clock, is what stops them on a slow machine.
    env = SandboxedEnvironment({}, Limits(script_seconds=10))
    assert TOO_MUCH_MEMORY in str(_refused(env, source))


def test_deep_recursion_fails_with_its_own_error_and_line(env):
    error = _refused(env, "def f(n):\n    return f(n + 1)\nx = f(0)")
    assert "RecursionError" in str(error)
    assert error.line_number == 2


def test_converting_a_huge_number_to_text_is_refused_by_name(env):
    assert "4300 digits" in str(_refused(env, "x = str(10 ** 5000)"))


def test_the_next_script_runs_normally_after_one_was_killed(env):
    _refused(env, SLOW_SCRIPTS["sum of lists (one call, quadratic)"])
    _refused(env, GREEDY_SCRIPTS["str.ljust"])
    data = {"amount": 21}
    env.execute("doubled = double(amount)", data)
    assert data == {"amount": 21, "doubled": 42}


# --------------------------------------------------------------------------- stored size


def test_shared_lists_that_would_multiply_when_stored_are_refused_by_the_data_limit(env):
    error = _refused(env, "a = [1] * 1000\nb = [a] * 1000\nc = [b] * 100")
    assert f"the task data the script leaves {TOO_LARGE}" in str(error)


def test_shared_parts_are_counted_every_time_they_appear():
    env = SandboxedEnvironment({}, Limits(data_kb=64))
    data: dict[str, Any] = {}
    env.execute("a = list(range(1000))\nb = [a] * 10", data)  # about 40 KB stored
    assert len(data["b"]) == 10
    with pytest.raises(ScriptError, match="more than the 64 KB allowed"):
        env.execute("a = list(range(1000))\nb = [a] * 20", {})  # about 80 KB stored


def test_shared_lists_handed_to_a_function_are_refused_before_it_is_called(env, calls):
    error = _refused(env, "a = [1] * 1000\nb = [a] * 1000\nx = record([b] * 100)")
    assert f'the arguments of "record" {TOO_LARGE}' in str(error)
    assert error.line_number == 3
    assert calls == []


def test_a_condition_whose_value_would_multiply_when_stored_is_refused(env):
    error = _refused(env, "[[[1] * 1000] * 1000] * 100", "eval")
    assert f"the value of the expression {TOO_LARGE}" in str(error)


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("a = []\na.append(a)", "it contains itself"),
        ("x = float('nan')", "nan is not a number JSON can hold"),
        ("x = {(1, 2): 'pair'}", "keys must be text or numbers, not tuple"),
        ("x = 7 ** 10000", "a number of more than 4300 digits"),
    ],
)
def test_data_that_cannot_be_stored_is_refused_by_name(env, source, named):
    assert named in str(_refused(env, source))


def test_values_of_other_types_are_kept_as_the_text_they_would_be_stored_as(env):
    data: dict[str, Any] = {}
    env.execute("r = range(3)\nrows = [reversed([1, 2])]\nn = 3", data)
    assert data["r"] == "range(0, 3)"
    assert data["rows"][0].startswith("<list_reverseiterator")
    assert data["n"] == 3


# Text without quotes, backslashes or control characters: JSON writes it as it is.
plain_text = st.text(st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters='"\\'))
shared_trees = st.recursive(
    st.integers() | st.floats(allow_nan=False, allow_infinity=False) | plain_text | st.booleans(),
    lambda children: (
        st.lists(children, max_size=4).flatmap(
            # a list of the same children repeated: the sharing a script gets from `[x] * n`
            lambda items: st.integers(1, 60).map(lambda n: items * n)
        )
        | st.dictionaries(plain_text, children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(shared_trees)
def test_whatever_is_shared_the_data_a_script_leaves_is_refused_exactly_past_the_limit(value):
    limit = 16 * 1024
    stored = len(json.dumps({"value": value}, ensure_ascii=False, separators=(",", ":")))
    try:
        kept = storable({"value": value}, limit, "the data")
    except ScriptError as refused:
        assert "more than the 16 KB allowed" in str(refused)
        assert stored > limit
    else:
        assert kept == {"value": value}
        assert stored <= limit


# --------------------------------------------------------------------------- whole steps

LOOP = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="looping" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill"/>
    <bpmn:userTask id="fill" name="填报"/>
    <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="count"/>
    <bpmn:scriptTask id="count" name="计数">
      <bpmn:script>SCRIPT</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="count" targetRef="again"/>
    <bpmn:exclusiveGateway id="again" default="done"/>
    <bpmn:sequenceFlow id="loop" sourceRef="again" targetRef="count">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">
        n &lt; 1000000000
      </bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="done" sourceRef="again" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def limits():
    """Set the engine's limits for one test, on an app of the test's own: the limits live
    on the app, so nothing outlives the test."""
    app = Flask(__name__)
    ScriptRuntime().init_app(app)
    with app.app_context():
        yield runtime.configure_limits


def test_outside_an_app_the_limits_cannot_be_changed():
    with pytest.raises(RuntimeError):
        runtime.configure_limits(Limits(engine_steps=50))
    assert runtime.current_limits() == Limits()


def _loop(script: str = "n = data.get('n', 0) + 1"):
    process = compile_process(LOOP.replace("SCRIPT", script).encode(), "looping.bpmn")
    step = runtime.start_workflow(process, {})
    return process, step.state, step.ready[0].engine_task_id


def test_a_script_and_gateway_loop_with_no_wait_state_stops_at_the_engine_step_limit(limits):
    limits(Limits(engine_steps=50))
    process, state, task_id = _loop()
    with pytest.raises(LimitExceeded) as raised:
        runtime.complete_task(process, state, task_id, {})
    assert "passed 50 engine tasks without reaching a wait state" in str(raised.value)


def test_a_loop_of_scripts_each_within_its_limit_stops_at_the_step_time_limit(limits):
    limits(Limits(engine_steps=900, step_seconds=0.5))
    process, state, task_id = _loop("n = data.get('n', 0) + 1\nx = sum(range(1000000))")
    with pytest.raises(EngineError, match=r"longer than 0\.5 s in all"):
        runtime.complete_task(process, state, task_id, {})


def test_a_step_that_would_store_more_than_the_state_limit_is_refused(limits):
    limits(Limits(state_mb=1))
    process = compile_process(LOOP.replace("SCRIPT", "n = 1").encode(), "looping.bpmn")
    with pytest.raises(LimitExceeded, match="more than the 1 MB allowed"):
        runtime.start_workflow(process, {"notes": "长" * 400_000})  # 1.2 MB as UTF-8
    assert runtime.start_workflow(process, {"notes": "短"}).ready


def test_with_the_default_limits_an_endless_loop_fails_instead_of_ending_the_workflow(limits):
    # SpiffWorkflow alone would report this workflow finished after 998 engine tasks.
    limits(Limits(step_seconds=60))
    process, state, task_id = _loop()
    with pytest.raises(LimitExceeded, match="passed 500 engine tasks"):
        runtime.complete_task(process, state, task_id, {})


def test_an_engine_step_limit_past_what_spiffworkflow_can_see_is_refused():
    with pytest.raises(ValueError, match="at most 900"):
        Limits(engine_steps=1000)


def _script_in_forked_child(results) -> None:
    from app.engine.script_pool import POOL

    inherited = len(POOL._idle)  # the parent's workers are the parent's
    data = {"amount": 2}
    SandboxedEnvironment({"double": lambda x: x * 2}, LIMITS).execute("x = double(amount)", data)
    results.put((inherited, data["x"]))


def test_a_forked_process_runs_scripts_in_its_own_workers_and_leaves_the_parents_alone(env):
    import multiprocessing

    data = {"amount": 1}
    env.execute("x = double(amount)", data)  # the parent now holds an idle worker
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_script_in_forked_child, args=(results,))
    child.start()
    assert results.get(timeout=60) == (0, 4)
    child.join(timeout=60)
    assert child.exitcode == 0
    env.execute("y = double(x)", data)
    assert data == {"amount": 1, "x": 2, "y": 4}
