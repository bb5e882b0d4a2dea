"""Starting an instance: who may, with which data, on which versions."""

from datetime import date, datetime
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy.orm import Session

from engine.access import org
from engine.audit import blobs
from engine.commands.deploy import latest_version_id
from engine.commands.runner import SCRIPT_ENGINE, InstanceRun, Runtime, Version
from engine.enums import AuditCommand, EngineData, InstanceStatus
from engine.errors import N_, InvalidInput, NotFound, PermissionDenied
from engine.rules.calendar import LOCAL
from engine.rules.forms import validate_form
from engine.rules.reporting import fill_current_year
from engine.rules.unit_fields import check_unit_fields
from engine.store.models import Instance


def start_role(version: Version) -> str | None:
    """The role of the lane the start event sits in: its holders may start the process."""
    for element in version.parsed.info.elements.values():
        if element.kind == "startEvent" and element.role:
            return element.role
    return None


def start(
    session: Session,
    rt: Runtime,
    key: str,
    user: org.Actor,
    data: dict[str, Any],
    now: datetime,
) -> InstanceRun:
    version = deployed_version(session, rt, key)
    tree = rt.org_tree(session)
    unit_id = _initiating_unit(session, tree, user, version, org.local_date(now))
    return launch(session, rt, version, user.id, user.username, unit_id, data, now)


def deployed_version(session: Session, rt: Runtime, key: str) -> Version:
    """The newest deployed version of the process (NotFound if none)."""
    version_id = latest_version_id(session, key)
    if version_id is None:
        raise NotFound(N_("Chưa triển khai quy trình '{key}'."), params={"key": key})
    return rt.versions.get(session, version_id)


def launch(
    session: Session,
    rt: Runtime,
    version: Version,
    user_id: int | None,  # None: filed on the public page (P4), no signed-in user
    username: str,
    unit_id: int,
    data: dict[str, Any],
    now: datetime,
    started_from: dict[str, Any] | None = None,
) -> InstanceRun:
    """Create and run the instance for a starter already allowed to start it: the start
    form validates the data (a `unit` field names the instance's unit); `started_from`
    names the case that started this one (engine.commands.spawn), kept in its data."""
    key = version.process_key
    tree = rt.org_tree(session)
    on = org.local_date(now)
    schema = version.forms.get(version.parsed.info.start_form or "")
    data = fill_current_year(schema, data, on)  # "x-default": "current_year", left out
    data = validate_form(schema, data, {"org-unit": lambda code: code in tree.by_code})
    check_unit_fields(schema, data, tree, on)
    if isinstance(data.get("unit"), str):
        unit_id = tree.unit(data["unit"]).id
    called = called_versions(session, rt, version, seen={key})
    instance = Instance(
        title=case_title(version.name, data),
        process_version_id=version.id,
        process_key=key,
        status=InstanceStatus.RUNNING,
        unit_id=unit_id,
        started_by=user_id,
        started_at=now,
        state="",
        waiting={},
        called_versions=called,
        last_hash="0" * 64,
    )
    session.add(instance)
    session.flush()  # the id seeds the instance's task ids
    # What every instance started under the same settings shares is recorded once, by
    # its digest (engine/audit/blobs.py); the instance's own part stays in the event.
    shared: dict[str, Any] = {
        EngineData.CONFIG: rt.settings(session, on),
        EngineData.REPORTING_UNITS: tree.reporting_units(
            _reference_date(data, now), tree.administration(unit_id)
        ),
    }
    own: dict[str, Any] = {
        EngineData.INSTANCE_UNIT: tree.by_id[unit_id].code,
        EngineData.INITIATOR: username,
    }
    if started_from is not None:
        own[EngineData.STARTED_FROM] = started_from
    injected = {**shared, **own}
    run = InstanceRun(session, rt, instance, tree, now, username)
    payload = {
        "process_key": key,
        "version": version.version,
        "data": data,
        "injected": own,
        blobs.REF: blobs.store(session, rt.blobs, shared),
    }

    def create() -> BpmnWorkflow:
        spec, subs = run.bundle.specs()
        return BpmnWorkflow(spec, subs, script_engine=SCRIPT_ENGINE)

    seed = {**data, **injected}  # validate_form refused engine keys; injected last anyway
    run.execute(AuditCommand.START, payload, lambda wf: _seed(wf, seed), create=create)
    return run


TITLE_FIELDS = ("case_title", "incident_title", "doc_title")


def case_title(process_name: str, data: dict[str, Any]) -> str:
    """The case in a few words: the title its start form asked for, or the process and
    the year (an annual report); "" when the data names none."""
    for key in TITLE_FIELDS:
        if isinstance(data.get(key), str) and data[key].strip():
            return data[key].strip()[:300]
    year = data.get("year")
    if isinstance(year, int) and not isinstance(year, bool):
        name = process_name.rstrip()
        return f"{name} {year}" if name.endswith(" năm") else f"{name} năm {year}"
    return ""


def _seed(wf: BpmnWorkflow, data: dict[str, Any]) -> None:
    wf.task_tree.data.update(data)


def _initiating_unit(
    session: Session, tree: org.OrgTree, user: org.Actor, version: Version, on: date
) -> int:
    """The unit the user starts for: where they hold the start lane's role on the date.
    A role held only in a unit that has ended (the district after 30/6/2025) is refused
    with the unit's end and successor, not as a missing right."""
    role = start_role(version)
    for held in user.roles:
        if role is None or held.role_key == role:
            return held.unit_id
    lapsed = org.lapsed_unit(session, tree, user.id, role, on)
    if lapsed is not None:
        raise PermissionDenied(lapsed)
    raise PermissionDenied(
        N_("Người dùng '{username}' không có vai trò '{role}' để khởi tạo quy trình này."),
        params={"username": user.username, "role": role},
    )


def called_versions(session: Session, rt: Runtime, version: Version, seen: set[str]) -> dict:
    pinned: dict[str, int] = {}
    for key in sorted(version.parsed.info.called_processes - seen):
        version_id = latest_version_id(session, key)
        if version_id is None:
            raise InvalidInput(
                N_("Quy trình gọi '{key}', nhưng '{key}' chưa được triển khai."),
                params={"key": key},
            )
        pinned[key] = version_id
        called = rt.versions.get(session, version_id)
        pinned.update(called_versions(session, rt, called, seen | {key}))
    return pinned


def _reference_date(data: dict[str, Any], now: datetime) -> date:
    """The instance's date: a `reference_date` in the start form, else today (local)."""
    value = data.get("reference_date")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return now.astimezone(LOCAL).date()
