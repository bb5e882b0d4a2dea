"""Reading the spokesperson register: who speaks for each body on a day, a body's whole
history, and the person P1 routes the spokesperson's steps to.

A row is in force on a day when its period covers it and no later row (by first day,
then by id) of the same body covers it too: a change supersedes from its first day
without touching the row before it. `published_only` restricts the rows to those a
publication job has made public (the public page and JSON).
"""

from datetime import date, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from engine.access.org import OrgTree
from engine.results import SpokespersonEntry, SpokespersonHistory, SpokespersonRegister
from engine.store.models import Spokesperson, SpokespersonPublication, User


def _query(unit_ids: set[int] | None, published_only: bool) -> Select[tuple[Spokesperson]]:
    query = select(Spokesperson).order_by(Spokesperson.valid_from, Spokesperson.id)
    if unit_ids is not None:
        query = query.where(Spokesperson.unit_id.in_(unit_ids))
    if published_only:
        query = query.where(Spokesperson.publication_id.is_not(None))
    return query


def _rows(session: Session, unit_ids: set[int] | None, published_only: bool) -> list[Spokesperson]:
    return list(session.scalars(_query(unit_ids, published_only)))


def _rows_named(
    session: Session, unit_ids: set[int] | None, published_only: bool
) -> tuple[list[Spokesperson], dict[int, str]]:
    """The rows and the usernames of the users they name, in one query."""
    query = _query(unit_ids, published_only).add_columns(User.username)
    rows = session.execute(query.outerjoin(User, User.id == Spokesperson.user_id)).all()
    names = {row.user_id: name for row, name in rows if row.user_id and name is not None}
    return [row for row, _ in rows], names


def _covers(row: Spokesperson, day: date) -> bool:
    return row.valid_from <= day and (row.valid_to is None or day <= row.valid_to)


def _last_day(row: Spokesperson, later: list[Spokesperson], body_ends: date | None) -> date | None:
    """The row's own last day, the day before a later row of the body starts, or the
    body's own last day, whichever comes first."""
    starts = [r.valid_from for r in later if r.valid_from > row.valid_from]
    before_next = min(starts) - timedelta(days=1) if starts else None
    ends = [d for d in (row.valid_to, before_next, body_ends) if d]
    return min(ends) if ends else None


def _entry(
    tree: OrgTree, row: Spokesperson, same_body: list[Spokesperson], username: str | None
) -> SpokespersonEntry:
    unit = tree.by_id[row.unit_id]
    last = _last_day(row, same_body, unit.valid_to)
    return {
        "id": row.id,
        "unit": unit.code,
        "unit_name": unit.name,
        "full_name": row.full_name,
        "position": row.position,
        "phone": row.phone,
        "email": row.email,
        "username": username,
        "valid_from": row.valid_from.isoformat(),
        "valid_to": last.isoformat() if last else None,
        "source": row.source,
        "verified": row.verified,
        "published": row.publication_id is not None,
    }


def in_force_rows(
    session: Session, day: date, unit_ids: set[int] | None = None, published_only: bool = False
) -> dict[int, Spokesperson]:
    """{unit id: the row in force on the day} for the bodies that have one."""
    found: dict[int, Spokesperson] = {}
    for row in _rows(session, unit_ids, published_only):
        if _covers(row, day):
            found[row.unit_id] = row  # ordered by (valid_from, id): the latest wins
    return found


def register_on(
    session: Session, tree: OrgTree, day: date, published_only: bool = False
) -> SpokespersonRegister:
    """The register on the day: each body in force that day with its spokesperson."""
    rows, names = _rows_named(session, None, published_only)
    by_body: dict[int, list[Spokesperson]] = {}
    current: dict[int, Spokesperson] = {}  # as in_force_rows: the latest covering row wins
    for row in rows:
        by_body.setdefault(row.unit_id, []).append(row)
        if _covers(row, day):
            current[row.unit_id] = row
    units = [u for u in tree.units_on(day) if u.id in current]
    latest = session.scalar(
        select(SpokespersonPublication.published_at)
        .order_by(SpokespersonPublication.id.desc())
        .limit(1)
    )
    entries = [_named_entry(tree, current[u.id], by_body[u.id], names) for u in units]
    return {
        "on": day.isoformat(),
        "entries": entries,
        "published_at": latest.isoformat() if latest else None,
    }


def history(
    session: Session, tree: OrgTree, unit_code: str, published_only: bool = False
) -> SpokespersonHistory:
    """Every designation of the body, oldest first (NotFound for an unknown code)."""
    unit = tree.unit(unit_code)
    rows, names = _rows_named(session, {unit.id}, published_only)
    return {
        "unit": unit.code,
        "unit_name": unit.name,
        "entries": [_named_entry(tree, r, rows, names) for r in rows],
    }


def _named_entry(
    tree: OrgTree, row: Spokesperson, same_body: list[Spokesperson], names: dict[int, str]
) -> SpokespersonEntry:
    return _entry(tree, row, same_body, names.get(row.user_id) if row.user_id else None)


def entry_of(session: Session, tree: OrgTree, row: Spokesperson) -> SpokespersonEntry:
    user = session.get(User, row.user_id) if row.user_id else None
    username = user.username if user else None
    return _entry(tree, row, _rows(session, {row.unit_id}, False), username)


def spokesperson_for(
    session: Session, tree: OrgTree, unit_id: int, day: date
) -> SpokespersonEntry | None:
    """The spokesperson of the administration the unit belongs to (its People's
    Committee), in force on the day: whom P1's spokesperson steps go to."""
    home = tree.in_force_on(unit_id, day) or unit_id
    body = tree.administration(home)
    row = in_force_rows(session, day, {body}).get(body)
    return entry_of(session, tree, row) if row is not None else None
