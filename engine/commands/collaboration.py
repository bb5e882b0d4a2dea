"""Working together on an instance: comments, attached files, handing a task to someone.

Each is an audited event of the instance, like the workflow commands.
"""

import hashlib
import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from engine.access import org
from engine.access.visibility import can_see_item, view_of
from engine.audit import chain as audit
from engine.commands.claim_complete import open_item
from engine.commands.runner import Runtime
from engine.enums import AuditCommand
from engine.errors import N_, Conflict, InvalidInput, Message, NotFound, PermissionDenied
from engine.queries.instances import visible_instance
from engine.results import AttachmentMeta
from engine.rules.forms import NUL, NUL_MESSAGE
from engine.store.models import Attachment, Comment, Instance, WorkItem

MAX_COMMENT = 5_000
MAX_ATTACHMENT = 10 * 1024 * 1024  # bytes


def _locked(session: Session, rt: Runtime, instance_id: int, user: org.Actor) -> Instance:
    if org.is_read_only(user):
        raise PermissionDenied(N_("Kiểm tra viên chỉ được xem, không thay đổi hồ sơ."))
    visible_instance(session, rt, instance_id, user)
    instance = session.get(Instance, instance_id, with_for_update=True, populate_existing=True)
    assert instance is not None
    return instance


def add_comment(
    session: Session, rt: Runtime, instance_id: int, user: org.Actor, body: str,
    now: datetime, task_id: str | None = None,
) -> None:  # fmt: skip
    body = (body or "").strip()
    if NUL in body:
        raise InvalidInput(Message(NUL_MESSAGE), {"body": [Message(NUL_MESSAGE)]})
    if not body or len(body) > MAX_COMMENT:
        raise InvalidInput(
            N_("Ý kiến không được để trống và dài tối đa {limit} ký tự."),
            {"body": [Message(N_("Nhập nội dung ý kiến."))]},
            params={"limit": MAX_COMMENT},
        )
    instance = _locked(session, rt, instance_id, user)
    session.add(Comment(instance_id=instance_id, task_id=task_id, user_id=user.id, body=body,
                        created_at=now))  # fmt: skip
    payload = {"body": body, "task_id": task_id}
    audit.append(session, instance, now, user.username, AuditCommand.COMMENT, payload,
                 {"status": instance.status})  # fmt: skip


def add_attachment(
    session: Session, rt: Runtime, instance_id: int, user: org.Actor, filename: str,
    content_type: str, content: bytes, now: datetime, task_id: str | None = None,
) -> str:  # fmt: skip
    """Store a file with the instance; its id is what a form's attachment field holds."""
    if not content or len(content) > MAX_ATTACHMENT:
        raise InvalidInput(
            N_("Tệp đính kèm phải có nội dung và không quá {mb} MB."),
            {"file": [Message(N_("Tệp rỗng hoặc quá lớn."))]},
            params={"mb": MAX_ATTACHMENT // (1024 * 1024)},
        )
    instance = _locked(session, rt, instance_id, user)
    if task_id is not None:  # a file for a task's form: only from who may do the task
        item, _ = open_item(session, task_id, rt.org_tree(session), user)
        if item.instance_id != instance_id or item.claimed_by not in (None, user.id):
            raise PermissionDenied(N_("Chỉ người đang xử lý công việc mới đính kèm tệp cho nó."))
    digest = hashlib.sha256(content).hexdigest()
    attachment_id = str(uuid.uuid4())
    name = (filename or "tep").replace("/", "_").replace("\\", "_")[:255]
    session.add(Attachment(
        id=attachment_id, instance_id=instance_id, task_id=task_id, user_id=user.id,
        filename=name, content_type=(content_type or "application/octet-stream")[:100],
        size=len(content), sha256=digest, content=content, created_at=now,
    ))  # fmt: skip
    payload = {"attachment_id": attachment_id, "filename": name, "size": len(content),
               "sha256": digest, "task_id": task_id}  # fmt: skip
    audit.append(session, instance, now, user.username, AuditCommand.ATTACH, payload,
                 {"status": instance.status})  # fmt: skip
    return attachment_id


def get_attachment(
    session: Session, rt: Runtime, attachment_id: str, user: org.Actor | None
) -> tuple[AttachmentMeta, bytes]:
    found = session.get(Attachment, attachment_id)
    if found is None:
        raise NotFound(N_("Không có tệp đính kèm này."))
    visible_instance(session, rt, found.instance_id, user)
    meta: AttachmentMeta = {
        "id": found.id,
        "filename": found.filename,
        "content_type": found.content_type,
        "size": found.size,
        "sha256": found.sha256,
        "instance_id": found.instance_id,
    }
    return meta, found.content


def reassign(
    session: Session, rt: Runtime, task_id: str, user: org.Actor, to_username: str,
    comment: str, now: datetime,
) -> None:  # fmt: skip
    """A leader hands an open task to another holder of its role, saying why."""
    if not org.is_leader(user):
        raise PermissionDenied(N_("Chỉ lãnh đạo mới giao lại công việc."))
    tree = rt.org_tree(session)
    item = session.get(WorkItem, task_id)
    if item is None:
        raise NotFound(N_("Không có công việc '{id}'."), params={"id": task_id})
    instance = visible_instance(session, rt, item.instance_id, user)
    if not can_see_item(tree, user, item, view_of(tree, user, instance)):
        raise NotFound(N_("Không có công việc '{id}'."), params={"id": task_id})
    target = org.get_user(session, to_username)
    if not org.can_act(tree, target, item.role_key, item.unit_id, item.scope):
        raise InvalidInput(
            N_("'{username}' không giữ vai trò '{role}' cho công việc này."),
            {"to": [Message(N_("Chọn người giữ đúng vai trò."))]},
            params={"username": to_username, "role": item.role_key},
        )
    item, instance = open_item(session, task_id, tree, target)
    if item.claimed_by == target.id:  # already theirs: a repeated order changes nothing
        raise Conflict(
            N_("Công việc '{name}' đã giao cho '{username}'."),
            params={"name": item.name, "username": to_username},
        )
    item.claimed_by = target.id
    text = (comment or "").strip()
    if text:
        session.add(Comment(instance_id=instance.id, task_id=task_id, user_id=user.id,
                            body=text, created_at=now))  # fmt: skip
    payload = {"task_id": task_id, "element_id": item.element_id, "to": to_username,
               "comment": text}  # fmt: skip
    audit.append(session, instance, now, user.username, AuditCommand.REASSIGN, payload,
                 {"status": instance.status})  # fmt: skip
