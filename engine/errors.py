"""Errors the engine raises on purpose: each carries a message fit to show a user."""


class PolicyflowError(Exception):
    """Base class: `str(err)` is one clear sentence; callers never need a traceback."""

    code = "error"


class NotFound(PolicyflowError):
    code = "not_found"


class PermissionDenied(PolicyflowError):
    code = "forbidden"


class Conflict(PolicyflowError):
    """The state changed under the caller (a stale or double completion, a lost race)."""

    code = "conflict"


class InvalidInput(PolicyflowError):
    """Bad input; `field_errors` maps a field name (or "" for the whole form) to messages."""

    code = "invalid"

    def __init__(self, message: str, field_errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.field_errors = field_errors or {}


class BpmnRejected(InvalidInput):
    """A BPMN file that cannot be deployed (malformed, unsafe, unsupported).

    `problems` lists the structured problems (element_id, message, severity, rule, line)
    that the modeler shows on the diagram; `field_errors["bpmn"]` keeps them as text.
    """

    code = "bpmn_rejected"

    def __init__(
        self,
        message: str,
        field_errors: dict[str, list[str]] | None = None,
        problems: list[dict] | None = None,
    ):
        super().__init__(message, field_errors)
        self.problems = problems or []


class ProcessFailed(PolicyflowError):
    """A script or expression in the model failed while the engine ran it."""

    code = "process_error"
