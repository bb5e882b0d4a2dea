"""A user's notices: reminders, escalations and notifications sent by the processes."""

from datetime import datetime
from typing import cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from engine.access.org import Actor
from engine.errors import Message
from engine.results import Notice
from engine.store.models import Instance, Notification


def notices(session: Session, user: Actor, limit: int = 100) -> list[Notice]:
    rows = session.execute(
        select(Notification, Instance.title, Instance.process_key)
        .outerjoin(Instance, Instance.id == Notification.instance_id)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": n.id,
            "message": (
                Message(n.message_template, n.message_params)
                if n.message_template is not None
                else n.message
            ),
            "instance_id": n.instance_id,
            "case": title or "",
            "process": process,
            "created_at": n.created_at.isoformat(),
            "read": n.read_at is not None,
            "emailed": n.emailed_at is not None,
        }
        for n, title, process in rows
    ]


def unread_count(session: Session, user: Actor) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )
    return count or 0


def mark_read(session: Session, user: Actor, now: datetime) -> int:
    """Every unread notice of the user, read now; how many there were."""
    # An UPDATE's result is a CursorResult (Session.execute is typed for any statement).
    result = cast(
        CursorResult,
        session.execute(
            update(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .values(read_at=now)
        ),
    )
    return result.rowcount or 0
