"""Reading documents and templates, as the person asking may see them: an instance's
documents for whoever may see the instance; a version's templates for process owners."""

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from engine.access.org import Actor
from engine.commands.deploy import find_version, require_deployer
from engine.commands.runner import Runtime
from engine.documents import templates
from engine.documents.render import DOCX_TYPE
from engine.errors import N_, NotFound
from engine.queries.instances import visible_instance
from engine.results.documents import DocumentView, TemplateView
from engine.store.models import Document

PDF_TYPE = "application/pdf"


def view(document: Document) -> DocumentView:
    return {
        "id": document.id,
        "instance_id": document.instance_id,
        "template": document.template_key,
        "title": document.title,
        "symbol": document.symbol,
        "filename": document.filename,
        "sha256": document.sha256,
        "size": document.size,
        "pdf": document.pdf_sha256 is not None,
        "pdf_sha256": document.pdf_sha256,
        "pdf_error": document.pdf_error,
        "created_at": document.created_at.isoformat(),
    }


def of_instance(
    session: Session, rt: Runtime, instance_id: int, user: Actor | None
) -> list[DocumentView]:
    visible_instance(session, rt, instance_id, user)
    rows = session.scalars(
        select(Document).where(Document.instance_id == instance_id).order_by(Document.id)
    )
    return [view(d) for d in rows]


def file_of(
    session: Session, rt: Runtime, document_id: int, kind: str, user: Actor | None
) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of the .docx or the PDF (read with the document:
    the file is what was asked for)."""
    content = Document.pdf_content if kind == "pdf" else Document.content
    document = session.get(Document, document_id, options=[undefer(content)])
    if document is None:
        raise NotFound(N_("Không có văn bản này."))
    visible_instance(session, rt, document.instance_id, user)
    if kind == "pdf":
        if document.pdf_content is None and document.pdf_error is None:
            raise NotFound(N_("Bản PDF của văn bản đang được tạo, xin thử lại sau ít phút."))
        if document.pdf_content is None:
            raise NotFound(
                N_("Văn bản chưa có bản PDF: {reason}"), params={"reason": document.pdf_error}
            )
        return document.filename.removesuffix(".docx") + ".pdf", PDF_TYPE, document.pdf_content
    return document.filename, DOCX_TYPE, document.content


def version_templates(
    session: Session, key: str, version: int | None, user: Actor | None
) -> list[TemplateView]:
    require_deployer(user)
    found = find_version(session, key, version)
    return [
        {"key": t.key, "sha256": t.sha256, "size": t.size}
        for t in templates.listing(session, found.id)
    ]


def template_file(
    session: Session, key: str, version: int | None, template: str, user: Actor | None
) -> bytes:
    require_deployer(user)
    found = find_version(session, key, version)
    content = templates.of_version(session, found.id).get(template)
    if content is None:
        raise NotFound(N_("Không có mẫu văn bản '{key}'."), params={"key": template})
    return content
