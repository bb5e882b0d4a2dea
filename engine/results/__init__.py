"""What the engine returns: the typed shape of every result `Policyflow` hands out.

Each result is a `TypedDict` — at run time a plain dict, exactly the JSON the web pages,
the REST API, the CLI's `--json` and the tests read — so a field's name, type and
nullness are written down once, here, and mypy checks them wherever they are produced or
read. `NotRequired` marks a key the engine sometimes leaves out; `X | None` a key that is
always there and may be null. Statuses are the StrEnums of `engine.enums`.

The REST API's response schemas are generated from these types (web/api/schemas.py, with
pydantic): `Annotated[..., doc("...")]` and the `Moment`/`Day` aliases add what a type
alone cannot say (a description, a date-time format). The classes are typing_extensions'
`TypedDict`, which pydantic needs on Python 3.11.

By concern:
- `tasks`: a task as the inbox shows it, an inbox page, a command's outcome, a file;
- `instances`: one instance, a task with its instance, the instance list, the history;
- `processes`: the start page, deploy, validation, versions and their diff, moves;
- `audit`: replay and verification, the log searched, an exported history;
- `people`: a user, a token, org units, roles, the calendar, notices;
- `org`: a merger's hand-over of open work, an org file import;
- `background`: a job to run, timers fired, jobs by state;
- `schema`: the marker and aliases the others are written with.
"""

from .admin_people import (
    Deactivated,
    HoldingChange,
    HoldingView,
    PasswordReset,
    PeopleImport,
    ReleasedClaim,
    Unlocked,
    UserCreated,
    UserPage,
    UserRecord,
)
from .admin_rules import (
    CalendarChange,
    CalendarDayEntry,
    CalendarYearView,
    DeadlineMove,
    RuleChange,
    SettingList,
    SettingValueView,
    SettingView,
    UnitNode,
    UnitTree,
)
from .audit import (
    AdminEventList,
    AdminEventView,
    AuditEventView,
    AuditSearchPage,
    BrokenLink,
    ChainVerdict,
    CheckpointView,
    ExportedEvent,
    HistoryExport,
    InstanceHeader,
    LogBreak,
    LogVerdict,
    ReplayStep,
    ReplaySteps,
    ReplayVerdict,
    StepTask,
    Verification,
)
from .background import JobCounts, JobRun, JobTrouble, TimersFired
from .documents import DocumentView, TemplateView
from .drafts import DraftView
from .incidents import IncidentView
from .indicators import IndicatorReport, PlanView
from .instances import (
    AttachmentView,
    CommentView,
    DiagramStates,
    HistoryEvent,
    InstanceListPage,
    InstanceSummary,
    InstanceView,
    TaskActors,
    TaskDetail,
    TimelineEntry,
)
from .monitoring import MonitoringItemView
from .org import OrgImportResult, TaskMove, TransitionPlan, UnitMove
from .people import (
    CalendarDayView,
    Notice,
    OrgUnitView,
    Person,
    RoleHeld,
    RoleView,
    Token,
    UserView,
)
from .plan import PlanProgressView, PlanTaskView
from .processes import (
    BpmnProblem,
    Deployed,
    ElementChange,
    FieldChange,
    MigrationCheck,
    MigrationPlan,
    MoveOutcome,
    ProcessView,
    RolledBack,
    Severity,
    Validation,
    VersionDiff,
    VersionInfo,
)
from .schema import Day, ElementState, Flow, JsonObject, Moment, Schema, doc
from .spokespersons import (
    SpokespersonChange,
    SpokespersonEntry,
    SpokespersonHistory,
    SpokespersonPublished,
    SpokespersonRegister,
)
from .tasks import (
    AttachmentMeta,
    BoxCounts,
    InboxItem,
    InboxPage,
    NextTask,
    Outcome,
    TaskView,
)

__all__ = [
    "AdminEventList",
    "AdminEventView",
    "AttachmentMeta",
    "AttachmentView",
    "AuditEventView",
    "AuditSearchPage",
    "BoxCounts",
    "BpmnProblem",
    "BrokenLink",
    "CalendarChange",
    "CalendarDayEntry",
    "CalendarDayView",
    "CalendarYearView",
    "ChainVerdict",
    "CheckpointView",
    "CommentView",
    "Day",
    "Deactivated",
    "DeadlineMove",
    "Deployed",
    "DiagramStates",
    "DocumentView",
    "DraftView",
    "ElementChange",
    "ElementState",
    "ExportedEvent",
    "FieldChange",
    "Flow",
    "HistoryEvent",
    "HistoryExport",
    "HoldingChange",
    "HoldingView",
    "InboxItem",
    "InboxPage",
    "IncidentView",
    "IndicatorReport",
    "InstanceHeader",
    "InstanceListPage",
    "InstanceSummary",
    "InstanceView",
    "JobCounts",
    "JobRun",
    "JobTrouble",
    "JsonObject",
    "LogBreak",
    "LogVerdict",
    "MigrationCheck",
    "MigrationPlan",
    "Moment",
    "MonitoringItemView",
    "MoveOutcome",
    "NextTask",
    "Notice",
    "OrgImportResult",
    "OrgUnitView",
    "Outcome",
    "PasswordReset",
    "PeopleImport",
    "Person",
    "PlanProgressView",
    "PlanTaskView",
    "PlanView",
    "ProcessView",
    "ReleasedClaim",
    "ReplayStep",
    "ReplaySteps",
    "ReplayVerdict",
    "RoleHeld",
    "RoleView",
    "RolledBack",
    "RuleChange",
    "Schema",
    "SettingList",
    "SettingValueView",
    "SettingView",
    "Severity",
    "SpokespersonChange",
    "SpokespersonEntry",
    "SpokespersonHistory",
    "SpokespersonPublished",
    "SpokespersonRegister",
    "StepTask",
    "TaskActors",
    "TaskDetail",
    "TaskMove",
    "TaskView",
    "TemplateView",
    "TimelineEntry",
    "TimersFired",
    "Token",
    "TransitionPlan",
    "UnitMove",
    "UnitNode",
    "UnitTree",
    "Unlocked",
    "UserCreated",
    "UserPage",
    "UserRecord",
    "UserView",
    "Validation",
    "Verification",
    "VersionDiff",
    "VersionInfo",
    "doc",
]
