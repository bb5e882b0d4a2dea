"""P5's monitoring items as people read them: the list (what each user may see) and the
items linked to one instance (the item's case, the term that found it, the P1 it started)."""

from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from engine.access import org
from engine.access.visibility import instance_filter
from engine.commands.runner import Runtime
from engine.results.monitoring import MonitoringItemView
from engine.store.models import Instance, MonitoringItem

LIST_LIMIT = 500


def items(
    session: Session, rt: Runtime, user: org.Actor | None, now: datetime, status: str | None = None
) -> list[MonitoringItemView]:
    """The items the user may see (those whose case they may see), newest first."""
    query = _visible(session, rt, user)
    if status:
        query = query.where(MonitoringItem.status == status)
    rows = session.scalars(query.order_by(MonitoringItem.id.desc()).limit(LIST_LIMIT)).all()
    return [_view(rt, session, row, now) for row in rows]


def linked(
    session: Session, rt: Runtime, user: org.Actor | None, instance_id: int, now: datetime
) -> list[MonitoringItemView]:
    """The items whose case, scan or P1 rebuttal is this instance (that the user may see)."""
    query = _visible(session, rt, user).where(
        or_(
            MonitoringItem.instance_id == instance_id,
            MonitoringItem.scan_instance_id == instance_id,
            MonitoringItem.press_instance_id == instance_id,
        )
    )
    rows = session.scalars(query.order_by(MonitoringItem.id)).all()
    return [_view(rt, session, row, now) for row in rows]


def _visible(
    session: Session, rt: Runtime, user: org.Actor | None
) -> Select[tuple[MonitoringItem]]:
    query = select(MonitoringItem).join(Instance, Instance.id == MonitoringItem.instance_id)
    if user is not None and (condition := instance_filter(rt.org_tree(session), user)) is not None:
        query = query.where(condition)
    return query


def _view(rt: Runtime, session: Session, row: MonitoringItem, now: datetime) -> MonitoringItemView:
    unit = rt.org_tree(session).by_id[row.unit_id]
    overdue = row.removal_due_at is not None and row.removed_at is None and row.removal_due_at < now
    return {
        "id": row.id,
        "instance_id": row.instance_id,
        "scan_instance_id": row.scan_instance_id,
        "press_instance_id": row.press_instance_id,
        "unit": unit.code,
        "unit_name": unit.name,
        "title": row.title,
        "link": row.link,
        "platform": row.platform,
        "found_by": row.found_by,
        "first_seen_at": row.first_seen_at.isoformat(),
        "classification": row.classification,
        "status": row.status,
        "screenshot_id": row.screenshot_id,
        "removal_requested_at": _iso(row.removal_requested_at),
        "removal_due_at": _iso(row.removal_due_at),
        "removed_at": _iso(row.removed_at),
        "escalated_at": _iso(row.escalated_at),
        "removal_overdue": overdue,
        "fine_amount": row.fine_amount,
        "fine_decision": row.fine_decision,
        "recorded_at": row.recorded_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
