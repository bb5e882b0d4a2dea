"""Reminders before a task falls due, and the escalation to a leader once it is overdue.

Offsets come from the `reminder_offsets` setting (ISO durations before the due time,
e.g. ["P1D", "PT2H"]). Each work item gets each reminder at most once: the tightest
offset reached, then "overdue"; `reminders_sent` remembers what went, so a sweep that
runs twice (or late) never repeats one. Escalations written into a model (P3's reminder
letter, P1's escalation timer) run there; this covers every other task with a due date.
"""

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import isodate
from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from engine.access import org
from engine.background.notices import notify_users
from engine.commands.runner import Runtime
from engine.errors import N_, Message
from engine.rules.calendar import LOCAL
from engine.store.models import OPEN_ITEM, ReminderSent, User, WorkItem

DEFAULT_OFFSETS = ("P1D", "PT2H")
OVERDUE = "overdue"
LONGEST_OFFSET = timedelta(days=366)  # a longer one is a typo, and would overflow dates


def offsets_from(setting: object) -> list[tuple[str, timedelta]]:
    """The configured offsets, widest first; a malformed entry is ignored, not fatal."""
    values = setting if isinstance(setting, list) else list(DEFAULT_OFFSETS)
    parsed = []
    for value in values:
        try:
            delta = isodate.parse_duration(str(value))
        except (isodate.ISO8601Error, ValueError, OverflowError):
            continue
        if isinstance(delta, timedelta) and timedelta(0) < delta <= LONGEST_OFFSET:
            parsed.append((str(value), delta))
    return sorted(parsed, key=lambda p: p[1], reverse=True)


def reminder_due(
    due_at: datetime, now: datetime, offsets: Sequence[tuple[str, timedelta]]
) -> str | None:
    """Which reminder the item is owed at `now`: "overdue", the tightest offset reached, or none."""
    if now > due_at:
        return OVERDUE
    reached = [name for name, delta in offsets if now >= due_at - delta]
    return reached[-1] if reached else None


def send_due_reminders(session: Session, rt: Runtime, now: datetime, limit: int = 500) -> int:
    """Remind and escalate what is owed at `now`; return how many reminders went."""
    offsets = offsets_from(rt.settings(session, org.local_date(now)).get("reminder_offsets"))
    widest = offsets[0][1] if offsets else timedelta(0)
    tree = rt.org_tree(session)
    sent = 0
    for item in _candidates(session, now, widest, limit):
        kind = reminder_due(item.due_at, now, offsets) if item.due_at else None
        if kind is None or _already_sent(session, item.id, kind):
            continue
        session.add(ReminderSent(work_item_id=item.id, kind=kind, sent_at=now))
        users = _assignees(session, tree, item, org.local_date(now))
        if kind == OVERDUE:
            users += _leaders(session, tree, item, org.local_date(now))
        notify_users(session, users, item.instance_id, _message(item, kind), now)
        sent += 1
    return sent


def _candidates(session: Session, now: datetime, widest: timedelta, limit: int) -> list[WorkItem]:
    """Open items due within the widest offset, and overdue ones not yet escalated."""
    escalated = exists().where(
        and_(ReminderSent.work_item_id == WorkItem.id, ReminderSent.kind == OVERDUE)
    )
    query = (
        select(WorkItem)
        .where(OPEN_ITEM, WorkItem.due_at <= now + widest, ~escalated)
        .order_by(WorkItem.due_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def _already_sent(session: Session, item_id: str, kind: str) -> bool:
    return (
        session.scalar(
            select(ReminderSent.id).where(
                ReminderSent.work_item_id == item_id, ReminderSent.kind == kind
            )
        )
        is not None
    )


def _assignees(session: Session, tree: org.OrgTree, item: WorkItem, on: date) -> list[User]:
    """Whoever claimed the task, or else everyone who may take it."""
    if item.claimed_by is not None:
        user = session.get(User, item.claimed_by)
        return [user] if user is not None else []
    if item.role_key is None:
        return []
    return org.holders(session, tree, item.role_key, item.unit_id, item.scope, on)


def _leaders(session: Session, tree: org.OrgTree, item: WorkItem, on: date) -> list[User]:
    """The head of the task's unit; for administration-wide tasks, its People's Committee."""
    if item.scope == org.SCOPE_UNIT:
        heads = org.holders(session, tree, "thu_truong_don_vi", item.unit_id, org.SCOPE_UNIT, on)
        if heads:
            return heads
    administration = tree.administration(item.unit_id)
    return org.holders(session, tree, "lanh_dao_ubnd", administration, org.SCOPE_ADMINISTRATION, on)


def _message(item: WorkItem, kind: str) -> Message:
    # "09:00 ngày 05/11/2024": how a date reads in a Vietnamese message, never ISO.
    due = item.due_at.astimezone(LOCAL).strftime("%H:%M ngày %d/%m/%Y") if item.due_at else ""
    params = {"name": item.name, "due": due}
    if kind == OVERDUE:
        return Message(N_("QUÁ HẠN: việc «{name}» đã quá hạn {due}. Đề nghị xử lý ngay."), params)
    return Message(N_("Sắp đến hạn: việc «{name}» phải xong trước {due}."), params)
