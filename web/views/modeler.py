"""`/modeler`: process owners edit, validate and deploy BPMN in the browser (issue 5).

The pages and their JSON endpoints are for process owners (role `chu_quy_trinh`) and
administrators only (the engine's `require_deployer`: others get 403). The diagram is
edited with the bpmn-js Modeler (web/static/modeler.js); validating and deploying go
through the engine (`validate`, `deploy`), which never trusts the browser.
"""

from typing import Any

from flask import Blueprint, jsonify, render_template, request, url_for
from werkzeug.wrappers import Response

from engine.errors import BpmnRejected, NotFound, PolicyflowError
from engine.queries import roles as role_queries
from web.auth import current_username, engine, login_required
from web.i18n import _, current_lang

bp = Blueprint("modeler", __name__, url_prefix="/modeler")

JsonReply = Response | tuple[Response, int]


def _require_owner() -> str:
    """The signed-in user, if a process owner or administrator (PermissionDenied: 403)."""
    username = current_username()
    assert username is not None  # login_required ran first
    engine().require_deployer(username)
    return username


def _texts() -> dict[str, str]:
    """The words modeler.js shows, in the page's language."""
    return {
        "name": _("Tên"),
        "id": _("Mã phần tử"),
        "type": _("Loại"),
        "role": _("Vai trò (theo mô hình tổ chức)"),
        "no_role": _("— chọn vai trò —"),
        "form": _("Tệp biểu mẫu (formJsonSchemaFilename)"),
        "due": _('Thời hạn (dueIn), ví dụ "10WD" hoặc "PT24H"'),
        "timer_kind": _("Kiểu hẹn giờ"),
        "timer_expr": _("Biểu thức hẹn giờ"),
        "condition": _("Điều kiện rẽ nhánh"),
        "nothing": _("Chọn một phần tử trên sơ đồ để sửa thuộc tính."),
        "validating": _("Đang kiểm tra…"),
        "deploying": _("Đang triển khai…"),
        "valid": _("Mô hình hợp lệ, có thể triển khai."),
        "errors": _("Lỗi (chặn triển khai)"),
        "warnings": _("Cảnh báo (không chặn triển khai)"),
        "deployed": _("Đã triển khai phiên bản {version} của quy trình {key}."),
        "unchanged": _("Không có thay đổi: phiên bản {version} vẫn là mới nhất."),
        "rejected": _("Chưa triển khai: mô hình còn lỗi."),
        "failed": _("Không gửi được yêu cầu; hãy thử lại."),
        "import_failed": _("Không đọc được tệp BPMN."),
        "draft_saved": _("Đã lưu nháp trong trình duyệt này."),
        "draft_none": _("Chưa có bản nháp nào cho quy trình này."),
        "draft_loaded": _("Đã mở bản nháp."),
        "line": _("dòng"),
    }


@bp.get("")
@login_required
def index() -> str:
    _require_owner()
    listed = sorted(engine().processes(), key=lambda p: p["name"])
    return render_template("modeler_index.html", processes=listed)


def _page(key: str, version: int | None, xml_url: str) -> str:
    return render_template(
        "modeler.html",
        key=key,
        version=version,
        xml_url=xml_url,
        texts=_texts(),
        lang=current_lang(),
    )


@bp.get("/new")
@login_required
def new() -> str:
    _require_owner()
    return _page("", None, "")


@bp.get("/roles.json")
@login_required
def roles() -> Response:
    _require_owner()
    with engine().transaction() as session:
        found = role_queries.roles(session)
    return jsonify(found)


@bp.get("/<key>")
@login_required
def edit(key: str) -> str:
    _require_owner()
    newest = next((p for p in engine().processes() if p["key"] == key), None)
    if newest is None:
        raise NotFound(_("Không tìm thấy quy trình."))
    xml_url = url_for("processes.diagram", key=key, version=newest["version"])
    return _page(key, newest["version"], xml_url)


def _posted() -> tuple[str, str] | None:
    """(xml, comment) from the JSON body, or None."""
    body: Any = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("xml"), str) or not body["xml"]:
        return None
    comment = body.get("comment")
    return body["xml"], (comment if isinstance(comment, str) else "")


def _bad_body() -> tuple[Response, int]:
    return jsonify({"error": _("Thiếu nội dung BPMN.")}), 400


@bp.post("/validate")
@login_required
def validate() -> JsonReply:
    _require_owner()
    posted = _posted()
    if posted is None:
        return _bad_body()
    xml = posted[0]
    pf = engine()
    try:
        with pf.transaction() as session:
            forms = role_queries.forms_for(session, xml)
        return jsonify(pf.validate(xml, forms))
    except PolicyflowError as err:
        return jsonify({"error": str(err)}), 400


@bp.post("/<key>/deploy")
@login_required
def deploy(key: str) -> JsonReply:
    username = _require_owner()
    posted = _posted()
    if posted is None:
        return _bad_body()
    xml, comment = posted
    try:
        # forms None: the process keeps the forms of its newest version
        done = engine().deploy(xml, None, actor=username, comment=comment.strip())
    except BpmnRejected as err:
        problems = err.problems or []
        return jsonify(
            {
                "error": str(err),
                "errors": [p for p in problems if p.get("severity") == "error"],
                "warnings": [p for p in problems if p.get("severity") != "error"],
            }
        ), 400
    except PolicyflowError as err:
        return jsonify({"error": str(err)}), 400
    return jsonify(done)
