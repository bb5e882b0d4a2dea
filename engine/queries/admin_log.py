"""The administrative changes in the audit log: imports of the org timeline, units ended,
people and rules changed. They belong to no instance and are chained on their own (the
administration's chain, under the signed checkpoints like every chain); administrators
and auditors read them, newest first.
"""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.access.org import Actor
from engine.access.visibility import is_auditor
from engine.errors import N_, PermissionDenied
from engine.results import AdminEventList, AdminEventView
from engine.store.models import AuditEvent, User

from .paging import total_of, with_total


def admin_events(
    session: Session, user: Actor | None, page: int = 1, per_page: int = 50
) -> AdminEventList:
    if user is not None and not (user.is_admin or is_auditor(user)):
        raise PermissionDenied(
            N_("Chỉ quản trị viên và kiểm tra viên xem được nhật ký thay đổi quản trị.")
        )
    admin = AuditEvent.instance_id.is_(None)
    count = select(func.count()).select_from(AuditEvent).where(admin)
    rows = session.execute(
        with_total(select(AuditEvent, User.full_name), count)
        .outerjoin(User, User.username == AuditEvent.actor)
        .where(admin)
        .order_by(AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items: list[AdminEventView] = [
        {
            "global_seq": ev.id,
            "seq": ev.seq,
            "at": ev.at.isoformat(),
            "actor": ev.actor,
            "actor_name": name,
            "command": ev.command,
            "payload": ev.payload,
            "hash": ev.hash,
        }
        for ev, name, _ in rows
    ]
    return {"items": items, "total": total_of(session, rows, count, page)}
