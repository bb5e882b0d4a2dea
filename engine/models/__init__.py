"""Every table of policyflow, importable from one place (Alembic reads Base.metadata)."""

from .audit import AuditEvent
from .base import Base
from .calendar import CalendarDay
from .org import ADMINISTRATION_KINDS, OrgUnit, Role, RoleAssignment, User
from .process import ProcessVersion, Setting
from .runtime import DocumentCounter, Instance, MessageWait, Notification, Timer, WorkItem

__all__ = [
    "ADMINISTRATION_KINDS",
    "AuditEvent",
    "Base",
    "CalendarDay",
    "DocumentCounter",
    "Instance",
    "MessageWait",
    "Notification",
    "OrgUnit",
    "ProcessVersion",
    "Role",
    "RoleAssignment",
    "Setting",
    "Timer",
    "User",
    "WorkItem",
]
