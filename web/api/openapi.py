"""The OpenAPI 3.1 description of /api/v1 (served at /api/v1/openapi.json): the paths,
their parameters and request bodies, written here; the response schemas, generated from
the engine's typed results (web/api/schemas.py).

Keep it in step with routes.py: tests/test_api.py checks that it lists exactly the
registered routes and that real responses match the schemas.
"""

from copy import deepcopy
from typing import Any

from engine.facade import UNIT_KINDS
from web.api import admin_people_doc
from web.api.schemas import Schema, generated, ref


def obj(required: list[str], properties: dict[str, Schema], **extra: Any) -> Schema:
    return {"type": "object", "required": required, "properties": properties, **extra}


def every(properties: dict[str, Schema], **extra: Any) -> Schema:
    """An object whose listed properties are all always present."""
    return obj(list(properties), properties, **extra)


STRING = {"type": "string"}
BOOLEAN = {"type": "boolean"}
# What routes.py enforces, stated here once (routes.py reads them from here).
MAX_ID = 2147483647  # ids are 32-bit in the database
MAX_PAGE = 1_000_000
MAX_PER_PAGE = 200
MAX_TEXT = 500  # a migration's comment
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
NO_NUL = {"type": "string", "pattern": "^[^\\u0000]*$"}  # PostgreSQL text refuses NUL
DATE = {
    "type": "string",
    "format": "date",
    "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "description": "YYYY-MM-DD (RFC 3339 full-date).",
}

# The request bodies (what the endpoints read); every response schema is generated from
# the engine's typed results (web/api/schemas.py).
REQUESTS: dict[str, Schema] = {
    "Credentials": every(
        {"username": NO_NUL, "password": NO_NUL},
        propertyNames=NO_NUL,
        additionalProperties={"$ref": "#/components/schemas/FormValue"},
    ),
    "FormData": {
        "type": "object",
        "description": "Data satisfying the form's JSON Schema (start_form or form_schema). "
        "No string or key may hold a NUL character (U+0000) and values nest at most 32 "
        "levels deep (400 otherwise).",
        "propertyNames": NO_NUL,
        "additionalProperties": {"$ref": "#/components/schemas/FormValue"},
    },
    "FormValue": {
        "description": "A value of form data: JSON without NUL characters in its strings.",
        "anyOf": [
            NO_NUL,
            {"type": ["number", "boolean", "null"]},
            {"type": "array", "items": {"$ref": "#/components/schemas/FormValue"}},
            {
                "type": "object",
                "propertyNames": NO_NUL,
                "additionalProperties": {"$ref": "#/components/schemas/FormValue"},
            },
        ],
    },
    "MigrationRequest": obj(
        [],
        {
            "action": {
                "enum": ["dry_run", "suspend", "migrate"],
                "default": "dry_run",
                "description": "dry_run: which instances can move and why not (writes nothing); "
                "suspend: suspend the chosen instances; migrate: move the chosen suspended "
                "instances to the version.",
            },
            "instance_ids": {
                "type": "array",
                "items": ID,
                "description": "Required to suspend or migrate; a dry run defaults to every "
                "running or suspended instance of the process.",
            },
            "to_version": {
                **ID,
                "description": "The version to move to (default: the newest).",
            },
            "resume": {**BOOLEAN, "description": "Resume each instance once moved."},
            "comment": {**NO_NUL, "maxLength": MAX_TEXT},
        },
        propertyNames=NO_NUL,
        additionalProperties={"$ref": "#/components/schemas/FormValue"},
        # suspend and migrate name their instances
        **{
            "if": {"properties": {"action": {"const": "dry_run"}}},  # absent: a dry run
            "else": {"required": ["instance_ids"]},
        },
    ),
}
SCHEMAS: dict[str, Schema] = {**generated(), **REQUESTS, **admin_people_doc.REQUESTS}

ERRORS: dict[int, str] = {
    400: "Bad input: a form that fails its schema (see field_errors), malformed JSON, "
    "JSON nested deeper than 32 levels, a body that is not an object, a NUL character "
    "(U+0000) in the path, a query parameter or any string of the body, or a bad query "
    "parameter (outside its bounds, not in its list, or sent twice).",
    401: "No token, or an invalid or expired one.",
    403: "The caller sees this but may not do it (e.g. lacks the role).",
    404: "No such thing, or not visible to the caller.",
    409: "The state changed: already completed, claimed by someone else, not running.",
    413: "The body is too large.",
    415: "The body's content type is not accepted here (JSON bodies: application/json).",
    422: "The model failed while the engine ran it (a script, an expression, a service "
    "call): code process_error, the message and error.element_id name the element; "
    "nothing was changed.",
    429: "Too many failed logins for this username; try again later.",
    500: "An unexpected error (logged; never shown).",
}


WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422)


def json_body(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def responses(ok: int, schema: Schema, description: str, *errors: int) -> dict[str, Any]:
    found = {str(ok): json_body(schema, description)}
    for status in sorted({*errors, 400, 500}):  # 400: a NUL in the URL, anywhere
        found[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    return found


def param(name: str, where: str, schema: Schema, description: str, **extra: Any) -> Schema:
    return {"name": name, "in": where, "schema": schema, "description": description, **extra}


def query(name: str, schema: Schema, description: str) -> Schema:
    return param(name, "query", schema, description)


KEY = param("key", "path", STRING, "The process key.", required=True)
TASK_ID = param("task_id", "path", STRING, "The task's id.", required=True)
INSTANCE_ID = param(
    "instance_id",
    "path",
    {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    "The instance's id.",
    required=True,
)
PAGING = [
    query(
        "page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Page number."
    ),
    query(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 50},
        "Items per page.",
    ),
]
PUBLIC: list[dict[str, list[str]]] = []  # `security` of an operation without a token


def form_body(description: str) -> Schema:
    return {"required": False, **json_body(ref("FormData"), description)}


PATHS: dict[str, Any] = {
    "/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "security": PUBLIC,
            "responses": responses(200, {"type": "object"}, "The OpenAPI 3.1 document."),
        }
    },
    "/auth/token": {
        "post": {
            "operationId": "issueToken",
            "summary": "Exchange a username and password for a bearer token (12 hours)",
            "security": PUBLIC,
            "requestBody": {"required": True, **json_body(ref("Credentials"), "Credentials.")},
            "responses": responses(200, ref("Token"), "A new token.", 400, 401, 413, 415, 429),
        }
    },
    "/me": {
        "get": {
            "operationId": "me",
            "summary": "The caller: name, admin flag, roles and their units",
            "responses": responses(200, ref("User"), "The caller.", 401),
        }
    },
    "/org-units": {
        "get": {
            "operationId": "listOrgUnits",
            "summary": "The org units in force on a date (of a kind), for pickers and forms",
            "description": "Each unit with its parent, its dates and the successor that took "
            "its place when it ended: the codes an org-unit form field accepts on that date "
            "(a field's `x-unit-kinds` names the kinds it takes). Any signed-in user.",
            "parameters": [
                query("at", DATE, "The date (default: today, by the engine's clock)."),
                query("kind", {"enum": list(UNIT_KINDS)}, "Only units of this kind."),
            ],
            "responses": responses(200, ref("OrgUnitList"), "The units.", 400, 401),
        }
    },
    "/processes": {
        "get": {
            "operationId": "listProcesses",
            "summary": "Deployed processes (newest versions), each with its start form",
            "responses": responses(200, ref("ProcessList"), "The processes.", 401),
        },
        "post": {
            "operationId": "deployProcess",
            "summary": "Deploy a BPMN file as the process's new version",
            "description": "For process owners (chu_quy_trinh) and administrators (403 "
            "else). The body is the BPMN XML itself (application/xml or text/xml; the "
            "process keeps the forms of its newest version; `?comment=` for a note), or "
            "multipart/form-data with a `bpmn` file, `forms` files (JSON Schemas; each "
            "file name is the form's name; none: the newest version's forms) and a "
            "`comment` field. Deploying the newest version's content again stores nothing "
            "(200, created false); an older version's content becomes a new version (a roll "
            "back). A BPMN the engine cannot run safely is refused with every problem (400, "
            "code bpmn_rejected); a body above the size limit (10 MB unless configured) is "
            "413. Nothing is stored on any error.",
            "parameters": [query("comment", STRING, "A note on the version (raw XML body).")],
            "requestBody": {
                "required": True,
                "content": {
                    "application/xml": {"schema": STRING},
                    "text/xml": {"schema": STRING},
                    "multipart/form-data": {
                        "schema": obj(
                            ["bpmn"],
                            {
                                "bpmn": {**STRING, "contentMediaType": "application/xml"},
                                "forms": {
                                    "type": "array",
                                    "items": {**STRING, "contentMediaType": "application/json"},
                                },
                                "comment": STRING,
                            },
                        )
                    },
                },
            },
            "responses": {
                **responses(
                    201, ref("Deployed"), "A new version; Location is its BPMN.", 401, 403, 413, 415
                ),
                "200": json_body(ref("Deployed"), "Identical to the newest version: unchanged."),
                "400": json_body(
                    ref("DeployError"),
                    "A BPMN that cannot be deployed (code bpmn_rejected, with problems), a "
                    "missing bpmn part or a form that is not JSON.",
                ),
            },
        },
    },
    "/processes/{key}/versions": {
        "get": {
            "operationId": "listProcessVersions",
            "summary": "Every deployed version of a process, newest first",
            "description": "For process owners (chu_quy_trinh) and administrators (403 else).",
            "parameters": [KEY],
            "responses": responses(200, ref("ProcessVersions"), "The versions.", 401, 403, 404),
        }
    },
    "/processes/{key}/versions/{version}/bpmn": {
        "get": {
            "operationId": "getProcessVersionBpmn",
            "summary": "The BPMN XML of one deployed version",
            "description": "For process owners (chu_quy_trinh) and administrators (403 else).",
            "parameters": [
                KEY,
                param(
                    "version",
                    "path",
                    {"type": "integer", "minimum": 0, "maximum": MAX_ID},
                    "The version number.",
                    required=True,
                ),
            ],
            "responses": {
                "200": {
                    "description": "The BPMN file as deployed.",
                    "content": {"application/xml": {"schema": STRING}},
                },
                **{
                    str(status): {"$ref": f"#/components/responses/E{status}"}
                    for status in (400, 401, 403, 404, 500)
                },
            },
        }
    },
    "/processes/{key}/migrations": {
        "post": {
            "operationId": "migrateInstances",
            "summary": "Move running instances to a newer version (dry run, suspend, migrate)",
            "description": "For process owners (chu_quy_trinh) and administrators (403 else). "
            "Each instance is suspended or moved on its own: the results say, per instance, "
            "what happened; every move is a `migrate` audit event.",
            "parameters": [KEY],
            "requestBody": {
                "required": False,
                **json_body(ref("MigrationRequest"), "What to do, with which instances."),
            },
            "responses": {
                **responses(
                    200,
                    {"oneOf": [ref("MigrationPlan"), ref("MigrationResults")]},
                    "The dry run, or the result per instance.",
                    400,
                    401,
                    403,
                    404,
                    413,
                    415,
                ),
            },
        }
    },
    "/processes/{key}/instances": {
        "post": {
            "operationId": "startInstance",
            "summary": "Start an instance with the start form's data",
            "description": "Only holders of the process's start role may start it (403).",
            "parameters": [KEY],
            "requestBody": form_body("The start form's data (an empty body means {})."),
            "responses": responses(
                201, ref("Outcome"), "Started; Location is the new instance.", *WRITE_ERRORS
            ),
        }
    },
    "/tasks": {
        "get": {
            "operationId": "listTasks",
            "summary": "The caller's inbox: one page of a box, with the boxes' counts",
            "parameters": [
                query(
                    "box",
                    {"enum": ["open", "mine", "completed"], "default": "open"},
                    "open: all I may do; mine: claimed by me; completed: done by me.",
                ),
                query("process", STRING, "Only tasks of this process key."),
                query("unit", STRING, "Only tasks of this org unit code (400 if unknown)."),
                query(
                    "due",
                    {"enum": ["overdue", "today", "later"]},
                    "Only tasks due in this window (local time).",
                ),
                query("q", STRING, "Text the task's name contains."),
                query(
                    "sort",
                    {"enum": ["due", "-due", "created", "-created"], "default": "due"},
                    "By due date (no due date last) or arrival; '-' for descending. "
                    "The completed box is always newest first.",
                ),
                *PAGING,
            ],
            "responses": responses(200, ref("TaskPage"), "A page of tasks.", 400, 401),
        }
    },
    "/tasks/{task_id}": {
        "get": {
            "operationId": "getTask",
            "summary": "One task with its instance and what the caller may do",
            "parameters": [TASK_ID],
            "responses": responses(200, ref("TaskDetail"), "The task.", 401, 404),
        }
    },
    "/tasks/{task_id}/claim": {
        "post": {
            "operationId": "claimTask",
            "summary": "Claim an open task (others then cannot complete it)",
            "parameters": [TASK_ID],
            "responses": responses(200, ref("Claim"), "Claimed.", 401, 403, 404, 409),
        }
    },
    "/tasks/{task_id}/unclaim": {
        "post": {
            "operationId": "unclaimTask",
            "summary": "Give a claimed task back to the shared inbox",
            "parameters": [TASK_ID],
            "responses": responses(200, ref("Claim"), "Released.", 401, 403, 404, 409),
        }
    },
    "/tasks/{task_id}/complete": {
        "post": {
            "operationId": "completeTask",
            "summary": "Complete a task with its form's data",
            "parameters": [TASK_ID],
            "requestBody": form_body("The task form's data (an empty body means {})."),
            "responses": responses(
                200, ref("Outcome"), "Completed; the instance's next tasks.", *WRITE_ERRORS
            ),
        }
    },
    "/instances": {
        "get": {
            "operationId": "listInstances",
            "summary": "Instances the caller may see, newest first",
            "parameters": [
                query("process", STRING, "Only this process key."),
                query("status", ref("InstanceStatus"), "Only this status."),
                query("unit", STRING, "Only this org unit code (400 if unknown)."),
                query("started_by", STRING, "Only those started by this username."),
                query("date_from", DATE, "Started on or after."),
                query("date_to", DATE, "Started on or before."),
                *PAGING,
            ],
            "responses": responses(200, ref("InstancePage"), "A page of instances.", 400, 401),
        }
    },
    "/instances/{instance_id}": {
        "get": {
            "operationId": "getInstance",
            "summary": "One instance: status, open tasks, data, diagram states, timeline",
            "parameters": [INSTANCE_ID],
            "responses": responses(200, ref("InstanceDetail"), "The instance.", 401, 404),
        }
    },
    "/instances/{instance_id}/history": {
        "get": {
            "operationId": "getHistory",
            "summary": "The instance's audit trail, oldest first",
            "parameters": [INSTANCE_ID],
            "responses": responses(200, ref("History"), "The audit events.", 401, 404),
        }
    },
    "/audit/events": {
        "get": {
            "operationId": "searchAuditEvents",
            "summary": "Audit events across the instances the caller may see, newest first",
            "description": "Of an instance the caller only takes part in (a commune asked by "
            "the district), only the events not about others' tasks, as its history shows.",
            "parameters": [
                query("actor", STRING, "Only events done by this username ('system' too)."),
                query("unit", STRING, "Only events of this org unit's instances (400 if unknown)."),
                query("process", STRING, "Only events of this process key's instances."),
                query("date_from", DATE, "On or after (local)."),
                query("date_to", DATE, "On or before (local)."),
                query("command", ref("AuditCommand"), "Only this event type."),
                *PAGING,
            ],
            "responses": responses(200, ref("AuditEventPage"), "A page of events.", 400, 401),
        }
    },
    "/audit/admin-events": {
        "get": {
            "operationId": "listAdminEvents",
            "summary": "Administrative changes (org imports, units, people, rules), newest first",
            "description": "Events that belong to no instance, chained on their own and under "
            "the signed checkpoints. For administrators and auditors (403 for others).",
            "parameters": [*PAGING],
            "responses": responses(200, ref("AdminEventPage"), "A page of changes.", 401, 403),
        }
    },
    "/instances/{instance_id}/replay": {
        "get": {
            "operationId": "replayInstance",
            "summary": "The instance re-executed from its log, step by step up to `step`",
            "description": "Each step: who did what (the task's role and unit), the diagram's "
            "states and flows and the data as they stood after it. Only for those who see the "
            "whole instance (403 for one who sees only their part).",
            "parameters": [
                INSTANCE_ID,
                query(
                    "step",
                    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                    "The step to stop at (default: the last); 400 beyond the last.",
                ),
            ],
            "responses": responses(200, ref("Replay"), "The steps.", 400, 401, 403, 404),
        }
    },
    "/incidents": {
        "get": {
            "operationId": "listIncidents",
            "summary": "Failures of the engine's own work (timers) for an operator",
            "description": "Administrators and process owners only (403 otherwise).",
            "parameters": [
                query(
                    "state",
                    {"enum": ["open", "resolved", "all"], "default": "open"},
                    "Which incidents.",
                )
            ],
            "responses": responses(200, ref("IncidentList"), "The incidents.", 400, 401, 403),
        }
    },
    "/incidents/{incident_id}/retry": {
        "post": {
            "operationId": "retryIncident",
            "summary": "Run the failed work again; the incident, resolved if it succeeded",
            "description": "If the model fails again: 422 (one more attempt is counted).",
            "parameters": [
                param(
                    "incident_id",
                    "path",
                    {"type": "integer", "minimum": 0, "maximum": 2147483647},
                    "The incident's id.",
                    required=True,
                )
            ],
            "responses": responses(
                200, ref("IncidentView"), "Retried and resolved.", 401, 403, 404, 409, 422
            ),
        }
    },
    "/instances/{instance_id}/verify": {
        "post": {
            "operationId": "verifyInstance",
            "summary": "Re-execute the instance and check its log's chain (changes nothing)",
            "description": "Who may replay the instance may verify it (403 otherwise).",
            "parameters": [INSTANCE_ID],
            "responses": responses(200, ref("Verification"), "The verdict.", 401, 403, 404),
        }
    },
}

PATHS.update(admin_people_doc.PATHS)  # the people administration (/admin/users, /admin/roles)

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
    "info": {
        "title": "policyflow API",
        "version": "1.0.0",
        "description": (
            "The district's processes as BPMN: start instances, work the inbox, follow "
            "instances. Get a token from POST /auth/token and send it as "
            "`Authorization: Bearer <token>`. Every error is JSON: "
            '{"error": {"code", "message", "field_errors"}}. Messages are in Vietnamese.'
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearerAuth": []}],
    "paths": PATHS,
    "components": {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        "schemas": SCHEMAS,
        "responses": {
            f"E{status}": json_body(ref("Error"), description)
            for status, description in ERRORS.items()
        },
    },
}


def document() -> dict[str, Any]:
    return deepcopy(DOCUMENT)


# Later issues' paths add themselves to PATHS and SCHEMAS (they use the helpers above):
# documents (15), administration (19), monitoring and spokespersons (16).
from web.api import (  # noqa: E402, F401
    openapi_admin_rules,
    openapi_documents,
    openapi_monitoring,
    openapi_spokespersons,
)
