"""Form drafts (issue 18 item 9): "Lưu nháp" on a task's form keeps what was typed, for
this person and task, without submitting (nothing in the case or the audit log); the task
page shows it again next time; "Bỏ bản nháp" removes it. Files are not kept in a draft."""

from flask import Blueprint, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from engine.errors import InvalidInput, PermissionDenied
from web.auth import engine, login_required, signed_in
from web.i18n import _, error_text, format_datetime

bp = Blueprint("drafts", __name__, url_prefix="/tasks")

NOT_FIELDS = {"csrf_token", "next"}


@bp.post("/<task_id>/draft")
@login_required
def save(task_id: str) -> Response:
    fields = {name: request.form.getlist(name) for name in request.form if name not in NOT_FIELDS}
    try:
        draft = engine().drafts.save(task_id, signed_in(), fields)
    except (InvalidInput, PermissionDenied) as err:
        flash(error_text(err), "error")
    else:
        at = format_datetime(draft["saved_at"])
        flash(_("Đã lưu nháp lúc {at}. Bản nháp chưa được gửi.", at=at), "success")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.post("/<task_id>/draft/discard")
@login_required
def discard(task_id: str) -> Response:
    if engine().drafts.discard(task_id, signed_in()):
        flash(_("Đã bỏ bản nháp."), "info")
    return redirect(url_for("tasks.show", task_id=task_id))
