"""SQLAlchemy models, one module per aggregate; import them all here so Alembic sees them."""

from app.models.api_token import ApiToken
from app.models.attachment import Attachment
from app.models.audit import AuditEvent
from app.models.campaign import Campaign
from app.models.definition import FormFile, ProcessDefinition
from app.models.draft import ProcessDraft
from app.models.idempotency import IdempotencyRecord
from app.models.instance import ProcessInstance
from app.models.notification import Notification
from app.models.org import Org, Role, User, UserRole
from app.models.project import Project, ProjectEvent, RectificationItem
from app.models.setting import Setting
from app.models.task import Task

__all__ = [
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Campaign",
    "FormFile",
    "IdempotencyRecord",
    "Notification",
    "Org",
    "ProcessDefinition",
    "ProcessDraft",
    "ProcessInstance",
    "Project",
    "ProjectEvent",
    "RectificationItem",
    "Role",
    "Setting",
    "Task",
    "User",
    "UserRole",
]
