"""Reading the spokesperson register: who speaks for each body on a day, a body's whole
history, and the person P1 routes the spokesperson's steps to.

A row is in force on a day when its period covers it and no later row (by first day,
then by id) of the same body covers it too: a change supersedes from its first day
without touching the row before it. `published_only` restricts the rows to those a
publication job has made public (the public page and JSON).
"""

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.org import OrgTree
from engine.results import SpokespersonEntry, SpokespersonHistory, SpokespersonRegister
from engine.store.models import Spokesperson, SpokespersonPublication, User


def _rows(session: Session, unit_ids: set[int] | None, published_only: bool) -> list[Spokesperson]:
    query = select(Spokesperson).order_by(Spokesperson.valid_from, Spokesperson.id)
    if unit_ids is not None:
        query = query.where(Spokesperson.unit_id.in_(unit_ids))
    if published_only:
        query = query.where(Spokesperson.publication_id.is_not(None))
    return list(session.scalars(query))


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
    session: Session, tree: OrgTree, row: Spokesperson, same_body: list[Spokesperson]
) -> SpokespersonEntry:
    unit = tree.by_id[row.unit_id]
    user = session.get(User, row.user_id) if row.user_id else None
    last = _last_day(row, same_body, unit.valid_to)
    return {
        "id": row.id,
        "unit": unit.code,
        "unit_name": unit.name,
        "full_name": row.full_name,
        "position": row.position,
        "phone": row.phone,
        "email": row.email,
        "username": user.username if user else None,
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
    rows = _rows(session, None, published_only)
    by_body: dict[int, list[Spokesperson]] = {}
    for row in rows:
        by_body.setdefault(row.unit_id, []).append(row)
    current = in_force_rows(session, day, None, published_only)
    units = [u for u in tree.units_on(day) if u.id in current]
    latest = session.scalar(
        select(SpokespersonPublication.published_at)
        .order_by(SpokespersonPublication.id.desc())
        .limit(1)
    )
    return {
        "on": day.isoformat(),
        "entries": [_entry(session, tree, current[u.id], by_body[u.id]) for u in units],
        "published_at": latest.isoformat() if latest else None,
    }


def history(
    session: Session, tree: OrgTree, unit_code: str, published_only: bool = False
) -> SpokespersonHistory:
    """Every designation of the body, oldest first (NotFound for an unknown code)."""
    unit = tree.unit(unit_code)
    rows = _rows(session, {unit.id}, published_only)
    return {
        "unit": unit.code,
        "unit_name": unit.name,
        "entries": [_entry(session, tree, r, rows) for r in rows],
    }


def entry_of(session: Session, tree: OrgTree, row: Spokesperson) -> SpokespersonEntry:
    return _entry(session, tree, row, _rows(session, {row.unit_id}, False))


def spokesperson_for(
    session: Session, tree: OrgTree, unit_id: int, day: date
) -> SpokespersonEntry | None:
    """The spokesperson of the administration the unit belongs to (its People's
    Committee), in force on the day: whom P1's spokesperson steps go to."""
    home = tree.in_force_on(unit_id, day) or unit_id
    body = tree.administration(home)
    row = in_force_rows(session, day, {body}).get(body)
    return entry_of(session, tree, row) if row is not None else None
