"""Results about instances: one instance as its page shows it (and a task with its
instance), the instance list, the history."""

from typing import Annotated

from typing_extensions import TypedDict

from engine.enums import InstanceStatus

from .people import Person
from .schema import ElementState, Flow, JsonObject, Moment, doc
from .tasks import TaskView

ElementStates = Annotated[
    dict[str, ElementState], doc("BPMN element id → its state on the diagram.")
]


class TimelineEntry(TypedDict):
    seq: int
    at: Moment
    actor: str
    full_name: str
    command: str
    element_id: str | None
    element_name: str | None


class CommentView(TypedDict):
    author: str
    full_name: str
    body: str
    at: Moment
    task_id: str | None


class AttachmentView(TypedDict):
    id: str
    filename: str
    size: int
    content_type: str
    at: Moment
    author: str
    task_id: str | None


class DiagramStates(TypedDict):
    """Each element's latest state and the flows taken."""

    element_states: ElementStates
    flows_taken: list[Flow]


class TaskActors(TypedDict):
    """Who can act on one open task: the people holding its role for its unit today, and
    the one who claimed it (who alone may complete it until they give it back)."""

    task_id: str
    people: Annotated[list[Person], doc("Holders of the task's role for its unit today.")]
    claimed_by: Annotated[Person | None, doc("Who took the task, if anyone did.")]


class InstanceView(TypedDict):
    """One instance as its page and the API show it (to a viewer who sees only their part:
    no data, only their own tasks, comments, files and events)."""

    id: int
    process_key: str
    process_name: str
    case_title: str
    version: int
    status: InstanceStatus
    unit: str
    unit_name: str
    started_by: str
    started_at: Moment
    ended_at: Moment | None
    open_tasks: list[TaskView]
    who_acts: Annotated[
        list[TaskActors], doc("For each open task (in `open_tasks` order), who can act on it.")
    ]
    waiting_timers: list[str]
    data: Annotated[JsonObject, doc("The instance's current data.")]
    field_labels: Annotated[
        dict[str, str], doc("Field name → its title in the forms (to label `data`).")
    ]
    element_states: ElementStates
    flows_taken: list[Flow]
    timeline: list[TimelineEntry]
    comments: list[CommentView]
    attachments: list[AttachmentView]
    can_admin: bool


class TaskDetail(TaskView):
    """One task with its instance and what the viewer may do with it."""

    instructions: str | None
    overdue: bool
    instance: InstanceView
    can_act: Annotated[bool, doc("Whether the caller may complete it now.")]
    can_reassign: bool
    reassign_candidates: list[Person]
    diagram_process_key: str
    diagram_version: int


class InstanceSummary(TypedDict):
    """An instance in a list."""

    id: int
    process_key: str
    case_title: str
    process_name: str
    status: InstanceStatus
    unit: str
    unit_name: str
    started_by: str
    started_at: Moment
    ended_at: Moment | None


class InstanceListPage(TypedDict):
    """One page of the instances a user may see, newest first."""

    items: list[InstanceSummary]
    total: int


class HistoryEvent(TypedDict):
    """One audit event; each event's hash chains to the previous one. A start's payload
    shows the settings and reporting units it was given; the log stores them once, by
    digest (`injected_ref`), which the hashes cover — the history export carries both."""

    seq: int
    at: Moment
    actor: str
    command: str
    payload: JsonObject
    result: JsonObject
    hash: str
    prev_hash: str
