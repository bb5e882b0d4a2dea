"""The OpenAPI description of an instance's official documents (issue 15): the list and
each file, .docx or PDF, added to the document of web/api/openapi.py (which imports this
module last)."""

from typing import Annotated, Any

from pydantic import Field, TypeAdapter
from pydantic.json_schema import JsonSchemaMode
from typing_extensions import TypedDict

from engine.facade import results
from web.api.openapi import ID, INSTANCE_ID, PATHS, SCHEMAS, param, responses
from web.api.schemas import REF, Schema, _Generator, ref

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
KINDS = {"docx": DOCX, "pdf": PDF}


class DocumentList(TypedDict):
    items: Annotated[
        list[results.DocumentView], Field(description="The instance's documents, oldest first.")
    ]


def generated() -> dict[str, Schema]:
    mode: JsonSchemaMode = "serialization"
    adapter = TypeAdapter(DocumentList)
    _, top = TypeAdapter.json_schemas(
        [(DocumentList, mode, adapter)], ref_template=REF, schema_generator=_Generator
    )
    components: dict[str, Schema] = top["$defs"]
    for schema in components.values():
        schema.pop("title", None)
    return components


def file_responses(media: str, what: str) -> dict[str, Any]:
    binary = {"type": "string", "format": "binary"}
    return {
        "200": {"description": what, "content": {media: {"schema": binary}}},
        **{
            str(status): {"$ref": f"#/components/responses/E{status}"}
            for status in (400, 401, 404, 500)
        },
    }


DOCUMENT_ID = param("document_id", "path", ID, "The document's id.", required=True)
DOCUMENT_PATHS: dict[str, Any] = {
    "/instances/{instance_id}/documents": {
        "get": {
            "operationId": "listInstanceDocuments",
            "summary": "The official documents rendered for the instance (.docx, PDF)",
            "description": "Each with the SHA-256 its audit event records; `pdf` is false "
            "until LibreOffice has converted it (`pdf_error` says why it could not).",
            "parameters": [INSTANCE_ID],
            "responses": responses(200, ref("DocumentList"), "The documents.", 401, 404),
        }
    },
    **{
        f"/documents/{{document_id}}/{kind}": {
            "get": {
                "operationId": f"getDocument{kind.capitalize()}",
                "summary": f"A document's {kind.upper()} file",
                "description": "For whoever may see its instance (404 otherwise"
                + (", and while there is no PDF)." if kind == "pdf" else ")."),
                "parameters": [DOCUMENT_ID],
                "responses": file_responses(media, f"The {kind.upper()} file."),
            }
        }
        for kind, media in KINDS.items()
    },
}

SCHEMAS.update(generated())
PATHS.update(DOCUMENT_PATHS)
