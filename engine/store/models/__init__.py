"""Every table of policyflow, importable from one place (Alembic reads Base.metadata)."""

from .accounts import ApiToken, LoginFailure
from .audit import AuditBlob, AuditEvent
from .audit_checkpoints import AuditCheckpoint, AuditCheckpointHead
from .base import Base
from .calendar import CalendarDay, CalendarYear
from .collaboration import Attachment, Comment
from .documents import Document, DocumentTemplate
from .drafts import FormDraft
from .incidents import Incident
from .info_requests import CitizenLetter, InfoRequest, InfoRequestFile, PublicHit
from .monitoring import MonitoringItem
from .org import ADMINISTRATION_KINDS, OrgUnit, Role, RoleAssignment, User
from .outbox import Job, ReminderSent
from .plan import PlanTask, PlanTaskProgress
from .process import ProcessVersion, Setting, SettingValue
from .records import CaseRecord, RegisterEntry
from .runtime import (
    COMPLETED_ITEM,
    OPEN_ITEM,
    DocumentCounter,
    Instance,
    MessageWait,
    Notification,
    Timer,
    WorkItem,
)
from .spokespersons import Spokesperson, SpokespersonPublication

__all__ = [
    "ADMINISTRATION_KINDS",
    "COMPLETED_ITEM",
    "OPEN_ITEM",
    "ApiToken",
    "Attachment",
    "AuditBlob",
    "AuditCheckpoint",
    "AuditCheckpointHead",
    "AuditEvent",
    "Base",
    "CalendarDay",
    "CalendarYear",
    "CaseRecord",
    "CitizenLetter",
    "Comment",
    "Document",
    "DocumentCounter",
    "DocumentTemplate",
    "FormDraft",
    "Incident",
    "InfoRequest",
    "InfoRequestFile",
    "Instance",
    "Job",
    "LoginFailure",
    "MessageWait",
    "MonitoringItem",
    "Notification",
    "OrgUnit",
    "PlanTask",
    "PlanTaskProgress",
    "ProcessVersion",
    "PublicHit",
    "RegisterEntry",
    "ReminderSent",
    "Role",
    "RoleAssignment",
    "Setting",
    "SettingValue",
    "Spokesperson",
    "SpokespersonPublication",
    "Timer",
    "User",
    "WorkItem",
]
