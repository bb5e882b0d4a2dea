"""The states things take, named once: an instance's status, a work item's and a timer's
state, a background job's state, a task's scope, the commands the audit log records.

Each is a `StrEnum`: a member *is* its string (`InstanceStatus.RUNNING == "running"`),
so the database columns (plain strings), the audit log's JSON, templates and the API see
exactly the values they always did. Rows read back give plain strings; the typed results
(`engine.results`) carry members.
"""

from enum import StrEnum


class InstanceStatus(StrEnum):
    """A process instance's status."""

    RUNNING = "running"
    SUSPENDED = "suspended"  # by its administration or a process owner (e.g. to move it)
    COMPLETED = "completed"
    CANCELLED = "cancelled"


# Instances that have not ended (commands, messages and moves reach only these).
UNFINISHED = (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)


class EngineData(StrEnum):
    """Keys the engine writes into an instance's data at start; no form may write them
    (a user's `"config": {}` would replace the settings every later step reads)."""

    CONFIG = "config"  # the settings in force, copied at start
    REPORTING_UNITS = "reporting_units"  # the units asked to report (P3's multi-instance)
    INSTANCE_UNIT = "instance_unit"  # the unit the instance concerns
    INITIATOR = "initiator"  # who started it
    STARTED_FROM = "started_from"  # the case whose process started this one (spawn)


class WorkItemState(StrEnum):
    """A work item's (a user task's) state; claimed is an open item with `claimed_by`."""

    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # its instance was cancelled, or the flow went another way


class TimerState(StrEnum):
    """A waiting timer's state."""

    WAITING = "waiting"
    FIRED = "fired"
    CANCELLED = "cancelled"


class JobState(StrEnum):
    """A background job's state (engine.background.outbox)."""

    PENDING = "pending"  # written, not yet handed to the queue
    SENT = "sent"  # handed to the queue (handed again if it never finishes)
    DONE = "done"
    FAILED = "failed"


class Scope(StrEnum):
    """Whom a work item goes to: holders of its role in its own unit (a task pinned to a
    unit), or in the administration of the unit the instance concerns."""

    UNIT = "unit"
    ADMINISTRATION = "administration"


class AuditCommand(StrEnum):
    """Every command the audit log records (`engine.audit.chain.append`'s callers)."""

    START = "start"
    COMPLETE = "complete"
    CLAIM = "claim"
    UNCLAIM = "unclaim"
    REASSIGN = "reassign"
    COMMENT = "comment"
    ATTACH = "attach"
    TIMER = "timer"
    MESSAGE = "message"
    CANCEL = "cancel"
    SUSPEND = "suspend"
    RESUME = "resume"
    MIGRATE = "migrate"
    UPDATE_DATA = "update_data"  # an operator's fix of the instance's data (incidents)
    ORG_TRANSITION = "org_transition"  # open work handed to a merged unit's successor
    DOCUMENT = "document"  # an official document rendered for the instance (its SHA-256)
    ORG_IMPORT = "org_import"  # administrative (no instance): the org timeline imported
    USER_CREATE = "user_create"  # administrative: a user added (engine.commands.admin_people)
    USER_UPDATE = "user_update"  # administrative: a user's name, position, contacts edited
    USER_DEACTIVATE = "user_deactivate"  # administrative: a user can no longer sign in
    PASSWORD_RESET = "password_reset"  # administrative: a new one-time password
    USER_UNLOCK = "user_unlock"  # administrative: login lockouts lifted
    ROLE_GRANT = "role_grant"  # administrative: a role held in a unit from a date
    ROLE_END = "role_end"  # administrative: a role holding ended at a date
    USER_IMPORT = "user_import"  # administrative: users and holdings imported from CSV
    UNIT_ADD = "unit_add"  # administrative: an org unit added
    UNIT_RENAME = "unit_rename"  # administrative: an org unit renamed
    UNIT_END = "unit_end"  # administrative: an org unit ended, with its successor
    SETTING_SET = "setting_set"  # administrative: a setting's value from a date
    CALENDAR_SET = "calendar_set"  # administrative: a day made a holiday, workday or ordinary
    CALENDAR_CONFIRM = "calendar_confirm"  # administrative: a calendar year confirmed
    SPOKESPERSON_SET = "spokesperson_set"  # administrative: a spokesperson designated
    PLAN_PROGRESS = "plan_progress"  # administrative: a unit's progress on a plan task
    PLAN_IMPORT = "plan_import"  # administrative: a year's plan tasks imported


class IncidentState(StrEnum):
    """An incident's state: open until a retry succeeds or the instance ends."""

    OPEN = "open"
    RESOLVED = "resolved"


class IncidentKind(StrEnum):
    """The engine's own work that failed: a timer it fired, a message it delivered."""

    TIMER = "timer"
    MESSAGE = "message"
