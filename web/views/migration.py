"""`/processes/<key>/migrate`: move running instances to a newer version (issue 5).

The page is the engine's dry run (`Policyflow.migration_plan`): every unfinished instance
of the process, whether it can move to the chosen version and why not. The process owner
ticks instances, suspends them, then moves them (optionally resuming them); each instance
is handled on its own and the page says, per instance, what happened.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine.errors import N_, InvalidInput
from web.auth import engine, login_required, process_owner
from web.i18n import _, localize

bp = Blueprint("migration", __name__, url_prefix="/processes/<key>/migrate")


def _target() -> int | None:
    raw = request.values.get("to", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidInput(_("Số phiên bản không hợp lệ."))
    return int(raw)


@bp.get("")
@login_required
def index(key: str) -> str:
    username = process_owner()
    plan = engine().moves.plan(key, _target(), None, username)
    versions = engine().versions.list(key, username)
    return render_template("migration.html", key=key, plan=plan, versions=versions)


@bp.post("")
@login_required
def act(key: str) -> Response:
    username = process_owner()
    target = _target()
    try:
        chosen = sorted({int(i) for i in request.form.getlist("instance")})
    except ValueError:
        raise InvalidInput(_("Mã hồ sơ không hợp lệ.")) from None
    back = redirect(url_for("migration.index", key=key, to=target or ""))
    if not chosen:
        flash(_("Chưa chọn hồ sơ nào."), "error")
        return back
    if request.form.get("action") == "suspend":
        results = engine().moves.suspend(chosen, username)
        done = N_("Đã tạm dừng hồ sơ {id}.")
    else:
        results = engine().moves.migrate(
            key,
            chosen,
            username,
            target,
            request.form.get("comment", ""),
            resume=request.form.get("resume") == "1",
        )
        done = N_("Đã chuyển hồ sơ {id} sang phiên bản mới.")
    for result in results:
        if result["ok"]:
            flash(_(done, id=result["instance_id"]), "success")
        else:
            flash(localize(result["error"]), "error")
    return back
