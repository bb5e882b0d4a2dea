"""People's work: claiming, releasing and completing user tasks."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, undefer

from engine.access import org
from engine.audit import chain as audit
from engine.commands.runner import InstanceRun, Runtime
from engine.enums import AuditCommand, InstanceStatus, WorkItemState
from engine.errors import N_, Conflict, Message, NotFound, PermissionDenied
from engine.rules.forms import validate_form
from engine.rules.not_after import check_not_after
from engine.rules.reporting import check_at_most, check_prefilled
from engine.rules.signer import signed_by
from engine.rules.unit_fields import check_unit_fields
from engine.rules.user_fields import administration_of, check_user_fields
from engine.store.models import Attachment, Instance, WorkItem
from engine.store.write_batch import written

# Built once (the hot path of every task command): the item and its instance, both locked.
# The instance's state comes along: with several worker processes or nodes a command
# usually lands where the live workflow is not cached, and reading the state afterwards
# would cost a second statement and round trip; on a cache hit it is a few KB unused.
OPEN_ITEM = (
    select(WorkItem, Instance)
    .join(Instance, Instance.id == WorkItem.instance_id)
    .where(WorkItem.id == bindparam("task_id"))
    .options(undefer(Instance.state))
    .with_for_update(of=[WorkItem.id, Instance.id])  # FOR UPDATE OF work_items, instances
    .execution_options(populate_existing=True)
)


def open_item(
    session: Session, task_id: str, tree: org.OrgTree, user: org.Actor
) -> tuple[WorkItem, Instance]:
    """The open work item and its instance, if this user may act on it; else a clear error.

    Both rows are locked as they are read: of two concurrent commands on one task the
    second waits, then reads what the first wrote (PostgreSQL re-reads only the rows it
    locks; SQLite's BEGIN IMMEDIATE serializes writers). `populate_existing`: a row the
    session loaded earlier is refreshed from this read, not kept as it was.
    """
    row = session.execute(OPEN_ITEM, {"task_id": task_id}).first()
    if row is None or not can_see(tree, user, row[0]):
        raise NotFound(N_("Không có công việc '{id}'."), params={"id": task_id})
    item, instance = row
    if not org.can_act(tree, user, item.role_key, item.unit_id, item.scope):
        raise PermissionDenied(
            N_("Bạn không có vai trò '{role}' cho công việc này."), params={"role": item.role_key}
        )
    if item.state != WorkItemState.OPEN:
        state = Message(_STATES[WorkItemState(item.state)])
        raise Conflict(
            N_("Công việc '{name}' đã {state}."), params={"name": item.name, "state": state}
        )
    if instance.status != InstanceStatus.RUNNING:
        raise Conflict(
            N_("Hồ sơ {id} đang ở trạng thái '{status}'."),
            params={"id": instance.id, "status": instance.status},
        )
    return item, instance


def can_see(tree: org.OrgTree, user: org.Actor, item: WorkItem) -> bool:
    """Whether the item is in the user's reach for any role (an auditor's reach is elsewhere)."""
    return user.is_admin or org.can_act(tree, user, None, item.unit_id, item.scope)


_STATES = {
    WorkItemState.COMPLETED: N_("được hoàn thành"),  # Công việc '…' đã …
    WorkItemState.CANCELLED: N_("bị hủy"),
    WorkItemState.OPEN: N_("mở"),
}


def claim(session: Session, rt: Runtime, task_id: str, user: org.Actor, now: datetime) -> WorkItem:
    tree = rt.org_tree(session)
    item, instance = open_item(session, task_id, tree, user)
    if item.claimed_by == user.id:  # a second click: one claim, one audit event
        raise Conflict(N_("Bạn đã nhận công việc '{name}' rồi."), params={"name": item.name})
    if item.claimed_by is not None:
        raise Conflict(N_("Công việc '{name}' đã có người khác nhận."), params={"name": item.name})
    item.claimed_by = user.id
    _record(session, instance, item, user, now, AuditCommand.CLAIM)
    return item


def unclaim(
    session: Session, rt: Runtime, task_id: str, user: org.Actor, now: datetime
) -> WorkItem:
    tree = rt.org_tree(session)
    item, instance = open_item(session, task_id, tree, user)
    if item.claimed_by != user.id:
        raise Conflict(N_("Bạn chưa nhận công việc '{name}'."), params={"name": item.name})
    item.claimed_by = None
    _record(session, instance, item, user, now, AuditCommand.UNCLAIM)
    return item


def _record(
    session: Session,
    instance: Instance,
    item: WorkItem,
    user: org.Actor,
    now: datetime,
    command: AuditCommand,
) -> None:
    payload = {"task_id": item.id, "element_id": item.element_id}
    audit.append(
        session, instance, now, user.username, command, payload, {"status": instance.status}
    )


def complete(
    session: Session,
    rt: Runtime,
    task_id: str,
    user: org.Actor,
    data: dict[str, Any],
    now: datetime,
) -> InstanceRun:
    tree = rt.org_tree(session)
    item, instance = open_item(session, task_id, tree, user)
    if item.claimed_by not in (None, user.id):
        raise Conflict(
            N_("Công việc '{name}' đang do người khác xử lý."), params={"name": item.name}
        )
    run = InstanceRun(session, rt, instance, tree, now, user.username, closed_item=item.id)
    schema = rt.versions.get(session, item.version_id).forms.get(item.form) if item.form else None
    formats = {
        "org-unit": lambda code: code in tree.by_code,
        "attachment": attachment_check(session, instance.id),
    }
    data = validate_form(schema, signed_by(schema, data, user), formats)
    on = org.local_date(now)
    check_unit_fields(schema, data, tree, on)
    check_user_fields(
        session, schema, data, tree, administration_of(tree, instance.unit_id, on), on
    )
    check_at_most(schema, data)  # answered ≤ received ("x-at-most")

    def act(wf: BpmnWorkflow) -> None:
        task = wf.get_task_from_id(UUID(item.id))
        if task is None or task.state != TaskState.READY:
            raise Conflict(
                N_("Công việc '{name}' không còn chờ xử lý."), params={"name": item.name}
            )
        check_not_after(schema, data, task.data)  # bounds from the case ("x-not-after")
        check_prefilled(schema, data, task.data, formats)  # a changed pre-fill needs a reason
        task.data.update(data)
        task.run()

    payload = {"task_id": item.id, "element_id": item.element_id, "data": data}
    closed = {
        "state": WorkItemState.COMPLETED,
        "completed_by": user.id,
        "completed_at": now,
        "claimed_by": item.claimed_by or user.id,
    }
    run.writes.update(WorkItem, closed, {"id": item.id})
    written(item, closed)
    run.execute(AuditCommand.COMPLETE, payload, act)
    return run


def attachment_check(session: Session, instance_id: int) -> Callable[[object], bool]:
    """Format "attachment": the id of a file stored with this instance."""

    def check(value: object) -> bool:
        found = select(Attachment.id).where(
            Attachment.id == value, Attachment.instance_id == instance_id
        )
        return session.scalar(found) is not None

    return check
