"""What deploying the modeler's draft would change: the diagram's elements and the
forms' fields against the latest version, shown before the administrator confirms.

A deployment changes what every new submission runs, so 部署 first says what changed, in
the same words as the versions page's comparison, and only a confirmation deploys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from flask_babel import lazy_gettext as _l

from app.engine.diagram_diff import CHANGED, ElementChange, diff_diagrams
from app.engine.xml import parse_xml
from app.forms.schema_diff import FieldChange, diff_forms
from app.models import User
from app.services.administration.modeling import (
    deployable_forms,
    draft_of,
    latest_version,
    require_valid_key,
)
from app.services.foundation.errors import NotFound
from app.services.foundation.policy import require_can_deploy
from app.services.foundation.roles import resolve_role
from app.services.runtime.definitions import pinned_forms

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
FORM_PROPERTIES = ("formJsonSchemaFilename", "formUiSchemaFilename")
EMPTY_DEFINITIONS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    b'id="empty" targetNamespace="http://bpmn.io/schema/bpmn"/>'
)


@dataclass
class DeployPreview:
    key: str
    deployed_version: int | None  # None: the first deployment
    next_version: int
    elements: list[ElementChange]
    fields: list[FieldChange]


def preview_deploy(actor: User, key: str) -> DeployPreview:
    """The changes deploying the saved draft of `key` would make. Raises Forbidden for
    non-administrators, NotFound without a draft, DiagramError for unsafe XML."""
    require_can_deploy(actor)
    require_valid_key(key)
    draft = draft_of(key)
    if draft is None:
        raise NotFound(_l("The process “%(key)s” has no draft to deploy.", key=key))
    latest = latest_version(key)
    new_xml = draft.bpmn_xml.encode("utf-8")
    old_xml = latest.bpmn_xml.encode("utf-8") if latest is not None else EMPTY_DEFINITIONS
    available = deployable_forms(latest)
    new_forms = {}
    for name in _named_forms(new_xml):
        try:
            new_forms[name] = json.loads(available[name])
        except (KeyError, ValueError):  # a missing or broken form is the lint's to report
            continue
    old_forms = pinned_forms(latest) if latest is not None else {}
    return DeployPreview(
        key,
        latest.version if latest is not None else None,
        (latest.version + 1) if latest is not None else 1,
        same_role_lanes_dropped(diff_diagrams(old_xml, new_xml)),
        diff_forms(old_forms, new_forms),
    )


def same_role_lanes_dropped(changes: list[ElementChange]) -> list[ElementChange]:
    """Without the lane changes that name the same role two ways (a code and its display
    name, as the modeler writes a picked role): they change no one's inbox."""
    kept = []
    for change in changes:
        details = tuple(
            d
            for d in change.details
            if not (
                d.prop == "lane"
                and d.old
                and d.new
                and resolve_role(d.old) is not None
                and resolve_role(d.old) == resolve_role(d.new)
            )
        )
        if change.change == CHANGED and change.details and not details:
            continue  # nothing but a lane's spelling changed
        aspects = tuple(
            a for a in change.aspects if a != "lane" or any(d.prop == "lane" for d in details)
        )
        kept.append(replace(change, details=details, aspects=aspects))
    return kept


def _named_forms(xml: bytes) -> list[str]:
    """The form files the diagram's user tasks name, in order."""
    names = []
    for prop in parse_xml(xml).iter(f"{{{SPIFF_NS}}}property"):
        if prop.get("name") in FORM_PROPERTIES and prop.get("value"):
            names.append(prop.get("value").strip())
    return list(dict.fromkeys(names))
