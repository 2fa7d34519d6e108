"""Process diagrams: a deployed version drawn by bpmn-js, and a submission's place on it.

The XML is served on its own address (same origin, cacheable) and fetched by
static/diagram.js; pages carry only a small JSON of marks, never the diagram inline.
"""

from __future__ import annotations

import hashlib

from flask import make_response, render_template, request

from app import params
from app.services.administration import diagram_views
from app.services.runtime.queries import InstanceDetail
from app.web.blueprint import web_blueprint as bp
from app.web.filters import waited


def _version_arg() -> int | None:
    return params.record_id("version")


@bp.get("/processes/<key>/diagram")
def process_diagram(key: str):
    definition = diagram_views.definition_version(key, _version_arg())
    return render_template(
        "diagram.html",
        definition=definition,
        steps=diagram_views.process_steps(definition),
        versions=diagram_views.versions_of(key),
    )


@bp.get("/processes/<key>/diagram.bpmn")
def process_diagram_xml(key: str):
    version = _version_arg()
    definition = diagram_views.definition_version(key, version)
    response = make_response(definition.bpmn_xml)
    response.mimetype = "application/xml"
    response.set_etag(hashlib.sha256(definition.bpmn_xml.encode()).hexdigest()[:32])
    # A pinned version never changes; "the latest" may, so revalidate it each time.
    response.cache_control.private = True
    if version is None:
        response.cache_control.no_cache = True
    else:
        response.cache_control.max_age = 3600
    return response.make_conditional(request)


@bp.app_template_global("instance_diagram_data")
def instance_diagram_data(detail: InstanceDetail) -> dict:
    """The marks the instance page embeds: current steps with a label, done counts."""
    marks = diagram_views.instance_marks(detail)
    return {
        "current": [
            {"activity_id": m.activity_id, "label": f"{m.holder} · {waited(m.since)}"}
            for m in marks.current
        ],
        "done": marks.done,
    }
