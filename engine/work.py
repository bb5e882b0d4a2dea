"""People's work: claiming, releasing and completing user tasks."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine import audit, org
from engine.errors import Conflict, NotFound, PermissionDenied
from engine.forms import validate_form
from engine.models import Instance, User, WorkItem
from engine.runtime import InstanceRun, Runtime


def open_item(session: Session, task_id: str, tree: org.OrgTree, user: User) -> WorkItem:
    """The open work item, if this user may act on it; otherwise a clear error.

    The instance row is locked first and the item read again after: of two concurrent
    commands on one instance the second waits, then sees what the first did.
    """
    item = session.get(WorkItem, task_id)
    if item is None or not can_see(tree, user, item):
        raise NotFound(f"Không có công việc '{task_id}'.")
    lock_instance(session, item.instance_id)
    session.refresh(item)
    if not org.can_act(tree, user, item.role_key, item.unit_id, item.scope):
        raise PermissionDenied(f"Bạn không có vai trò '{item.role_key}' cho công việc này.")
    if item.state != "open":
        raise Conflict(f"Công việc '{item.name}' đã {_STATE_VI[item.state]}.")
    return item


def can_see(tree: org.OrgTree, user: User, item: WorkItem) -> bool:
    """Whether the item is in the user's reach for any role (an auditor's reach is elsewhere)."""
    return user.is_admin or org.can_act(tree, user, None, item.unit_id, item.scope)


_STATE_VI = {"completed": "được hoàn thành", "cancelled": "bị huỷ", "open": "mở"}


def claim(session: Session, task_id: str, user: User, now: datetime) -> WorkItem:
    tree = org.OrgTree.load(session)
    item = open_item(session, task_id, tree, user)
    if item.claimed_by not in (None, user.id):
        raise Conflict(f"Công việc '{item.name}' đã có người khác nhận.")
    item.claimed_by = user.id
    _record(session, item, user, now, "claim")
    return item


def unclaim(session: Session, task_id: str, user: User, now: datetime) -> WorkItem:
    tree = org.OrgTree.load(session)
    item = open_item(session, task_id, tree, user)
    if item.claimed_by != user.id:
        raise Conflict(f"Bạn chưa nhận công việc '{item.name}'.")
    item.claimed_by = None
    _record(session, item, user, now, "unclaim")
    return item


def _record(session: Session, item: WorkItem, user: User, now: datetime, command: str) -> None:
    instance = _running(session, item.instance_id)
    payload = {"task_id": item.id, "element_id": item.element_id}
    audit.append(session, instance, now, user.username, command, payload, {"status": instance.status})


def complete(
    session: Session, rt: Runtime, task_id: str, user: User, data: dict[str, Any], now: datetime
) -> Instance:
    tree = org.OrgTree.load(session)
    item = open_item(session, task_id, tree, user)
    if item.claimed_by not in (None, user.id):
        raise Conflict(f"Công việc '{item.name}' đang do người khác xử lý.")
    instance = _running(session, item.instance_id)
    run = InstanceRun(session, rt, instance, tree, now, user.username)
    version = run.bundle.main if item.process_key == instance.process_key else None
    schema = _schema(run, item, version)
    data = validate_form(schema, data, lambda code: code in tree.by_code)

    def act(wf: BpmnWorkflow) -> None:
        task = wf.get_task_from_id(UUID(item.id))
        if task is None or task.state != TaskState.READY:
            raise Conflict(f"Công việc '{item.name}' không còn chờ xử lý.")
        task.data.update(data)
        task.run()

    payload = {"task_id": item.id, "element_id": item.element_id, "data": data}
    run.execute("complete", payload, act)
    item.completed_by = user.id
    item.claimed_by = item.claimed_by or user.id
    return instance


def _schema(run: InstanceRun, item: WorkItem, _version: object) -> dict | None:
    if not item.form:
        return None
    for version in (run.bundle.main, *run.bundle.called.values()):
        if item.form in version.forms:
            return version.forms[item.form]
    raise NotFound(f"Biểu mẫu '{item.form}' không có trong phiên bản quy trình.")


def lock_instance(session: Session, instance_id: int) -> Instance | None:
    return session.get(Instance, instance_id, with_for_update=True, populate_existing=True)


def _running(session: Session, instance_id: int) -> Instance:
    instance = session.get(Instance, instance_id)
    if instance is None:
        raise NotFound(f"Không có hồ sơ {instance_id}.")
    if instance.status != "running":
        raise Conflict(f"Hồ sơ {instance_id} đang ở trạng thái '{instance.status}'.")
    return instance
