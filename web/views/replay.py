"""`/instances/<id>/replay`: an auditor steps through an instance's history (issue 6).

The page asks the engine for every step once (`Policyflow.replay`: the instance
re-executed from its audit log) and shows the chosen one (`?step=N`, the last by
default); every step's details come along in a <template>, its diagram states and flows
as JSON, for web/static/replay.js to step through without asking again. "Kiểm chứng"
(POST .../verify) re-executes the instance and shows the verdict; it changes nothing.
Only those who see the whole instance may replay it (the engine refuses the others).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, request, url_for

from engine.errors import InvalidInput
from engine.facade import results
from web import forms
from web.auth import engine, login_required, signed_in
from web.i18n import _, _n, format_datetime, label
from web.views import full_name, role_name, unit_options
from web.views.instances import Described, done_forms

bp = Blueprint("replay", __name__)


@bp.get("/instances/<int:instance_id>/replay")
@login_required
def show(instance_id: int) -> str:
    return page(instance_id)


@bp.post("/instances/<int:instance_id>/verify")
@login_required
def verify(instance_id: int) -> str:
    """Re-execute and check the chain: a read, allowed to whoever may replay."""
    return page(instance_id, engine().audit.verify(instance_id, signed_in()))


def page(instance_id: int, verified: results.Verification | None = None) -> str:
    username = signed_in()
    replayed = engine().audit.replay(instance_id, username=username)
    instance = engine().show(instance_id, username)
    labels = Labels.of(instance)
    steps = [step_view(instance, step, labels) for step in replayed["steps"]]
    current = steps[chosen_step(len(steps)) - 1] if steps else None
    return render_template(
        "replay.html",
        instance=instance,
        steps=steps,
        current=current,
        embedded=[_client_part(s) for s in steps],
        replayed=replayed["verdict"],
        verified=verified,
    )


def chosen_step(count: int) -> int:
    """`step` of the query string or the form (the verify button keeps the step shown):
    the last step when absent; an error page when it is not a step of the instance."""
    raw = request.values.get("step", "").strip()
    if not raw:
        return count
    if not raw.isdigit() or not 1 <= int(raw) <= count:
        raise InvalidInput(_n("Không có bước {step}: hồ sơ có {n} bước.", count, step=raw))
    return int(raw)


@bp.app_template_global()
def may_replay(instance_id: int) -> bool:
    """Whether the signed-in user may replay the instance (for a link to the page)."""
    username = signed_in()
    return bool(username) and engine().audit.may_replay(instance_id, username)


# -- one step as the page shows it ----------------------------------------------------


@dataclass
class Labels:
    """What titles an instance's data: its forms, the fields' titles, files, unit names."""

    schemas: list[Any]
    shared: set[str]  # fields of the start form
    field_labels: dict[str, str]
    attachments: list[dict[str, Any]]
    units: dict[str, str]

    @classmethod
    def of(cls, instance: Mapping[str, Any]) -> "Labels":
        key = instance["process_key"]
        starts = [p["start_form"] for p in engine().processes() if p["key"] == key]
        shared = {name for start in starts for name in (start or {}).get("properties", {})}
        return cls(
            [*starts, *done_forms(instance)],
            shared,
            instance.get("field_labels") or {},
            instance.get("attachments") or [],
            dict(unit_options()),
        )

    def describe(self, data: dict[str, Any] | None, split: bool = False) -> Described:
        """Labelled entries; with `split`, a running unit's merged entries set apart (as
        the instance page does, see `web.views.instances.describe`)."""
        data = data if isinstance(data, dict) else {}
        main, other = forms.describe_data(
            data,
            self.schemas,
            self.field_labels,
            self.attachments,
            lambda attachment_id: url_for("instances.attachment", attachment_id=attachment_id),
            self.units,
        )
        reporting = data.get("reporting_unit")
        if not split or not isinstance(reporting, dict) or reporting.get("code") is None:
            return Described(main, other)
        part = [e for e in main if e.key not in self.shared and e.key not in forms.DERIVED]
        kept = [e for e in main if e not in part]
        return Described(kept, other, str(reporting.get("name") or reporting["code"]), part)


def step_view(
    instance: Mapping[str, Any], step: Mapping[str, Any], labels: Labels
) -> dict[str, Any]:
    task = step["task"] or {}
    payload = step["payload"]
    submitted = payload.get("payload") if step["command"] == "message" else payload.get("data")
    return {
        "seq": step["seq"],
        "url": url_for("replay.show", instance_id=instance["id"], step=step["seq"]),
        "at": step["at"],
        "at_text": format_datetime(step["at"]),
        "actor": step["actor"],
        "actor_name": _("Hệ thống") if step["actor"] == "system" else full_name(step["actor"]),
        "command": step["command"],
        "command_text": label("command", step["command"]),
        "task_name": task.get("name") or "",
        "element_id": task.get("element_id") or payload.get("element_id") or "",
        "role": role_name(task.get("role")),
        "unit_name": task.get("unit_name") or "",
        "status": step["status"],
        "notes": notes(step["command"], payload),
        "form": labels.describe(submitted),
        "data": labels.describe(step["data"], split=True),
        "states": step["element_states"],
        "flows": step["flows_taken"],
        "version": step["version"],
        # The diagram of the version the step ran on (an instance may have been migrated).
        "xml_url": url_for(
            "instances.diagram", instance_id=instance["id"], version=step["version"]
        ),
    }


def notes(command: str, payload: dict[str, Any]) -> list[tuple[str, str]]:
    """What else a command's record says, in words: (title, text)."""
    found = {
        "message": [(_("Thông điệp"), payload.get("name"))],
        "reassign": [
            (_("Giao cho"), f"{full_name(payload.get('to'))} ({payload.get('to')})"),
            (_("Ý kiến"), payload.get("comment")),
        ],
        "comment": [(_("Ý kiến"), payload.get("body"))],
        "attach": [(_("Tệp"), payload.get("filename"))],
        "migrate": [
            (_("Phiên bản"), f"{payload.get('from_version')} → {payload.get('to_version')}"),
            (_("Lý do chuyển"), payload.get("comment")),
        ],
    }.get(command, [])
    return [(title, str(text)) for title, text in found if text]


def _client_part(view: dict[str, Any]) -> dict[str, Any]:
    """What replay.js needs of a step besides its details (a <template> each)."""
    keys = ("seq", "url", "states", "flows", "element_id", "xml_url")
    return {key: view[key] for key in keys}
