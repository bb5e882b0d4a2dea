"""The REST API under /api/v1: JSON in and out, bearer tokens, one error shape.

Thin, like the pages: each endpoint parses the request, calls `engine.api.Policyflow`
(`current_app.extensions["policyflow"]`) and returns JSON. Every error, the engine's own
or HTTP's, is answered as

    {"error": {"code": "...", "message": "...", "field_errors": {"field": ["..."]}}}

with 400 (bad input), 401 (no or bad token), 403, 404, 405, 409 (the state changed),
413, 415, 422 (the model failed: code process_error, with "element_id"), 429 (too many
failed logins) or 500 (logged here, never shown). A rejected BPMN
(400, code bpmn_rejected) also carries "problems" beside "error", one per problem found.

The app's own error pages (HTML) are registered after this blueprint, so this blueprint
registers a JSON handler for every HTTP status (a blueprint's handler wins only for
requests routed to it) and answers unrouted /api/v1 paths before Flask raises for them.
"""

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.routing import RequestRedirect

from engine.errors import (
    BpmnRejected,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PolicyflowError,
    ProcessFailed,
)
from web.i18n import localize, localize_fields, localize_problems

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)

# The engine's errors → HTTP status (a subclass maps as its nearest listed base).
ENGINE_STATUS: dict[type[PolicyflowError], int] = {
    InvalidInput: 400,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    ProcessFailed: 422,  # the model failed: the element and the error, nothing changed
}
# Codes for HTTP-level errors (the engine's carry their own `code`).
HTTP_CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}
HTTP_MESSAGES = {
    404: "Không có địa chỉ này trong API.",
    405: "Địa chỉ này không nhận phương thức {method}.",
    413: "Nội dung gửi lên quá lớn.",
}
INTERNAL = "Lỗi máy chủ; hãy thử lại sau hoặc báo cho quản trị viên."


class ApiError(Exception):
    """An error the API itself finds (bad token, bad query string, malformed JSON)."""

    def __init__(
        self,
        status: int,
        message: str,
        field_errors: dict[str, list[str]] | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or HTTP_CODES.get(status, "error")
        self.field_errors = field_errors or {}
        self.headers = headers or {}


def error_response(
    status: int,
    code: str,
    message: str,
    field_errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "error": {
            "code": code,
            "message": message,
            "field_errors": field_errors or {},
            **(detail or {}),
        }
    }
    body.update(extra or {})  # beside "error": e.g. a rejected BPMN's "problems"
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _engine_status(err: PolicyflowError) -> int:
    for cls in type(err).__mro__:
        if cls in ENGINE_STATUS:
            return ENGINE_STATUS[cls]
    return 500


def _http_error(err: HTTPException) -> Response:
    status = err.code or 500
    if status >= 500:
        log.error("API %s %s answered %s: %s", request.method, request.path, status, err)
        return error_response(status, "internal_error", INTERNAL)
    message = HTTP_MESSAGES.get(status, err.description or "").format(method=request.method)
    allowed = getattr(err, "valid_methods", None)  # MethodNotAllowed only
    headers = {"Allow": ", ".join(allowed)} if allowed else {}
    return error_response(status, HTTP_CODES.get(status, "error"), message, headers=headers)


@api_bp.errorhandler(Exception)
def handle_error(err: Exception) -> Response:
    if isinstance(err, ApiError):
        return error_response(err.status, err.code, str(err), err.field_errors, err.headers)
    if isinstance(err, PolicyflowError):
        status = _engine_status(err)
        if status >= 500:
            log.error("API %s %s: %s", request.method, request.path, err)
        fields = localize_fields(err.field_errors) if isinstance(err, InvalidInput) else {}
        problems = localize_problems(err.problems) if isinstance(err, BpmnRejected) else None
        extra = {"problems": problems} if problems is not None else None
        # A failed model names its element beside the message.
        detail = {"element_id": err.element_id} if isinstance(err, ProcessFailed) else None
        message = localize(err.message)
        return error_response(status, err.code, message, fields, extra=extra, detail=detail)
    if isinstance(err, HTTPException):
        return _http_error(err)
    log.exception("API %s %s failed", request.method, request.path)
    return error_response(500, "internal_error", INTERNAL)


def _register_status_handlers() -> None:
    # The app's handlers for a status (its HTML 404, 403, 413 pages) are looked up before
    # a blueprint's handler for a base class, so each status gets a JSON handler here.
    for status in default_exceptions:
        api_bp.register_error_handler(status, _http_error)


_register_status_handlers()


@api_bp.before_app_request
def unrouted_api_path() -> Response | None:
    """A path under /api/v1 that matches no endpoint (or not its method): JSON, not HTML."""
    err: Any = request.routing_exception
    if err is None or isinstance(err, RequestRedirect):
        return None
    prefix = api_bp.url_prefix or ""
    if request.path != prefix and not request.path.startswith(prefix + "/"):
        return None
    return _http_error(err) if isinstance(err, HTTPException) else None


# The endpoints attach themselves to api_bp (the incidents' in a module of their own).
from web.api import admin_people, incidents, indicators, routes  # noqa: E402, F401

__all__ = ["ApiError", "api_bp", "error_response", "routes"]

# Routes added by later issues: official documents (15), the administration of org units,
# rules and the calendar (19), the spokesperson register and P5's monitoring items (16).
from web.api import (  # noqa: E402, F401
    admin_rules,
    documents,
    monitoring,
    spokespersons,
)
