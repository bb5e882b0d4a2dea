"""Official documents: the .docx templates a process version ships, and the documents
rendered from them for an instance (the .docx, and its PDF when LibreOffice made one)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from .base import Base


class DocumentTemplate(Base):
    """One .docx template of one process version (`key` is the file name without
    .docx, what a BPMN's render_document names). A new template is a new version of the
    process: an instance keeps the templates of the version it runs on."""

    __tablename__ = "document_templates"
    __table_args__ = (UniqueConstraint("process_version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_version_id: Mapped[int] = mapped_column(
        ForeignKey("process_versions.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))


class Document(Base):
    """A document rendered for an instance: the .docx (its SHA-256 is in the audit log)
    and, once converted, the PDF — or why the PDF could not be made."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("document_templates.id"))
    template_key: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text, default="")
    symbol: Mapped[str] = mapped_column(String(100), default="")  # "Số: 02/BC-UBND"
    filename: Mapped[str] = mapped_column(String(255))  # of the .docx
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_size: Mapped[int | None] = mapped_column(Integer)
    pdf_content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    pdf_error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[int | None] = mapped_column(Integer, unique=True)  # the job that made it
    created_at: Mapped[datetime]
