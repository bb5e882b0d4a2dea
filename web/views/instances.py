"""Instances (`/instances`): the filtered list; one instance with its coloured diagram,
timeline, data, comments, attachments and the admin's suspend/resume/cancel."""

from datetime import date
from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from engine.errors import Conflict, InvalidInput
from web import forms
from web.auth import current_username, engine, login_required, safe_next
from web.i18n import _
from web.views import arg, filter_units, page_arg, process_options

bp = Blueprint("instances", __name__)

STATUSES = ("running", "suspended", "completed", "cancelled")
PER_PAGE = 50


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(arg(name) or "")
    except ValueError:
        return None


@bp.get("/instances")
@login_required
def index() -> str:
    username = current_username()
    filters = {
        "process": arg("process"),
        "status": arg("status", STATUSES),
        "unit": arg("unit"),
        "started_by": arg("started_by"),
        "date_from": _day("date_from"),
        "date_to": _day("date_to"),
    }
    result = engine().instances(username, page=page_arg(), per_page=PER_PAGE, **filters)
    return render_template(
        "instances.html",
        items=result["items"],
        total=result["total"],
        page=page_arg(),
        pages=max(1, -(-result["total"] // PER_PAGE)),
        filters=filters,
        statuses=STATUSES,
        processes=process_options(username),
        units=filter_units(),
    )


@bp.get("/instances/<int:instance_id>")
@login_required
def show(instance_id: int) -> str:
    instance = engine().show(instance_id, current_username())
    starts = [p["start_form"] for p in engine().processes() if p["key"] == instance["process_key"]]
    schemas = [*starts, *(t["form_schema"] for t in instance["open_tasks"])]
    known, other = forms.describe_data(instance["data"], schemas)
    return render_template("instance.html", instance=instance, known=known, other=other)


@bp.get("/instances/<int:instance_id>/diagram.xml")
@login_required
def diagram(instance_id: int) -> Response:
    xml = engine().bpmn_xml(instance_id, current_username())
    return Response(xml, mimetype="application/xml")


@bp.post("/instances/<int:instance_id>/comments")
@login_required
def comment(instance_id: int) -> Response:
    body = request.form.get("body", "").strip()
    back = safe_next(request.form.get("next") or url_for("instances.show", instance_id=instance_id))
    if not body:
        flash(_("Ý kiến trống, chưa được gửi."), "error")
        return redirect(back)
    engine().add_comment(instance_id, current_username(), body, request.form.get("task_id") or None)
    flash(_("Đã gửi ý kiến."), "success")
    return redirect(back + "#comments")


@bp.post("/instances/<int:instance_id>/<any(suspend, resume, cancel):action>")
@login_required
def lifecycle(instance_id: int, action: str) -> Response:
    # The engine's cancel/suspend/resume take the actor's name without checking it, so the
    # page checks: only an administrator (can_admin) sees and uses these buttons.
    if not engine().show(instance_id, current_username())["can_admin"]:
        abort(403)
    command = getattr(engine(), action)
    try:
        command(instance_id, current_username())
        flash(_("Đã thực hiện: {action}.", action=_(ACTIONS[action])), "success")
    except (Conflict, InvalidInput) as err:
        flash(str(err), "error")
    return redirect(url_for("instances.show", instance_id=instance_id))


ACTIONS = {"suspend": "Tạm dừng", "resume": "Tiếp tục", "cancel": "Hủy hồ sơ"}


@bp.get("/attachments/<attachment_id>")
@login_required
def attachment(attachment_id: str) -> Response:
    meta, content = engine().attachment(attachment_id, current_username())
    # Always a download (never shown inline here); send_file writes a UTF-8 file name.
    return send_file(
        BytesIO(content),
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=str(meta.get("filename") or "tep"),
    )
