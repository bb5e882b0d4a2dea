"""The people administration's endpoints (/admin/users, /admin/roles): each parses the
request and calls `pf.people`; the engine checks that the caller is an administrator
(403) before it looks anything up, validates (400 with field errors) and audits."""

from collections.abc import Callable
from typing import Any

from flask import Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from web.api import ApiError, api_bp
from web.api.auth import engine, token_required
from web.api.auth import username as caller
from web.api.routes import json_object, paging, query_choice, query_text, unit_filtered

MAX_ID = 2147483647
MAX_CSV = 2 * 1024 * 1024
USER = "/admin/users/<username>"


def _reason() -> tuple[dict, object]:
    body = json_object()
    return body, body.get("reason", "")


@api_bp.get("/admin/users")
@token_required
def admin_users() -> Response:
    active = query_choice("active", ("true", "false"))
    unit = query_text("unit")
    found = unit_filtered(
        lambda: engine().people.search(
            caller(),
            q=query_text("q"),
            unit=unit,
            role=query_text("role"),
            active=None if active is None else active == "true",
            **paging(),
        ),
        unit,
    )
    return jsonify(found)


@api_bp.post("/admin/users")
@token_required
def admin_create_user() -> Response:
    body = json_object()
    reason = body.pop("reason", "")
    response = jsonify(engine().people.create(caller(), body, reason))
    response.status_code = 200
    return response


@api_bp.post("/admin/users/import")
@token_required
def admin_import_users() -> Response:
    engine().people.require_admin(caller())
    dry_run = (query_choice("dry_run", ("0", "1")) or "0") == "1"
    if request.mimetype != "text/csv":
        raise ApiError(415, "Nội dung phải gửi dạng text/csv.", code="unsupported_media_type")
    request.max_content_length = min(MAX_CSV, int(current_app.config["MAX_CONTENT_LENGTH"]))
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge as err:
        raise ApiError(413, "Tệp CSV quá lớn (tối đa 2 MB).", code="too_large") from err
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ApiError(400, "Tệp CSV phải mã hóa UTF-8.", {"": [str(err)]}) from err
    return jsonify(engine().people.import_csv(caller(), text, dry_run))


@api_bp.get(USER)
@token_required
def admin_user(username: str) -> Response:
    return jsonify(engine().people.get(caller(), username))


@api_bp.patch(USER)
@token_required
def admin_update_user(username: str) -> Response:
    body = json_object()
    reason = body.pop("reason", "")
    return jsonify(engine().people.update(caller(), username, body, reason))


def _account_action(act: Callable[[str, str, Any], Any], username: str) -> Response:
    """Deactivate, reset a password, unlock: a body with at most a reason."""
    body, reason = _reason()
    _only_reason(body)
    return jsonify(act(caller(), username, reason))


@api_bp.post(f"{USER}/deactivate")
@token_required
def admin_deactivate_user(username: str) -> Response:
    return _account_action(engine().people.deactivate, username)


@api_bp.post(f"{USER}/reset-password")
@token_required
def admin_reset_password(username: str) -> Response:
    return _account_action(engine().people.reset_password, username)


@api_bp.post(f"{USER}/unlock")
@token_required
def admin_unlock_user(username: str) -> Response:
    return _account_action(engine().people.unlock, username)


@api_bp.post(f"{USER}/roles")
@token_required
def admin_grant_role(username: str) -> Response:
    body = json_object()
    reason = body.pop("reason", "")
    return jsonify(engine().people.grant(caller(), username, body, reason))


@api_bp.post(f"/admin/roles/<int(max={MAX_ID}):holding_id>/end")
@token_required
def admin_end_holding(holding_id: int) -> Response:
    engine().people.require_admin(caller())
    body = json_object()
    extra = sorted(set(body) - {"on", "reason"})
    if extra:
        raise ApiError(
            400,
            f"Không có trường: {', '.join(extra)}.",
            {name: ["Không có trường này."] for name in extra},
        )
    on = body.get("on")
    if not isinstance(on, str):
        raise ApiError(400, "Thiếu ngày 'on' (YYYY-MM-DD).", {"on": ["YYYY-MM-DD"]})
    return jsonify(engine().people.end_holding(caller(), holding_id, on, body.get("reason", "")))


def _only_reason(body: dict) -> None:
    engine().people.require_admin(caller())
    extra = sorted(set(body) - {"reason"})
    if extra:
        raise ApiError(
            400,
            f"Không có trường: {', '.join(extra)}.",
            {name: ["Không có trường này."] for name in extra},
        )
