"""The lint refuses events a submission would wait at forever, and only those."""

from __future__ import annotations

from app.engine.lint_flow import lint_flow
from app.engine.xml import parse_xml

HEAD = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
    '<bpmn:message id="m1" name="receipt" /><bpmn:message id="m2" />'
    '<bpmn:signal id="s1" name="go" />'
    '<bpmn:process id="p" isExecutable="true">'
)
TAIL = "</bpmn:process></bpmn:definitions>"


def waiting(body: str) -> set[str]:
    root = parse_xml((HEAD + body + TAIL).encode())
    return {f.element_id for f in lint_flow(root) if f.code == "waits-forever"}


def test_a_signal_or_an_unnamed_message_nothing_sends_waits_forever():
    body = (
        '<bpmn:startEvent id="s"><bpmn:signalEventDefinition signalRef="s1" /></bpmn:startEvent>'
        '<bpmn:startEvent id="ms"><bpmn:messageEventDefinition messageRef="m2" />'
        "</bpmn:startEvent>"
        '<bpmn:intermediateCatchEvent id="u"><bpmn:messageEventDefinition messageRef="m2" />'
        "</bpmn:intermediateCatchEvent>"
    )
    assert waiting(body) == {"s", "ms", "u"}  # m2 has no name to deliver it by


def test_a_named_message_is_delivered_by_the_messages_api():
    body = (
        '<bpmn:startEvent id="ms"><bpmn:messageEventDefinition messageRef="m1" />'
        "</bpmn:startEvent>"
        '<bpmn:intermediateCatchEvent id="c"><bpmn:messageEventDefinition messageRef="m1" />'
        "</bpmn:intermediateCatchEvent>"
        '<bpmn:receiveTask id="r" messageRef="m1" />'
    )
    assert waiting(body) == set()


def test_a_message_or_signal_thrown_in_the_diagram_is_delivered_by_the_engine():
    body = (
        '<bpmn:intermediateThrowEvent id="t"><bpmn:messageEventDefinition messageRef="m1" />'
        "</bpmn:intermediateThrowEvent>"
        '<bpmn:intermediateCatchEvent id="c"><bpmn:messageEventDefinition messageRef="m1" />'
        "</bpmn:intermediateCatchEvent>"
        '<bpmn:endEvent id="e"><bpmn:signalEventDefinition signalRef="s1" /></bpmn:endEvent>'
        '<bpmn:intermediateCatchEvent id="g"><bpmn:signalEventDefinition signalRef="s1" />'
        "</bpmn:intermediateCatchEvent>"
    )
    assert waiting(body) == set()


def test_timers_that_nothing_fires_are_refused_but_the_worker_fires_durations():
    body = (
        '<bpmn:startEvent id="s"><bpmn:timerEventDefinition /></bpmn:startEvent>'
        '<bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition />'
        "</bpmn:intermediateCatchEvent>"
        '<bpmn:userTask id="u" />'
        '<bpmn:boundaryEvent id="b" attachedToRef="u" cancelActivity="false">'
        "<bpmn:timerEventDefinition /></bpmn:boundaryEvent>"
        '<bpmn:subProcess id="es" triggeredByEvent="true"><bpmn:startEvent id="es_start">'
        '<bpmn:messageEventDefinition messageRef="m1" /></bpmn:startEvent></bpmn:subProcess>'
    )
    assert waiting(body) == {"s"}  # a timer start event: nothing starts a submission alone
    root = parse_xml((HEAD + body + TAIL).encode())
    # An intermediate timer without a duration is refused as such; one with a duration
    # (as Camunda 7, Camunda 8 and spiff-arena write it) is fired by the worker.
    assert {(f.element_id, f.code) for f in lint_flow(root) if f.code == "timer"} == {
        ("w", "timer")
    }
    for written in ("P2D", '=duration("PT4H")', '"P1D"'):
        timed = (
            '<bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition><bpmn:timeDuration>'
            f"{written}</bpmn:timeDuration></bpmn:timerEventDefinition>"
            "</bpmn:intermediateCatchEvent>"
        )
        root = parse_xml((HEAD + timed + TAIL).encode())
        assert [f for f in lint_flow(root) if f.element_id == "w"] == [], written
