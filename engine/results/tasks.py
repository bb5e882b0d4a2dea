"""Results of people's work: a task as the inbox shows it, an inbox page, what a start or
a completion leads to, a stored file."""

from typing import Annotated

from typing_extensions import TypedDict

from engine.enums import InstanceStatus, Scope, WorkItemState

from .schema import FormSchema, Moment, doc


class TaskView(TypedDict):
    """A work item (a user task) as the inbox, the task page and the API show it."""

    id: Annotated[str, doc("The task's id (a UUID).")]
    instance_id: int
    process_key: str
    element_id: Annotated[str, doc("The BPMN element the task is for.")]
    name: str
    role: Annotated[str | None, doc("The role whose holders may do the task.")]
    unit: Annotated[str, doc("Code of the org unit the task belongs to.")]
    unit_name: str
    scope: Scope
    state: WorkItemState
    claimed_by: str | None
    completed_by: str | None
    completed_at: Moment | None
    created_at: Moment
    due_at: Moment | None
    due_provisional: Annotated[
        bool,
        doc(
            "The due date falls in a year whose working-day calendar is provisional (the "
            "government has not announced its day swaps yet): it may still move."
        ),
    ]
    form: Annotated[str | None, doc("The form's file name.")]
    form_schema: FormSchema
    case_title: Annotated[str, doc("The case in a few words, from its start form.")]


class InboxItem(TaskView):
    """A task in an inbox page."""

    overdue: bool
    claimed_by_name: Annotated[str | None, doc("The full name of who claimed the task.")]


class BoxCounts(TypedDict):
    """The inbox navigation's numbers, each exact up to the page's `count_limit`; a figure
    above it means more than `count_limit`."""

    open: int
    mine: int
    overdue: int
    completed: int
    unread_notices: Annotated[int, doc("The user's notifications not yet read.")]


class InboxPage(TypedDict):
    """One page of an inbox box, with every box's count."""

    items: list[InboxItem]
    total: Annotated[
        int,
        doc(
            "Tasks matching the filters, on all pages: exact up to `count_limit`; a figure "
            "above it means more than `count_limit`."
        ),
    ]
    counts: BoxCounts
    count_limit: Annotated[
        int,
        doc(
            "Counting stops past this many (1000, or the page's depth, page × per_page, "
            "when deeper): `total` and `counts` are exact up to it."
        ),
    ]


class NextTask(TypedDict):
    """An open user task right after a command (no query: the workflow knows it)."""

    id: str
    element_id: str
    name: str
    role: str | None


class Outcome(TypedDict):
    """What a caller needs after start or complete: the status and the next tasks."""

    id: Annotated[int, doc("The instance's id.")]
    status: InstanceStatus
    open_tasks: Annotated[list[NextTask], doc("The instance's open tasks after the command.")]


class AttachmentMeta(TypedDict):
    """A stored file's description (its content travels beside it)."""

    id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    instance_id: int
