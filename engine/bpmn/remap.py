"""Moving a live workflow onto the specs of another version of its process.

SpiffWorkflow's spec diff (`SpiffWorkflow.bpmn.util.diff`) aligns the elements of the
old and the new spec (by id, then by their place between aligned neighbours); every task
is re-pointed at its aligned element. What is not aligned cannot be carried over: the
library restores a task only from an element of its spec, so such a task blocks the move.

Unlike the library's `migrate_workflow`, live tasks are not reset wholesale: a reset
gives a task its parent's data (a multi-instance child would lose its item) and restarts
its timer. Instead every unfinished task whose element now leads elsewhere gets its
predicted successors redrawn from the new outgoing flows, and only a waiting event whose
definition changed is reset (a changed timer starts again from the migration; an
unchanged one keeps its due time).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.util.diff import WorkflowDiff, diff_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from SpiffWorkflow.workflow import Workflow

from engine.bpmn.state import spec_registry

LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
PREDICTED = TaskState.PREDICTED_MASK | TaskState.FUTURE


@dataclass
class Stranded:
    """A task the new version has no element for."""

    element_id: str
    name: str
    state: str  # the library's state name: READY, WAITING, COMPLETED, FUTURE, ...
    process: str  # the (sub)process it belongs to


@dataclass
class MoveResult:
    stranded: list[Stranded] = field(default_factory=list)
    # (element id, name) of live elements whose model changed, and of waiting events reset
    changed_live: list[tuple[str, str]] = field(default_factory=list)
    restarted_events: list[tuple[str, str]] = field(default_factory=list)

    @property
    def possible(self) -> bool:
        return not self.stranded


def move_workflow(
    wf: BpmnWorkflow, spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]
) -> MoveResult:
    """Re-point `wf` (in place) at `spec` and `subprocess_specs`; report what could not
    be carried over. When the result is not `possible` the workflow must be thrown away."""
    top, sub_diffs = diff_workflow(spec_registry(), wf, spec, subprocess_specs)
    result = MoveResult()
    _move(wf, top, spec, result)
    for sub_id, diff in sub_diffs.items():
        sub = wf.subprocesses[sub_id]
        new_spec = subprocess_specs.get(sub.spec.name)
        if diff is None or new_spec is None:
            result.stranded.extend(_stranded(sub, sub.tasks.values()))
            continue
        _move(sub, diff, new_spec, result)
    wf.subprocess_specs = subprocess_specs
    for workflow in (wf, *wf.subprocesses.values()):
        specs = subprocess_specs.get(workflow.spec.name, workflow.spec).task_specs
        result.stranded.extend(
            _stranded(workflow, [t for t in workflow.tasks.values() if _foreign(t, specs)])
        )
    return result


def _move(wf: Workflow, diff: WorkflowDiff, spec: BpmnProcessSpec, result: MoveResult) -> None:
    wf.spec = spec
    for task in wf.tasks.values():
        target = diff.alignment.get(task)
        if target is not None:
            task.task_spec = target
    changed = {task.id for task in diff.changed}
    for task in list(wf.get_tasks(state=LIVE, skip_subprocesses=True)):
        if task.id not in wf.tasks or task.id not in changed:
            continue
        element = (task.task_spec.bpmn_id, task.task_spec.bpmn_name or "")
        if task.state == TaskState.WAITING:
            task.reset_branch(None)  # its event is recomputed from the new definition
            result.restarted_events.append(element)
        else:
            result.changed_live.append(element)
    _redraw_predictions(wf, spec.task_specs)
    if wf.last_task is not None and wf.last_task.id not in wf.tasks:
        wf.last_task = None


def _redraw_predictions(wf: Workflow, specs: dict) -> None:
    """Draw again, from the new flows, the predicted successors of every unfinished task
    whose element now leads elsewhere. The library would otherwise run the old path:
    a join completes into the successor it predicted, whatever its element says now."""
    for task in _top_down(wf):
        if task.id not in wf.tasks or task.has_state(TaskState.FINISHED_MASK):
            continue  # dropped with a redrawn branch above it, or history
        if _foreign(task, specs):
            continue  # not in the new version: it blocks the move anyway
        if isinstance(task.task_spec, LoopTask) or not task.children:
            continue  # a multi-instance task's children are its instances, not successors
        if any(not child.has_state(PREDICTED) for child in task.children):
            continue  # a successor has started: what happens next is no prediction
        outputs = task.task_spec.outputs
        if {child.task_spec for child in task.children} == set(outputs):
            continue
        task._drop_children(force=True)
        state = TaskState.FUTURE if task.has_state(TaskState.DEFINITE_MASK) else task.state
        for output in outputs:
            child = task._add_child(output, state)
            child.task_spec._predict(child, mask=PREDICTED)


def _top_down(wf: Workflow) -> list[Task]:
    """The workflow's tasks, parents before children (iterative: deep trees)."""
    found: list[Task] = []
    stack: list[Task] = [wf.task_tree]
    while stack:
        task = stack.pop()
        found.append(task)
        stack.extend(reversed(task.children))
    return found


def _foreign(task: Task, specs: dict) -> bool:
    return specs.get(task.task_spec.name) is not task.task_spec


def _stranded(wf: Workflow, tasks: Iterable[Task]) -> list[Stranded]:
    found: dict[str, Stranded] = {}
    for task in tasks:
        element = task.task_spec.bpmn_id or task.task_spec.name
        found.setdefault(
            element,
            Stranded(element, task.task_spec.bpmn_name or "", TaskState.get_name(task.state),
                     wf.spec.name),
        )  # fmt: skip
    return list(found.values())


__all__ = ["MoveResult", "Stranded", "move_workflow"]
