"""The public view of an information request (P4), read by its tracking code's row."""

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from engine.access import org
from engine.commands.info_requests import awaiting_completion
from engine.commands.runner import Runtime
from engine.enums import InstanceStatus
from engine.errors import N_, NotFound
from engine.queries.instances import instance_data
from engine.results.info_requests import PublicLetter, PublicRequest, PublicStatus, StaffFile
from engine.rules.calendar import LOCAL
from engine.rules.file_types import DOCX
from engine.store.models import CitizenLetter, Document, InfoRequest, InfoRequestFile, Instance

OUTCOMES: dict[str, PublicStatus] = {
    "provided": "provided",
    "refused": "refused",
    "redirected": "redirected",
}


def public_view(session: Session, rt: Runtime, request: InfoRequest) -> PublicRequest:
    instance = session.get(Instance, request.instance_id)
    assert instance is not None
    data = instance_data(session, rt, instance)
    tree = rt.org_tree(session)
    letters = session.scalars(
        select(CitizenLetter)
        .where(CitizenLetter.instance_id == instance.id)
        .order_by(CitizenLetter.issued_at, CitizenLetter.id)
    ).all()
    rendered = set(
        session.scalars(select(Document.symbol).where(Document.instance_id == instance.id))
    )
    return {
        "status": _status(session, instance, data.get("outcome")),
        "committee": tree.committee_title(request.unit_id),
        "channel": request.channel,
        "filed_on": org.local_date(request.filed_at),
        "due_on": _local_day(data.get("answer_due_at")),
        "extended": bool(data.get("extended")),
        "letters": [_letter(letter, letter.symbol in rendered) for letter in letters],
    }


def _status(session: Session, instance: Instance, outcome: object) -> PublicStatus:
    if instance.status == InstanceStatus.RUNNING:
        if awaiting_completion(session, instance.id):
            return "awaiting_completion"
        return "in_progress"
    return OUTCOMES.get(str(outcome), "closed")


def _letter(letter: CitizenLetter, document: bool) -> PublicLetter:
    return {
        "symbol": letter.symbol,
        "kind": letter.kind,
        "title": letter.title,
        "body": letter.body,
        "issued_on": org.local_date(letter.issued_at),
        "due_on": org.local_date(letter.due_at) if letter.due_at else None,
        "document": document,
    }


def letter_file(session: Session, request: InfoRequest, symbol: str) -> tuple[str, str, bytes]:
    """(file name, MIME type, content) of a letter sent to this request's citizen: its PDF,
    or its .docx while the PDF is not made (NotFound before it is rendered)."""
    sent = session.scalar(
        select(CitizenLetter.id).where(
            CitizenLetter.instance_id == request.instance_id, CitizenLetter.symbol == symbol
        )
    )
    document = session.scalar(
        select(Document)
        .where(Document.instance_id == request.instance_id, Document.symbol == symbol)
        .options(undefer(Document.content), undefer(Document.pdf_content))
        .order_by(Document.id.desc())
        .limit(1)
    )
    if sent is None or document is None:
        raise NotFound(N_("Văn bản này chưa sẵn sàng để tải về."))
    if document.pdf_content:
        return (
            document.filename.removesuffix(".docx") + ".pdf",
            "application/pdf",
            document.pdf_content,
        )
    return document.filename, DOCX, document.content


def _local_day(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(LOCAL).date()
    except ValueError:
        return None


def staff_files(session: Session, instance_id: int) -> list[StaffFile]:
    """The files the citizen attached to the instance's request (staff only)."""
    rows = session.scalars(
        select(InfoRequestFile)
        .join(InfoRequest, InfoRequest.id == InfoRequestFile.request_id)
        .where(InfoRequest.instance_id == instance_id)
        .order_by(InfoRequestFile.id)
    ).all()
    return [
        {"id": f.id, "filename": f.filename, "content_type": f.content_type, "size": f.size,
         "added_at": f.added_at}
        for f in rows
    ]  # fmt: skip
