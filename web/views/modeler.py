"""`/modeler`: process owners edit, validate and deploy BPMN in the browser (issue 5).

The pages and their JSON endpoints are for process owners (role `chu_quy_trinh`) and
administrators only (the engine's `require_deployer`: others get 403). The diagram is
edited with the bpmn-js Modeler (web/static/modeler.js); validating and deploying go
through the engine (`validate`, `deploy`), which never trusts the browser.
"""

import inspect
from typing import Any

from flask import Blueprint, jsonify, render_template, request, url_for
from werkzeug.wrappers import Response

from engine.errors import BpmnRejected, NotFound, PolicyflowError
from engine.facade import NEW_PROCESS, OPERATIONS
from web.auth import engine, login_required, process_owner
from web.i18n import _, current_lang, error_text, localize_problems

bp = Blueprint("modeler", __name__, url_prefix="/modeler")

JsonReply = Response | tuple[Response, int]


def _texts() -> dict[str, str]:
    """The words modeler.js shows, in the page's language."""
    return {
        "name": _("Tên"),
        "id": _("Mã phần tử"),
        "type": _("Loại"),
        "role": _("Vai trò (theo mô hình tổ chức)"),
        "no_role": _("— chọn vai trò —"),
        "form": _("Tệp biểu mẫu (formJsonSchemaFilename)"),
        "form_pick": _("Biểu mẫu (chọn trong các tệp đã có)"),
        "form_none": _("— chọn biểu mẫu —"),
        "form_schema": _("Nội dung biểu mẫu (JSON Schema)"),
        "form_unknown": _("Chưa có tệp biểu mẫu này: nhập JSON Schema để tạo."),
        "form_invalid": _("Chưa phải JSON hợp lệ (giữ nội dung hợp lệ gần nhất)"),
        "form_not_object": _("JSON Schema của biểu mẫu phải là một đối tượng {…}"),
        "form_new_name": _("Tệp biểu mẫu mới (ví dụ ps_legal_check.json)"),
        "form_new": _("Mẫu mới"),
        "form_bad_name": _("Tên tệp chỉ gồm chữ không dấu, số, '_', '-', '.' và kết thúc .json"),
        "form_blocked": _("Chưa gửi: biểu mẫu {name} chưa phải JSON hợp lệ."),
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
        # the side panel: call activities, messages, scripts, service tasks
        "called": _("Quy trình được gọi (đã triển khai)"),
        "called_pick": _("— chọn quy trình —"),
        "called_key": _("Mã quy trình được gọi (calledElement)"),
        "message": _("Tên thông điệp (message)"),
        "message_note": _(
            "Chọn theo tên; một tên mới tạo thông điệp mới (bpmn:message) trong mô hình."
        ),
        "script": _("Mã lệnh (script)"),
        "script_note": _(
            "Chạy trong hộp cát của máy chủ: lệnh được phép, giới hạn bước và bộ nhớ."
        ),
        "operator": _("Thao tác dịch vụ (serviceTaskOperator)"),
        "operator_pick": _("— chọn thao tác —"),
        "operator_params": _("Tham số của thao tác (? là không bắt buộc)"),
        "result_variable": _("Biến nhận kết quả (resultVariable)"),
        "parameters": _("Tham số"),
        "param_id": _("Tên"),
        "param_type": _("Kiểu"),
        "param_value": _("Giá trị (biểu thức)"),
        "param_add": _("Thêm tham số"),
        "param_remove": _("Xóa"),
        # bpmnlint in the browser (web/static/lint/): its errors block Deploy there
        "lint_errors": _("Mô hình vi phạm quy tắc bpmnlint (lỗi đánh dấu trên sơ đồ)."),
        "lint_blocked": _("Chưa triển khai: mô hình vi phạm quy tắc bpmnlint (xem danh sách lỗi)."),
        "lint_unavailable": _("Không chạy được bpmnlint trong trình duyệt này"),
        "source_engine": _("máy chủ"),
    }


@bp.get("")
@login_required
def index() -> str:
    process_owner()
    listed = sorted(engine().processes(), key=lambda p: p["name"])
    return render_template("modeler_index.html", processes=listed)


def _operations() -> list[dict[str, Any]]:
    """The service operations a service task may call (engine/services.py), each with its
    parameters (the handler's keyword arguments after the context) and which are required."""
    found = []
    for name, handler in sorted(OPERATIONS.items()):
        params = list(inspect.signature(handler).parameters.values())[1:]
        found.append(
            {
                "id": name,
                "parameters": [
                    {"id": p.name, "required": p.default is inspect.Parameter.empty} for p in params
                ],
            }
        )
    return found


def _page(key: str, version: int | None, xml_url: str) -> str:
    return render_template(
        "modeler.html",
        key=key,
        version=version,
        xml_url=xml_url,
        texts=_texts(),
        operations=_operations(),
        lang=current_lang(),
    )


@bp.get("/new")
@login_required
def new() -> str:
    process_owner()
    return _page("", None, "")


@bp.get("/roles.json")
@login_required
def roles() -> Response:
    process_owner()
    return jsonify(engine().org.roles())


@bp.get("/processes.json")
@login_required
def processes() -> Response:
    """The deployed processes a call activity may call, by key: [{key, name}]."""
    process_owner()
    found = sorted(engine().processes(), key=lambda p: p["key"])
    return jsonify([{"key": p["key"], "name": p["name"]} for p in found])


@bp.get("/<key>")
@login_required
def edit(key: str) -> str:
    process_owner()
    newest = next((p for p in engine().processes() if p["key"] == key), None)
    if newest is None:
        raise NotFound(_("Không tìm thấy quy trình."))
    xml_url = url_for("processes.diagram", key=key, version=newest["version"])
    return _page(key, newest["version"], xml_url)


@bp.get("/<key>/forms.json")
@login_required
def forms(key: str) -> Response:
    """The forms of the process's newest version, {filename: JSON Schema} ({} for "new")."""
    username = process_owner()
    return jsonify({} if key == "new" else engine().versions.forms(key, username=username))


class _BadBody(Exception):
    """The JSON body is not what the modeler sends (400 with the message)."""


def _posted() -> tuple[str, str, dict[str, dict]]:
    """(xml, comment, forms) from the JSON body: `forms` are the forms edited in the page,
    {filename: JSON Schema object}, {} when none were. _BadBody if the body is not so."""
    body: Any = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("xml"), str) or not body["xml"]:
        raise _BadBody(_("Thiếu nội dung BPMN."))
    comment = body.get("comment")
    edited = body.get("forms") or {}
    if not isinstance(edited, dict) or not all(isinstance(f, dict) for f in edited.values()):
        raise _BadBody(
            _("'forms' phải là một đối tượng {tên tệp: JSON Schema}, mỗi biểu mẫu một đối tượng.")
        )
    return body["xml"], (comment if isinstance(comment, str) else ""), edited


def _with_edited(xml: str, edited: dict[str, dict], new: bool = False) -> dict[str, dict]:
    """The forms to check the BPMN with: the newest version's (none for a new process),
    the edited ones over them. The engine keeps only those the BPMN names."""
    if new:
        return dict(edited)
    return {**engine().versions.forms_for(xml), **edited}


@bp.errorhandler(_BadBody)
def _bad_body(err: _BadBody) -> tuple[Response, int]:
    return jsonify({"error": str(err)}), 400


@bp.post("/validate")
@login_required
def validate() -> JsonReply:
    process_owner()
    xml, _comment, edited = _posted()
    pf = engine()
    try:
        found = pf.validate(xml, _with_edited(xml, edited))
    except PolicyflowError as err:
        return jsonify({"error": error_text(err)}), 400
    found["errors"] = localize_problems(found["errors"])
    found["warnings"] = localize_problems(found["warnings"])
    return jsonify(found)


@bp.post("/<key>/deploy")
@login_required
def deploy(key: str) -> JsonReply:
    username = process_owner()
    xml, comment, edited = _posted()
    try:
        # The forms edited in the page over the newest version's (forms None, when none
        # were edited: the engine keeps the newest version's); the process id must stay
        # the edited process's (a new one must not take an existing key).
        forms = _with_edited(xml, edited, new=key == "new") if edited else None
        expect = NEW_PROCESS if key == "new" else key
        done = engine().deploy(
            xml, forms, actor=username, comment=comment.strip(), expect_key=expect
        )
    except BpmnRejected as err:
        problems = localize_problems(err.problems or [])
        return jsonify(
            {
                "error": error_text(err),
                "errors": [p for p in problems if p.get("severity") == "error"],
                "warnings": [p for p in problems if p.get("severity") != "error"],
            }
        ), 400
    except PolicyflowError as err:
        return jsonify({"error": error_text(err)}), 400
    return jsonify(done)
