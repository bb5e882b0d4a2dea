"""What a command changed, as its audit event records it: the tasks whose state moved,
each with the BPMN element it came from (drawn as the flow taken on the diagram)."""

from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

if TYPE_CHECKING:
    from engine.commands.runner import Bundle


def task_states(wf: BpmnWorkflow) -> dict[str, tuple[Task, int]]:
    """Every task of the workflow and its subprocesses, with its state now."""
    tasks = [*wf.tasks.values()]
    for sub in wf.subprocesses.values():
        tasks.extend(sub.tasks.values())
    return {str(t.id): (t, t.state) for t in tasks}


def changed_ids(before: dict, after: dict) -> set[str]:
    """Every task (BPMN element or the library's own) whose state the command changed."""
    return {tid for tid, (_, state) in after.items() if before.get(tid, (None, None))[1] != state}


RECORDED_STATES = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.FINISHED_MASK


def task_changes(bundle: "Bundle", before: dict, after: dict) -> list[list[Any]]:
    """Each task whose state this command changed, as
    [task id, element id, state name, element it came from, process key].

    Only BPMN elements are recorded (not the library's internal tasks); "came from" is the
    nearest BPMN element above it, so the flows taken can be drawn on the diagram.
    """
    changes = []
    for tid, (task, state) in after.items():
        element = task.task_spec.bpmn_id
        if element is None or not state & RECORDED_STATES:
            continue
        if before.get(tid, (None, None))[1] != state:
            changes.append([
                tid, element, TaskState.get_name(state), _came_from(task),
                bundle.version_of(task).process_key,
            ])  # fmt: skip
    return sorted(changes, key=lambda c: c[0])


def _came_from(task: Task) -> str | None:
    parent = task.parent
    while parent is not None and parent.task_spec.bpmn_id is None:
        parent = parent.parent
    return parent.task_spec.bpmn_id if parent is not None else None
