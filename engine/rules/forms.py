"""Form data validation against a task's JSON Schema, with messages a user can act on."""

from collections.abc import Callable
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError, ValidationError

from engine.errors import InvalidInput

MESSAGES_VI = {
    "required": "Trường bắt buộc, chưa điền.",
    "type": "Sai kiểu dữ liệu (cần {expected}).",
    "minimum": "Giá trị phải lớn hơn hoặc bằng {limit}.",
    "maximum": "Giá trị phải nhỏ hơn hoặc bằng {limit}.",
    "minLength": "Cần ít nhất {limit} ký tự.",
    "maxLength": "Tối đa {limit} ký tự.",
    "format": "Không đúng định dạng {limit}.",
    "enum": "Giá trị không nằm trong danh sách cho phép.",
    "const": "Giá trị không nằm trong danh sách cho phép.",
    "oneOf": "Giá trị không nằm trong danh sách cho phép.",
    "additionalProperties": "Trường không có trong biểu mẫu: {limit}.",
}
TYPE_NAMES_VI = {
    "integer": "số nguyên",
    "number": "số",
    "string": "chuỗi ký tự",
    "boolean": "đúng/sai",
    "array": "danh sách",
    "object": "đối tượng",
}


def check_schema(schema: dict) -> str | None:
    """The reason a form schema is unusable, or None."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        return err.message
    return None


def validate_form(
    schema: dict | None,
    data: Any,
    formats: dict[str, Callable[[str], bool]] | None = None,
) -> dict[str, Any]:
    """Return the data if it satisfies the schema; raise InvalidInput with field errors.

    `formats` adds the engine's own formats: "org-unit" (a unit code that exists) and
    "attachment" (a file stored with this instance).
    """
    if not isinstance(data, dict):
        raise InvalidInput("Dữ liệu biểu mẫu phải là một đối tượng JSON.")
    if schema is None:
        return data
    checker = FormatChecker()
    for name, check in (formats or {}).items():
        checker.checks(name)(check)
    validator = Draft202012Validator(schema, format_checker=checker)
    errors: dict[str, list[str]] = {}
    for err in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        field, message = _describe(err)
        errors.setdefault(field, []).append(message)
    if errors:
        fields = ", ".join(f or "(biểu mẫu)" for f in errors)
        raise InvalidInput(f"Dữ liệu không hợp lệ ở: {fields}.", errors)
    return data


def _describe(err: ValidationError) -> tuple[str, str]:
    path = ".".join(str(p) for p in err.absolute_path)
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else ""
        return (f"{path}.{missing}" if path else missing), MESSAGES_VI["required"]
    template = MESSAGES_VI.get(str(err.validator))
    if template is None:
        return path, err.message
    limit = err.validator_value
    if err.validator == "type":
        expected = TYPE_NAMES_VI.get(str(limit), str(limit))
        return path, template.format(expected=expected)
    if err.validator == "additionalProperties":
        limit = ", ".join(sorted(set(err.instance) - set(err.schema.get("properties", {}))))
    return path, template.format(limit=limit)
