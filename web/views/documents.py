"""Official documents in the UI (issue 15): an instance's documents (.docx and PDF) on
its page; a process version's .docx templates — download, preview as PDF, upload a
changed one (a new version of the process: running instances keep theirs)."""

from io import BytesIO

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from engine.errors import InvalidInput, PolicyflowError
from engine.facade import results
from web.auth import engine, login_required, process_owner, signed_in
from web.i18n import _, error_text

bp = Blueprint("documents", __name__)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_UPLOAD = 5 * 1024 * 1024


def instance_documents(instance_id: int) -> list[results.DocumentView]:
    """For instance.html: the instance's documents as the signed-in user may see them."""
    return engine().documents.of_instance(instance_id, signed_in())


@bp.get("/documents/<int:document_id>.<any(docx, pdf):kind>")
@login_required
def download(document_id: int, kind: str) -> Response:
    name, content_type, content = engine().documents.file(document_id, kind, signed_in())
    return send_file(
        BytesIO(content), mimetype=content_type, as_attachment=kind == "docx", download_name=name
    )


@bp.get("/processes/<key>/versions/<int:version>/templates")
@login_required
def templates(key: str, version: int) -> str:
    found = engine().documents.templates(key, version, process_owner())
    newest = max(v["version"] for v in engine().versions.list(key, signed_in()))
    return render_template(
        "document_templates.html", key=key, version=version, templates=found, newest=newest
    )


@bp.get("/processes/<key>/versions/<int:version>/templates/<name>.<any(docx, pdf):kind>")
@login_required
def template_file(key: str, version: int, name: str, kind: str) -> Response:
    """The template as stored (.docx), or a preview: the same file through LibreOffice,
    its {{ fields }} shown as written."""
    content = engine().documents.template_file(key, version, name, process_owner())
    if kind == "docx":
        return send_file(BytesIO(content), mimetype=DOCX, as_attachment=True,
                         download_name=f"{name}.docx")  # fmt: skip
    pdf, error = engine().documents.preview(content)
    if pdf is None:
        raise InvalidInput(_("Chưa xem trước được: {error}", error=error or ""))
    return send_file(BytesIO(pdf), mimetype="application/pdf", download_name=f"{name}.pdf")


@bp.post("/processes/<key>/templates/<name>")
@login_required
def upload(key: str, name: str) -> Response:
    username = process_owner()
    file = request.files.get("file")
    content = file.read(MAX_UPLOAD + 1) if file is not None else b""
    try:
        if not content or len(content) > MAX_UPLOAD:
            raise InvalidInput(_("Chọn tệp .docx (tối đa 5 MB)."))
        done = engine().documents.upload_template(
            key, name, content, username, request.form.get("comment", "")
        )
    except PolicyflowError as err:
        flash(error_text(err), "error")
        newest = max(v["version"] for v in engine().versions.list(key, username))
        return redirect(url_for("documents.templates", key=key, version=newest))
    flash(_("Đã triển khai phiên bản {version} với mẫu mới.", version=done["version"]), "success")
    return redirect(url_for("documents.templates", key=key, version=done["version"]))
