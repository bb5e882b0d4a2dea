"""The OpenAPI description of the dashboard and the plan tracked (issue 15): GET
/indicators, GET /plan/{year}, POST /plan/{year}/progress, with the response schemas
generated from the engine's typed results; added to web/api/openapi.py's document (which
imports this module last)."""

from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from engine.facade import results
from web.api.openapi import NO_NUL, PATHS, SCHEMAS, obj, param, query, responses
from web.api.schemas import REF, Schema, _Generator, ref

YEAR_VALUE = {"type": "integer", "minimum": 2000, "maximum": 2100}
CODE = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[^\\u0000]*$"}
SEES = (
    "Leaders (lãnh đạo UBND, Phòng VH&TT, Văn phòng, the auditor) and administrators see "
    "the whole administration; anyone else only the units they hold a role in (another "
    "unit: 403; no role anywhere: 403)."
)

REQUESTS: dict[str, Schema] = {
    "PlanProgressNew": obj(
        ["code", "unit", "status"],
        {
            "code": {**CODE, "description": 'The task: "II.1" … "II.7" (404 unknown).'},
            "unit": {**CODE, "description": "The reporting unit's code (one you hold a role in)."},
            "status": {"enum": ["chua_bat_dau", "dang_thuc_hien", "hoan_thanh"]},
            "note": {**NO_NUL, "maxLength": 2000},
        },
        propertyNames=NO_NUL,
    ),
}
RESPONSES = (results.IndicatorReport, results.PlanView, results.PlanProgressView)


def generated() -> dict[str, Schema]:
    mode: JsonSchemaMode = "serialization"
    inputs = [(t, mode, TypeAdapter(t)) for t in RESPONSES]
    _, top = TypeAdapter.json_schemas(inputs, ref_template=REF, schema_generator=_Generator)
    components: dict[str, Schema] = top["$defs"]
    for schema in components.values():
        schema.pop("title", None)
    return components


YEAR = param("year", "path", YEAR_VALUE, "The plan's year.", required=True)

INDICATOR_PATHS: dict[str, Any] = {
    "/indicators": {
        "get": {
            "operationId": "indicators",
            "summary": "The plan's indicators per unit and month for a year or quarter",
            "description": "Counted from the case records the processes keep and the work "
            f"items, never from figures units typed. {SEES}",
            "parameters": [
                query("year", YEAR_VALUE, "The year (default: this year, engine clock)."),
                query("quarter", {"type": "integer", "minimum": 1, "maximum": 4},
                      "A quarter of the year (default: the whole year)."),
                query("unit", NO_NUL, "Only this unit (its code; 404 unknown, 403 not yours)."),
            ],
            "responses": responses(200, ref("IndicatorReport"), "The figures.", 401, 403, 404),
        }
    },
    "/plan/{year}": {
        "get": {
            "operationId": "planProgress",
            "summary": "The year's plan tasks with each unit's progress",
            "description": SEES,
            "parameters": [YEAR],
            "responses": responses(200, ref("PlanView"), "The plan.", 401, 403, 404),
        }
    },
    "/plan/{year}/progress": {
        "post": {
            "operationId": "recordPlanProgress",
            "summary": "A unit marks its progress on a plan task (audited)",
            "description": "By one who holds a role in the unit (403 otherwise; an auditor "
            "reads only). A unit the task does not concern is 400.",
            "parameters": [YEAR],
            "requestBody": {
                "required": True,
                "description": "The task, the unit, its status and a note.",
                "content": {"application/json": {"schema": ref("PlanProgressNew")}},
            },
            "responses": responses(
                201, ref("PlanProgressView"), "The report kept.", 401, 403, 404, 413, 415
            ),
        }
    },
}  # fmt: skip

SCHEMAS.update({**generated(), **REQUESTS})
PATHS.update(INDICATOR_PATHS)
