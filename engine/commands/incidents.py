"""Incidents: the engine's own work (a timer it fired) that failed in the model, recorded
after its command rolled back, and what an operator does about it — fix the instance's
data (its own audited, replayable command), retry the work, or cancel the instance.

Administrators and process owners (`chu_quy_trinh`) see and resolve incidents.
"""

import json
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.access.org import Actor
from engine.commands import lifecycle
from engine.commands.deploy import may_deploy
from engine.commands.runner import InstanceRun, Runtime
from engine.enums import (
    UNFINISHED,
    AuditCommand,
    EngineData,
    IncidentKind,
    IncidentState,
    InstanceStatus,
)
from engine.errors import (
    N_,
    Conflict,
    InvalidInput,
    Message,
    NotFound,
    PermissionDenied,
    ProcessFailed,
)
from engine.results import IncidentView
from engine.store.models import Incident, Instance

MAX_CHANGES_BYTES = 64 * 1024
LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def require_operator(user: Actor | None) -> None:
    """Incidents are for administrators and process owners (None: the system, the CLI)."""
    if user is not None and not may_deploy(user):
        raise PermissionDenied(
            N_("Chỉ quản trị viên hoặc người quản lý quy trình mới xử lý được sự cố.")
        )


# -- recording (its own transaction, after the failed command rolled back) -------------


def record(
    session: Session,
    instance_id: int,
    kind: IncidentKind,
    err: ProcessFailed,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> int:
    """The open incident of this instance's element, created or with one more attempt."""
    incident = session.scalar(
        select(Incident)
        .where(
            Incident.instance_id == instance_id,
            Incident.kind == kind,
            Incident.element_id.is_(None)
            if err.element_id is None
            else Incident.element_id == err.element_id,
            Incident.state == IncidentState.OPEN,
        )
        .with_for_update()
    )
    message = err.message
    if incident is None:
        incident = Incident(
            instance_id=instance_id, kind=kind, state=IncidentState.OPEN, attempts=0,
            first_at=now, payload=payload or {},
        )  # fmt: skip
        session.add(incident)
    incident.attempts += 1
    incident.last_at = now
    incident.element_id = err.element_id
    incident.error = str(message)
    incident.error_template = message.template
    incident.error_params = {k: str(v) for k, v in message.params.items()}
    session.flush()
    return incident.id


def resolve_open(session: Session, instance_id: int, actor: str, now: datetime) -> None:
    """Every open incident of the instance is over (the work succeeded, or it ended)."""
    for incident in session.scalars(
        select(Incident).where(
            Incident.instance_id == instance_id, Incident.state == IncidentState.OPEN
        )
    ):
        incident.state = IncidentState.RESOLVED
        incident.resolved_at, incident.resolved_by = now, actor


# -- what operators see ----------------------------------------------------------------


def listing(
    session: Session, user: Actor | None, state: str | None = IncidentState.OPEN
) -> list[IncidentView]:
    """Incidents, newest failure first; `state` "open", "resolved" or None (all)."""
    require_operator(user)
    query = select(Incident, Instance.process_key, Instance.title).join(
        Instance, Instance.id == Incident.instance_id
    )
    if state is not None:
        if state not in set(IncidentState):
            raise InvalidInput(
                N_("Trạng thái sự cố không hợp lệ: {state}."), params={"state": state}
            )
        query = query.where(Incident.state == state)
    rows = session.execute(query.order_by(Incident.last_at.desc(), Incident.id.desc()).limit(500))
    return [_view(i, key, title) for i, key, title in rows]


def one(session: Session, user: Actor | None, incident_id: int) -> IncidentView:
    require_operator(user)
    row = session.execute(
        select(Incident, Instance.process_key, Instance.title)
        .join(Instance, Instance.id == Incident.instance_id)
        .where(Incident.id == incident_id)
    ).first()
    if row is None:
        raise NotFound(N_("Không có sự cố {id}."), params={"id": incident_id})
    return _view(*row)


def open_count(session: Session, user: Actor | None) -> int:
    if user is not None and not may_deploy(user):
        return 0
    return (
        session.scalar(select(func.count(Incident.id)).where(Incident.state == IncidentState.OPEN))
        or 0
    )


def _view(incident: Incident, process_key: str, title: str) -> IncidentView:
    return {
        "id": incident.id,
        "instance_id": incident.instance_id,
        "process_key": process_key,
        "title": title,
        "kind": IncidentKind(incident.kind),
        "element_id": incident.element_id,
        "error": Message(incident.error_template, incident.error_params),
        "state": IncidentState(incident.state),
        "attempts": incident.attempts,
        "first_at": incident.first_at.isoformat(),
        "last_at": incident.last_at.isoformat(),
        "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
        "resolved_by": incident.resolved_by,
    }


def get_incident(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id, with_for_update=True)
    if incident is None:
        raise NotFound(N_("Không có sự cố {id}."), params={"id": incident_id})
    return incident


# -- resolving -------------------------------------------------------------------------


def checked_changes(changes: Any) -> dict[str, Any]:
    """Changes an operator may write: named variables (no engine keys), JSON values."""
    if not isinstance(changes, dict) or not changes:
        raise InvalidInput(N_("Hãy gửi ít nhất một trường dữ liệu cần sửa."))
    errors: dict[str, list[str]] = {}
    for key in changes:
        if not isinstance(key, str) or not key.isidentifier() or key.startswith("_"):
            errors[str(key)] = [Message(N_("Tên trường không hợp lệ."))]
        elif key in set(EngineData):
            errors[key] = [Message(N_("Trường do hệ thống quản lý, không sửa được."))]
    try:
        encoded = json.dumps(changes, allow_nan=False)
    except (TypeError, ValueError):
        errors[""] = [Message(N_("Giá trị phải là dữ liệu JSON."))]
        encoded = ""
    if len(encoded) > MAX_CHANGES_BYTES:
        errors[""] = [Message(N_("Dữ liệu sửa quá lớn."))]
    if errors:
        raise InvalidInput(N_("Dữ liệu sửa không hợp lệ."), errors)
    return dict(json.loads(encoded))


def apply_changes(wf: BpmnWorkflow, payload: dict[str, Any]) -> None:
    """The fix as the library holds it: the data of every live task and of the task each
    one inherits from when it becomes ready (the library merges the parent's data over
    the task's own), and of the last finished task (what people read as the instance's
    data). The same function re-executes the command in a replay."""
    changes = payload["changes"]
    touched = [*wf.get_tasks(state=LIVE)]
    touched += [task.parent for task in touched if task.parent is not None]
    if wf.last_task is not None:
        touched.append(wf.last_task)
    for task in {id(t): t for t in touched}.values():
        task.data.update(changes)


def update_data(
    session: Session,
    rt: Runtime,
    instance_id: int,
    changes: Any,
    user: Actor | None,
    now: datetime,
) -> Instance:
    """Edit the data of an unfinished instance, as its own audited command."""
    require_operator(user)
    fixed = checked_changes(changes)
    instance = lifecycle.get_instance(session, instance_id)
    if instance.status not in UNFINISHED:
        raise Conflict(
            N_("Hồ sơ {id} đã kết thúc ({status})."),
            params={"id": instance_id, "status": instance.status},
        )
    actor = user.username if user is not None else "system"
    run = InstanceRun(session, rt, instance, rt.org_tree(session), now, actor)
    payload = {"changes": fixed}
    run.execute(
        AuditCommand.UPDATE_DATA, payload, lambda wf: apply_changes(wf, payload), advance=False
    )
    return instance


def retry(
    session: Session, rt: Runtime, incident_id: int, user: Actor | None, now: datetime
) -> Incident:
    """Run the failed work again; resolved if it succeeds (a failure raises ProcessFailed
    and the caller records one more attempt)."""
    require_operator(user)
    incident = get_incident(session, incident_id)
    if incident.state != IncidentState.OPEN:
        raise Conflict(N_("Sự cố {id} đã được xử lý."), params={"id": incident_id})
    actor = user.username if user is not None else "system"
    instance = lifecycle.get_instance(session, incident.instance_id)
    if instance.status == InstanceStatus.SUSPENDED:
        raise Conflict(
            N_("Hồ sơ {id} đang tạm dừng; hãy tiếp tục hồ sơ rồi thử lại."),
            params={"id": instance.id},
        )
    if instance.status == InstanceStatus.RUNNING and incident.kind == IncidentKind.TIMER:
        lifecycle.fire_timers(session, rt, instance.id, now)
    resolve_open(session, instance.id, actor, now)
    return incident


def cancel_instance(
    session: Session, rt: Runtime, incident_id: int, user: Actor | None, now: datetime
) -> Incident:
    """Give up: cancel the instance (the lifecycle's own command) and close the incident."""
    require_operator(user)
    incident = get_incident(session, incident_id)
    actor = user.username if user is not None else "system"
    lifecycle.cancel(session, rt, incident.instance_id, actor, now)
    resolve_open(session, incident.instance_id, actor, now)
    return incident
