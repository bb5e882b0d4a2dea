"""The OpenAPI description of /api/v1/spokespersons (the spokesperson register, issue 16
item 4), added to the document of web/api/openapi.py (which imports this module last)."""

from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from engine.facade import PEOPLE_PATTERNS, results
from web.api.admin_people_doc import optional
from web.api.openapi import (
    BOOLEAN,
    DATE,
    NO_NUL,
    PATHS,
    PUBLIC,
    SCHEMAS,
    obj,
    param,
    query,
    responses,
)
from web.api.schemas import REF, Schema, _Generator, ref

WRITES = (400, 401, 403, 404, 409, 413, 415)
CODE = {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"}
NAME = {"type": "string", "maxLength": 200, "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"}
OPEN = {"propertyNames": NO_NUL, "additionalProperties": {"$ref": "#/components/schemas/FormValue"}}


def text(limit: int, description: str) -> Schema:
    return {**NO_NUL, "maxLength": limit, "description": description}


REQUESTS: dict[str, Schema] = {
    "SpokespersonNew": obj(
        ["unit", "full_name", "position", "valid_from"],
        {
            "unit": {**CODE, "description": "The body: a People's Committee's code (404 unknown)."},
            "full_name": NAME,
            "position": NAME,
            "phone": optional(
                {"type": "string", "maxLength": 50, "pattern": PEOPLE_PATTERNS["phone"]},
                "Digits, spaces and + ( ) . -",
            ),
            "email": optional(
                {"type": "string", "maxLength": 200, "pattern": PEOPLE_PATTERNS["email"]},
                "An e-mail address.",
            ),
            "username": {
                "anyOf": [{**NO_NUL, "maxLength": 64}, {"type": "null"}],
                "description": "The user they are, if any (404 unknown).",
            },
            "valid_from": {
                **DATE,
                "description": "First day; the body must be in force that day (409).",
            },
            "valid_to": {"anyOf": [DATE, {"type": "null"}], "description": "Last day, if known."},
            "source": text(1000, "The decision or source of the designation."),
            "verified": {**BOOLEAN, "description": "Checked against its source (default true)."},
            "reason": text(500, "Why (kept in the audit log)."),
        },
        **OPEN,
    ),
}
RESPONSES = (results.SpokespersonRegister, results.SpokespersonHistory, results.SpokespersonChange)


def generated() -> dict[str, Schema]:
    mode: JsonSchemaMode = "serialization"
    inputs = [(t, mode, TypeAdapter(t)) for t in RESPONSES]
    _, top = TypeAdapter.json_schemas(inputs, ref_template=REF, schema_generator=_Generator)
    components: dict[str, Schema] = top["$defs"]
    for schema in components.values():
        schema.pop("title", None)
    return components


PUBLISHED = (
    "Public (no token): only designations a publication job has published "
    "(Nghị định 09/2017/NĐ-CP Điều 7)."
)
SPOKESPERSON_PATHS: dict[str, Any] = {
    "/spokespersons": {
        "get": {
            "operationId": "spokespersons",
            "summary": "The spokesperson of each People's Committee in force on a date",
            "description": PUBLISHED,
            "security": PUBLIC,
            "parameters": [query("at", DATE, "The date (default: today, by the engine's clock).")],
            "responses": responses(200, ref("SpokespersonRegister"), "The register.", 400),
        },
        "post": {
            "operationId": "designateSpokesperson",
            "summary": "Designate a body's spokesperson from a date (audited, then published)",
            "description": "The Văn phòng HĐND-UBND of the body, or an administrator (403 "
            "otherwise). A new row: earlier ones are kept. A publication job is queued.",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("SpokespersonNew")}},
                "description": "The designation.",
            },
            "responses": responses(201, ref("SpokespersonChange"), "The change.", *WRITES),
        },
    },
    "/spokespersons/{unit}/history": {
        "get": {
            "operationId": "spokespersonHistory",
            "summary": "Every published designation of one body, oldest first",
            "description": PUBLISHED,
            "security": PUBLIC,
            "parameters": [
                param("unit", "path", {"type": "string"}, "The body's code.", required=True)
            ],
            "responses": responses(200, ref("SpokespersonHistory"), "The history.", 404),
        }
    },
}

SCHEMAS.update({**generated(), **REQUESTS})
PATHS.update(SPOKESPERSON_PATHS)
