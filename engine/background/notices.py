"""Notices to people: the in-app notification, and its e-mail copy sent by a job.

The notification row and the job to e-mail it are written in the command's transaction;
the e-mail itself leaves later, outside any transaction that could still roll back.
"""

import os
from collections.abc import Callable, Iterable
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.background import outbox
from engine.errors import Message
from engine.rules.calendar import LOCAL
from engine.store.models import Instance, Notification, User


def _plain(params: dict) -> dict:
    """Parameters as stored JSON: text and numbers (a nested message as its text)."""
    return {k: v if isinstance(v, int | float) else str(v) for k, v in params.items()}


def notify_users(
    session: Session, users: Iterable[User], instance_id: int | None, message: str, now: datetime
) -> int:
    """One in-app notice per user (each once), and an e-mail job for those with an address."""
    sent: set[int] = set()
    for user in users:
        if user.id in sent:
            continue
        sent.add(user.id)
        notice = Notification(
            user_id=user.id,
            instance_id=instance_id,
            message=str(message),
            message_template=message.template if isinstance(message, Message) else None,
            message_params=_plain(message.params) if isinstance(message, Message) else None,
            created_at=now,
        )
        session.add(notice)
        if user.email:
            session.flush()  # the job names the notice by id
            outbox.enqueue(
                session, "send_email", now, now, instance_id, {"notification_id": notice.id}
            )
    return len(sent)


def deliver_email(
    session: Session, notification_id: int, send: Callable[[EmailMessage], None], now: datetime
) -> bool:
    """E-mail one notice unless it already went; True if it was sent now.

    The notice stays locked while the message is handed to SMTP, so two workers never
    send it both; a crash between SMTP's acceptance and the commit can still send it
    twice, which the stable Message-ID lets mail clients fold into one.
    """
    notice = session.get(Notification, notification_id, with_for_update=True)
    if notice is None or notice.emailed_at is not None:
        return False
    user = session.get(User, notice.user_id)
    if user is None or not user.email:
        return False
    send(compose(session, notice, user))
    notice.emailed_at = now
    return True


def compose(session: Session, notice: Notification, user: User) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = os.environ.get("MAIL_FROM", "policyflow <no-reply@xuantruong.namdinh.gov.vn>")
    msg["To"] = f"{user.full_name} <{user.email}>"
    first_line = notice.message.strip().splitlines()[0] if notice.message.strip() else ""
    msg["Subject"] = f"[policyflow] {first_line[:120]}"
    msg["Message-ID"] = f"<notification-{notice.id}@policyflow>"
    msg["Date"] = format_datetime(notice.created_at)
    lines = [f"Kính gửi {user.full_name},", "", notice.message, ""]
    if notice.instance_id is not None:
        title = session.scalar(select(Instance.title).where(Instance.id == notice.instance_id))
        base = os.environ.get("POLICYFLOW_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        lines += [f"Hồ sơ: {title or notice.instance_id}", f"{base}/instances/{notice.instance_id}"]
    lines += ["", f"Gửi lúc {notice.created_at.astimezone(LOCAL):%d/%m/%Y %H:%M}."]
    msg.set_content("\n".join(lines))
    return msg
