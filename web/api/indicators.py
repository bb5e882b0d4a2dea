"""The dashboard's figures and the plan tracked under /api/v1 (issue 15): GET
/indicators, GET /plan/{year}, POST /plan/{year}/progress. Who sees which unit is the
engine's rule (`pf.indicators`): another unit's figures are 403, as on the page."""

from flask import Response, jsonify

from engine.facade import LOCAL_TIME, utcnow
from web.api import ApiError, api_bp, openapi_indicators  # noqa: F401 (its paths)
from web.api.auth import engine, token_required, username
from web.api.routes import created, json_object, query_int, query_raw, query_text

PLAN = "/plan/<int(min=2000, max=2100):year>"
STATUSES = ("chua_bat_dau", "dang_thuc_hien", "hoan_thanh")
MAX_NOTE = 2000


@api_bp.get("/indicators")
@token_required
def indicators() -> Response:
    """The period's indicators per unit and month (year default: this year)."""
    year = query_int("year", utcnow().astimezone(LOCAL_TIME).year, 2000, 2100)
    quarter = query_int("quarter", 0, 1, 4) if query_raw("quarter") is not None else None
    report = engine().indicators.report(username(), year, quarter or None, query_text("unit"))
    return jsonify(report)


@api_bp.get(PLAN)
@token_required
def plan(year: int) -> Response:
    return jsonify(engine().indicators.plan(username(), year))


@api_bp.post(f"{PLAN}/progress")
@token_required
def progress(year: int) -> tuple[Response, int, dict[str, str]]:
    body = json_object(("code", "unit", "status"))
    errors: dict[str, list[str]] = {}
    for name in ("code", "unit"):
        if not isinstance(body.get(name), str) or not 0 < len(body[name]) <= 64:
            errors[name] = ["Cần một chuỗi (tối đa 64 ký tự)."]
    if body.get("status") not in STATUSES:
        errors["status"] = [f"Cần một trong {', '.join(STATUSES)}."]
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        errors["note"] = [f"Cần một chuỗi tối đa {MAX_NOTE} ký tự."]
    if errors:
        raise ApiError(400, "Báo cáo tiến độ chưa hợp lệ.", errors)
    found = engine().indicators.record_progress(
        username(), year, body["code"], body["unit"], body["status"], note
    )
    return created(found, f"/api/v1/plan/{year}")
