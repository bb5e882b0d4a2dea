"""What a file really is, by its first bytes (not its name or the browser's type).

The public request page accepts PDF, PNG, JPEG and DOCX only; an .exe renamed .pdf, an
HTML page or a ZIP that is not a Word document is refused. A DOCX is a ZIP whose members
include `word/document.xml` and `[Content_Types].xml` (only the directory is read).
"""

import io
import zipfile

SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCX_MEMBERS = {"word/document.xml", "[Content_Types].xml"}
MAX_ZIP_MEMBERS = 2000  # a Word file has dozens; thousands of entries is not one


def real_type(content: bytes) -> str | None:
    """The MIME type the content really has, among the allowed ones; None otherwise."""
    for magic, mime, _ in SIGNATURES:
        if content.startswith(magic):
            return mime
    if content.startswith(b"PK\x03\x04") and _is_docx(content):
        return DOCX
    return None


def _is_docx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                return False
            return {info.filename for info in infos} >= DOCX_MEMBERS
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
