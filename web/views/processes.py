"""Processes the user may start (`/processes`), the start form, and diagrams by version."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from engine.errors import InvalidInput
from engine.facade import results
from web import forms
from web.auth import engine, login_required, signed_in
from web.i18n import _, localize_fields
from web.views import error_summary, first_own_task, unit_options

bp = Blueprint("processes", __name__, url_prefix="/processes")


@bp.get("")
@login_required
def index() -> str:
    listed = engine().processes(signed_in())
    listed.sort(key=lambda p: (not p["can_start"], p["name"]))
    return render_template("processes.html", processes=listed)


def _startable(key: str) -> results.ProcessView:
    for process in engine().processes(signed_in()):
        if process["key"] == key:
            if not process["can_start"]:
                abort(403)
            return process
    abort(404)


def _form(process: results.ProcessView, raw: forms.Raw, errors: dict, message: str = "") -> str:
    return render_template(
        "start.html",
        process=process,
        fields=forms.fields(process["start_form"], raw, errors, unit_options()),
        form_error=message,
    )


@bp.get("/<key>/start")
@login_required
def start_form(key: str) -> str:
    process = _startable(key)
    return _form(process, forms.initial(process["start_form"]), {})


@bp.post("/<key>/start")
@login_required
def start(key: str) -> Response | tuple[str, int]:
    process = _startable(key)
    username = signed_in()
    # No instance exists before the start: attachment fields are filled on later steps.
    data, raw, errors = forms.parse(process["start_form"], request.form)
    if errors:
        return _form(
            process, raw, errors, _("Có trường chưa đúng; hãy sửa các ô được đánh dấu.")
        ), 400
    try:
        outcome = engine().start(key, username, data)
    except InvalidInput as err:
        return _form(process, raw, localize_fields(err.field_errors), error_summary(err)), 400
    flash(
        Markup('{} <a href="{}">{}</a>').format(
            _("Đã khởi tạo hồ sơ số {id}.", id=outcome["id"]),
            url_for("instances.show", instance_id=outcome["id"]),
            _("Xem hồ sơ"),
        ),
        "success",
    )
    task_id = first_own_task(outcome, username)
    if task_id:
        return redirect(url_for("tasks.show", task_id=task_id))
    return redirect(url_for("instances.show", instance_id=outcome["id"]))


@bp.get("/<key>/<int:version>/diagram.xml")
@login_required
def diagram(key: str, version: int) -> Response:
    xml = engine().versions.bpmn(key, version)
    return Response(
        xml, mimetype="application/xml", headers={"Cache-Control": "private, max-age=3600"}
    )
