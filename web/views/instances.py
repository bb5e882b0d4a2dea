"""Instances (`/instances`): the filtered list; one instance with its coloured diagram,
timeline, data, comments, attachments and the admin's suspend/resume/cancel."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from werkzeug.wrappers import Response

from engine.errors import N_, Conflict, InvalidInput, PolicyflowError
from engine.facade import InstanceStatus
from web import forms
from web.auth import engine, login_required, safe_next, signed_in
from web.i18n import _, error_text
from web.views import (
    arg,
    filter_units,
    full_name,
    page_arg,
    process_options,
    unit_options,
)
from web.views.monitoring import item_label

bp = Blueprint("instances", __name__)

STATUSES = tuple(InstanceStatus)
PER_PAGE = 50


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(arg(name) or "")
    except ValueError:
        return None


@bp.get("/instances")
@login_required
def index() -> str:
    username = signed_in()
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
    instance = engine().show(instance_id, signed_in())
    return render_template(
        "instance.html",
        instance=instance,
        data=describe(instance, [t["form_schema"] for t in instance["open_tasks"]]),
        title=instance["case_title"],
        started_by=starter_name(instance),
        monitoring_items=engine().monitoring.linked(instance_id, signed_in()),
        item_label=item_label(),
    )


@dataclass
class Described:
    """An instance's data for a page: the main list, one unit's part, the rest by key."""

    main: list[forms.Entry]
    other: list[forms.Entry]
    unit_name: str = ""  # the `reporting_unit` the merged data names
    unit_part: list[forms.Entry] = field(default_factory=list)


def describe(instance: Mapping[str, Any], schemas: list[Any], unit: str | None = None) -> Described:
    """The instance's data as a person reads it: in the order it was entered (the start
    form, then the forms of the steps done, then `schemas`), titled by all its forms.

    While units report in parallel (a multi-instance sub-process over `reporting_units`),
    the engine's instance data carries running units' entries merged (with a
    `reporting_unit` that need not be theirs); those are set apart, unless the page is a
    task of that unit (`unit`), whose data is its own.
    """
    starts = [p["start_form"] for p in engine().processes() if p["key"] == instance["process_key"]]
    main, other = forms.describe_data(
        instance["data"],
        [*starts, *done_forms(instance), *schemas],
        instance.get("field_labels"),
        instance.get("attachments"),
        lambda attachment_id: url_for("instances.attachment", attachment_id=attachment_id),
        dict(unit_options()),
    )
    reporting = instance["data"].get("reporting_unit")
    if not isinstance(reporting, dict) or reporting.get("code") in (None, unit):
        return Described(main, other)
    shared = {n for start in starts for n in (start or {}).get("properties", {})}
    part = [e for e in main if e.key not in shared and e.key not in forms.DERIVED]
    kept = [e for e in main if e not in part]
    return Described(kept, other, str(reporting.get("name") or reporting["code"]), part)


def done_forms(instance: Mapping[str, Any]) -> list[Any]:
    """The forms of the steps completed so far, in the order they were completed.

    The engine's `field_labels` has each field's title but not its choices, so a decision
    would read "provide" instead of "Cung cấp thông tin": the schema of each completed
    step is read from one of its tasks (requested: choices in the engine's field
    descriptions). A deployed version never changes, so each (process, version, element)
    is asked once per app.
    """
    username = signed_in()
    cache: dict[tuple[str, int, str], Any] = current_app.extensions.setdefault("pf_forms", {})
    known = _forms_known(instance, cache)
    if known is not None:  # every step's form asked before: the history is not read again
        return known
    try:
        events = engine().history(instance["id"], username)
    except PolicyflowError:
        return []
    found: list[Any] = []
    seen: set[tuple[str, int, str]] = set()
    for event in events:
        element, task_id = event["payload"].get("element_id"), event["payload"].get("task_id")
        key = (instance["process_key"], instance["version"], str(element))
        if event["command"] != "complete" or not element or not task_id or key in seen:
            continue
        seen.add(key)
        if key not in cache:
            try:
                cache[key] = engine().task(str(task_id), username)["form_schema"]
            except PolicyflowError:  # a task this viewer may not open: titles only
                continue
        found.append(cache[key])
    return found


def _forms_known(
    instance: Mapping[str, Any], cache: dict[tuple[str, int, str], Any]
) -> list[Any] | None:
    """`done_forms` from the instance's timeline (the events its viewer may read, with
    each task's element), when each completed step's form is in the cache; else None."""
    timeline = instance.get("timeline")
    if timeline is None:
        return None
    found: list[Any] = []
    seen: set[tuple[str, int, str]] = set()
    for entry in timeline:
        key = (instance["process_key"], instance["version"], str(entry["element_id"]))
        if entry["command"] != "complete" or not entry["element_id"] or key in seen:
            continue
        if key not in cache:
            return None
        seen.add(key)
        found.append(cache[key])
    return found


def starter_name(instance: Mapping[str, Any]) -> str:
    """Who started the instance, by full name (the timeline's start entry names them)."""
    for entry in instance.get("timeline", []):
        if entry["command"] == "start" and entry["actor"] == instance["started_by"]:
            return str(entry["full_name"])
    return full_name(instance["started_by"])


@bp.get("/instances/<int:instance_id>/diagram.xml")
@login_required
def diagram(instance_id: int) -> Response:
    """The BPMN the instance runs, or ?version=N, one it ran before a migration (replay)."""
    version = request.args.get("version", type=int)
    xml = engine().bpmn_xml(instance_id, signed_in(), version)
    return Response(xml, mimetype="application/xml")


@bp.post("/instances/<int:instance_id>/comments")
@login_required
def comment(instance_id: int) -> Response:
    body = request.form.get("body", "").strip()
    back = safe_next(request.form.get("next") or url_for("instances.show", instance_id=instance_id))
    if not body:
        flash(_("Ý kiến trống, chưa được gửi."), "error")
        return redirect(back)
    engine().add_comment(instance_id, signed_in(), body, request.form.get("task_id") or None)
    flash(_("Đã gửi ý kiến."), "success")
    return redirect(back + "#comments")


@bp.post("/instances/<int:instance_id>/<any(suspend, resume, cancel):action>")
@login_required
def lifecycle(instance_id: int, action: str) -> Response:
    # The engine's cancel/suspend/resume take the actor's name without checking it, so the
    # page checks: only an administrator (can_admin) sees and uses these buttons.
    if not engine().show(instance_id, signed_in())["can_admin"]:
        abort(403)
    command = getattr(engine(), action)
    try:
        command(instance_id, signed_in())
        flash(_("Đã thực hiện: {action}.", action=_(ACTIONS[action])), "success")
    except (Conflict, InvalidInput) as err:
        flash(error_text(err), "error")
    return redirect(url_for("instances.show", instance_id=instance_id))


ACTIONS = {"suspend": N_("Tạm dừng"), "resume": N_("Tiếp tục"), "cancel": N_("Hủy hồ sơ")}


@bp.get("/attachments/<attachment_id>")
@login_required
def attachment(attachment_id: str) -> Response:
    meta, content = engine().attachment(attachment_id, signed_in())
    # Always a download (never shown inline here); send_file writes a UTF-8 file name.
    return send_file(
        BytesIO(content),
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=str(meta.get("filename") or "tep"),
    )
