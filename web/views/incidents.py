"""`/incidents`: failures of the engine's own work for administrators and process owners
— the list, a fix of the instance's data (JSON), a retry, or the instance cancelled."""

import json

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine.errors import Conflict, InvalidInput, PolicyflowError, ProcessFailed
from web.auth import current_user, engine, login_required, signed_in
from web.i18n import _, error_text

bp = Blueprint("incidents", __name__, url_prefix="/incidents")
STATES = ("open", "resolved", "all")


@bp.get("")
@login_required
def index() -> str:
    state = request.args.get("state", "open")
    state = state if state in STATES else "open"
    found = engine().incidents.list(signed_in(), None if state == "all" else state)
    return render_template("incidents.html", incidents=found, state=state, states=STATES)


@bp.post("/<int(max=2147483647):incident_id>/retry")
@login_required
def retry(incident_id: int) -> Response:
    try:
        engine().incidents.retry(incident_id, signed_in())
        flash(_("Đã chạy lại; sự cố đã được xử lý."), "success")
    except (ProcessFailed, Conflict) as err:
        flash(error_text(err), "error")
    return redirect(url_for("incidents.index"))


@bp.post("/<int(max=2147483647):incident_id>/cancel")
@login_required
def cancel(incident_id: int) -> Response:
    try:
        engine().incidents.cancel(incident_id, signed_in())
        flash(_("Đã hủy hồ sơ của sự cố."), "success")
    except Conflict as err:
        flash(error_text(err), "error")
    return redirect(url_for("incidents.index"))


@bp.post("/instances/<int(max=2147483647):instance_id>/data")
@login_required
def update_data(instance_id: int) -> Response:
    try:
        changes = json.loads(request.form.get("changes", "") or "null")
    except ValueError:
        flash(_("Dữ liệu sửa phải là một đối tượng JSON."), "error")
        return redirect(url_for("incidents.index"))
    try:
        engine().incidents.update_data(instance_id, changes, signed_in())
        flash(_("Đã sửa dữ liệu hồ sơ {id}; hãy chạy lại.", id=instance_id), "success")
    except (InvalidInput, Conflict) as err:
        flash(error_text(err), "error")
    return redirect(url_for("incidents.index"))


def open_count() -> int | None:
    """For the navigation: open incidents, for those who may see them (None otherwise)."""
    if "open_incidents" not in g:
        try:
            user = current_user()
            g.open_incidents = engine().incidents.open_count(signed_in()) if user else None
        except PolicyflowError:  # an error page must still render
            g.open_incidents = None
    return g.open_incidents
