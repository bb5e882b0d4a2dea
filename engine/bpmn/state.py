"""Saving and restoring a workflow's run state without its specs.

SpiffWorkflow's serializer writes the whole spec into every instance. Specs already live
in `process_versions`; an instance stores only its task tree and data, and the specs are
put back from the spec cache on load.
"""

import hashlib
import json
from typing import Any

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

FORMAT = "policyflow-state/1"


class _StateOnlyConverter(BpmnWorkflowConverter):  # type: ignore[misc]  # untyped library
    def to_dict(self, workflow: BpmnWorkflow) -> dict:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


_config = dict(SPIFF_CONFIG)
_config[BpmnWorkflow] = _StateOnlyConverter
_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config))
_REGISTRY = _SERIALIZER.registry


def spec_registry() -> Any:  # the library's registry (SpiffWorkflow is untyped)
    """The serializer's registry: it also converts specs (SpiffWorkflow's spec diff uses it)."""
    return _REGISTRY


def dump_state(workflow: BpmnWorkflow) -> str:
    _REGISTRY._encoder_mode = True  # the library's own fast path
    try:
        dct = _REGISTRY.convert(workflow)
    finally:
        _REGISTRY._encoder_mode = False
    dct["format"] = FORMAT
    return json.dumps(dct, cls=_SERIALIZER._encoder_cls, ensure_ascii=False)


def load_state(
    state: str, spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]
) -> BpmnWorkflow:
    dct = json.loads(state)
    if dct.pop("format", None) != FORMAT:
        raise ValueError("unknown instance state format")
    dct["spec"] = spec
    dct["subprocess_specs"] = subprocess_specs
    dct["typename"] = "BpmnWorkflow"
    workflow = _REGISTRY.restore(dct)
    assert isinstance(workflow, BpmnWorkflow)
    return workflow


__all__ = ["dump_state", "load_state"]


def state_digest(workflow: BpmnWorkflow, changed: set[str] | None = None) -> str:
    """A fingerprint of what a run must reproduce: every task's id, element and state
    (subprocesses included), the workflow's data, and the data of the tasks that are
    live or that this command changed (`changed`; None: every task's data). Recorded
    with each audit event, so a re-execution can say at which step it diverged; a task's
    data is fixed once it is finished, and was fingerprinted in the step that finished it.
    """
    tasks = [*workflow.tasks.values()]
    for sub in workflow.subprocesses.values():
        tasks.extend(sub.tasks.values())
    rows = []
    for task in tasks:
        tid = str(task.id)
        with_data = changed is None or tid in changed or task.state & LIVE
        rows.append([tid, task.task_spec.name, task.state, task.data if with_data else None])
    rows.sort(key=lambda row: row[0])
    body = json.dumps(
        [rows, workflow.data],
        sort_keys=True,
        default=str,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
