"""Rendering a .docx template (docxtpl: Jinja2 tags inside a Word document) into the
same bytes every time for the same template and context.

A .docx is a zip: python-docx stamps each member with the current time and the core
properties (created, modified) with whatever the template held. Both are fixed here —
the dates to the document's own date, the zip times to 1980-01-01 — so that the file's
SHA-256 recorded in the audit log is reproduced by `policyflow verify`.
"""

import hashlib
import io
import zipfile
from datetime import UTC, date, datetime
from typing import Any

from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import TemplateError

from engine.errors import N_, InvalidInput

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold
AUTHOR = "policyflow"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def render(template: bytes, context: dict[str, Any], on: date) -> bytes:
    """The document: the template filled with the context, dated `on`, deterministic."""
    try:
        doc = DocxTemplate(io.BytesIO(template))
        doc.render(context, autoescape=True)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError) as err:
        raise InvalidInput(N_("Mẫu văn bản không phải tệp .docx hợp lệ.")) from err
    except TemplateError as err:
        raise InvalidInput(
            N_("Mẫu văn bản có lỗi cú pháp: {error}"), params={"error": str(err)}
        ) from err
    stamp = datetime(on.year, on.month, on.day, tzinfo=UTC)
    props = doc.docx.core_properties
    props.created = props.modified = props.last_printed = stamp
    props.author = props.last_modified_by = AUTHOR
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return fixed_zip(out.getvalue())


def fixed_zip(content: bytes) -> bytes:
    """The same zip with every member's time fixed (the order and data are kept)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


def check_template(content: bytes) -> list[str]:
    """The variables a template uses (InvalidInput when it is no .docx or no template)."""
    try:
        doc = DocxTemplate(io.BytesIO(content))
        return sorted(doc.get_undeclared_template_variables())
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as err:
        raise InvalidInput(N_("Mẫu văn bản không phải tệp .docx hợp lệ.")) from err
    except TemplateError as err:
        raise InvalidInput(
            N_("Mẫu văn bản có lỗi cú pháp: {error}"), params={"error": str(err)}
        ) from err
