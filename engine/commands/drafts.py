"""Form drafts (issue 18 item 9): a person saves what they typed into a task's form without
submitting it, and finds it there when they come back. Kept per person and task, for an
open task they may do; not case data — no audit event, nothing in the instance, and
completing the task is what records the values (then the draft is gone)."""

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.access import org
from engine.commands.runner import Runtime
from engine.enums import WorkItemState
from engine.errors import N_, InvalidInput, NotFound, PermissionDenied
from engine.results import DraftView
from engine.store.models import FormDraft, WorkItem

MAX_CHARS = 200_000  # all the values of a draft together
MAX_FIELDS = 500


def _own_open_task(session: Session, rt: Runtime, task_id: str, user: org.Actor) -> WorkItem:
    item = session.get(WorkItem, task_id)
    if item is None:
        raise NotFound(N_("Không có công việc '{id}'."), params={"id": task_id})
    tree = rt.org_tree(session)
    if not org.can_act(tree, user, item.role_key, item.unit_id, item.scope):
        raise NotFound(N_("Không có công việc '{id}'."), params={"id": task_id})
    if item.claimed_by not in (None, user.id):
        raise PermissionDenied(N_("Công việc đang do người khác xử lý."))
    if item.state != WorkItemState.OPEN:
        raise InvalidInput(N_("Công việc đã kết thúc, không lưu nháp được."))
    return item


def save_draft(
    session: Session,
    rt: Runtime,
    task_id: str,
    user: org.Actor,
    fields: dict[str, list[str]],
    now: datetime,
) -> DraftView:
    _own_open_task(session, rt, task_id, user)
    clean = _checked(fields)
    draft = session.scalar(
        select(FormDraft).where(FormDraft.task_id == task_id, FormDraft.user_id == user.id)
    )
    if draft is None:
        draft = FormDraft(task_id=task_id, user_id=user.id, fields=clean, saved_at=now)
        session.add(draft)
    else:
        draft.fields = clean
        draft.saved_at = now
    session.flush()
    return {"task_id": task_id, "fields": clean, "saved_at": now.isoformat()}


def _checked(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    if not isinstance(fields, dict) or len(fields) > MAX_FIELDS:
        raise InvalidInput(N_("Bản nháp không hợp lệ."))
    clean: dict[str, list[str]] = {}
    size = 0
    for name, values in fields.items():
        if not isinstance(name, str) or not isinstance(values, list):
            raise InvalidInput(N_("Bản nháp không hợp lệ."))
        if any(not isinstance(v, str) or "\x00" in v for v in values) or "\x00" in name:
            raise InvalidInput(N_("Bản nháp không hợp lệ."))
        size += len(name) + sum(len(v) for v in values)
        clean[name] = list(values)
    if size > MAX_CHARS:
        raise InvalidInput(N_("Bản nháp quá dài."))
    return clean


def get_draft(session: Session, task_id: str, user: org.Actor) -> DraftView | None:
    """The person's draft for the task while the task is open; None otherwise."""
    row = session.execute(
        select(FormDraft, WorkItem.state)
        .join(WorkItem, WorkItem.id == FormDraft.task_id)
        .where(FormDraft.task_id == task_id, FormDraft.user_id == user.id)
    ).first()
    if row is None or row.state != WorkItemState.OPEN:
        return None
    draft = row[0]
    return {"task_id": task_id, "fields": draft.fields, "saved_at": draft.saved_at.isoformat()}


def discard_draft(session: Session, rt: Runtime, task_id: str, user: org.Actor) -> bool:
    item = session.get(WorkItem, task_id)
    tree = rt.org_tree(session)
    if item is None or not org.can_act(tree, user, item.role_key, item.unit_id, item.scope):
        raise NotFound(N_("Không có công việc '{id}'."), params={"id": task_id})
    gone = session.execute(
        delete(FormDraft).where(FormDraft.task_id == task_id, FormDraft.user_id == user.id)
    )
    return bool(getattr(gone, "rowcount", 0))


def discard_closed(session: Session, task_id: str) -> None:
    """Every draft of a task that has ended (completed, cancelled, moved)."""
    item = session.get(WorkItem, task_id)
    if item is not None and item.state != WorkItemState.OPEN:
        session.execute(delete(FormDraft).where(FormDraft.task_id == task_id))
