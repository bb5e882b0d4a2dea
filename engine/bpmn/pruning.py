"""Keep a looping instance's task tree short.

SpiffWorkflow turns every loop (a gateway flowing back) into a longer chain of tasks. Its
iterators stop at depth 1000, after which `do_engine_steps` silently does nothing and the
workflow claims to be complete; before that, every step walks the whole chain. The audit
log already holds the history, so the finished prefix of the chain can go: we cut the
finished tasks between the root and the nearest task above every unfinished one,
keeping the last few for context. This runs after each command, the same way on replay.
"""

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

KEEP = 25  # finished ancestors kept above the live part of the tree
PRUNE_AT = 150  # prune only when the finished chain is longer than this


def prune_history(workflow: BpmnWorkflow) -> int:
    """Prune the top workflow and each subprocess; return how many tasks were removed."""
    removed = _prune(workflow, workflow)
    for sub in list(workflow.subprocesses.values()):
        removed += _prune(sub, workflow)
    return removed


def _prune(wf: BpmnWorkflow, top: BpmnWorkflow) -> int:
    chain = _finished_chain(wf)
    if len(chain) <= PRUNE_AT:
        return 0
    root, first_kept = wf.task_tree, chain[-KEEP]
    doomed = _subtree(root, stop_at=first_kept.id)
    for task in doomed:
        if task.id in top.subprocesses:  # a finished call activity or subprocess
            top.delete_subprocess(task)
    for task in doomed:
        wf.tasks.pop(task.id, None)
    root._children = [first_kept.id]
    first_kept._parent = root.id
    return len(doomed)


def _finished_chain(wf: BpmnWorkflow) -> list[Task]:
    """Finished tasks from the root down to (excluding) the first branching or live task."""
    live = _ancestors_of_unfinished(wf)
    chain: list[Task] = []
    task = wf.task_tree
    while task.has_state(TaskState.FINISHED_MASK):
        children = [c for c in task.children if c.id in live]
        if len(children) != 1:
            break
        chain.append(task)
        task = children[0]
    return chain


def _ancestors_of_unfinished(wf: BpmnWorkflow) -> set:
    marked: set = set()
    for task in wf.tasks.values():
        if task.has_state(TaskState.FINISHED_MASK):
            continue
        node: Task | None = task
        while node is not None and node.id not in marked:
            marked.add(node.id)
            node = node.parent
    return marked


def _subtree(root: Task, stop_at: object) -> list[Task]:
    """Every task under root except the subtree starting at `stop_at` (iterative: deep trees)."""
    found, stack = [], list(root.children)
    while stack:
        task = stack.pop()
        if task.id == stop_at:
            continue
        found.append(task)
        stack.extend(task.children)
    return found
