"""The inbox: the open work a user may do, filtered, sorted by due date, counted."""

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Row, Select, and_, func, literal, or_, select, union, union_all
from sqlalchemy.orm import Session, aliased

from engine.access import org
from engine.commands.runner import Runtime
from engine.enums import Scope, WorkItemState
from engine.results import BoxCounts, InboxItem, InboxPage, TaskView
from engine.rules.calendar import LOCAL
from engine.store.models import Instance, User, WorkItem

OPEN, COMPLETED = WorkItemState.OPEN, WorkItemState.COMPLETED

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


def tasks_for(session: Session, rt: Runtime, user: org.Actor) -> list[TaskView]:
    tree = rt.org_tree(session)
    items = session.scalars(
        select(WorkItem)
        .where(WorkItem.state == OPEN, inbox_filter(tree, user))
        .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.created_at)
    ).all()
    return describe_items(session, rt, tree, items)


def describe_items(
    session: Session,
    rt: Runtime,
    tree: org.OrgTree,
    items: Sequence[WorkItem],
    known: tuple[dict[int, str], dict[int, str]] | None = None,
) -> list[TaskView]:
    """`known`: the cases' titles and the people's usernames, if the caller read them
    with the items (the inbox does: no query here then)."""
    if known is not None:
        titles, names = known
        return [describe_item(session, rt, tree, i, names, titles[i.instance_id]) for i in items]
    instance_ids = {i.instance_id for i in items}
    titles = {}
    if instance_ids:
        query = select(Instance.id, Instance.title).where(Instance.id.in_(instance_ids))
        titles = {r.id: r.title for r in session.execute(query)}
    user_ids = {u for i in items for u in (i.claimed_by, i.completed_by) if u is not None}
    names = {}
    if user_ids:
        query_names = select(User.id, User.username).where(User.id.in_(user_ids))
        names = {r.id: r.username for r in session.execute(query_names)}
    return [
        describe_item(session, rt, tree, item, names, titles.get(item.instance_id, ""))
        for item in items
    ]


def describe_item(
    session: Session,
    rt: Runtime,
    tree: org.OrgTree,
    item: WorkItem,
    names: dict[int, str],
    case_title: str,
) -> TaskView:
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
        "scope": Scope(item.scope),
        "state": WorkItemState(item.state),
        "claimed_by": names.get(item.claimed_by) if item.claimed_by else None,
        "completed_by": names.get(item.completed_by) if item.completed_by else None,
        "completed_at": item.completed_at.isoformat() if item.completed_at else None,
        "created_at": item.created_at.isoformat(),
        "due_at": item.due_at.isoformat() if item.due_at else None,
        "due_provisional": item.due_at is not None
        and rt.calendar(session).is_provisional(item.due_at.astimezone(LOCAL).date()),
        "form": item.form,
        "form_schema": forms.get(item.form) if item.form else None,
        "case_title": case_title,
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
) -> InboxPage:
    """One page of a box ("open": all I may do; "mine": claimed by me; "completed": done
    by me), with the counts the navigation shows."""
    tree = rt.org_tree(session)
    filters = _filters(tree, now, process, unit, due, q)
    tally = counts(session, tree, user, now)
    if box == "open":
        rows: Sequence[Row] = _open_page(session, tree, user, filters, page, per_page, sort)
        total = tally["open"] if not filters else _count(session, _box(tree, user, box), filters)
    else:
        where = [_box(tree, user, box), *filters]
        rows = session.execute(
            _page_rows().where(*where).order_by(*_order(box, sort))
            .limit(per_page).offset((max(page, 1) - 1) * per_page)
        ).all()  # fmt: skip
        total = _count(session, where[0], filters)
    items = [r[0] for r in rows]
    known = _titles_and_names(rows)
    described: list[InboxItem] = [
        {**entry, "overdue": item.state == OPEN and item.due_at is not None and item.due_at < now}
        for entry, item in zip(describe_items(session, rt, tree, items, known), items, strict=True)
    ]
    return {"items": described, "total": total, "counts": tally}


def _filters(
    tree: org.OrgTree, now: datetime, process: str | None, unit: str | None, due: str | None,
    q: str | None,
) -> list[Any]:  # fmt: skip
    filters: list[Any] = []
    if process:
        filters.append(WorkItem.process_key == process)
    if unit:
        filters.append(WorkItem.unit_id == tree.unit(unit).id)
    if due:
        filters.append(_due_filter(due, now))
    if q and q.strip():
        # % and _ are the user's characters, not LIKE wildcards (escaped)
        filters.append(WorkItem.name.icontains(q.strip(), autoescape=True))
    return filters


def _count(session: Session, box: Any, filters: list[Any]) -> int:
    return session.scalar(select(func.count()).select_from(WorkItem).where(box, *filters)) or 0


def _branches(tree: org.OrgTree, user: org.Actor) -> list[Any]:
    """The open work a user reaches, as equality conditions an index can walk in due order:
    one per (role, scope, unit) they reach, and what they claimed."""
    branches: list[Any] = [WorkItem.claimed_by == user.id]
    for reach in org.reach_of(tree, user):
        for scope, units in (
            (org.SCOPE_UNIT, reach.pinned_units),
            (org.SCOPE_ADMINISTRATION, reach.administrations),
        ):
            for unit_id in sorted(units):
                branches.append(
                    and_(
                        WorkItem.role_key == reach.role_key,
                        WorkItem.scope == scope,
                        WorkItem.unit_id == unit_id,
                    )
                )
    return branches  # fmt: skip


def _open_page(
    session: Session, tree: org.OrgTree, user: org.Actor, filters: list[Any], page: int,
    per_page: int, sort: str,
) -> list[Row]:  # fmt: skip
    """One page of the open box: the first rows of each branch, merged. Each branch reads
    only as far as the page needs (index order), instead of sorting the whole pool."""
    order = _order("open", sort)
    depth = max(page, 1) * per_page
    parts = [
        select(WorkItem.id, WorkItem.due_at, WorkItem.created_at)
        .where(WorkItem.state == OPEN, branch, *filters)
        .order_by(*order).limit(depth).subquery()
        for branch in _branches(tree, user)
    ]  # fmt: skip
    merged = union(*(select(p.c.id, p.c.due_at, p.c.created_at) for p in parts)).subquery()
    ids = (
        select(merged.c.id)
        .order_by(*_order_columns(merged.c, sort))
        .limit(per_page)
        .offset(depth - per_page)
    )
    rows = session.execute(_page_rows().where(WorkItem.id.in_(ids))).all()
    key = _sort_key(sort)
    return sorted(rows, key=lambda r: key(r[0]))


CLAIMER, COMPLETER = aliased(User), aliased(User)


def _page_rows() -> Select:
    """A page's items with their case's title and the usernames of who took and who did
    them, in the one query (the inbox is read on every page view)."""
    return (
        select(WorkItem, Instance.title, CLAIMER.id, CLAIMER.username, COMPLETER.id,
               COMPLETER.username)
        .join(Instance, Instance.id == WorkItem.instance_id)
        .outerjoin(CLAIMER, CLAIMER.id == WorkItem.claimed_by)
        .outerjoin(COMPLETER, COMPLETER.id == WorkItem.completed_by)
    )  # fmt: skip


def _titles_and_names(rows: Sequence[Row]) -> tuple[dict[int, str], dict[int, str]]:
    titles = {r[0].instance_id: r[1] for r in rows}
    names = {uid: name for r in rows for uid, name in (r[2:4], r[4:6]) if uid is not None}
    return titles, names


def _order_columns(c: Any, sort: str) -> list[Any]:
    if sort in ("due", "-due"):
        due = c.due_at.asc() if sort == "due" else c.due_at.desc()
        return [due.nulls_last(), c.created_at, c.id]
    return [c.created_at if sort == "created" else c.created_at.desc(), c.id]


def _sort_key(sort: str) -> Any:
    far = datetime.max.replace(tzinfo=UTC)

    def key(item: WorkItem) -> tuple:
        if sort == "due":
            return (item.due_at is None, item.due_at or far, item.created_at, item.id)
        if sort == "-due":
            return (item.due_at is None, -(item.due_at or far).timestamp(), item.created_at,
                    item.id)  # fmt: skip
        stamp = item.created_at.timestamp()
        return (stamp if sort == "created" else -stamp, item.id)

    return key


SORTS = ("due", "-due", "created", "-created")


def _order(box: str, sort: str) -> list[Any]:
    """Due date first (no due date last), or by when the task arrived."""
    if box == "completed":
        return [WorkItem.completed_at.desc()]
    # NULLS LAST in the index's own direction, so PostgreSQL reads it in order.
    if sort == "due":
        return [WorkItem.due_at.asc().nulls_last(), WorkItem.created_at, WorkItem.id]
    if sort == "-due":
        return [WorkItem.due_at.desc().nulls_last(), WorkItem.created_at, WorkItem.id]
    if sort in ("created", "-created"):
        column = WorkItem.created_at
        return [column if sort == "created" else column.desc(), WorkItem.id]
    raise ValueError(f"unknown sort {sort!r}; expected one of {SORTS}")


def _box(tree: org.OrgTree, user: org.Actor, box: str) -> Any:
    if box == "mine":
        return and_(WorkItem.state == OPEN, WorkItem.claimed_by == user.id)
    if box == "completed":
        return and_(WorkItem.state == COMPLETED, WorkItem.completed_by == user.id)
    if box == "open":
        return and_(WorkItem.state == OPEN, inbox_filter(tree, user))
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


def counts(session: Session, tree: org.OrgTree, user: org.Actor, now: datetime) -> BoxCounts:
    """The navigation's numbers. Role branches never overlap and what one claims is in their
    reach, so each branch is counted on its own (index-only) and the counts added up."""

    def row(kind: str, where: Any, overdue: Any) -> Any:
        return select(literal(kind).label("kind"), func.count().label("n"), overdue).where(*where)

    overdue = func.count().filter(WorkItem.due_at < now).label("overdue")
    parts = [row("open", (WorkItem.state == OPEN, b), overdue) for b in _branches(tree, user)[1:]]
    nothing = literal(0).label("overdue")
    parts.append(row("mine", (WorkItem.state == OPEN, WorkItem.claimed_by == user.id), nothing))
    done = (WorkItem.state == COMPLETED, WorkItem.completed_by == user.id)
    parts.append(row("completed", done, nothing))
    tally = {"open": 0, "mine": 0, "overdue": 0, "completed": 0}
    for kind, n, late in session.execute(union_all(*parts)):  # one round trip for all
        tally[kind] += n
        tally["overdue"] += late
    return {
        "open": tally["open"],
        "mine": tally["mine"],
        "overdue": tally["overdue"],
        "completed": tally["completed"],
    }
