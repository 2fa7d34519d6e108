"""SQLAlchemy models, one module per aggregate; import them all here so Alembic sees them."""

from app.models.api_token import ApiToken
from app.models.attachment import Attachment
from app.models.audit import AuditEvent, ProcessAuditEvent
from app.models.campaign import Campaign
from app.models.definition import FormFile, ProcessDefinition
from app.models.department import DepartmentSelfEvaluation, DepartmentTargets
from app.models.draft import ProcessDraft
from app.models.form_draft import FormDraft, FormEvent
from app.models.idempotency import IdempotencyRecord
from app.models.indicator import LibraryIndicator
from app.models.instance import ProcessInstance
from app.models.job import Job
from app.models.notification import Notification
from app.models.org import Org, Role, User, UserRole
from app.models.project import (
    ControlTotal,
    CountyBudget,
    Project,
    ProjectEvent,
)
from app.models.rectification import RectificationItem, RectificationVerification
from app.models.setting import Setting
from app.models.task import Task
from app.models.web_session import WebSession

__all__ = [
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Campaign",
    "ControlTotal",
    "CountyBudget",
    "DepartmentSelfEvaluation",
    "DepartmentTargets",
    "FormDraft",
    "FormEvent",
    "FormFile",
    "IdempotencyRecord",
    "Job",
    "LibraryIndicator",
    "Notification",
    "Org",
    "ProcessAuditEvent",
    "ProcessDefinition",
    "ProcessDraft",
    "ProcessInstance",
    "Project",
    "ProjectEvent",
    "RectificationItem",
    "RectificationVerification",
    "Role",
    "Setting",
    "Task",
    "User",
    "UserRole",
    "WebSession",
]

# Primary keys are INTEGER columns (32-bit on PostgreSQL): a larger id names no row and
# must be answered as "not found" before it reaches the driver, which would overflow.
MAX_ID = 2**31 - 1


def fits_id(value: int) -> bool:
    return 0 < value <= MAX_ID
