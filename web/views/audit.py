"""`/audit`: search the audit log across instances; exports of an instance's history.

- `/audit`: the events the user may see (the engine decides: an auditor all in scope, a
  commune its own part), filtered by who, unit, process, dates and event type.
- `/audit/export.csv`, `/audit/export.json`: the search's result (same filters) as a file.
- `/instances/<id>/history.json`: the history as a file (summary, events with both
  chains' hashes, the chain's verdict, the export's time).
- `/instances/<id>/history/print`: the same as an A4 page to print or save as PDF.
"""

import csv
import io
import json
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, current_app, render_template, url_for
from werkzeug.wrappers import Response

from engine.errors import N_, NotFound
from engine.facade import AUDIT_COMMANDS as COMMANDS
from web import forms
from web.auth import engine, login_required, signed_in
from web.i18n import _, error_text, label
from web.views import (
    arg,
    filter_units,
    full_name,
    page_arg,
    process_options,
    unit_options,
)
from web.views.instances import done_forms

bp = Blueprint("audit", __name__)

PER_PAGE = 50


# -- the search ---------------------------------------------------------------------


@bp.get("/audit")
@login_required
def search() -> tuple[str, int]:
    username = signed_in()
    filters = search_filters()
    error, status = "", 200
    try:
        found = engine().audit.events(username, page=page_arg(), per_page=PER_PAGE, **filters)
    except NotFound as err:  # an unknown unit code (typed into the address)
        found, error, status = {"items": [], "total": 0}, error_text(err), 400
    page = render_template(
        "audit_search.html",
        items=[row_links(item) for item in found["items"]],
        total=found["total"],
        page=page_arg(),
        pages=max(1, -(-found["total"] // PER_PAGE)),
        filters=filters,
        error=error,
        commands=[(c, label("command", c)) for c in COMMANDS],
        processes=process_options(username),
        units=filter_units(),
    )
    return page, status


@bp.get("/audit/admin")
@login_required
def admin_changes() -> str:
    """The administrative changes (org imports, units, people, rules), for administrators
    and auditors; the engine refuses the others (403)."""
    found = engine().audit.admin_events(signed_in(), page=page_arg(), per_page=PER_PAGE)
    items = [
        {
            **e,
            "actor_text": actor_text(e["actor"], e["actor_name"]),
            "payload_text": json.dumps(e["payload"], ensure_ascii=False, indent=2),
        }
        for e in found["items"]
    ]
    return render_template(
        "audit_admin.html",
        items=items,
        total=found["total"],
        page=page_arg(),
        pages=max(1, -(-found["total"] // PER_PAGE)),
    )


def search_filters() -> dict[str, Any]:
    return {
        "actor": arg("actor"),
        "unit": arg("unit"),
        "process": arg("process"),
        "date_from": day("date_from"),
        "date_to": day("date_to"),
        "command": arg("command", COMMANDS),
    }


def day(name: str) -> date | None:
    try:
        return date.fromisoformat(arg(name) or "")
    except ValueError:
        return None


def row_links(item: Mapping[str, Any]) -> dict[str, Any]:
    """An event with the links its row shows: the instance, and the replay at that step
    for whoever sees the whole instance (the replay page refuses the others)."""
    replay = None
    if item["whole_instance"] and "replay.show" in current_app.view_functions:
        replay = url_for("replay.show", instance_id=item["instance_id"], step=item["seq"])
    return {
        **item,
        "actor_text": actor_text(item["actor"], item["actor_name"]),
        "instance_url": url_for("instances.show", instance_id=item["instance_id"]),
        "replay_url": replay,
    }


def actor_text(actor: str, name: str | None = None) -> str:
    return _("Hệ thống") if actor == "system" else (name or full_name(actor))


# -- the search's result as a file (issue 18 item 10) ---------------------------------

EXPORT_LIMIT = 20_000  # events in one file; the file says when more matched
EXPORT_PAGE = 500
EXPORT_COLUMNS = (
    "global_seq", "instance_id", "seq", "at", "actor", "actor_name", "command", "task_name",
    "element_id", "case_title", "process_key", "process_name", "unit", "unit_name", "hash",
)  # fmt: skip


@bp.get("/audit/export.<any(csv, json):fmt>")
@login_required
def export(fmt: str) -> Response:
    """Every event the search shows (same filters, same visibility), newest first."""
    username = signed_in()
    filters = search_filters()
    try:
        items, total = found_events(username, filters)
    except NotFound as err:
        return Response(error_text(err), status=400, mimetype="text/plain")
    name = f"nhat-ky-{date.today().isoformat()}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "json":
        shown = {k: v.isoformat() if isinstance(v, date) else v for k, v in filters.items()}
        body = json.dumps(
            {"filters": shown, "total": total, "truncated": total > len(items), "events": items},
            ensure_ascii=False,
            indent=2,
        )
        return Response(body, mimetype="application/json", headers=headers)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for item in items:
        writer.writerow([csv_cell(item.get(c)) for c in EXPORT_COLUMNS])
    # A byte-order mark: spreadsheet programs then read the Vietnamese letters right.
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers=headers)


def found_events(username: str, filters: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    total, page = 0, 1
    while len(items) < EXPORT_LIMIT:
        found = engine().audit.events(username, page=page, per_page=EXPORT_PAGE, **filters)
        total = found["total"]
        items.extend(dict(item) for item in found["items"])
        if len(found["items"]) < EXPORT_PAGE:
            break
        page += 1
    return items[:EXPORT_LIMIT], total


def csv_cell(value: Any) -> str:
    """A cell as text; one starting like a formula is quoted so a spreadsheet shows it."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


# -- exports of one instance's history ------------------------------------------------


@bp.get("/instances/<int:instance_id>/history.json")
@login_required
def history_json(instance_id: int) -> Response:
    exported = engine().audit.export_history(instance_id, signed_in())
    body = json.dumps(exported, ensure_ascii=False, indent=2)
    filename = f"ho-so-{instance_id}-lich-su.json"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/instances/<int:instance_id>/history/print")
@login_required
def history_print(instance_id: int) -> str:
    username = signed_in()
    exported = engine().audit.export_history(instance_id, username)
    instance = engine().show(instance_id, username)
    labels = Labels.of(instance)
    return render_template(
        "history_print.html",
        instance=exported["instance"],
        exported=exported,
        steps=[step_row(event, labels) for event in exported["events"]],
        chain_text=chain_text(exported["chain"]),
    )


class Labels:
    """What titles the data an instance's steps submitted: its forms and files."""

    def __init__(self, instance: Mapping[str, Any], schemas: list[Any]) -> None:
        self.schemas = schemas
        self.field_labels: dict[str, str] = instance.get("field_labels") or {}
        self.attachments: list[dict[str, Any]] = instance.get("attachments") or []
        self.units = dict(unit_options())

    @classmethod
    def of(cls, instance: Mapping[str, Any]) -> "Labels":
        key = instance["process_key"]
        starts = [p["start_form"] for p in engine().processes() if p["key"] == key]
        return cls(instance, [*starts, *done_forms(instance)])

    def entries(self, data: Any) -> list[tuple[str, str]]:
        """(title, value) of each field, the named ones first, as the instance page."""
        if not isinstance(data, dict) or not data:
            return []
        main, other = forms.describe_data(
            data, self.schemas, self.field_labels, self.attachments, None, self.units
        )
        return [(e.label, e.text) for e in [*main, *other]]


def step_row(event: Mapping[str, Any], labels: Labels) -> dict[str, Any]:
    return {
        "seq": event["seq"],
        "at": event["at"],
        "actor": event["actor"],
        "actor_text": actor_text(event["actor"], event["actor_name"]),
        "command_text": label("command", event["command"]),
        "task_name": event["task_name"],
        "submitted": submitted(event["command"], event["payload"], labels),
        "hash": event["hash"],
    }


def submitted(command: str, payload: dict[str, Any], labels: Labels) -> list[tuple[str, str]]:
    """What the step handed in, in words: form data by field title, or the command's own
    input (a comment, a file, the new assignee, a message's name)."""
    if command in ("start", "complete"):
        return labels.entries(payload.get("data"))
    if command == "message":
        name = (_("Thông điệp"), str(payload.get("name", "")))
        return [name, *labels.entries(payload.get("payload"))]
    found = {
        "comment": [(_("Ý kiến trao đổi"), payload.get("body"))],
        "attach": [(_("Tệp đính kèm"), payload.get("filename"))],
        "reassign": [
            (_("Người nhận mới"), full_name(payload.get("to"))),
            (_("Ghi chú"), payload.get("comment")),
        ],
    }.get(command, [])
    return [(title, str(text)) for title, text in found if text]


# The engine's reasons for a chain break (engine.audit.chain_breaks), in words.
REASONS = {
    "content changed after it was written": N_("nội dung đã bị sửa sau khi ghi"),
    "does not follow the event before it": N_("không nối tiếp sự kiện trước nó"),
    "the last event is missing": N_("sự kiện cuối cùng đã bị xóa"),
}
EXPECTED = re.compile(r"expected event (\d+) here")
REFERS = re.compile(r"the data it refers to \((\w+)\) is (missing|changed)")


def chain_text(chain: Mapping[str, Any]) -> str:
    """The footer's verdict: intact, or where the chain breaks and why."""
    if chain["intact"]:
        return _("Chuỗi băm: nguyên vẹn")
    places = "; ".join(
        _("sự kiện {seq} ({reason})", seq=b["seq"], reason=reason_text(b["reason"]))
        for b in chain["breaks"]
    )
    return _("Chuỗi băm: bị phá vỡ tại {places}", places=places)


def reason_text(reason: str) -> str:
    expected = EXPECTED.fullmatch(reason)
    if expected:
        return _("lẽ ra là sự kiện {n}", n=expected.group(1))
    refers = REFERS.fullmatch(reason)
    if refers and refers.group(2) == "missing":
        return _("dữ liệu dẫn chiếu {digest} không còn", digest=refers.group(1))
    if refers:
        return _("dữ liệu dẫn chiếu {digest} đã bị sửa", digest=refers.group(1))
    return _(REASONS[reason]) if reason in REASONS else reason
