"""Camunda 8's correlation keys: which submission a published message is for.

Camunda Modeler 8 writes a message's subscription as
`<bpmn:message name="x"><bpmn:extensionElements><zeebe:subscription
correlationKey="=order_no"/></bpmn:extensionElements></bpmn:message>`: a message
published with the correlation key "PO-2" reaches the instance whose `order_no` is
"PO-2". Here the key names a field of the submission's data; `POST /api/v1/messages`
with `"correlationKey": "PO-2"` resumes the submissions waiting for the message whose
field holds that value (services/runtime/messages.py). A key that is more than a field's name
(`=order.id`, `="PO-" + no`) is refused at deployment with a finding naming the message.
Camunda 7 has no key in the diagram: its senders name the fields (`correlation`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from flask_babel import gettext as _
from lxml import etree

from app.engine.foreign_common import BPMN, ZEEBE, ImportFinding, ImportNotes
from app.engine.xml import parse_xml

_FIELD = re.compile(r"^=?\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")


def key_field(expression: str | None) -> str | None:
    """The field a correlation key expression names (`=order_no` -> order_no); None
    when it is more than a field's name."""
    found = _FIELD.match((expression or "").strip())
    return found.group(1) if found else None


def _subscriptions(root: etree._Element):
    for message in root.iter(f"{{{BPMN}}}message"):
        for subscription in message.iter(f"{{{ZEEBE}}}subscription"):
            yield message, (subscription.get("correlationKey") or "").strip()


def check_correlation_keys(root: etree._Element, notes: ImportNotes) -> None:
    """A finding for each correlation key the delivery could not read as a field."""
    for message, expression in _subscriptions(root):
        if expression and key_field(expression) is None:
            name = message.get("name") or message.get("id") or "?"
            notes.findings.append(
                ImportFinding(
                    message.get("id") or "",
                    "correlation-key",
                    _(
                        "The correlation key “%(key)s” of the message “%(name)s” is not a "
                        "field name such as =order_no, so no message could be matched by it.",
                        key=expression,
                        name=name,
                    ),
                )
            )
        elif expression:
            notes.converted.append(f"{message.get('id')}: correlationKey {expression}")


@lru_cache(maxsize=64)
def correlation_fields(bpmn_xml: str) -> dict[str, str]:
    """{message name: the field its correlation key names} of a deployed diagram."""
    try:
        root = parse_xml(bpmn_xml.encode())
    except Exception:  # noqa: BLE001 - a deployed diagram parsed once already
        return {}
    return {
        message.get("name"): field
        for message, expression in _subscriptions(root)
        if message.get("name") and (field := key_field(expression))
    }
