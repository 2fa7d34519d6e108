"""External service tasks drawn in Camunda Modeler 7 and 8 become steps of the service
workers, with their topic; one whose topic no worker could name is refused."""

from __future__ import annotations

from app.engine.compiler import compile_process
from app.engine.foreign import convert_diagram

C8 = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" exporter="Camunda Modeler">
  <bpmn:process id="c8_check" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="Activity_check" name="校验">
      <bpmn:extensionElements><zeebe:taskDefinition type="TOPIC" /></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="Activity_check" />
    <bpmn:sequenceFlow id="f2" sourceRef="Activity_check" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>"""


def test_a_zeebe_task_definition_becomes_a_service_worker_step_with_its_topic():
    converted, notes = convert_diagram(C8.replace("TOPIC", "budget-check").encode())
    assert notes.findings == []
    step = compile_process(converted).user_tasks["Activity_check"]
    assert (step.lane, step.external_topic, step.form) == ("service_worker", "budget-check", None)
    # The stored diagram keeps the service task as drawn, next to our properties.
    assert b"<bpmn:serviceTask" in converted and b"zeebe:taskDefinition" in converted


def test_a_topic_that_is_an_expression_is_refused_by_name():
    _, notes = convert_diagram(C8.replace("TOPIC", "=&quot;check-&quot; + kind").encode())
    (finding,) = notes.findings
    assert (finding.element_id, finding.code) == ("Activity_check", "external-topic")
    assert "without a fixed topic" in finding.message
