"""Official documents of an instance and the .docx templates of a process version."""

from typing_extensions import TypedDict

from .schema import Moment


class DocumentView(TypedDict):
    """A document rendered for an instance: the .docx, and the PDF once converted."""

    id: int
    instance_id: int
    template: str
    title: str
    symbol: str
    filename: str
    sha256: str
    size: int
    pdf: bool
    pdf_sha256: str | None
    pdf_error: str | None
    created_at: Moment


class TemplateView(TypedDict):
    """A .docx template kept with a process version."""

    key: str
    sha256: str
    size: int
