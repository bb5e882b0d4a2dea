"""Asking for a document and making it: the service operation a BPMN calls, and the
background jobs that render the .docx and convert it to PDF.

`request_document` (service operation `render_document`) only queues a job in the
command's transaction — the step never waits for Word rendering, and no document is
promised for a step that rolled back. The job (`produce`) completes the context with the
letterhead (issuing body in force, number and date from the register, signature,
recipients), renders the instance's version's template, keeps the file with the instance
and appends a `document` event to the instance's audit chain with the template's and
the file's SHA-256 and the whole context, so `policyflow verify` renders it again and
compares. A second job converts it to PDF (engine/documents/pdf.py).
"""

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access import org
from engine.audit import chain as audit
from engine.background.outbox import enqueue
from engine.documents import letterhead, pdf, shapes, templates
from engine.documents.render import render, sha256
from engine.enums import AuditCommand
from engine.errors import N_, NotFound, ProcessFailed
from engine.store.models import Document, DocumentTemplate, Instance

if TYPE_CHECKING:
    from engine.rules.services import HostServices

RENDER_JOB = "render_document"
PDF_JOB = "document_pdf"
SYSTEM = "system"


def request_document(
    ctx: "HostServices",
    template: str,
    doc_type: str = "",
    context: dict[str, Any] | None = None,
    fields: list[str] | None = None,
    task_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Queue the rendering of the template `template` of the instance's version, for the
    document of type `doc_type` (its number: the instance's register entry of that type),
    with `context` (what the template prints besides the letterhead) and the task data's
    `fields` that are set (optional form fields an expression could not name)."""
    taken = {k: (task_data or {})[k] for k in fields or [] if k in (task_data or {})}
    context = {**taken, **(context or {})}
    found = templates.for_instance(ctx.session, ctx.instance, str(template))
    if found is None:
        raise ProcessFailed(
            N_("Phiên bản quy trình của hồ sơ không có mẫu văn bản '{key}'."),
            params={"key": template},
        )
    job = enqueue(
        ctx.session,
        RENDER_JOB,
        ctx.now,
        ctx.now,
        ctx.instance.id,
        {"template_id": found.id, "doc_type": str(doc_type or ""), "context": context},
    )
    ctx.session.flush()
    return {"queued": job.id, "template": found.key}


def full_context(
    session: Session,
    tree: org.OrgTree,
    instance: Instance,
    template: DocumentTemplate,
    doc_type: str,
    data: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    data = shapes.with_names(session, data)  # users named by username: their names
    head = letterhead.letterhead(session, tree, instance.id, instance.unit_id, doc_type, now, data)
    return {**shapes.shape(session, template.key, {**data, **head}), **head}


def produce(session: Session, tree: org.OrgTree, job_id: int, payload: dict[str, Any],
            instance_id: int, now: datetime) -> Document:  # fmt: skip
    """The job: render, keep, audit, queue the PDF. Run twice, it makes one document."""
    done = session.scalar(select(Document).where(Document.job_id == job_id))
    if done is not None:
        return done
    instance = session.get(Instance, instance_id, with_for_update=True, populate_existing=True)
    template = session.get(DocumentTemplate, payload["template_id"])
    if instance is None or template is None:
        raise NotFound(N_("Hồ sơ hoặc mẫu văn bản không còn."))
    doc_type = str(payload.get("doc_type") or "")
    context = full_context(
        session, tree, instance, template, doc_type, payload.get("context") or {}, now
    )
    content = render(template.content, context, date.fromisoformat(context["date"]))
    digest = sha256(content)
    number = str(context.get("number") or "")
    filename = f"{template.key}-{number.replace('/', '-') or instance.id}.docx"
    document = Document(
        instance_id=instance.id, template_id=template.id, template_key=template.key,
        title=str(context.get("summary") or "")[:2000], symbol=number[:100],
        filename=filename[:255], sha256=digest, size=len(content), content=content,
        job_id=job_id, created_at=now,
    )  # fmt: skip
    session.add(document)
    session.flush()
    event = {
        "document_id": document.id,
        "template": template.key,
        "template_id": template.id,
        "template_sha256": template.sha256,
        "doc_type": doc_type,
        "filename": document.filename,
        "sha256": digest,
        "size": len(content),
        "context": context,
    }
    audit.append(session, instance, now, SYSTEM, AuditCommand.DOCUMENT, event,
                 {"status": instance.status})  # fmt: skip
    enqueue(session, PDF_JOB, now, now, instance.id, {"document_id": document.id})
    return document


def docx_for_pdf(session: Session, document_id: int) -> bytes | None:
    """The .docx still to convert (None once the PDF exists)."""
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound(N_("Không có văn bản này."))
    return None if document.pdf_sha256 else document.content


def store_pdf(session: Session, document_id: int, result: pdf.Converted) -> None:
    document = session.get(Document, document_id, with_for_update=True)
    if document is None:
        raise NotFound(N_("Không có văn bản này."))
    if result.content is not None:
        document.pdf_content, document.pdf_size = result.content, len(result.content)
        document.pdf_sha256, document.pdf_error = sha256(result.content), None
    else:
        document.pdf_error = result.error


def check_events(session: Session, events: list[Any]) -> tuple[int, str] | None:
    """Each `document` event's file rendered again from its recorded template and
    context: (seq, how) of the first whose SHA-256 differs from the log or the kept
    file; None when all reproduce."""
    for event in events:
        if event.command != AuditCommand.DOCUMENT:
            continue
        payload = event.payload
        template = session.get(DocumentTemplate, payload.get("template_id"))
        if template is None or template.sha256 != payload.get("template_sha256"):
            return event.seq, f"the template of document {payload.get('document_id')} changed"
        context = payload.get("context") or {}
        again = sha256(render(template.content, context, date.fromisoformat(context["date"])))
        if again != payload.get("sha256"):
            return event.seq, f"document {payload.get('document_id')} renders to another file"
        kept = session.get(Document, payload.get("document_id"))
        if kept is None or kept.sha256 != again or sha256(kept.content) != again:
            return event.seq, f"the kept file of document {payload.get('document_id')} differs"
    return None
