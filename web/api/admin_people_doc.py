"""The OpenAPI paths and request bodies of the people administration (/admin/users,
/admin/roles), merged into the document by openapi.py. The request schemas state exactly
what the engine checks (engine.facade.PEOPLE_PATTERNS)."""

from typing import Any

from engine.facade import PEOPLE_PATTERNS
from web.api.schemas import Schema, ref

NO_NUL = {"type": "string", "pattern": "^[^\\u0000]*$"}
DATE = {
    "type": "string",
    "format": "date",
    "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "description": "YYYY-MM-DD (RFC 3339 full-date).",
}
MAX_ID = 2147483647
NULL = {"type": "null"}


def optional(schema: Schema, description: str) -> Schema:
    """A field that may be null or "" (none)."""
    return {"anyOf": [NULL, {"const": ""}, schema], "description": description}


REASON = {**NO_NUL, "maxLength": 500, "description": "Why (kept in the audit log)."}
USER_FIELDS: dict[str, Schema] = {
    "full_name": {**NO_NUL, "minLength": 1, "maxLength": 200},
    "position": optional({**NO_NUL, "maxLength": 200}, "E.g. Phó Chủ tịch UBND xã."),
    "email": optional(
        {"type": "string", "maxLength": 200, "pattern": PEOPLE_PATTERNS["email"]},
        "Where reminders go.",
    ),
    "phone": optional(
        {"type": "string", "maxLength": 50, "pattern": PEOPLE_PATTERNS["phone"]}, "Phone."
    ),
    "is_admin": {"type": "boolean", "description": "An administrator (default false)."},
    "reason": REASON,
}
USERNAME = {"type": "string", "maxLength": 64, "pattern": PEOPLE_PATTERNS["username"]}

REQUESTS: dict[str, Schema] = {
    "NewUser": {
        "type": "object",
        "required": ["username", "full_name"],
        "properties": {"username": USERNAME, **USER_FIELDS},
        "additionalProperties": False,
    },
    "UserChanges": {
        "type": "object",
        "required": [],
        "properties": USER_FIELDS,
        "additionalProperties": False,
    },
    "Grant": {
        "type": "object",
        "required": ["role", "unit", "from"],
        "properties": {
            "role": {"type": "string", "pattern": PEOPLE_PATTERNS["role"]},
            "unit": {"type": "string", "pattern": PEOPLE_PATTERNS["unit"]},
            "from": {**DATE, "description": "The first day the role is held."},
            "to": {"anyOf": [NULL, DATE], "description": "The last day (null: open-ended)."},
            "reason": REASON,
        },
        "additionalProperties": False,
    },
    "EndHolding": {
        "type": "object",
        "required": ["on"],
        "properties": {
            "on": {**DATE, "description": "The first day without the role."},
            "reason": REASON,
        },
        "additionalProperties": False,
    },
    "Reason": {
        "type": "object",
        "required": [],
        "properties": {"reason": REASON},
        "additionalProperties": False,
    },
}


def _responses(ok: Schema, description: str, *errors: int) -> dict[str, Any]:
    found: dict[str, Any] = {
        "200": {"description": description, "content": {"application/json": {"schema": ok}}}
    }
    for status in sorted({*errors, 400, 401, 403, 500}):
        found[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    return found


def _body(name: str, description: str, required: bool = True) -> Schema:
    return {
        "required": required,
        "description": description,
        "content": {"application/json": {"schema": ref(name)}},
    }


USER = {
    "name": "username",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "The user's username.",
}
ADMIN = "Administrators only (403 for others). Audited in the global log (before, after, reason)."


def _action(operation: str, summary: str, ok: str, description: str) -> dict[str, Any]:
    return {
        "post": {
            "operationId": operation,
            "summary": summary,
            "description": f"{description} {ADMIN}",
            "parameters": [USER],
            "requestBody": _body("Reason", "An optional reason.", required=False),
            "responses": _responses(ref(ok), "Done.", 404, 409, 415),
        }
    }


PATHS: dict[str, Any] = {
    "/admin/users": {
        "get": {
            "operationId": "listUsers",
            "summary": "Users, searched by name, unit, role and whether active",
            "description": "Administrators only (403 for others).",
            "parameters": [
                {
                    "name": "q",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "Text the username or full name contains.",
                },
                {
                    "name": "unit",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "Only holders of a role in this unit today (400 if unknown).",
                },
                {
                    "name": "role",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "Only holders of this role today.",
                },
                {
                    "name": "active",
                    "in": "query",
                    "schema": {"enum": ["true", "false"]},
                    "description": "Only active (true) or deactivated (false) users.",
                },
                {
                    "name": "page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1},
                    "description": "Page number.",
                },
                {
                    "name": "per_page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
                    "description": "Users per page.",
                },
            ],
            "responses": _responses(ref("UserPage"), "A page of users."),
        },
        "post": {
            "operationId": "createUser",
            "summary": "Add a user, with a one-time password shown once",
            "description": f"A taken username is 409. {ADMIN}",
            "requestBody": _body("NewUser", "The user."),
            "responses": _responses(ref("UserCreated"), "Added.", 409, 415),
        },
    },
    "/admin/users/import": {
        "post": {
            "operationId": "importUsers",
            "summary": "Users and their role holdings from CSV; a dry run lists the changes",
            "description": "Columns: username, full_name, position, email, phone, role, unit, "
            "from, to. Checked whole first: a wrong cell is a 400 naming its row and column "
            f"(an unknown role or unit, a unit not in force on `from`), nothing stored. {ADMIN}",
            "parameters": [
                {
                    "name": "dry_run",
                    "in": "query",
                    "schema": {"enum": ["0", "1"], "default": "0"},
                    "description": "1: list what would change, write nothing.",
                },
            ],
            "requestBody": {
                "required": True,
                "description": "The CSV file (UTF-8), at most 2 MB.",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            },
            "responses": _responses(ref("PeopleImport"), "Imported (or planned).", 413, 415),
        }
    },
    "/admin/users/{username}": {
        "get": {
            "operationId": "getUser",
            "summary": "A user with every role holding over time",
            "description": "Administrators only (403 for others).",
            "parameters": [USER],
            "responses": _responses(ref("UserRecord"), "The user.", 404),
        },
        "patch": {
            "operationId": "updateUser",
            "summary": "Change a user's name, position, contacts or admin flag",
            "description": ADMIN,
            "parameters": [USER],
            "requestBody": _body("UserChanges", "The fields to change."),
            "responses": _responses(ref("UserRecord"), "The user.", 404, 415),
        },
    },
    "/admin/users/{username}/deactivate": _action(
        "deactivateUser",
        "Deactivate: no more sign-in; claimed tasks back to the group",
        "Deactivated",
        "Sessions and tokens end; history keeps the name. Already inactive, or oneself: 409.",
    ),
    "/admin/users/{username}/reset-password": _action(
        "resetPassword",
        "A new one-time password; every session and token ends",
        "PasswordReset",
        "The password is shown once.",
    ),
    "/admin/users/{username}/unlock": _action(
        "unlockUser",
        "Lift every login lockout of the user",
        "Unlocked",
        "",
    ),
    "/admin/users/{username}/roles": {
        "post": {
            "operationId": "grantRole",
            "summary": "The user holds a role in a unit from a date (to a date)",
            "description": "An unknown role or unit, a unit not in force on `from`, or `to` "
            f"before `from` is a 400; a holding overlapping one of the same role and unit "
            f"is 409. {ADMIN}",
            "parameters": [USER],
            "requestBody": _body("Grant", "The holding."),
            "responses": _responses(ref("HoldingChange"), "Granted.", 404, 409, 415),
        }
    },
    "/admin/roles/{holding_id}/end": {
        "post": {
            "operationId": "endHolding",
            "summary": "End a role holding at a date",
            "description": "`on` is the first day without the role (400 if before the holding "
            "began; 409 if it already ended by then). The holder's claimed tasks they can no "
            "longer act on go back to the group now if `on` is today or past, else by the "
            f"daily job on that day. {ADMIN}",
            "parameters": [
                {
                    "name": "holding_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
                    "description": "The holding's id (a user's `holdings[].id`).",
                },
            ],
            "requestBody": _body("EndHolding", "When."),
            "responses": _responses(ref("HoldingChange"), "Ended.", 404, 409, 415),
        }
    },
}
