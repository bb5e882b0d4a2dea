"""The inbox: the open work a user may do, filtered, sorted by due date, counted.

A page is one statement (every page of the web UI shows the navigation's counts, so it is
read on every page view): the counts, each read no further than the response's count
limit, and the page's rows with their case's title and the names of who took and who did
them. The statement's shape depends only on the box, the sort, which filters are set and
how many reach branches the user has; every value is a bound parameter, so the statement
object is built once per shape and its compiled form (and PostgreSQL's prepared plan) is
reused.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import (
    Row,
    Select,
    and_,
    bindparam,
    func,
    literal_column,
    not_,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from engine.access import org
from engine.commands.runner import Runtime
from engine.enums import Scope, WorkItemState
from engine.results import BoxCounts, InboxItem, InboxPage, TaskView
from engine.rules.calendar import LOCAL
from engine.store.models import (
    COMPLETED_ITEM,
    OPEN_ITEM,
    Instance,
    Notification,
    User,
    WorkItem,
)

OPEN, COMPLETED = WorkItemState.OPEN, WorkItemState.COMPLETED

DUE_STATES = ("overdue", "today", "later")
BOXES = ("open", "mine", "completed")
SORTS = ("due", "-due", "created", "-created")

# Counting stops here: a district officer's open work or what they completed over the
# years runs to tens of thousands, and an exact count reads every one of them on every
# page view. A figure above the limit means "more than the limit" (the UI writes "1000+").
# A page deeper than the limit raises it to the page's depth, so the pager always knows
# whether a next page exists.
COUNT_LIMIT = 1000

# The state written into the SQL, not bound (models/runtime.py): the prepared statement's
# generic plan uses the partial indexes.
IS_OPEN, IS_COMPLETED = OPEN_ITEM, COMPLETED_ITEM


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
    with the items (no query here then)."""
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
    claimed_by = names.get(item.claimed_by) if item.claimed_by else None
    completed_by = names.get(item.completed_by) if item.completed_by else None
    return _view(session, rt, tree, item, claimed_by, completed_by, case_title)


class _Item(Protocol):
    """A work item's columns, as an ORM object or a row of the inbox's statement."""

    @property
    def id(self) -> str: ...
    @property
    def instance_id(self) -> int: ...
    @property
    def process_key(self) -> str: ...
    @property
    def version_id(self) -> int: ...
    @property
    def element_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def role_key(self) -> str | None: ...
    @property
    def unit_id(self) -> int: ...
    @property
    def scope(self) -> str: ...
    @property
    def form(self) -> str | None: ...
    @property
    def state(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def completed_at(self) -> datetime | None: ...


def _view(
    session: Session,
    rt: Runtime,
    tree: org.OrgTree,
    item: _Item,
    claimed_by: str | None,
    completed_by: str | None,
    case_title: str,
) -> TaskView:
    forms = rt.versions.get(session, item.version_id).forms
    unit = tree.by_id[item.unit_id]
    return {
        "id": item.id,
        "instance_id": item.instance_id,
        "process_key": item.process_key,
        "element_id": item.element_id,
        "name": item.name,
        "role": item.role_key,
        "unit": unit.code,
        "unit_name": unit.name,
        "scope": Scope(item.scope),
        "state": WorkItemState(item.state),
        "claimed_by": claimed_by,
        "completed_by": completed_by,
        "completed_at": item.completed_at.isoformat() if item.completed_at else None,
        "created_at": item.created_at.isoformat(),
        "due_at": item.due_at.isoformat() if item.due_at else None,
        "due_provisional": item.due_at is not None
        and rt.calendar(session).is_provisional(item.due_at.astimezone(LOCAL).date()),
        "form": item.form,
        "form_schema": forms.get(item.form) if item.form else None,
        "case_title": case_title,
    }


# -- one page of a box, with the counts: one statement ---------------------------------


@dataclass(frozen=True)
class Shape:
    """What the statement's SQL depends on (the values are bound parameters)."""

    box: str
    sort: str
    branches: int  # the user's reach branches: (role, scope, unit) they may act in
    process: bool
    unit: bool
    due: str | None
    text: bool

    @property
    def filtered(self) -> bool:
        return self.process or self.unit or bool(self.due) or self.text


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
    if box not in BOXES:
        raise ValueError(f"unknown box {box!r}; expected one of {BOXES}")
    if box != "completed" and sort not in SORTS:  # the completed box is newest first
        raise ValueError(f"unknown sort {sort!r}; expected one of {SORTS}")
    if due and due not in DUE_STATES:
        raise ValueError(f"unknown due state {due!r}; expected one of {DUE_STATES}")
    tree = rt.org_tree(session)
    text = q.strip() if q else ""
    branches = reach_branches(tree, user)
    depth = max(page, 1) * per_page
    limit = max(COUNT_LIMIT, depth)
    params: dict[str, Any] = {
        "me": user.id,
        "now": now,
        "cap": limit + 1,
        "depth": depth,
        "per_page": per_page,
        "skip": depth - per_page,
    }
    for i, (role_key, scope, unit_id) in enumerate(branches):
        params.update({f"r{i}": role_key, f"s{i}": scope, f"u{i}": unit_id})
    if process:
        params["process"] = process
    if unit:
        params["unit_id"] = tree.unit(unit).id  # NotFound for an unknown code
    if due:
        params["day_end"] = datetime.combine(
            now.astimezone(LOCAL).date(), time.min, LOCAL
        ) + timedelta(days=1)
    if text:  # % and _ are the user's characters, not LIKE wildcards
        params["q"] = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    shape = Shape(box, sort, len(branches), bool(process), bool(unit), due or None, bool(text))
    rows = session.execute(statement(shape), params).all()
    first = rows[0]
    counts: BoxCounts = {
        "open": first.n_open,
        "mine": first.n_mine,
        "overdue": first.n_overdue,
        "completed": first.n_completed,
        "unread_notices": first.n_unread,
    }
    total = int(first._mapping["n_total" if shape.filtered else f"n_{box}"])
    items = [_inbox_item(session, rt, tree, r, now) for r in rows if r.id is not None]
    return {"items": items, "total": total, "counts": counts, "count_limit": limit}


def _inbox_item(
    session: Session, rt: Runtime, tree: org.OrgTree, row: Row, now: datetime
) -> InboxItem:
    view = _view(session, rt, tree, row, row.claimer, row.completer, row.title)
    overdue = row.state == OPEN and row.due_at is not None and row.due_at < now
    return {**view, "overdue": overdue, "claimed_by_name": row.claimer_name}


def reach_branches(tree: org.OrgTree, user: org.Actor) -> list[tuple[str, str, int]]:
    """The (role, scope, unit) triples whose open items the user may act on: each one an
    equality an index walks in due order. They never overlap."""
    found: list[tuple[str, str, int]] = []
    for reach in org.reach_of(tree, user):
        for scope, units in (
            (org.SCOPE_UNIT, reach.pinned_units),
            (org.SCOPE_ADMINISTRATION, reach.administrations),
        ):
            found += [(reach.role_key, scope, unit_id) for unit_id in sorted(units)]
    return found


CLAIMER, COMPLETER = aliased(User), aliased(User)


@lru_cache(maxsize=512)
def statement(shape: Shape) -> Select:
    """The page's rows, each with the counts (a row of counts and no item when the page is
    empty); parameters: me, now, cap, depth, per_page, skip, r0/s0/u0… and the filters'."""
    counts = _counts(shape).subquery("counts")
    page = _page(shape).subquery("page")
    return (
        select(counts, page)
        .select_from(counts.outerjoin(page, true()))
        .order_by(*_order_columns(page.c, shape.box, shape.sort))
    )


def _branch_conditions(shape: Shape) -> list[Any]:
    return [
        and_(
            WorkItem.role_key == bindparam(f"r{i}"),
            WorkItem.scope == bindparam(f"s{i}"),
            WorkItem.unit_id == bindparam(f"u{i}"),
        )
        for i in range(shape.branches)
    ]


def _filters(shape: Shape) -> list[Any]:
    filters: list[Any] = []
    if shape.process:
        filters.append(WorkItem.process_key == bindparam("process"))
    if shape.unit:
        filters.append(WorkItem.unit_id == bindparam("unit_id"))
    now: Any = bindparam("now")
    end: Any = bindparam("day_end")
    if shape.due == "overdue":
        filters.append(WorkItem.due_at < now)
    elif shape.due == "today":
        filters.append(and_(WorkItem.due_at >= now, WorkItem.due_at < end))
    elif shape.due == "later":
        filters.append(or_(WorkItem.due_at.is_(None), WorkItem.due_at >= end))
    if shape.text:
        filters.append(WorkItem.name.icontains(bindparam("q"), escape="/"))
    return filters


def _capped_count(parts: list[tuple[Any, ...]], of: Any = WorkItem.id) -> Any:
    """How many rows (of `of`'s table) the parts' conditions match together (they must not
    overlap), read no further than :cap: each part an index range, appended until the cap."""
    if not parts:
        return literal_column("0")
    one: Any = literal_column("1").label("one")
    selects: list[Select] = [select(one).select_from(of.table).where(*p) for p in parts]
    rows: Any = selects[0] if len(selects) == 1 else union_all(*selects)
    source = rows.limit(bindparam("cap")).subquery()
    return select(func.count()).select_from(source).scalar_subquery()


def _counts(shape: Shape) -> Select:
    """One row: n_open (the reach's open items, as the navigation counts them), n_overdue,
    n_mine, n_completed, n_unread (notifications) and, with filters, n_total (the filtered
    box)."""
    mine = WorkItem.claimed_by == bindparam("me")
    done = WorkItem.completed_by == bindparam("me")
    reach = _branch_conditions(shape)
    late = WorkItem.due_at < bindparam("now")
    unread = (Notification.user_id == bindparam("me"), Notification.read_at.is_(None))
    columns = {
        "n_open": _capped_count([(IS_OPEN, b) for b in reach]),
        "n_overdue": _capped_count([(IS_OPEN, b, late) for b in reach]),
        "n_mine": _capped_count([(IS_OPEN, mine)]),
        "n_completed": _capped_count([(IS_COMPLETED, done)]),
        # The navigation's other figure, read here rather than by a statement of its own.
        "n_unread": _capped_count([unread], Notification.id),
    }
    if shape.filtered:
        filters = _filters(shape)
        if shape.box == "open":
            # What I claimed is nearly always in my reach (counted there); a claim a holding
            # no longer covers is counted on its own, so no item counts twice.
            elsewhere = or_(WorkItem.role_key.is_(None), not_(or_(*reach))) if reach else true()
            parts = [(IS_OPEN, b, *filters) for b in reach]
            parts.append((IS_OPEN, mine, elsewhere, *filters))
        elif shape.box == "mine":
            parts = [(IS_OPEN, mine, *filters)]
        else:
            parts = [(IS_COMPLETED, done, *filters)]
        columns["n_total"] = _capped_count(parts)
    return select(*(value.label(name) for name, value in columns.items()))


PAGE_COLUMNS = (
    WorkItem.id, WorkItem.instance_id, WorkItem.process_key, WorkItem.version_id,
    WorkItem.element_id, WorkItem.name, WorkItem.role_key, WorkItem.unit_id, WorkItem.scope,
    WorkItem.form, WorkItem.state, WorkItem.created_at, WorkItem.due_at, WorkItem.completed_at,
    Instance.title.label("title"), CLAIMER.username.label("claimer"),
    CLAIMER.full_name.label("claimer_name"), COMPLETER.username.label("completer"),
)  # fmt: skip


def _with_names(query: Select) -> Select:
    """A page's items with their case's title and the names of who took and who did them."""
    return (
        query.join(Instance, Instance.id == WorkItem.instance_id)
        .outerjoin(CLAIMER, CLAIMER.id == WorkItem.claimed_by)
        .outerjoin(COMPLETER, COMPLETER.id == WorkItem.completed_by)
    )


def _page(shape: Shape) -> Select:
    filters = _filters(shape)
    order = _order(shape.box, shape.sort)
    if shape.box != "open":
        mine = WorkItem.claimed_by == bindparam("me")
        where = (
            (IS_OPEN, mine)
            if shape.box == "mine"
            else (IS_COMPLETED, WorkItem.completed_by == bindparam("me"))
        )
        return (
            _with_names(select(*PAGE_COLUMNS))
            .where(*where, *filters)
            .order_by(*order)
            .limit(bindparam("per_page"))
            .offset(bindparam("skip"))
        )
    # The open box: the first rows of each branch (what I claimed, then each reach
    # branch), merged. Each branch reads only as far as the page needs, in index order,
    # instead of sorting the whole pool.
    branches = [WorkItem.claimed_by == bindparam("me"), *_branch_conditions(shape)]
    parts = [
        select(WorkItem.id, WorkItem.due_at, WorkItem.created_at)
        .where(IS_OPEN, branch, *filters)
        .order_by(*order)
        .limit(bindparam("depth"))
        .subquery()
        for branch in branches
    ]
    merged = union(*(select(p.c.id, p.c.due_at, p.c.created_at) for p in parts)).subquery()
    ids = (
        select(merged.c.id)
        .order_by(*_order_columns(merged.c, "open", shape.sort))
        .limit(bindparam("per_page"))
        .offset(bindparam("skip"))
    )
    return _with_names(select(*PAGE_COLUMNS)).where(WorkItem.id.in_(ids))


def _order_columns(c: Any, box: str, sort: str) -> list[Any]:
    """The order of `_order`, on a subquery's columns."""
    if box == "completed":
        return [c.completed_at.desc(), c.id]
    if sort in ("due", "-due"):
        due = c.due_at.asc() if sort == "due" else c.due_at.desc()
        return [due.nulls_last(), c.created_at, c.id]
    return [c.created_at if sort == "created" else c.created_at.desc(), c.id]


def _order(box: str, sort: str) -> list[Any]:
    """Due date first (no due date last), or by when the task arrived; the completed box
    newest first."""
    if box == "completed":
        return [WorkItem.completed_at.desc(), WorkItem.id]
    # NULLS LAST in the index's own direction, so PostgreSQL reads it in order.
    if sort == "due":
        return [WorkItem.due_at.asc().nulls_last(), WorkItem.created_at, WorkItem.id]
    if sort == "-due":
        return [WorkItem.due_at.desc().nulls_last(), WorkItem.created_at, WorkItem.id]
    column = WorkItem.created_at
    return [column if sort == "created" else column.desc(), WorkItem.id]
