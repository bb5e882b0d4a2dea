"""The SpiffWorkflow script environment that runs everything in the sandbox.

SpiffWorkflow calls the environment directly in a few places (process
completion conditions, message correlations), so the sandbox lives here and
not only in the script engine.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from SpiffWorkflow.bpmn.script_engine import BasePythonScriptEngineEnvironment

from .budget import metered
from .compiler import compile_sandboxed
from .data import check_result, clean_task_data
from .errors import SandboxError
from .guards import GUARDS
from .safe_builtins import SAFE_BUILTINS

Data = dict[str, Any]
Services = Callable[[str, dict[str, Any], dict[str, Any]], Any]


class SandboxEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]  # untyped
    """Evaluates expressions and runs scripts through the sandbox compiler.

    Stateless apart from immutable configuration, so one instance serves all
    threads; each call gets its own globals and its own budget.
    """

    def __init__(self, helpers: dict[str, Callable[..., Any]], services: Services | None) -> None:
        super().__init__({})  # nothing in globals: the check_for_overwrite rule stays moot
        self._builtins: dict[str, Any] = {**SAFE_BUILTINS, **helpers, **GUARDS}
        self._services = services

    def evaluate(
        self, expression: str, context: dict[str, Any], external_context: Data | None = None
    ) -> Any:
        code = compile_sandboxed(expression, "eval")
        scope = {**external_context, **context} if external_context else dict(context)
        # Set last: task data cannot replace the sandbox's builtins.
        scope["__builtins__"] = self._builtins
        with metered():
            result = eval(code, scope)
        return check_result(result)

    def execute(
        self, script: str, context: dict[str, Any], external_context: Data | None = None
    ) -> bool:
        code = compile_sandboxed(script, "exec")
        external = external_context or {}
        clashes = sorted(set(external).intersection(context))
        if clashes:
            raise SandboxError(f"Task data overwrites the data object(s) {', '.join(clashes)}")
        context.update(external)
        context["__builtins__"] = self._builtins
        succeeded = False
        try:
            with metered():
                exec(code, context)
            succeeded = True
        finally:
            context.pop("__builtins__", None)
            for name in external:
                context.pop(name, None)
            clean_task_data(context, strict=succeeded)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> str:
        name: str = kwargs["operation_name"]
        if self._services is None:
            raise LookupError(f"No service operations are configured (asked for '{name}')")
        params = {key: param["value"] for key, param in kwargs.get("operation_params", {}).items()}
        return json.dumps(self._services(name, params, context))
