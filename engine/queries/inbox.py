"""The inbox: the open work a user may do, filtered, sorted by due date, counted."""

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from engine import org
from engine.models import User, WorkItem
from engine.runtime import Runtime
from engine.workcalendar import LOCAL

DUE_STATES = ("overdue", "today", "later")
BOXES = ("open", "mine", "completed")


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
    user_ids = {u for i in items for u in (i.claimed_by, i.completed_by) if u is not None}
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
        "completed_by": names.get(item.completed_by) if item.completed_by else None,
        "completed_at": item.completed_at.isoformat() if item.completed_at else None,
        "created_at": item.created_at.isoformat(),
        "due_at": item.due_at.isoformat() if item.due_at else None,
        "form": item.form,
        "form_schema": forms.get(item.form) if item.form else None,
    }


def inbox(
    session: Session,
    rt: Runtime,
    user: org.Actor,
    now: datetime,
    box: str = "open",
    process: str | None = None,
    unit: str | None = None,
    due: str | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int = 50,
    sort: str = "due",
) -> dict[str, Any]:
    """One page of a box ("open": all I may do; "mine": claimed by me; "completed": done
    by me), with the counts the navigation shows."""
    tree = rt.org_tree(session)
    where = [_box(tree, user, box)]
    if process:
        where.append(WorkItem.process_key == process)
    if unit:
        where.append(WorkItem.unit_id == tree.unit(unit).id)
    if due:
        where.append(_due_filter(due, now))
    if q:
        where.append(WorkItem.name.ilike(f"%{q.strip()}%"))
    total = session.scalar(select(func.count()).select_from(WorkItem).where(*where)) or 0
    order = _order(box, sort)
    items = session.scalars(
        select(WorkItem)
        .where(*where)
        .order_by(*order)
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    described = describe_items(session, rt, tree, items)
    for entry, item in zip(described, items, strict=True):
        entry["overdue"] = item.state == "open" and item.due_at is not None and item.due_at < now
    return {"items": described, "total": total, "counts": counts(session, tree, user, now)}


SORTS = ("due", "-due", "created", "-created")


def _order(box: str, sort: str) -> list[Any]:
    """Due date first (no due date last), or by when the task arrived."""
    if box == "completed":
        return [WorkItem.completed_at.desc()]
    if sort == "due":
        return [WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.created_at]
    if sort == "-due":
        return [WorkItem.due_at.is_(None), WorkItem.due_at.desc(), WorkItem.created_at]
    if sort in ("created", "-created"):
        column = WorkItem.created_at
        return [column if sort == "created" else column.desc(), WorkItem.id]
    raise ValueError(f"unknown sort {sort!r}; expected one of {SORTS}")


def _box(tree: org.OrgTree, user: org.Actor, box: str) -> Any:
    if box == "mine":
        return and_(WorkItem.state == "open", WorkItem.claimed_by == user.id)
    if box == "completed":
        return and_(WorkItem.state == "completed", WorkItem.completed_by == user.id)
    if box == "open":
        return and_(WorkItem.state == "open", inbox_filter(tree, user))
    raise ValueError(f"unknown box {box!r}; expected one of {BOXES}")


def _due_filter(due: str, now: datetime) -> Any:
    start = datetime.combine(now.astimezone(LOCAL).date(), time.min, LOCAL)
    end = start + timedelta(days=1)
    if due == "overdue":
        return WorkItem.due_at < now
    if due == "today":
        return and_(WorkItem.due_at >= now, WorkItem.due_at < end)
    if due == "later":
        return or_(WorkItem.due_at.is_(None), WorkItem.due_at >= end)
    raise ValueError(f"unknown due state {due!r}; expected one of {DUE_STATES}")


def counts(session: Session, tree: org.OrgTree, user: org.Actor, now: datetime) -> dict[str, int]:
    mine = inbox_filter(tree, user)
    row = session.execute(
        select(
            func.count().filter(WorkItem.state == "open"),
            func.count().filter(WorkItem.state == "open", WorkItem.claimed_by == user.id),
            func.count().filter(WorkItem.state == "open", WorkItem.due_at < now),
        ).where(WorkItem.state == "open", mine)
    ).one()
    done = session.scalar(
        select(func.count()).where(WorkItem.state == "completed", WorkItem.completed_by == user.id)
    )
    return {"open": row[0], "mine": row[1], "overdue": row[2], "completed": done or 0}
