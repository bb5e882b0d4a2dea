"""`/yeu-cau-thong-tin`: the public information-request page (P4, no login).

A citizen files a request and gets a tracking code; with the code they follow it (public
status, deadline, letters sent) and complete it when asked. No internal data is shown.

Bots: the form carries a token signed with the app's secret holding the moment it was
served; a submission is refused if the token is forged, older than FORM_MAX_AGE, younger
than the minimum fill time (a script posts at once), or if the hidden honeypot field was
filled. No third-party service. Sizes: the whole body (before Flask parses it), the
number and size of files and their real type (engine/rules/file_types.py). Per-address
limits are the engine's (PublicHit rows; no Redis). CSRF as every form of the app.
"""

import io
import time
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, send_file
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from engine.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from engine.facade import Upload
from web.auth import client_address, engine, login_required, signed_in
from web.i18n import _, localize

bp = Blueprint("info_requests", __name__, url_prefix="/yeu-cau-thong-tin")

FIELDS = ("unit", "requester_name", "requester_email", "requester_phone", "requester_address",
          "channel", "request_content", "delivery_form")  # fmt: skip
CHANNELS = ("online", "post", "in_person")
HONEYPOT = "website"
FORM_MAX_AGE = 2 * 3600  # seconds a served form stays valid
MAX_BODY = 7 * 1024 * 1024  # the whole request: 3 files of 2 MB and the text
TOKEN_SALT = "info-request-form"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def form_token() -> str:
    return _serializer().dumps({"t": time.time()})


def min_fill_seconds() -> float:
    return float(current_app.config.get("INFO_REQUEST_MIN_FILL_SECONDS", 3))


def bot_problem() -> str | None:
    """Why this submission looks automated (None: it does not)."""
    if request.form.get(HONEYPOT):
        return _("Không gửi được yêu cầu: biểu mẫu có trường không hợp lệ.")
    try:
        served = _serializer().loads(request.form.get("form_token", ""), max_age=FORM_MAX_AGE)
    except BadSignature:  # forged, missing or expired (SignatureExpired is a BadSignature)
        return _("Biểu mẫu đã hết hạn; hãy tải lại trang và nhập lại.")
    if time.time() - float(served.get("t", 0)) < min_fill_seconds():
        return _("Biểu mẫu được gửi quá nhanh; hãy kiểm tra lại và gửi lại.")
    return None


def _too_large() -> bool:
    return (request.content_length or 0) > MAX_BODY


def _uploads(field: str = "files") -> list[Upload]:
    return [
        Upload(f.filename or "tep", f.read())
        for f in request.files.getlist(field)
        if f and f.filename
    ]


def _form_page(status: int = 200, error: str | None = None, values: Any = None) -> Any:
    page = render_template(
        "info_request_form.html",
        committees=engine().info_requests.committees(),
        channels=CHANNELS,
        token=form_token(),
        values=values or {},
        error=error,
        limits=engine().info_requests.limits,
    )
    return page, status


@bp.get("")
def new() -> Any:
    return _form_page()


@bp.post("")
def create() -> Any:
    if _too_large():
        return _form_page(413, _("Yêu cầu quá lớn (tối đa {mb} MB).", mb=MAX_BODY // 1048576))
    values = {k: request.form.get(k, "").strip() for k in FIELDS}
    problem = bot_problem()
    if problem:
        return _form_page(400, problem, values)
    if values["channel"] not in CHANNELS:
        values["channel"] = "online"
    try:
        code = engine().info_requests.file(values, _uploads(), client_address())
    except PermissionDenied as err:
        return _form_page(429, localize(err.message), values)
    except InvalidInput as err:
        return _form_page(400, _invalid_text(err), values)
    return render_template("info_request_filed.html", code=_grouped(code))


def _invalid_text(err: InvalidInput) -> str:
    fields = "; ".join(f"{name}: {localize(m)}" for name, msgs in err.field_errors.items()
                       for m in msgs)  # fmt: skip
    return localize(err.message) + (f" ({fields})" if fields else "")


def _grouped(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


@bp.get("/tra-cuu")
def lookup() -> str:
    return render_template("info_request_track.html", view=None, code="", error=None)


@bp.post("/tra-cuu")
def track() -> Any:
    code = request.form.get("code", "").strip()[:64]
    return _status_page(code)


def _status_page(code: str, error: str | None = None, status: int = 200) -> Any:
    try:
        view = engine().info_requests.track(code, client_address())
    except PermissionDenied as err:
        return _track_error(code, localize(err.message), 429)
    except NotFound as err:  # the same page for a wrong and an unknown code
        return _track_error(code, localize(err.message), 404)
    page = render_template("info_request_track.html", view=view, code=code, error=error)
    return page, status


def _track_error(code: str, message: str, status: int) -> Any:
    return render_template("info_request_track.html", view=None, code=code, error=message), status


@bp.post("/bo-sung")
def complete() -> Any:
    code = request.form.get("code", "").strip()[:64]
    if _too_large():
        return _track_error(code, _("Yêu cầu quá lớn (tối đa {mb} MB).", mb=MAX_BODY // 1048576),
                            413)  # fmt: skip
    try:
        engine().info_requests.complete(
            code, request.form.get("supplement", ""), _uploads(), client_address()
        )
    except PermissionDenied as err:
        return _track_error(code, localize(err.message), 429)
    except NotFound as err:
        return _track_error(code, localize(err.message), 404)
    except (InvalidInput, Conflict) as err:
        message = _invalid_text(err) if isinstance(err, InvalidInput) else localize(err.message)
        return _status_page(code, message, 400)
    return _status_page(code)


@bp.post("/van-ban")
def letter() -> Any:
    """A letter sent to the citizen, as its PDF (or .docx): with the request's code."""
    code = request.form.get("code", "").strip()[:64]
    try:
        name, mime, content = engine().info_requests.letter_file(
            code, request.form.get("symbol", ""), client_address()
        )
    except PermissionDenied as err:
        return _track_error(code, localize(err.message), 429)
    except NotFound as err:
        return _track_error(code, localize(err.message), 404)
    return send_file(io.BytesIO(content), mimetype=mime, as_attachment=True, download_name=name)


@bp.app_context_processor
def staff_helpers() -> dict[str, Any]:
    """`citizen_files(instance_id)` for the instance page of a P4 case (staff only)."""

    def citizen_files(instance_id: int) -> list:
        return engine().info_requests.files(instance_id, signed_in())

    return {"citizen_files": citizen_files}


@bp.get("/tep/<int:file_id>")
@login_required
def staff_file(file_id: int) -> Response:
    """A citizen's file, for the staff who may see its case."""
    try:
        meta, content = engine().info_requests.file_content(file_id, signed_in())
    except NotFound:
        abort(404)
    return send_file(
        io.BytesIO(content), mimetype=meta["content_type"], as_attachment=True,
        download_name=meta["filename"],
    )  # fmt: skip
