"""Vietnamese by default, English on request: a small table and a `_()` for Jinja and views.

Every UI string is written in Vietnamese and looked up in EN when the user picked English
(kept in the session and a cookie). Dates are shown in Việt Nam time, dd/mm/yyyy HH:MM.
"""

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from flask import Blueprint, Flask, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

LANGS = ("vi", "en")
VN = timezone(timedelta(hours=7), "ICT")  # Asia/Ho_Chi_Minh: +07:00, no daylight saving

bp = Blueprint("i18n", __name__)


def current_lang() -> str:
    lang = g.get("lang")
    if lang is None:
        lang = session.get("lang") or request.cookies.get("lang") or "vi"
        g.lang = lang = lang if lang in LANGS else "vi"
    return lang


def _(text: str, **values: Any) -> str:
    """The text in the current language, with {name} placeholders filled in."""
    if current_lang() == "en":
        text = EN.get(text, text)
    return text.format(**values) if values else text


def parse_moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def format_datetime(value: Any) -> str:
    """ISO date-time → dd/mm/yyyy HH:MM in Việt Nam time; anything else as given."""
    moment = parse_moment(value)
    return moment.astimezone(VN).strftime("%d/%m/%Y %H:%M") if moment else (value or "")


def format_date(value: Any) -> str:
    """ISO date → dd/mm/yyyy; a date-time is shown as one."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return format_datetime(value)


def local_now() -> datetime:
    return datetime.now(VN)


@bp.post("/lang/<lang>")
def switch(lang: str) -> Response:
    if lang not in LANGS:
        lang = "vi"
    session["lang"] = lang
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("inbox.index")
    response = redirect(target)
    response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(_=_, current_lang=current_lang, label=label)
    app.jinja_env.filters.update(dt=format_datetime, d=format_date)


# What the engine's codes mean to a person (looked up through `_` like every UI string).
LABELS: dict[str, dict[str, str]] = {
    "status": {
        "running": "Đang xử lý",
        "suspended": "Tạm dừng",
        "completed": "Đã hoàn thành",
        "cancelled": "Đã hủy",
    },
    "state": {"open": "Đang mở", "completed": "Đã hoàn thành", "cancelled": "Đã hủy"},
    "command": {
        "start": "khởi tạo hồ sơ",
        "claim": "nhận việc",
        "unclaim": "trả việc về hộp chung",
        "complete": "hoàn thành",
        "reassign": "giao việc cho người khác",
        "comment": "góp ý kiến",
        "attach": "đính kèm tệp",
        "cancel": "hủy hồ sơ",
        "suspend": "tạm dừng hồ sơ",
        "resume": "tiếp tục hồ sơ",
        "timer": "hẹn giờ đến hạn",
        "message": "nhận thông điệp",
        "migrate": "chuyển sang phiên bản mới",
    },
}


def label(kind: str, code: str | None) -> str:
    if code is None:
        return ""
    return _(LABELS.get(kind, {}).get(code, code))


EN: dict[str, str] = {
    "Thông báo": "Notifications",
    "Đánh dấu tất cả đã đọc": "Mark all as read",
    "Đã đánh dấu {n} thông báo là đã đọc.": "Marked {n} notifications as read.",
    "Mới": "New",
    "đã gửi e-mail": "e-mailed",
    "Chưa có thông báo nào.": "No notifications yet.",
    # layout and navigation
    "Truyền thông chính sách": "Policy communication",
    "UBND huyện Xuân Trường": "Xuân Trường District People's Committee",
    "Bỏ qua, tới nội dung": "Skip to content",
    "Đổi ngôn ngữ": "Change language",
    "Điều hướng": "Navigation",
    "Quản trị": "Administrator",
    "Tài khoản": "Account",
    "Chờ xử lý": "To do",
    "Việc tôi đã nhận": "Claimed by me",
    "Quá hạn": "Overdue",
    "Đã hoàn thành": "Completed",
    "Khởi tạo hồ sơ": "Start a process",
    "Hồ sơ": "Cases",
    "hồ sơ": "case",
    "Trang": "Pages",
    "Trước": "Previous",
    "Sau": "Next",
    "Trang {page}/{pages}": "Page {page}/{pages}",
    # sign-in
    "Đăng nhập": "Sign in",
    "Đăng xuất": "Sign out",
    "Tên đăng nhập": "Username",
    "tên đăng nhập": "username",
    "Mật khẩu": "Password",
    "Bạn đã đăng xuất.": "You have signed out.",
    "Đổi mật khẩu": "Change password",
    "Mật khẩu hiện tại": "Current password",
    "Mật khẩu mới (ít nhất 8 ký tự)": "New password (at least 8 characters)",
    "Nhập lại mật khẩu mới": "Repeat the new password",
    "Lưu mật khẩu mới": "Save the new password",
    "Hai lần nhập mật khẩu mới không khớp.": "The two new passwords differ.",
    "Đã đổi mật khẩu.": "Password changed.",
    # errors
    "Không tìm thấy": "Not found",
    "Không có quyền": "Not allowed",
    "Hồ sơ đã thay đổi": "The case has changed",
    "Dữ liệu không hợp lệ": "Invalid input",
    "Quy trình gặp lỗi": "The process failed",
    "Phiên làm việc đã hết hạn": "Your session has expired",
    "Hãy tải lại trang và thử lại.": "Reload the page and try again.",
    "Tệp quá lớn": "File too large",
    "Tệp đính kèm tối đa 25 MB.": "Attachments are limited to 25 MB.",
    "Về hộp công việc": "Back to the inbox",
    # inbox
    "Tìm kiếm": "Search",
    "Tên công việc…": "Task name…",
    "Quy trình": "Process",
    "Tất cả": "All",
    "Đơn vị": "Unit",
    "Thời hạn": "Due",
    "Đến hạn hôm nay": "Due today",
    "Còn hạn": "Later",
    "Lọc": "Filter",
    "Bỏ lọc": "Clear",
    "Công việc": "Task",
    "Hoàn thành lúc": "Completed at",
    "Hạn xử lý": "Due date",
    "Người nhận": "Assignee",
    "Thao tác": "Actions",
    "Tôi": "Me",
    "Chưa nhận": "Unclaimed",
    "Nhận việc": "Claim",
    "Trả lại": "Unclaim",
    "Không có công việc nào.": "No tasks.",
    # task page
    "Giao lúc": "Assigned at",
    "Hướng dẫn": "Instructions",
    "Trả về hộp chung": "Unclaim",
    "Xử lý công việc": "Do the task",
    "Công việc này đã kết thúc.": "This task is closed.",
    "Người hoàn thành": "Completed by",
    "Hoàn thành": "Complete",
    "Công việc đang do {who} xử lý.": "{who} is working on this task.",
    "Bạn không có vai trò để xử lý công việc này.": "You do not hold the role for this task.",
    "Giao cho người khác": "Reassign",
    "Người nhận mới": "New assignee",
    "Ghi chú": "Note",
    "Giao việc": "Reassign",
    "Thông tin hồ sơ": "Case information",
    "Bước hiện tại": "Current step",
    "Sơ đồ quy trình, bước hiện tại: {name}": "Process diagram, current step: {name}",
    "Bắt buộc": "Required",
    "(bắt buộc)": "(required)",
    "trường bắt buộc": "required field",
    "— Chọn —": "— Choose —",
    "Mỗi dòng một mã đơn vị": "One unit code per line",
    "Mã đơn vị, ví dụ xa-xuan-bac": "Unit code, e.g. xa-xuan-bac",
    "Đã tải lên: {name}": "Uploaded: {name}",
    "Dữ liệu khác ({n})": "Other data ({n})",
    "Chưa có dữ liệu.": "No data yet.",
    "Có": "Yes",
    "Không": "No",
    "Cần một số nguyên.": "A whole number is needed.",
    "Cần một số.": "A number is needed.",
    "Cần một ngày (dd/mm/yyyy).": "A date is needed (dd/mm/yyyy).",
    "Cần ngày và giờ (dd/mm/yyyy HH:MM).": "A date and time are needed (dd/mm/yyyy HH:MM).",
    "Có trường chưa đúng; hãy sửa các ô được đánh dấu.": (
        "Some fields are wrong; fix the marked ones."
    ),
    "Đã hoàn thành: {name}.": "Completed: {name}.",
    "Bạn đã nhận công việc.": "You claimed the task.",
    "Đã trả công việc về hộp chung.": "The task is back in the shared inbox.",
    "Hãy chọn người nhận.": "Choose the new assignee.",
    "Đã giao công việc cho {who}.": "Task reassigned to {who}.",
    # comments
    "Ý kiến trao đổi": "Comments",
    "Chưa có ý kiến.": "No comments yet.",
    "Thêm ý kiến": "Add a comment",
    "Gửi ý kiến": "Post comment",
    "Ý kiến trống, chưa được gửi.": "The comment is empty; nothing was posted.",
    "Đã gửi ý kiến.": "Comment posted.",
    # processes and instances
    "Phiên bản": "Version",
    "Khởi tạo": "Start",
    "Không thuộc vai trò của bạn": "Not one of your roles",
    "Chưa có quy trình nào được triển khai.": "No process is deployed yet.",
    "Đã khởi tạo hồ sơ số {id}.": "Case {id} started.",
    "Trạng thái": "Status",
    "Người khởi tạo": "Started by",
    "Bắt đầu": "Started",
    "Kết thúc": "Ended",
    "Từ ngày": "From",
    "Đến ngày": "To",
    "Không có hồ sơ nào.": "No cases.",
    "Quản trị hồ sơ": "Case administration",
    "Tạm dừng": "Suspend",
    "Tiếp tục": "Resume",
    "Hủy hồ sơ": "Cancel case",
    "Hủy hồ sơ này? Không thể hoàn tác.": "Cancel this case? This cannot be undone.",
    "Đã thực hiện: {action}.": "Done: {action}.",
    "Đang chờ xử lý": "Waiting for",
    "hạn": "due",
    "Sơ đồ quy trình": "Process diagram",
    "Sơ đồ quy trình của hồ sơ": "Diagram of the case's process",
    "Không tải được sơ đồ (thiếu bpmn-js: chạy npm ci).": (
        "Diagram unavailable (bpmn-js missing: run npm ci)."
    ),
    "Đang tải sơ đồ…": "Loading the diagram…",
    "Đã xong": "Done",
    "Phóng to, thu nhỏ sơ đồ": "Zoom the diagram",
    "Phóng to": "Zoom in",
    "Thu nhỏ": "Zoom out",
    "Toàn bộ sơ đồ": "Whole diagram",
    "Kéo để di chuyển sơ đồ.": "Drag to move the diagram.",
    "Đang xử lý": "In progress",
    "Chờ hẹn giờ": "Waiting for a timer",
    "Đã hủy": "Cancelled",
    "Luồng đã đi": "Path taken",
    "Diễn biến": "Timeline",
    "Dữ liệu hiện tại": "Current data",
    "Tệp đính kèm": "Attachments",
    "Chưa có tệp nào.": "No files yet.",
    # who must act, what the case is
    "Người xử lý": "Who acts",
    "đang do {who} xử lý": "being handled by {who}",
    "{name} năm {year}": "{name} {year}",
    "Xem hồ sơ": "Open the case",
    "Nhận việc để người khác biết bạn đang xử lý — không bắt buộc.": (
        "Claim it so others know you are handling it (optional)."
    ),
    "Bạn đã nhận việc này; người khác thấy bạn đang xử lý.": (
        "You claimed this task; others see you are handling it."
    ),
    "Số liệu đang nhập ở các đơn vị ({n})": "Figures the units are entering ({n})",
    "Chưa tách theo đơn vị: mỗi đơn vị có số liệu riêng, xem trong công việc của đơn vị đó.": (
        "Not split by unit: each unit's own figures are on that unit's tasks."
    ),
    # values the models compute (web/forms.py DERIVED)
    "Hạn trả lời": "Reply due",
    "Báo cáo lãnh đạo lúc (nếu chưa xong)": "Escalated to the leaders at (if not done)",
    "Số, ký hiệu văn bản": "Document number",
    "Số quyết định thành lập tổ": "Number of the team's decision",
    "Số lần trả lại chỉnh sửa": "Times returned for revision",
    "Đơn vị đã gửi báo cáo": "Units that reported",
    "Đơn vị gửi muộn": "Units that reported late",
    "Tổng hợp số liệu các đơn vị": "Totals of the units' figures",
    "Khó khăn, vướng mắc của các đơn vị": "Difficulties the units reported",
    "Đề xuất, kiến nghị của các đơn vị": "Proposals of the units",
    "{n} ngày làm việc": "{n} working days",
    "{n} đơn vị": "{n} units",
    "(muộn)": "(late)",
    # replay and verification (web/views/replay.py)
    "Xem lại từng bước": "Replay step by step",
    "Kiểm chứng": "Verify",
    "Chạy lại hồ sơ từ nhật ký và so từng bước với điều đã ghi, kiểm tra chuỗi nhật ký. "
    "Không thay đổi gì.": "Re-runs the case from its log, compares every step with what was "
    "recorded and checks the log's chain. Changes nothing.",
    "Đã kiểm chứng: {n} bước tái hiện đúng.": "Verified: {n} steps reproduce.",
    "Cả {n} bước tái hiện đúng.": "All {n} steps reproduce.",
    "Không tái hiện được: lệch từ bước {n} (đúng {ok}/{total} bước).": (
        "Not reproduced: diverges at step {n} ({ok}/{total} steps reproduce)."
    ),
    "Chuỗi nhật ký nguyên vẹn.": "The log's chain is intact.",
    "Chuỗi nhật ký bị phá vỡ:": "The log's chain is broken:",
    "Chỉ xem lại được {n} bước đầu: bước {m} không tái hiện được.": (
        "Only the first {n} steps can be replayed: step {m} does not reproduce."
    ),
    "Không có bước {step}: hồ sơ có {n} bước.": "There is no step {step}: the case has {n} steps.",
    "Không có bước nào tái hiện được.": "No step could be replayed.",
    "Sơ đồ tại bước": "Diagram at step",
    "Sơ đồ quy trình của hồ sơ tại bước đang xem": "The case's process diagram at the step shown",
    "Việc của bước đang xem": "The task of the step shown",
    "Bước": "Step",
    "Bước {n}": "Step {n}",
    "Xem bước {n}": "See step {n}",
    "Bước đầu": "First step",
    "Bước trước": "Previous step",
    "Bước sau": "Next step",
    "Bước cuối": "Last step",
    "Xem bước": "Show the step",
    "Phím ← → chuyển bước, Home/End về bước đầu/cuối.": (
        "Keys ← → move one step, Home/End go to the first/last step."
    ),
    "Các bước": "Steps",
    "Lệnh": "Command",
    "Người thực hiện": "Done by",
    "Vai trò": "Role",
    "Thời điểm": "At",
    "Hồ sơ sau bước này": "The case after this step",
    "Dữ liệu đã gửi ở bước này": "Data submitted at this step",
    "Bước này không kèm dữ liệu.": "No data came with this step.",
    "Dữ liệu hồ sơ sau bước này": "The case's data after this step",
    "Hệ thống": "System",
    "Thông điệp": "Message",
    "Giao cho": "Reassigned to",
    "Ý kiến": "Comment",
    "Tệp": "File",
    # the audit log and history exports (web/views/audit.py)
    "Nhật ký": "Audit log",
    "Mọi thao tác trên các hồ sơ bạn được xem, mới nhất trước.": (
        "Every action on the cases you may see, newest first."
    ),
    "Lọc nhật ký": "Filter the audit log",
    "Loại sự kiện": "Event type",
    "Thời gian": "Time",
    "Mã băm": "Hash",
    "Liên kết": "Links",
    "bước {seq}": "step {seq}",
    "Xem lại bước này": "Replay this step",
    "Không có sự kiện nào.": "No events.",
    "Lịch sử xử lý:": "History:",
    "Bản in": "Printable",
    "Tải JSON": "Download JSON",
    "Lịch sử xử lý hồ sơ": "Case history",
    "In / Lưu PDF": "Print / Save as PDF",
    "Trích xuất lúc": "Exported at",
    "Dữ liệu đã gửi": "Data submitted",
    "Mã băm: 12 ký tự đầu của mã SHA-256 mỗi sự kiện; bản JSON có đủ mã và chuỗi chung.": (
        "Hash: the first 12 characters of each event's SHA-256; the JSON export has the "
        "full hashes and the global chain."
    ),
    "Chuỗi băm: nguyên vẹn": "Hash chain: intact",
    "Chuỗi băm: bị phá vỡ tại {places}": "Hash chain: broken at {places}",
    "sự kiện {seq} ({reason})": "event {seq} ({reason})",
    "lẽ ra là sự kiện {n}": "expected event {n} here",
    "nội dung đã bị sửa sau khi ghi": "content changed after it was written",
    "không nối tiếp sự kiện trước nó": "does not follow the event before it",
    "sự kiện cuối cùng đã bị xoá": "the last event is missing",
    # the process modeler (/modeler)
    "Thiết kế quy trình": "Process modeler",
    # process versions (/processes/<key>/versions)
    "Các phiên bản": "Versions",
    "So sánh phiên bản": "Compare version",
    "với phiên bản": "with version",
    "Xem khác biệt": "Show differences",
    "Người triển khai": "Deployed by",
    "mới nhất": "newest",
    "hệ thống": "system",
    "Lý do khôi phục": "Reason for the roll back",
    "Khôi phục phiên bản này": "Roll back to this version",
    "Hãy ghi lý do khôi phục.": "Give a reason for the roll back.",
    "Đã khôi phục phiên bản {old} thành phiên bản mới {new}.": (
        "Rolled back version {old} as new version {new}."
    ),
    "Số phiên bản không hợp lệ.": "Invalid version number.",
    "Khác biệt giữa hai phiên bản": "Differences between two versions",
    "Thêm mới": "Added",
    "Đã xoá": "Removed",
    "Đã thay đổi": "Changed",
    "Danh sách khác biệt": "List of differences",
    "Hai phiên bản không khác nhau về mô hình.": "The two versions do not differ in the model.",
    "Chỉ thay đổi vị trí trên sơ đồ": "Moved on the diagram only",
    "Quy trình mới": "New process",
    "Mở": "Open",
    "Mở phiên bản mới nhất của một quy trình để sửa sơ đồ BPMN, kiểm tra và triển khai "
    "phiên bản mới. Hồ sơ đang chạy vẫn theo phiên bản cũ.": (
        "Open the newest version of a process to edit its BPMN diagram, validate it and "
        "deploy a new version. Running cases stay on their old version."
    ),
    "Danh sách quy trình": "Process list",
    "từ phiên bản": "from version",
    "Công cụ": "Tools",
    "Kiểm tra": "Validate",
    "Ghi chú phiên bản": "Version comment",
    "Triển khai": "Deploy",
    "Tải xuống .bpmn": "Download .bpmn",
    "Tải lên .bpmn": "Upload .bpmn",
    "Lưu nháp": "Save draft",
    "Mở bản nháp": "Open draft",
    "Bản nháp chỉ lưu trong trình duyệt này, không gửi lên máy chủ.": (
        "Drafts are kept in this browser only, never sent to the server."
    ),
    "Sơ đồ BPMN": "BPMN diagram",
    "Thuộc tính": "Properties",
    "Tên": "Name",
    "Mã phần tử": "Element id",
    "Loại": "Type",
    "Vai trò (theo mô hình tổ chức)": "Role (from the org model)",
    "— chọn vai trò —": "— choose a role —",
    "Tệp biểu mẫu (formJsonSchemaFilename)": "Form file (formJsonSchemaFilename)",
    "Biểu mẫu (chọn trong các tệp đã có)": "Form (choose one of the known files)",
    "— chọn biểu mẫu —": "— choose a form —",
    "Nội dung biểu mẫu (JSON Schema)": "Form content (JSON Schema)",
    "Chưa có tệp biểu mẫu này: nhập JSON Schema để tạo.": (
        "There is no such form file yet: type its JSON Schema to create it."
    ),
    "Chưa phải JSON hợp lệ (giữ nội dung hợp lệ gần nhất)": (
        "Not valid JSON yet (the last valid content is kept)"
    ),
    "JSON Schema của biểu mẫu phải là một đối tượng {…}": (
        "A form's JSON Schema must be an object {…}"
    ),
    "Tệp biểu mẫu mới (ví dụ ps_legal_check.json)": "New form file (e.g. ps_legal_check.json)",
    "Mẫu mới": "New form",
    "Tên tệp chỉ gồm chữ không dấu, số, '_', '-', '.' và kết thúc .json": (
        "A file name has only unaccented letters, digits, '_', '-', '.' and ends in .json"
    ),
    "Chưa gửi: biểu mẫu {name} chưa phải JSON hợp lệ.": (
        "Not sent: form {name} is not valid JSON yet."
    ),
    "'forms' phải là một đối tượng {tên tệp: JSON Schema}, mỗi biểu mẫu một đối tượng.": (
        "'forms' must be an object {file name: JSON Schema}, each form an object."
    ),
    'Thời hạn (dueIn), ví dụ "10WD" hoặc "PT24H"': 'Due (dueIn), e.g. "10WD" or "PT24H"',
    "Kiểu hẹn giờ": "Timer kind",
    "Biểu thức hẹn giờ": "Timer expression",
    "Điều kiện rẽ nhánh": "Branch condition",
    "Chọn một phần tử trên sơ đồ để sửa thuộc tính.": (
        "Select an element on the diagram to edit its properties."
    ),
    "Đang kiểm tra…": "Validating…",
    "Đang triển khai…": "Deploying…",
    "Mô hình hợp lệ, có thể triển khai.": "The model is valid and can be deployed.",
    "Lỗi (chặn triển khai)": "Errors (block deployment)",
    "Cảnh báo (không chặn triển khai)": "Warnings (do not block deployment)",
    "Đã triển khai phiên bản {version} của quy trình {key}.": (
        "Deployed version {version} of process {key}."
    ),
    "Không có thay đổi: phiên bản {version} vẫn là mới nhất.": (
        "Nothing changed: version {version} is still the newest."
    ),
    "Chưa triển khai: mô hình còn lỗi.": "Not deployed: the model has errors.",
    "Không gửi được yêu cầu; hãy thử lại.": "The request could not be sent; try again.",
    "Không đọc được tệp BPMN.": "The BPMN file could not be read.",
    "Đã lưu nháp trong trình duyệt này.": "Draft saved in this browser.",
    "Chưa có bản nháp nào cho quy trình này.": "There is no draft for this process yet.",
    "Đã mở bản nháp.": "Draft opened.",
    "dòng": "line",
    "Không tìm thấy quy trình.": "Process not found.",
    "Thiếu nội dung BPMN.": "The BPMN content is missing.",
    # the modeler's side panel: call activities, messages, scripts, service tasks
    "Quy trình được gọi (đã triển khai)": "Called process (deployed)",
    "— chọn quy trình —": "— choose a process —",
    "Mã quy trình được gọi (calledElement)": "Called process key (calledElement)",
    "Tên thông điệp (message)": "Message name",
    "Chọn theo tên; một tên mới tạo thông điệp mới (bpmn:message) trong mô hình.": (
        "Chosen by name; a new name creates a new message (bpmn:message) in the model."
    ),
    "Kịch bản (script)": "Script",
    "Chạy trong hộp cát của máy chủ: lệnh được phép, giới hạn bước và bộ nhớ.": (
        "Runs in the server's sandbox: allowed statements only, step and memory limits."
    ),
    "Thao tác dịch vụ (serviceTaskOperator)": "Service operation (serviceTaskOperator)",
    "— chọn thao tác —": "— choose an operation —",
    "Tham số của thao tác (? là không bắt buộc)": "The operation's parameters (? optional)",
    "Biến nhận kết quả (resultVariable)": "Result variable (resultVariable)",
    "Tham số": "Parameters",
    "Kiểu": "Type",
    "Giá trị (biểu thức)": "Value (expression)",
    "Thêm tham số": "Add a parameter",
    "Xóa": "Remove",
    # the modeler's bpmnlint (web/views/modeler.py)
    "Mô hình vi phạm quy tắc bpmnlint (lỗi đánh dấu trên sơ đồ).": (
        "The model breaks bpmnlint rules (errors marked on the diagram)."
    ),
    "Chưa triển khai: mô hình vi phạm quy tắc bpmnlint (xem danh sách lỗi).": (
        "Not deployed: the model breaks bpmnlint rules (see the list of errors)."
    ),
    "Không chạy được bpmnlint trong trình duyệt này": "bpmnlint could not run in this browser",
    "máy chủ": "server",
    # engine codes (LABELS)
    "Đang mở": "Open",
    "khởi tạo hồ sơ": "started the case",
    "nhận việc": "claimed",
    "trả việc về hộp chung": "unclaimed",
    "hoàn thành": "completed",
    "giao việc cho người khác": "reassigned",
    "góp ý kiến": "commented",
    "đính kèm tệp": "attached a file",
    "hủy hồ sơ": "cancelled the case",
    "tạm dừng hồ sơ": "suspended the case",
    "tiếp tục hồ sơ": "resumed the case",
    "hẹn giờ đến hạn": "timer fired",
    "nhận thông điệp": "message received",
    "chuyển sang phiên bản mới": "moved to a newer version",
    # moving instances to a newer version (web/views/migration.py)
    "Chuyển hồ sơ sang phiên bản mới": "Move cases to a newer version",
    "Chuyển hồ sơ": "Move cases",
    "Sang phiên bản": "To version",
    "Xem trước": "Preview",
    "Đang ở phiên bản": "On version",
    "Chuyển được?": "Can move?",
    "Được": "Yes",
    "Cần tạm dừng trước": "Suspend it first",
    "Thay đổi khi chuyển": "What moving changes",
    "Tạm dừng các hồ sơ đã chọn": "Suspend the selected cases",
    "Chuyển các hồ sơ đã chọn": "Move the selected cases",
    "Tiếp tục hồ sơ sau khi chuyển": "Resume the cases after moving them",
    "Lý do chuyển": "Reason for the move",
    "Không có hồ sơ nào đang chạy hoặc tạm dừng.": "No running or suspended case.",
    "Chưa chọn hồ sơ nào.": "No case selected.",
    "Mã hồ sơ không hợp lệ.": "Invalid case id.",
    "Đã tạm dừng hồ sơ {id}.": "Case {id} suspended.",
    "Đã chuyển hồ sơ {id} sang phiên bản mới.": "Case {id} moved to the newer version.",
    "Chỉ hồ sơ đã tạm dừng mới chuyển được; hồ sơ chuyển xong giữ hạn xử lý cũ.": (
        "Only suspended cases move; a moved case keeps its deadlines."
    ),
}
