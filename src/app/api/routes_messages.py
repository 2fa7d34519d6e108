"""`POST /api/v1/messages`: another system (or finance) delivers a message to the
submissions waiting for it at a message catch event or receive task."""

from __future__ import annotations

from app.api.auth import api_login_required, api_user
from app.api.blueprint import api_blueprint as bp
from app.api.idempotent import idempotent
from app.api.schemas.messages import MessageRequest
from app.api.serializers import task_json
from app.services.foundation import policy
from app.services.runtime import messages, queries


@bp.post("/messages")
@api_login_required
@idempotent
def deliver_message():
    user = api_user()
    body = MessageRequest.from_request(
        required=True, check_first=lambda: policy.require_can_send_messages(user)
    )
    # Camunda 8's publish-message shape too: correlationKey and variables.
    data = body.data if body.data is not None else body.variables
    delivered = messages.correlate_message(
        user, body.name, body.correlation or {}, data or {}, body.correlationKey
    )
    # Every answer's tasks named together: one statement for their orgs, one for holders.
    queries.name_org_and_holder([t for d in delivered for t in d.tasks])
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
