"""The spokesperson register under /api/v1/spokespersons (issue 16 item 4): read by anyone
without a token (Nghị định 09/2017/NĐ-CP Điều 7: the list is public), changed by the
Văn phòng with a token (`pf.spokespersons.designate`, audited, then published by a
background job). The document: web/api/openapi_spokespersons.py."""

from datetime import date
from typing import Any

from flask import Response, jsonify

from web.api import ApiError, api_bp
from web.api.admin_rules import day, optional_text, refuse, text
from web.api.auth import engine, token_required, username
from web.api.routes import json_object, query_date

UNIT = "/spokespersons/<string(maxlength=64):unit>/history"
TEXTS = {"full_name": 200, "position": 200, "phone": 50, "email": 200, "source": 1000}


@api_bp.get("/spokespersons")
def spokespersons() -> Response:
    """The published register in force on `at` (default: today)."""
    return jsonify(engine().spokespersons.register(query_date("at")))


@api_bp.get(UNIT)
def spokesperson_history(unit: str) -> Response:
    """Every published designation of one body, oldest first."""
    return jsonify(engine().spokespersons.history(unit))


@api_bp.post("/spokespersons")
@token_required
def designate_spokesperson() -> tuple[Response, int]:
    """A new designation (the Văn phòng of the body, or an administrator)."""
    if not engine().spokespersons.bodies(username()):  # 403 before the body is read
        raise ApiError(403, "Chỉ Văn phòng HĐND-UBND được cập nhật danh sách người phát ngôn.")
    body = json_object(required=("unit", "full_name", "position", "valid_from"))
    errors: dict[str, list[str]] = {}
    fields = {name: text(body, name, limit, errors) for name, limit in TEXTS.items()}
    unit = text(body, "unit", 64, errors)
    first = day(body, "valid_from", errors)
    last: date | None = day(body, "valid_to", errors) if body.get("valid_to") is not None else None
    user = optional_text(body, "username", errors)
    reason = text(body, "reason", 500, errors)
    verified: Any = body.get("verified", True)
    if not isinstance(verified, bool):
        errors["verified"] = ["Cần true hoặc false."]
    refuse(errors, "Dữ liệu không hợp lệ.")
    if not unit:
        raise ApiError(400, "Cần mã cơ quan.", {"unit": ["Không được để trống."]})
    change = engine().spokespersons.designate(
        username(), unit, dict(fields), first, last, user or None, verified, reason
    )
    return jsonify(change), 201
