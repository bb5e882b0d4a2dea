"""Results about processes: the start page's list, a deploy, a validation verdict and its
problems, versions and their diff, moving instances to another version."""

from typing import Annotated, Literal, NotRequired

from typing_extensions import TypedDict

from engine.enums import InstanceStatus

from .people import Person
from .schema import FormSchema, Moment, doc


class ProcessView(TypedDict):
    """A deployed process (its newest version) on the start page."""

    key: str
    name: str
    version: int
    content_hash: str
    deployed_at: Moment
    start_role: Annotated[str | None, doc("Holders of this role may start it.")]
    can_start: bool
    start_form: FormSchema


class Deployed(TypedDict):
    """A deploy's result."""

    key: Annotated[str, doc("The process key (the executable process's id).")]
    version: int
    content_hash: Annotated[str, doc("SHA-256 of the BPMN and its forms.")]
    created: Annotated[bool, doc("False: identical to the newest version (nothing stored).")]


class RolledBack(TypedDict):
    """A roll back's result: the version that is now the newest."""

    key: str
    version: int
    created: bool


Severity = Literal["error", "warning"]


class BpmnProblem(TypedDict):
    """One thing wrong with a BPMN, tied to the element it is about."""

    element_id: Annotated[str | None, doc("The diagram element it is about.")]
    message: Annotated[str, doc("What is wrong, in Vietnamese.")]
    severity: Annotated[Severity, doc("Errors block deploy.")]
    rule: Annotated[
        str,
        doc(
            "xml, schema, duplicate-id, no-executable-process, lane-role, form, expression, "
            "timer, called-process, unreachable, …"
        ),
    ]
    line: Annotated[int | None, doc("Line in the BPMN file, when known.")]


class Validation(TypedDict):
    """A BPMN checked without deploying it."""

    executable: Annotated[bool, doc("No errors: it can be deployed.")]
    errors: list[BpmnProblem]
    warnings: list[BpmnProblem]


class VersionInfo(TypedDict):
    """One deployed version of a process."""

    version: int
    name: str
    content_hash: str
    deployed_by: Annotated[
        Person | None, doc("Null when deployed by the system (the command line).")
    ]
    deployed_at: Moment
    comment: str
    newest: Annotated[bool, doc("The version new instances start on.")]


class FieldChange(TypedDict):
    field: str
    old: str
    new: str


class ElementChange(TypedDict):
    id: str
    name: str
    type: str
    status: Literal["added", "removed", "changed"]
    changes: list[FieldChange]  # what changed (for a changed element)


class VersionDiff(TypedDict):
    """From one model to another: element ids added, removed, changed, only moved."""

    added: list[str]
    removed: list[str]
    changed: list[str]
    layout_changed: list[str]
    details: list[ElementChange]


class MigrationCheck(TypedDict):
    """What a dry run says about one instance."""

    instance_id: int
    title: str
    status: InstanceStatus
    from_version: int
    to_version: int
    movable: bool
    needs_suspend: Annotated[bool, doc("It can move once suspended.")]
    reasons: Annotated[list[str], doc("Why it cannot move (empty when it can).")]
    notes: Annotated[
        list[str],
        doc("What moving changes (open steps whose model changed, timers that start again)."),
    ]


class MigrationPlan(TypedDict):
    """The dry run of a move to another version."""

    process_key: str
    to_version: int
    instances: list[MigrationCheck]


class MoveOutcome(TypedDict):
    """What happened to one instance of a suspend or a move: its status, or the error."""

    instance_id: int
    ok: bool
    status: NotRequired[InstanceStatus]
    error: NotRequired[Annotated[str, doc("Why this instance was not changed.")]]
