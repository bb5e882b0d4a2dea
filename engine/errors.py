"""Errors the engine raises on purpose: each carries a message fit to show a user.

Every text meant for a person is a Vietnamese template marked `N_()` (so `pybabel
extract` puts it in the catalog) with `{name}` placeholders, filled into a `Message`:
a `str` (the Vietnamese text, so callers that print or compare it see nothing new) that
keeps its template and parameters for the web layer to translate. The engine never
imports Flask or Babel.
"""

from collections.abc import Mapping
from typing import Any

from engine.results import BpmnProblem


def N_(template: str) -> str:
    """Marks a Vietnamese template for the gettext catalog; returns it unchanged."""
    return template


def Nn_(template: str) -> str:
    """Marks a template about a count: one Vietnamese form, singular and plural in English
    (extracted as a plural entry). Give its Message or error `count=` the parameter's name."""
    return template


class Message(str):
    """`template` filled with `params` (Vietnamese); the parts stay for translation.

    A parameter may itself be a Message (translated too); anything else is shown as is.
    With `count` (templates marked `Nn_`), the named parameter chooses English singular or
    plural.
    """

    template: str
    params: dict[str, Any]
    count_name: str | None  # the `count=` given (an attribute `count` would hide str.count)

    def __new__(
        cls, template: str, params: Mapping[str, Any] | None = None, count: str | None = None
    ) -> "Message":
        values = dict(params or {})
        message = super().__new__(cls, template.format(**values) if values else template)
        message.template, message.params, message.count_name = template, values, count
        return message


def joined(parts: list[str], sep: str = "; ") -> Message:
    """Texts joined into one Message; each part (a Message or not) is translated alone."""
    params = {f"part{i}": part for i, part in enumerate(parts)}
    return Message(sep.join("{" + name + "}" for name in params), params)


class PolicyflowError(Exception):
    """Base class: `str(err)` is one clear sentence; callers never need a traceback.

    `err.message` is that sentence as a Message (template and params for translation).
    """

    code = "error"

    def __init__(
        self, message: str, *, params: Mapping[str, Any] | None = None, count: str | None = None
    ) -> None:
        if not isinstance(message, Message) or params is not None:
            message = Message(message, params, count)
        self.message: Message = message
        super().__init__(str(message))


class NotFound(PolicyflowError):
    code = "not_found"


class PermissionDenied(PolicyflowError):
    code = "forbidden"


class Conflict(PolicyflowError):
    """The state changed under the caller (a stale or double completion, a lost race)."""

    code = "conflict"


class InvalidInput(PolicyflowError):
    """Bad input; `field_errors` maps a field name (or "" for the whole form) to messages
    (Message where the engine wrote them)."""

    code = "invalid"

    def __init__(
        self,
        message: str,
        field_errors: dict[str, list[str]] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        count: str | None = None,
    ) -> None:
        super().__init__(message, params=params, count=count)
        self.field_errors = field_errors or {}


class CalendarMissing(InvalidInput):
    """A deadline reaches a year the working-day calendar holds no data for."""

    code = "calendar_missing"

    def __init__(self, year: int) -> None:
        super().__init__(
            N_(
                "Chưa có lịch làm việc năm {year}: không tính được hạn xử lý. Quản trị viên "
                "cần bổ sung lịch năm {year} (ngày nghỉ lễ, ngày làm bù)."
            ),
            params={"year": year},
        )
        self.year = year


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
        problems: list[BpmnProblem] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        count: str | None = None,
    ) -> None:
        super().__init__(message, field_errors, params=params, count=count)
        self.problems = problems or []


class ProcessFailed(PolicyflowError):
    """A script or expression in the model failed while the engine ran it; `element_id`
    names the model's element that failed (None when the library could not tell)."""

    code = "process_error"

    def __init__(
        self,
        message: str,
        *,
        element_id: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, params=params)
        self.element_id = element_id
