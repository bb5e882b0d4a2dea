"""`/modeler`: process owners edit, validate and deploy BPMN in the browser (issue 5).

The pages and their JSON endpoints are for process owners (role `chu_quy_trinh`) and
administrators only (the engine's `require_deployer`: others get 403). The diagram is
edited with the bpmn-js Modeler (web/static/modeler.js); validating and deploying go
through the engine (`validate`, `deploy`), which never trusts the browser.
"""

import inspect
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    jsonify,
    render_template,
    render_template_string,
    request,
    send_from_directory,
    url_for,
)
from werkzeug.wrappers import Response

from engine.errors import BpmnRejected, NotFound, PolicyflowError
from engine.facade import NEW_PROCESS, OPERATIONS
from web import forms as web_forms
from web.auth import engine, login_required, process_owner
from web.i18n import _, current_lang, error_text, localize_problems
from web.views import unit_options

bp = Blueprint("modeler", __name__, url_prefix="/modeler")

JsonReply = Response | tuple[Response, int]

BUILT = Path(__file__).resolve().parents[2] / "node_modules" / ".policyflow"
BUNDLE = {"modeler.js", "modeler.css"}


def _texts() -> dict[str, str]:
    """The words modeler.js shows, in the page's language."""
    return {
        "name": _("Tên"),
        "id": _("Mã phần tử"),
        "type": _("Loại"),
        "nothing": _("Chọn một phần tử trên sơ đồ để sửa thuộc tính."),
        "advanced": _("Nâng cao"),
        # the panel's groups, in people's words
        "group_role": _("Vai trò"),
        "group_form": _("Biểu mẫu"),
        "group_due": _("Thời hạn"),
        "group_timer": _("Hẹn giờ"),
        "group_condition": _("Điều kiện rẽ nhánh"),
        "group_called": _("Quy trình được gọi"),
        "group_script": _("Mã lệnh"),
        "group_service": _("Thao tác dịch vụ"),
        "role": _("Ai làm các bước trong làn này"),
        "role_note": _("Vai trò theo mô hình tổ chức; người giữ vai trò đó nhận các bước."),
        "no_role": _("— chọn vai trò —"),
        # forms and the form editor (modeler_forms.js)
        "form_pick": _("Biểu mẫu người dùng điền"),
        "form_none": _("— không có biểu mẫu —"),
        "form_edit": _("Sửa biểu mẫu"),
        "form_new": _("Biểu mẫu mới"),
        "form_fields_count": _("{n} trường"),
        "form_blocked": _("Chưa gửi: biểu mẫu {name} chưa phải JSON hợp lệ."),
        "form_invalid": _("Chưa phải JSON hợp lệ (giữ nội dung hợp lệ gần nhất)"),
        "form_not_object": _("JSON Schema của biểu mẫu phải là một đối tượng {…}"),
        "form_bad_name": _("Tên tệp chỉ gồm chữ không dấu, số, '_', '-', '.' và kết thúc .json"),
        "fe_title": _("Biểu mẫu"),
        "fe_form_title": _("Tiêu đề biểu mẫu"),
        "fe_file": _("Tệp"),
        "fe_fields": _("Các trường"),
        "fe_add": _("Thêm trường"),
        "fe_label": _("Nhãn"),
        "fe_key": _("Tên dữ liệu"),
        "fe_type": _("Kiểu"),
        "fe_required": _("Bắt buộc"),
        "fe_help": _("Hướng dẫn"),
        "fe_choices": _("Các lựa chọn (mỗi dòng một lựa chọn)"),
        "fe_when": _("Chỉ hiện khi trường"),
        "fe_when_any": _("— luôn hiện —"),
        "fe_when_value": _("có giá trị"),
        "fe_up": _("Lên"),
        "fe_down": _("Xuống"),
        "fe_remove": _("Xóa trường"),
        "fe_preview": _("Xem trước (như trên trang công việc)"),
        "fe_json": _("JSON Schema (nâng cao)"),
        "fe_done": _("Xong"),
        "fe_empty": _("Chưa có trường nào: bấm “Thêm trường”."),
        "fe_new_field": _("Trường mới"),
        "fe_yes": _("Có"),
        "fe_no": _("Không"),
        "fe_kept": _("Giữ nguyên các thuộc tính khác của trường (xem JSON)."),
        "type_text": _("Chữ (một dòng)"),
        "type_textarea": _("Đoạn văn (nhiều dòng)"),
        "type_number": _("Số"),
        "type_integer": _("Số nguyên"),
        "type_date": _("Ngày"),
        "type_datetime": _("Ngày giờ"),
        "type_choice": _("Chọn một trong danh sách"),
        "type_yesno": _("Có / Không"),
        "type_unit": _("Đơn vị (cơ quan, xã)"),
        "type_file": _("Tệp đính kèm"),
        "type_other": _("Khác (giữ nguyên)"),
        # due dates (dueIn) and timers in a number and a unit
        "due": _("Hạn hoàn thành bước"),
        "due_none": _("Không có thời hạn"),
        "due_wd": _("ngày làm việc"),
        "due_hours": _("giờ"),
        "due_days": _("ngày"),
        "due_field": _("ngày ghi trong hồ sơ"),
        "due_expr": _("biểu thức (nâng cao)"),
        "due_number": _("Số lượng"),
        "due_unit": _("Đơn vị thời gian"),
        "due_field_name": _("Trường dữ liệu chứa hạn"),
        "due_expression": _("Biểu thức thời hạn"),
        "due_expression_note": _(
            'Ví dụ config["doc_step_due"]; 3WD, PT24H, P30D được đọc là giá trị chuẩn.'
        ),
        "due_says_wd": _("Hạn: {n} ngày làm việc kể từ khi bước bắt đầu."),
        "due_says_hours": _("Hạn: {n} giờ kể từ khi bước bắt đầu."),
        "due_says_days": _("Hạn: {n} ngày kể từ khi bước bắt đầu."),
        "due_says_field": _("Hạn: ngày giờ ghi trong trường {n} của hồ sơ."),
        "due_says_none": _("Bước này không có hạn."),
        "timer_kind": _("Khi nào"),
        "timer_duration": _("Sau một khoảng thời gian"),
        "timer_date": _("Vào một thời điểm"),
        "timer_cycle": _("Lặp lại"),
        "timer_every": _("Mỗi"),
        "timer_times": _("lần"),
        "timer_date_day": _("Ngày"),
        "timer_date_time": _("Giờ"),
        "timer_date_note": _("Giờ Việt Nam (UTC+7)."),
        "timer_expr": _("Biểu thức hẹn giờ"),
        "timer_expr_note": _('Ví dụ after(incident_at, config["p2_reminder_1"]).'),
        "unit_seconds": _("giây"),
        "unit_minutes": _("phút"),
        "unit_hours": _("giờ"),
        "unit_days": _("ngày"),
        "condition": _("Điều kiện (biểu thức)"),
        "condition_note": _('Ví dụ review_decision == "approve".'),
        "validating": _("Đang kiểm tra…"),
        "deploying": _("Đang triển khai…"),
        "valid": _("Mô hình hợp lệ, có thể triển khai."),
        "errors": _("Lỗi (chặn triển khai)"),
        "warnings": _("Cảnh báo (không chặn triển khai)"),
        "deployed": _("Đã triển khai phiên bản {version} của quy trình {key}."),
        "unchanged": _("Không có thay đổi: phiên bản {version} vẫn là mới nhất."),
        "from_version": _("từ phiên bản"),
        "rejected": _("Chưa triển khai: mô hình còn lỗi."),
        "failed": _("Không gửi được yêu cầu; hãy thử lại."),
        "import_failed": _("Không đọc được tệp BPMN."),
        "draft_saved": _("Đã lưu nháp trong trình duyệt này."),
        "draft_none": _("Chưa có bản nháp nào cho quy trình này."),
        "draft_loaded": _("Đã mở bản nháp."),
        "line": _("dòng"),
        # the side panel: call activities, scripts, service tasks
        "called": _("Quy trình được gọi (đã triển khai)"),
        "called_pick": _("— chọn quy trình —"),
        "called_key": _("Mã quy trình được gọi"),
        "script": _("Mã lệnh (script)"),
        "script_note": _(
            "Chạy trong hộp cát của máy chủ: lệnh được phép, giới hạn bước và bộ nhớ."
        ),
        "operator": _("Thao tác"),
        "operator_pick": _("— chọn thao tác —"),
        "operator_params": _("Tham số của thao tác (? là không bắt buộc)"),
        "result_variable": _("Lưu kết quả vào trường"),
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


def _stock_words() -> dict[str, str]:
    """bpmn-js-properties-panel's own English labels, in the page's language."""
    return {
        "General": _("Chung"),
        "Name": _("Tên"),
        "ID": _("Mã phần tử"),
        "Documentation": _("Ghi chú"),
        "Element documentation": _("Ghi chú của phần tử"),
        "Process documentation": _("Ghi chú của quy trình"),
        "Process": _("Quy trình"),
        "Process name": _("Tên quy trình"),
        "Process ID": _("Mã quy trình"),
        "Executable": _("Chạy được"),
        "Message": _("Thông điệp"),
        "Global message reference": _("Thông điệp"),
        "Create new ...": _("Tạo mới…"),
        "<none>": _("<không có>"),
        "Signal": _("Tín hiệu"),
        "Error": _("Lỗi"),
        "Escalation": _("Chuyển cấp"),
        "Multi-instance": _("Nhiều lượt"),
        "Loop cardinality": _("Số lượt"),
        "Completion condition": _("Điều kiện hoàn thành"),
        "Compensation": _("Bù trừ"),
        "Link": _("Liên kết"),
        "Participant": _("Bên tham gia"),
        "Value": _("Giá trị"),
        # the panel header's element kinds
        "Collaboration": _("Sơ đồ cộng tác"),
        "Lane": _("Làn (vai trò)"),
        "Task": _("Bước"),
        "User Task": _("Bước người dùng làm"),
        "Service Task": _("Bước dịch vụ (máy làm)"),
        "Script Task": _("Bước mã lệnh"),
        "Send Task": _("Bước gửi thông điệp"),
        "Receive Task": _("Bước nhận thông điệp"),
        "Call Activity": _("Gọi quy trình khác"),
        "Expanded Sub Process": _("Quy trình con"),
        "Collapsed Sub Process": _("Quy trình con (thu gọn)"),
        "Start Event": _("Bắt đầu"),
        "End Event": _("Kết thúc"),
        "Terminate End Event": _("Kết thúc toàn bộ"),
        "Timer Intermediate Catch Event": _("Chờ hẹn giờ"),
        "Timer Boundary Event": _("Hẹn giờ trên bước (ngắt bước)"),
        "Timer Boundary Event (Non Interrupting)": _("Hẹn giờ trên bước (không ngắt)"),
        "Timer Start Event": _("Bắt đầu theo hẹn giờ"),
        "Message Intermediate Catch Event": _("Chờ thông điệp"),
        "Message Start Event": _("Bắt đầu khi nhận thông điệp"),
        "Exclusive Gateway": _("Rẽ nhánh (chọn một)"),
        "Parallel Gateway": _("Song song"),
        "Inclusive Gateway": _("Rẽ nhánh (chọn nhiều)"),
        "Event Based Gateway": _("Rẽ nhánh theo sự kiện"),
        "Sequence Flow": _("Luồng"),
        "Conditional Flow": _("Luồng có điều kiện"),
        "Default Flow": _("Luồng mặc định"),
    }


# The service operations (engine/rules/services.py) in people's words; an operation not
# named here shows its id.
def _operation_labels() -> dict[str, str]:
    return {
        "register_document": _("Cấp số, vào sổ văn bản"),
        "allocate_document_number": _("Cấp số văn bản (mẫu cũ)"),
        "case_deadlines": _("Tính thời hạn vụ việc"),
        "notify": _("Gửi thông báo cho một vai trò"),
        "remind_open_tasks": _("Nhắc người chưa làm xong"),
        "start_process": _("Khởi tạo hồ sơ quy trình khác"),
        "record_case": _("Ghi nhận số liệu vụ việc"),
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
    labels = _operation_labels()
    for name, handler in sorted(OPERATIONS.items()):
        params = list(inspect.signature(handler).parameters.values())[1:]
        found.append(
            {
                "id": name,
                "label": labels.get(name, ""),
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
        # the stock panel's own English words stay as they are in English
        texts={**_texts(), "stock": {} if current_lang() == "en" else _stock_words()},
        operations=_operations(),
        lang=current_lang(),
    )


@bp.get("/new")
@login_required
def new() -> str:
    process_owner()
    return _page("", None, "")


@bp.get("/bundle/<name>")
@login_required
def bundle(name: str) -> Response:
    """The modeler with its properties panel (web/static/modeler_panel/, built by
    `npm run build` into node_modules/.policyflow/): modeler.js and modeler.css only."""
    process_owner()
    if name not in BUNDLE:
        abort(404)
    return send_from_directory(BUILT, name, max_age=3600)


@bp.post("/form-preview")
@login_required
def form_preview() -> JsonReply:
    """A form's JSON Schema drawn by the task page's own code (web/forms.py and the
    form_fields macro): the form editor's live preview."""
    process_owner()
    body: Any = request.get_json(silent=True)
    schema = body.get("schema") if isinstance(body, dict) else None
    if not isinstance(schema, dict):
        return jsonify({"error": _("Thiếu JSON Schema của biểu mẫu.")}), 400
    try:
        drawn = web_forms.fields(schema, web_forms.initial(schema), {}, unit_options())
        html = render_template_string(
            '{% from "macros/form.html" import form_fields %}{{ form_fields(fields) }}',
            fields=drawn,
        )
    except Exception as err:  # a schema the editor's JSON made up: said, never a 500
        return jsonify({"error": f"{type(err).__name__}: {err}"}), 400
    return jsonify({"html": html})


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
