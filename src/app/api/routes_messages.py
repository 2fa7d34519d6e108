"""`POST /api/v1/messages`: another system (or finance) delivers a message to the
submissions waiting for it at a message catch event or receive task."""

from __future__ import annotations

from app import params
from app.api import api_blueprint as bp
from app.api.auth import api_login_required, api_user
from app.api.idempotent import idempotent
from app.api.serializers import task_json
from app.services import messages


@bp.post("/messages")
@api_login_required
@idempotent
def deliver_message():
    body = params.json_body(required=True)
    # Camunda 8's publish-message shape too: correlationKey and variables.
    data = body.get("data") if body.get("data") is not None else body.get("variables")
    delivered = messages.correlate_message(
        api_user(),
        body.get("name"),
        body.get("correlation") or {},
        data or {},
        body.get("correlationKey"),
    )
    return {
        "instances": [
            {
                "id": d.instance.id,
                "status": d.instance.status,
                "tasks": [task_json(t) for t in d.tasks],
            }
            for d in delivered
        ]
    }, 200
