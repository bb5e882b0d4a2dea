"""An instance's official documents over the API: the list, and each file to download."""

from flask import Response, jsonify

from web.api import api_bp
from web.api.auth import engine, token_required, username
from web.api.openapi import MAX_ID
from web.api.routes import INSTANCE


@api_bp.get(f"{INSTANCE}/documents")
@token_required
def instance_documents(instance_id: int) -> Response:
    return jsonify({"items": engine().documents.of_instance(instance_id, username())})


DOCUMENT = f"/documents/<int(min=1, max={MAX_ID}):document_id>"


@api_bp.get(f"{DOCUMENT}/docx", defaults={"kind": "docx"})
@api_bp.get(f"{DOCUMENT}/pdf", defaults={"kind": "pdf"})
@token_required
def document_file(document_id: int, kind: str) -> Response:
    name, content_type, content = engine().documents.file(document_id, kind, username())
    response = Response(content, content_type=content_type)
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response
