"""The script engine handed to every workflow: SpiffWorkflow's, with the sandbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.exceptions import SpiffWorkflowException

from .compiler import check_code
from .environment import SandboxEnvironment, Services
from .errors import SandboxError
from .helpers import make_helpers


def describe(error: BaseException) -> str:
    """The user-facing text of an error raised by sandboxed code."""
    if isinstance(error, SandboxError):
        return str(error)
    return f"{type(error).__name__}: {error}"


class SandboxScriptEngine(PythonScriptEngine):  # type: ignore[misc]  # untyped library
    """Keeps SpiffWorkflow's error wrapping but puts the cause in the message.

    The stock engine reports only "Error evaluating expression ..." (the reason
    is lost) and its call_service error path refers to an undefined name.
    """

    def validate(self, expression: str) -> None:
        problem = check_code(expression, "eval")
        if problem is not None:
            raise SandboxError(problem)

    def evaluate(
        self, task: Any, expression: str, external_context: dict[str, Any] | None = None
    ) -> Any:
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except SpiffWorkflowException as error:
            error.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as error:
            message = f"Error evaluating expression '{expression}': {describe(error)}"
            raise WorkflowTaskException(message, task=task, exception=error) from error

    def execute(
        self, task: Any, script: str, external_context: dict[str, Any] | None = None
    ) -> Any:
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except SpiffWorkflowException as error:
            raise self.create_task_exec_exception(task, script, error) from None
        except Exception as error:
            line, text = self.get_error_line_number_and_content(script, error)
            where = f" on line {line}" if line else ""
            raise WorkflowTaskException(
                f"Script error{where}: {describe(error)}",
                task=task,
                exception=error,
                line_number=line,
                error_line=text,
            ) from error

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        try:
            return self.environment.call_service(task.data, **kwargs)
        except SpiffWorkflowException:
            raise
        except Exception as error:
            operation = kwargs.get("operation_name")
            message = f"Service operation '{operation}' failed: {describe(error)}"
            raise WorkflowTaskException(message, task=task, exception=error) from error


def make_script_engine(
    clock: Callable[[], datetime],
    services: Services | None = None,
) -> PythonScriptEngine:
    """A sandboxed engine; safe to share between workflows and threads."""
    return SandboxScriptEngine(environment=SandboxEnvironment(make_helpers(clock), services))
