"""The administration of org units, rules and the working calendar under
/api/v1/admin/ (issue 19): administrators only (403 before a body is read), every change
an audited administrative event. Each endpoint checks the body's types as the document
states them (web/api/openapi_admin_rules.py) and calls `pf.rules`."""

from datetime import date
from typing import Any

from flask import Response, jsonify

from engine.errors import N_, NotFound
from web.api import ApiError, api_bp
from web.api.auth import engine, token_required, username
from web.api.openapi import MAX_ID
from web.api.routes import DATE, json_object, query_date

YEAR = f"/admin/calendar/<int(max={MAX_ID}):year>"
MAX_NAME = 200
MAX_REASON = 500
UNIT_FIELDS = ("code", "name", "kind", "parent", "valid_from", "reports", "reason")


def admin_body(required: tuple[str, ...] = ()) -> dict[str, Any]:
    """403 for a non-administrator, before the body is read; then the JSON object."""
    engine().rules.require_admin(username())
    return json_object(required)


def text(body: dict[str, Any], name: str, limit: int, errors: dict[str, list[str]]) -> str:
    value = body.get(name, "")
    if not isinstance(value, str) or len(value) > limit:
        errors[name] = [f"Cần một chuỗi tối đa {limit} ký tự."]
        return ""
    return value


def optional_text(body: dict[str, Any], name: str, errors: dict[str, list[str]]) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        errors[name] = ["Cần một chuỗi hoặc null."]
        return None
    return value


def day(body: dict[str, Any], name: str, errors: dict[str, list[str]]) -> date:
    value = body.get(name)
    try:
        if not isinstance(value, str) or not DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = ["Cần một ngày dạng YYYY-MM-DD."]
        return date.min


def refuse(errors: dict[str, list[str]], message: str) -> None:
    if errors:
        raise ApiError(400, message, errors)


def year_of(year: int) -> int:
    if not 1 <= year <= 9999:
        raise NotFound(N_("Lịch chưa có dữ liệu năm {year}."), params={"year": year})
    return year


# -- org units -------------------------------------------------------------------------


@api_bp.get("/admin/org-units")
@token_required
def admin_units() -> Response:
    """The org tree in force on `at` (default: today)."""
    at = query_date("at")
    return jsonify(engine().rules.units(username(), at))


@api_bp.post("/admin/org-units")
@token_required
def admin_add_unit() -> tuple[Response, int]:
    body = admin_body(required=("code", "name", "kind", "valid_from"))
    errors: dict[str, list[str]] = {}
    code, name = text(body, "code", 64, errors), text(body, "name", MAX_NAME, errors)
    kind, parent = text(body, "kind", 20, errors), optional_text(body, "parent", errors)
    valid_from, reason = day(body, "valid_from", errors), text(body, "reason", MAX_REASON, errors)
    reports = body.get("reports")
    if reports is not None and not isinstance(reports, bool):
        errors["reports"] = ["Cần true hoặc false."]
    refuse(errors, "Đơn vị mới chưa hợp lệ.")
    change = engine().rules.add_unit(
        username(), code, name, kind, parent, valid_from, reports, reason
    )
    return jsonify(change), 201


@api_bp.patch("/admin/org-units/<code>")
@token_required
def admin_rename_unit(code: str) -> Response:
    body = admin_body(required=("name",))
    errors: dict[str, list[str]] = {}
    name, reason = text(body, "name", MAX_NAME, errors), text(body, "reason", MAX_REASON, errors)
    refuse(errors, "Yêu cầu đổi tên chưa hợp lệ.")
    return jsonify(engine().rules.rename_unit(username(), code, name, reason))


@api_bp.post("/admin/org-units/<code>/end")
@token_required
def admin_end_unit(code: str) -> Response:
    body = admin_body(required=("last_day",))
    errors: dict[str, list[str]] = {}
    last_day, successor = day(body, "last_day", errors), optional_text(body, "successor", errors)
    reason = text(body, "reason", MAX_REASON, errors)
    refuse(errors, "Yêu cầu kết thúc đơn vị chưa hợp lệ.")
    return jsonify(engine().rules.end_unit(username(), code, last_day, successor, reason))


# -- settings --------------------------------------------------------------------------


@api_bp.get("/admin/settings")
@token_required
def admin_settings() -> Response:
    """Every setting with its value in force on `at` (default: today) and its history."""
    at = query_date("at")
    return jsonify(engine().rules.settings(username(), at))


@api_bp.post("/admin/settings/<key>/values")
@token_required
def admin_set_setting(key: str) -> tuple[Response, int]:
    body = admin_body(required=("value", "valid_from"))
    errors: dict[str, list[str]] = {}
    value = body["value"]
    is_list = isinstance(value, list) and value and all(isinstance(v, str) for v in value)
    if not isinstance(value, str) and not is_list:
        errors["value"] = ["Cần một chuỗi, hoặc một danh sách chuỗi (khoảng thời gian)."]
    valid_from, reason = day(body, "valid_from", errors), text(body, "reason", MAX_REASON, errors)
    refuse(errors, "Giá trị mới chưa hợp lệ.")
    change = engine().rules.set_setting(username(), key, value, valid_from, reason)
    return jsonify(change), 201


# -- calendar --------------------------------------------------------------------------


@api_bp.get(YEAR)
@token_required
def admin_calendar(year: int) -> Response:
    """The year's holidays and make-up working days, and whether it is confirmed (the
    engine checks the administrator, then the year: 403 before 404, one transaction)."""
    return jsonify(engine().rules.calendar(username(), year))


@api_bp.put(f"{YEAR}/days/<date>")
@token_required
def admin_set_day(year: int, date: str) -> Response:
    body = admin_body(required=("kind",))
    errors: dict[str, list[str]] = {}
    on = day({"date": date}, "date", errors)
    kind, name = body.get("kind"), text(body, "name", MAX_NAME, errors)
    if kind not in engine().rules.day_kinds:
        errors["kind"] = [f"Một trong: {', '.join(engine().rules.day_kinds)}."]
    reason, dry_run = text(body, "reason", MAX_REASON, errors), body.get("dry_run", False)
    if not isinstance(dry_run, bool):
        errors["dry_run"] = ["Cần true hoặc false."]
    refuse(errors, "Yêu cầu sửa lịch chưa hợp lệ.")
    if on.year != year_of(year):
        raise NotFound(
            N_("Ngày {date} không thuộc năm {year}."),
            params={"date": on.isoformat(), "year": year},
        )
    return jsonify(engine().rules.set_day(username(), on, str(kind), name, reason, dry_run))


@api_bp.post(f"{YEAR}/confirm")
@token_required
def admin_confirm_year(year: int) -> Response:
    body = admin_body()
    errors: dict[str, list[str]] = {}
    source = text(body, "source", MAX_REASON, errors)
    reason = text(body, "reason", MAX_REASON, errors)
    refuse(errors, "Yêu cầu xác nhận lịch chưa hợp lệ.")
    return jsonify(engine().rules.confirm_year(username(), year_of(year), source, reason))
