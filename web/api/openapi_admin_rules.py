"""The OpenAPI description of /api/v1/admin/ for org units, rules and the calendar
(issue 19): its paths, request bodies and the response schemas generated from the
engine's typed results, added to the document of web/api/openapi.py (which imports this
module last)."""

from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from engine.facade import UNIT_KINDS, results
from web.api.openapi import (
    BOOLEAN,
    DATE,
    MAX_ID,
    NO_NUL,
    PATHS,
    SCHEMAS,
    obj,
    param,
    query,
    responses,
)
from web.api.schemas import REF, Schema, _Generator, ref

ADMIN = "Administrators only (403 otherwise, before the body is read)."
WRITES = (400, 401, 403, 404, 409, 413, 415)
CODE = {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"}
NAME = {"type": "string", "maxLength": 200, "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"}
REASON = {**NO_NUL, "maxLength": 500, "description": "Why (kept in the audit log)."}
OPEN = {
    "propertyNames": NO_NUL,
    "additionalProperties": {"$ref": "#/components/schemas/FormValue"},
}

REQUESTS: dict[str, Schema] = {
    "UnitNew": obj(
        ["code", "name", "kind", "valid_from"],
        {
            "code": CODE,
            "name": NAME,
            "kind": {"enum": list(UNIT_KINDS)},
            "parent": {
                "anyOf": [CODE, {"type": "null"}],
                "description": "The parent unit's code (in force on valid_from; 404 unknown).",
            },
            "valid_from": {**DATE, "description": "Its first day in force."},
            "reports": {
                **BOOLEAN,
                "description": "Sends the annual report (default: departments, communes).",
            },
            "reason": REASON,
        },
        **OPEN,
    ),
    "UnitRename": obj(["name"], {"name": NAME, "reason": REASON}, **OPEN),
    "UnitEnd": obj(
        ["last_day"],
        {
            "last_day": {**DATE, "description": "Its last day in force."},
            "successor": {
                "anyOf": [CODE, {"type": "null"}],
                "description": "The unit that takes its place; it must be in force the day "
                "after last_day (400 otherwise, 404 if unknown).",
            },
            "reason": REASON,
        },
        **OPEN,
    ),
    "SettingValueNew": obj(
        ["value", "valid_from"],
        {
            "value": {
                "anyOf": [NO_NUL, {"type": "array", "minItems": 1, "items": NO_NUL}],
                "description": "Checked by the setting's kind: an ISO 8601 duration "
                "(PT24H), N working days (5WD) for a deadline, a date, a list of durations; "
                "a bad value is 400 naming the setting, and nothing is stored.",
            },
            "valid_from": {
                **DATE,
                "description": "First day in force: today or later (400 before); one value "
                "per day (409). Instances already started keep the values they copied.",
            },
            "reason": REASON,
        },
        **OPEN,
    ),
    "CalendarDaySet": obj(
        ["kind"],
        {
            "kind": {
                "enum": ["holiday", "workday", "ordinary"],
                "description": "holiday: a named day off; workday: a make-up working "
                "Saturday or Sunday (409 on a weekday); ordinary: as the weekday rule says.",
            },
            "name": {**NO_NUL, "maxLength": 200, "description": "The holiday's name."},
            "reason": REASON,
            "dry_run": {**BOOLEAN, "description": "Only list the deadlines it would move."},
        },
        **OPEN,
        **{
            "if": {"properties": {"kind": {"const": "holiday"}}, "required": ["kind"]},
            "then": {"required": ["name"], "properties": {"name": NAME}},
        },
    ),
    "CalendarConfirm": obj(
        [],
        {"source": {**NO_NUL, "maxLength": 500, "description": "The notice."}, "reason": REASON},
        **OPEN,
    ),
}
RESPONSES = (
    results.UnitTree,
    results.RuleChange,
    results.SettingList,
    results.CalendarYearView,
    results.CalendarChange,
)


def generated() -> dict[str, Schema]:
    mode: JsonSchemaMode = "serialization"
    inputs = [(t, mode, TypeAdapter(t)) for t in RESPONSES]
    _, top = TypeAdapter.json_schemas(inputs, ref_template=REF, schema_generator=_Generator)
    components: dict[str, Schema] = top["$defs"]
    for schema in components.values():
        schema.pop("title", None)
    return components


def body(name: str, description: str, required: bool = True) -> Schema:
    content = {"application/json": {"schema": ref(name)}}
    return {"required": required, "description": description, "content": content}


UNIT = param("code", "path", {"type": "string"}, "The unit's code.", required=True)
KEY = param("key", "path", {"type": "string"}, "The setting's key.", required=True)
YEAR = param(
    "year", "path", {"type": "integer", "minimum": 0, "maximum": MAX_ID}, "The year.", required=True
)
DAY = param("date", "path", DATE, "The day (in the year; 404 otherwise).", required=True)
AT = query("at", DATE, "The date (default: today, by the engine's clock).")
CHANGE = "The change: before, after, reason (as the audit log keeps it)."

ADMIN_PATHS: dict[str, Any] = {
    "/admin/org-units": {
        "get": {
            "operationId": "adminOrgTree",
            "summary": "The org tree in force on a date, a parent before its children",
            "description": ADMIN,
            "parameters": [AT],
            "responses": responses(200, ref("UnitTree"), "The tree.", 400, 401, 403),
        },
        "post": {
            "operationId": "adminAddOrgUnit",
            "summary": "Add an org unit from a date (audited)",
            "description": f"{ADMIN} An existing code is 409.",
            "requestBody": body("UnitNew", "The unit."),
            "responses": responses(201, ref("RuleChange"), CHANGE, *WRITES),
        },
    },
    "/admin/org-units/{code}": {
        "patch": {
            "operationId": "adminRenameOrgUnit",
            "summary": "Rename an org unit (audited)",
            "description": ADMIN,
            "parameters": [UNIT],
            "requestBody": body("UnitRename", "The new name."),
            "responses": responses(200, ref("RuleChange"), CHANGE, *WRITES),
        }
    },
    "/admin/org-units/{code}/end": {
        "post": {
            "operationId": "adminEndOrgUnit",
            "summary": "End an org unit at a date, with its successor (audited)",
            "description": f"{ADMIN} A unit already ended is 409. Its open work moves to the "
            "successor with the daily hand-over (org_transition).",
            "parameters": [UNIT],
            "requestBody": body("UnitEnd", "The last day and the successor."),
            "responses": responses(200, ref("RuleChange"), CHANGE, *WRITES),
        }
    },
    "/admin/settings": {
        "get": {
            "operationId": "adminSettings",
            "summary": "Every setting with the value in force on a date and its history",
            "description": ADMIN,
            "parameters": [AT],
            "responses": responses(200, ref("SettingList"), "The settings.", 400, 401, 403),
        }
    },
    "/admin/settings/{key}/values": {
        "post": {
            "operationId": "adminSetSetting",
            "summary": "A setting's new value from a date (checked by kind, audited)",
            "description": ADMIN,
            "parameters": [KEY],
            "requestBody": body("SettingValueNew", "The value and its first day."),
            "responses": responses(201, ref("RuleChange"), CHANGE, *WRITES),
        }
    },
    "/admin/calendar/{year}": {
        "get": {
            "operationId": "adminCalendarYear",
            "summary": "A year's holidays and make-up working days, confirmed or provisional",
            "description": f"{ADMIN} A year outside 1–9999 is 404; one without data has "
            "state missing.",
            "parameters": [YEAR],
            "responses": responses(200, ref("CalendarYearView"), "The year.", 401, 403, 404),
        }
    },
    "/admin/calendar/{year}/days/{date}": {
        "put": {
            "operationId": "adminSetCalendarDay",
            "summary": "Make a day a holiday, a make-up working day or an ordinary day",
            "description": f"{ADMIN} Deadlines already computed stay; only those computed "
            "after the edit use it. The answer (and a dry run) lists the open work items "
            "whose deadline a recomputation would move. A year without calendar data is 404.",
            "parameters": [YEAR, DAY],
            "requestBody": body("CalendarDaySet", "What the day becomes."),
            "responses": responses(200, ref("CalendarChange"), "The change.", *WRITES),
        }
    },
    "/admin/calendar/{year}/confirm": {
        "post": {
            "operationId": "adminConfirmCalendarYear",
            "summary": "Confirm a provisional year (the government's notice is in; audited)",
            "description": f"{ADMIN} A confirmed year is 409; one without data 404.",
            "parameters": [YEAR],
            "requestBody": body("CalendarConfirm", "The notice.", required=False),
            "responses": responses(200, ref("RuleChange"), CHANGE, *WRITES),
        }
    },
}

SCHEMAS.update({**generated(), **REQUESTS})
PATHS.update(ADMIN_PATHS)
