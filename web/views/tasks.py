"""The task page: the form from its JSON Schema, the instance so far, diagram, comments;
claim, unclaim, reassign and comment actions (POST + CSRF)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.wrappers import Response

from engine.errors import Conflict, InvalidInput
from engine.facade import results
from web import forms
from web.auth import engine, login_required, safe_next, signed_in
from web.form_groups import sections
from web.i18n import _, error_text, local_now, localize_fields, parse_moment
from web.views import error_summary, first_own_task, unit_options
from web.views.instances import describe

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


@bp.get("/<task_id>")
@login_required
def show(task_id: str) -> str:
    username = signed_in()
    task = engine().task(task_id, username)
    draft = engine().drafts.get(task_id, username) if task["can_act"] else None
    if draft is None:
        return _page(task, forms.initial(task["form_schema"]), {})
    raw: forms.Raw = MultiDict([(k, v) for k, values in draft["fields"].items() for v in values])
    return _page(task, raw, {}, draft=draft)


def _page(
    task: results.TaskDetail,
    raw: forms.Raw,
    errors: dict[str, list[str]],
    message: str = "",
    draft: results.DraftView | None = None,
) -> str:
    instance = task["instance"]
    due = parse_moment(task["due_at"])
    task.setdefault("overdue", task["state"] == "open" and due is not None and due < local_now())
    data = describe(
        instance,
        [*(t["form_schema"] for t in instance["open_tasks"]), task["form_schema"]],
        task["unit"],
    )
    shown = forms.fields(task["form_schema"], raw, errors, unit_options())
    return render_template(
        "task.html",
        task=task,
        instance=instance,
        fields=shown,
        groups=sections(task["form_schema"], shown),
        form_error=message,
        data=data,
        title=instance["case_title"],
        diagram_url=url_for(
            "processes.diagram",
            key=task["diagram_process_key"],
            version=task["diagram_version"],
        ),
        mine=task["claimed_by"] == signed_in(),
        draft=draft,
    )


@bp.post("/<task_id>")
@login_required
def complete(task_id: str) -> Response | tuple[str, int]:
    username = signed_in()
    task = engine().task(task_id, username)

    def upload(file: FileStorage) -> str:
        return engine().add_attachment(
            task["instance_id"],
            username,
            file.filename or "tep",
            file.mimetype or "application/octet-stream",
            file.read(),
            task_id=task_id,
        )

    data, raw, errors = forms.parse(task["form_schema"], request.form, request.files, upload)
    if errors:
        return _page(task, raw, errors, _("Có trường chưa đúng; hãy sửa các ô được đánh dấu.")), 400
    try:
        outcome = engine().complete(task_id, username, data)
    except InvalidInput as err:
        return _page(task, raw, localize_fields(err.field_errors), error_summary(err)), 400
    except Conflict as err:
        flash(error_text(err), "error")
        return redirect(url_for("tasks.show", task_id=task_id))
    engine().drafts.discard(task_id, username)  # the values are recorded now
    flash(_("Đã hoàn thành: {name}.", name=task["name"]), "success")
    following = first_own_task(outcome, username)
    if following:
        return redirect(url_for("tasks.show", task_id=following))
    return redirect(url_for("inbox.index"))


def _back(task_id: str) -> Response:
    return redirect(safe_next(request.form.get("next") or url_for("tasks.show", task_id=task_id)))


@bp.post("/<task_id>/claim")
@login_required
def claim(task_id: str) -> Response:
    try:
        engine().claim(task_id, signed_in())
        flash(_("Bạn đã nhận công việc."), "success")
    except Conflict as err:
        flash(error_text(err), "error")
    return _back(task_id)


@bp.post("/<task_id>/unclaim")
@login_required
def unclaim(task_id: str) -> Response:
    try:
        engine().unclaim(task_id, signed_in())
        flash(_("Đã trả công việc về hộp chung."), "info")
    except Conflict as err:
        flash(error_text(err), "error")
    return _back(task_id)


@bp.post("/<task_id>/reassign")
@login_required
def reassign(task_id: str) -> Response:
    to = request.form.get("to_username", "").strip()
    comment = request.form.get("comment", "").strip()
    if not to:
        flash(_("Hãy chọn người nhận."), "error")
        return _back(task_id)
    try:
        engine().reassign(task_id, signed_in(), to, comment)
        flash(_("Đã giao công việc cho {who}.", who=to), "success")
    except (Conflict, InvalidInput) as err:
        flash(error_text(err), "error")
    return _back(task_id)
