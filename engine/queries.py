"""Read-only views: processes one may start, an inbox, an instance, its history."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from engine import org
from engine.errors import NotFound
from engine.models import AuditEvent, Instance, ProcessVersion, User, WorkItem
from engine.runtime import Runtime
from engine.starting import start_role


def processes(session: Session, rt: Runtime, user: org.Actor | None = None) -> list[dict[str, Any]]:
    newest = (
        select(ProcessVersion.process_key, func.max(ProcessVersion.version).label("v"))
        .group_by(ProcessVersion.process_key)
        .subquery()
    )
    rows = session.scalars(
        select(ProcessVersion)
        .join(
            newest,
            and_(
                ProcessVersion.process_key == newest.c.process_key,
                ProcessVersion.version == newest.c.v,
            ),
        )
        .order_by(ProcessVersion.process_key)
    )
    found = []
    for row in rows:
        version = rt.versions.get(session, row.id)
        role = start_role(version)
        form = version.parsed.info.start_form
        found.append(
            {
                "key": row.process_key,
                "name": row.name,
                "version": row.version,
                "content_hash": row.content_hash,
                "deployed_at": row.deployed_at.isoformat(),
                "start_role": role,
                "can_start": user is not None and any(r.role_key == role for r in user.roles),
                "start_form": version.forms.get(form) if form else None,
            }
        )
    return found


def inbox_filter(tree: org.OrgTree, user: org.Actor) -> Any:
    """SQL condition: open items this user may act on, or has claimed."""
    reach = [
        and_(
            WorkItem.role_key == r.role_key,
            or_(
                and_(WorkItem.scope == org.SCOPE_UNIT, WorkItem.unit_id.in_(r.pinned_units)),
                and_(
                    WorkItem.scope == org.SCOPE_ADMINISTRATION,
                    WorkItem.unit_id.in_(r.administrations),
                ),
            ),
        )
        for r in org.reach_of(tree, user)
    ]
    return or_(WorkItem.claimed_by == user.id, *reach)


def tasks_for(session: Session, rt: Runtime, user: org.Actor) -> list[dict[str, Any]]:
    tree = rt.org_tree(session)
    items = session.scalars(
        select(WorkItem)
        .where(WorkItem.state == "open", inbox_filter(tree, user))
        .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.created_at)
    ).all()
    return describe_items(session, rt, tree, items)


def describe_items(
    session: Session, rt: Runtime, tree: org.OrgTree, items: Sequence[WorkItem]
) -> list[dict[str, Any]]:
    user_ids = {i.claimed_by for i in items if i.claimed_by is not None}
    names = (
        dict(session.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all())
        if user_ids
        else {}
    )
    return [describe_item(session, rt, tree, item, names) for item in items]


def describe_item(
    session: Session, rt: Runtime, tree: org.OrgTree, item: WorkItem, names: dict[int, str]
) -> dict[str, Any]:
    forms = rt.versions.get(session, item.version_id).forms
    return {
        "id": item.id,
        "instance_id": item.instance_id,
        "process_key": item.process_key,
        "element_id": item.element_id,
        "name": item.name,
        "role": item.role_key,
        "unit": tree.by_id[item.unit_id].code,
        "unit_name": tree.by_id[item.unit_id].name,
        "scope": item.scope,
        "state": item.state,
        "claimed_by": names.get(item.claimed_by) if item.claimed_by else None,
        "created_at": item.created_at.isoformat(),
        "due_at": item.due_at.isoformat() if item.due_at else None,
        "form": item.form,
        "form_schema": forms.get(item.form) if item.form else None,
    }


def _username(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return user.username if user else None


def show_instance(session: Session, rt: Runtime, instance_id: int) -> dict[str, Any]:
    instance = session.get(Instance, instance_id)
    if instance is None:
        raise NotFound(f"Không có hồ sơ {instance_id}.")
    tree = rt.org_tree(session)
    open_items = session.scalars(
        select(WorkItem).where(WorkItem.instance_id == instance_id, WorkItem.state == "open")
    ).all()
    version = rt.versions.get(session, instance.process_version_id)
    return {
        "id": instance.id,
        "process_key": instance.process_key,
        "process_name": version.name,
        "version": version.version,
        "status": instance.status,
        "unit": tree.by_id[instance.unit_id].code,
        "started_by": _username(session, instance.started_by),
        "started_at": instance.started_at.isoformat(),
        "ended_at": instance.ended_at.isoformat() if instance.ended_at else None,
        "open_tasks": describe_items(session, rt, tree, open_items),
        "waiting_timers": sorted((instance.waiting or {}).get("timers", {}).values()),
        "data": instance_data(session, rt, instance),
    }


def instance_data(session: Session, rt: Runtime, instance: Instance) -> dict[str, Any]:
    """The instance's current data: the top workflow's, merged with its live tasks'."""
    from engine.runtime import InstanceRun  # local: a read borrows the runner's loader

    run = InstanceRun(session, rt, instance, rt.org_tree(session), instance.started_at, "")
    wf = run.workflow()
    try:
        data = dict(wf.data)
        data.update((wf.last_task or wf.task_tree).data)
        # What was entered inside a running subprocess or call activity lives there.
        for sub in sorted(wf.subprocesses.values(), key=lambda w: w.depth):
            if not sub.completed and sub.last_task is not None:
                data.update(sub.last_task.data)
        return {k: v for k, v in data.items() if k != "config"}
    finally:
        rt.workflows.put(instance.id, instance.row_version, wf)


def history(session: Session, instance_id: int) -> list[dict[str, Any]]:
    if session.get(Instance, instance_id) is None:
        raise NotFound(f"Không có hồ sơ {instance_id}.")
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.seq)
    )
    return [
        {
            "seq": e.seq,
            "at": e.at.isoformat(),
            "actor": e.actor,
            "command": e.command,
            "payload": e.payload,
            "result": e.result,
            "hash": e.hash,
            "prev_hash": e.prev_hash,
        }
        for e in events
    ]
