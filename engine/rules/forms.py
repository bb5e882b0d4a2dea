"""Form data validation against a task's JSON Schema, with messages a user can act on."""

import math
from collections.abc import Callable, Mapping
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError, ValidationError

from engine.enums import EngineData
from engine.errors import N_, InvalidInput, Message, Nn_, joined
from engine.rules.not_after import bound_problem
from engine.rules.setting_text import setting_problem
from engine.rules.unit_fields import kind_problem

MESSAGES_VI = {
    "required": N_("Trường bắt buộc, chưa điền."),
    "type": N_("Sai kiểu dữ liệu (cần {expected})."),
    "minimum": N_("Giá trị phải lớn hơn hoặc bằng {limit}."),
    "maximum": N_("Giá trị phải nhỏ hơn hoặc bằng {limit}."),
    "minLength": Nn_("Cần ít nhất {limit} ký tự."),
    "maxLength": Nn_("Tối đa {limit} ký tự."),
    "format": N_("Không đúng định dạng {limit}."),
    "enum": N_("Giá trị không nằm trong danh sách cho phép."),
    "const": N_("Giá trị không nằm trong danh sách cho phép."),
    "oneOf": N_("Giá trị không nằm trong danh sách cho phép."),
    "additionalProperties": N_("Trường không có trong biểu mẫu: {limit}."),
}
RESERVED = frozenset(EngineData)
# Form data nests objects and lists this deep at most: deeper data is refused (400) before
# it can exhaust the stack of anything that walks it (validation, copies, JSON).
MAX_DEPTH = 32
NUL = "\x00"  # PostgreSQL text refuses it, SQLite stores it: refused on both alike
NUL_MESSAGE = N_("Chứa ký tự NUL (mã 0), không được phép.")
TEXT_MESSAGE = N_("Chứa ký tự không hợp lệ (không phải Unicode).")
NUMBER_MESSAGE = N_("Cần một số hữu hạn.")
COUNTED = frozenset({"minLength", "maxLength"})  # English: one character, two characters
TYPE_NAMES_VI = {
    "integer": N_("số nguyên"),
    "number": N_("số"),
    "string": N_("chuỗi ký tự"),
    "boolean": N_("đúng/sai"),
    "array": N_("danh sách"),
    "object": N_("đối tượng"),
}


def check_schema(schema: dict) -> str | None:
    """The reason a form schema is unusable, or None."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        return err.message
    # the engine's keywords: "x-unit-kinds": ["commune"], "x-not-after": "answer_due_at",
    # "x-default-setting": "{key}"
    return kind_problem(schema) or bound_problem(schema) or setting_problem(schema)


def validate_form(
    schema: dict | None,
    data: Any,
    formats: dict[str, Callable[[object], bool]] | None = None,
) -> dict[str, Any]:
    """Return the data if it satisfies the schema; raise InvalidInput with field errors.

    `formats` adds the engine's own formats: "org-unit" (a unit code that exists) and
    "attachment" (a file stored with this instance).
    """
    if not isinstance(data, dict):
        raise InvalidInput(N_("Dữ liệu biểu mẫu phải là một đối tượng JSON."))
    refuse_unstorable(data)
    _refuse_undeclared(schema, data)
    if schema is None:
        return data
    checker = FormatChecker()
    for name, check in (formats or {}).items():
        checker.checks(name)(check)
    validator = Draft202012Validator(schema, format_checker=checker)
    errors: dict[str, list[str]] = {}
    for err in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        for field, message in _describe(err):
            found = errors.setdefault(field, [])
            if message not in found:  # a `required` error is raised once per missing name
                found.append(message)
    if errors:
        names = [f or Message(N_("(biểu mẫu)")) for f in errors]
        raise InvalidInput(
            N_("Dữ liệu không hợp lệ ở: {fields}."), errors, params={"fields": joined(names, ", ")}
        )
    return data


def refuse_unstorable(data: Any) -> None:
    """Refuse (InvalidInput naming each field) a NUL character in any string or key, and
    nesting deeper than MAX_DEPTH: walked without recursion, whatever the depth."""
    errors: dict[str, list[str]] = {}
    stack: list[tuple[str, Any, int]] = [("", data, 0)]
    while stack:
        path, value, depth = stack.pop()
        field = path or Message(N_("(biểu mẫu)"))
        if isinstance(value, str) and NUL in value:
            errors.setdefault(field, []).append(Message(NUL_MESSAGE))
        elif isinstance(value, str) and not _is_text(value):
            errors.setdefault(field, []).append(Message(TEXT_MESSAGE))
        elif isinstance(value, float) and not math.isfinite(value):  # NaN, Infinity
            errors.setdefault(field, []).append(Message(NUMBER_MESSAGE))
        elif depth > MAX_DEPTH and isinstance(value, dict | list):
            message = Message(N_("Lồng sâu quá {limit} tầng."), {"limit": MAX_DEPTH})
            errors.setdefault(field, []).append(message)
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and (NUL in key or not _is_text(key)):
                    shown = name.encode("utf-8", "backslashreplace").decode("utf-8")
                    why = NUL_MESSAGE if NUL in key else TEXT_MESSAGE
                    errors.setdefault(shown.replace(NUL, "\\u0000"), []).append(Message(why))
                    continue
                stack.append((name, item, depth + 1))
        elif isinstance(value, list):
            items = enumerate(value)
            stack.extend((f"{path}.{i}" if path else str(i), v, depth + 1) for i, v in items)
    if errors:
        raise InvalidInput(
            N_("Dữ liệu không hợp lệ ở: {fields}."),
            errors,
            params={"fields": joined(sorted(errors), ", ")},
        )


def _is_text(value: str) -> bool:
    """Encodable as UTF-8 (a lone surrogate such as "\\ud800" is not: no database stores it)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refuse_undeclared(schema: dict | None, data: dict[str, Any]) -> None:
    """Engine keys never come from outside; with a form, neither does a field it does not
    declare (400 naming each, before anything is written). A step without a form takes
    the data its model's scripts read, engine keys excepted."""
    errors: dict[str, list[str]] = {}
    for key in sorted(set(data) & RESERVED):
        errors[key] = [Message(N_("Trường do hệ thống ghi, biểu mẫu không được gửi."))]
    declared = declared_fields(schema) if schema is not None else set(data)
    for key in sorted(set(data) - RESERVED - declared):
        errors[key] = [Message(N_("Trường không có trong biểu mẫu."))]
    if errors:
        raise InvalidInput(
            N_("Dữ liệu không hợp lệ ở: {fields}."), errors, params={"fields": ", ".join(errors)}
        )


def declared_fields(schema: dict) -> set[str]:
    """The fields a form declares: its properties, also those named in its conditional
    parts (allOf/anyOf/oneOf, if/then/else)."""
    found = set(schema.get("properties") or {})
    for part in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(part) or []:
            if isinstance(sub, dict):
                found |= declared_fields(sub)
    for part in ("if", "then", "else"):
        sub = schema.get(part)
        if isinstance(sub, dict):
            found |= declared_fields(sub)
    return found


def _describe(err: ValidationError) -> list[tuple[str, str]]:
    """(field, message) pairs for one error; the field's dotted path ("" for the form)."""
    path = ".".join(str(p) for p in err.absolute_path)
    if err.validator == "required":  # the missing names, from the schema and the data
        given = err.instance if isinstance(err.instance, dict) else {}
        names = err.validator_value if isinstance(err.validator_value, list) else []
        missing = [str(n) for n in names if n not in given]
        message = Message(MESSAGES_VI["required"])
        return [(f"{path}.{name}" if path else name, message) for name in missing]
    return [(path, _message(err))]


def _message(err: ValidationError) -> str:
    template = MESSAGES_VI.get(str(err.validator))
    if template is None:
        return err.message
    limit = err.validator_value
    if err.validator == "type":
        expected = TYPE_NAMES_VI.get(str(limit))
        return Message(template, {"expected": Message(expected) if expected else str(limit)})
    if err.validator == "additionalProperties":
        given = err.instance if isinstance(err.instance, dict) else {}
        known = err.schema.get("properties", {}) if isinstance(err.schema, Mapping) else {}
        limit = ", ".join(sorted(set(given) - set(known)))
    count = "limit" if err.validator in COUNTED else None
    return Message(template, {"limit": limit}, count)
