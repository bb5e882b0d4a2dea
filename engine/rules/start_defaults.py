"""What a task's `dueIn` expression sees beyond the task's data: the `default`s of its
process's start form, for the fields the data lacks.

A called process (document_approval) gets only what its caller's data holds: a caller
that does not pass an input the called process reads (`urgency`) leaves it to the start
form's default ("thuong"), as a start that leaves the field out does. The data always
wins over a default.
"""

from typing import Any

from SpiffWorkflow.task import Task

from engine.bpmn.literals import as_expression


def start_defaults(forms: dict[str, dict], start_form: str | None) -> dict[str, Any]:
    """{field: default} of the start form's top-level properties that declare one."""
    schema = forms.get(start_form or "") or {}
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return {}
    return {
        name: spec["default"]
        for name, spec in properties.items()
        if isinstance(spec, dict) and "default" in spec
    }


def due_value(
    task: Task, due_in: str | None, forms: dict[str, dict], start_form: str | None
) -> Any:
    """The value of the task's `dueIn` (None without one), evaluated in the sandbox."""
    if not due_in:
        return None
    defaults = start_defaults(forms, start_form)
    return task.workflow.script_engine.evaluate(task, as_expression(due_in), defaults or None)
