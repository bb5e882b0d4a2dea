"""Form validation: each wrong value is named with a Vietnamese message; good data passes."""

import json

import pytest

from engine.errors import InvalidInput
from engine.rules.forms import check_schema, validate_form
from tests.conftest import WORKFLOWS

SCHEMA = {
    "type": "object",
    "required": ["title", "count", "decision"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "title": "Tiêu đề", "minLength": 1},
        "count": {"type": "integer", "minimum": 0},
        "day": {"type": "string", "format": "date"},
        "at": {"type": "string", "format": "date-time"},
        "unit": {"type": "string", "format": "org-unit"},
        "decision": {"oneOf": [{"const": "approve"}, {"const": "return"}]},
        "comments": {"type": "string"},
    },
    "allOf": [
        {
            "if": {"properties": {"decision": {"const": "return"}}, "required": ["decision"]},
            "then": {"required": ["comments"]},
        }
    ],
}
GOOD = {"title": "Báo cáo", "count": 3, "decision": "approve"}


def errors_of(data: object) -> dict[str, list[str]]:
    with pytest.raises(InvalidInput) as err:
        validate_form(SCHEMA, data, {"org-unit": lambda code: code == "xa-xuan-bac"})
    return err.value.field_errors


def test_good_data_passes_unchanged() -> None:
    full = {**GOOD, "day": "2024-11-20", "at": "2024-11-20T17:00:00+07:00", "unit": "xa-xuan-bac"}
    assert validate_form(SCHEMA, full, {"org-unit": lambda c: c == "xa-xuan-bac"}) == full


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"title": None}, "title", "Sai kiểu"),
        ({"count": -1}, "count", "lớn hơn hoặc bằng 0"),
        ({"count": "ba"}, "count", "số nguyên"),
        ({"day": "2024-02-30"}, "day", "định dạng date"),
        ({"at": "hôm qua"}, "at", "định dạng date-time"),  # needs rfc3339-validator
        ({"unit": "xa-khong-co"}, "unit", "org-unit"),
        ({"decision": "maybe"}, "decision", "danh sách"),
        ({"decision": "return"}, "comments", "bắt buộc"),
        ({"extra": 1}, "extra", "không có trong biểu mẫu"),  # the field itself is named
        ({"config": {}}, "config", "hệ thống ghi"),  # an engine key, never from a form
    ],
)
def test_each_wrong_value_is_named(change: dict, field: str, words: str) -> None:
    errors = errors_of({**GOOD, **change})
    assert field in errors and words in " ".join(errors[field]), errors


def test_missing_required_fields_are_listed_together() -> None:
    assert set(errors_of({})) == {"title", "count", "decision"}


def test_non_object_data_is_refused() -> None:
    with pytest.raises(InvalidInput):
        validate_form(SCHEMA, ["not", "an", "object"])


def test_every_shipped_form_is_a_valid_schema_with_vietnamese_titles() -> None:
    forms = sorted((WORKFLOWS / "forms").glob("*.json"))
    assert len(forms) >= 20
    for path in forms:
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert check_schema(schema) is None, path.name
        for name, prop in schema.get("properties", {}).items():
            assert prop.get("title"), f"{path.name}: field {name} has no title"


@pytest.mark.parametrize("name", ["ý_kiến", "it's", 'say "no"', "a.b"])
def test_a_missing_field_is_named_whatever_its_name(name: str) -> None:
    """The field comes from the schema, not from jsonschema's English message (which
    quotes a name with an apostrophe differently and broke the old parsing)."""
    fields = {name: {"type": "string"}, "other": {"type": "integer"}}
    schema = {"type": "object", "required": [name, "other"], "properties": fields}
    with pytest.raises(InvalidInput) as raised:
        validate_form(schema, {"other": 1})
    assert list(raised.value.field_errors) == [name]
    nested = {"type": "object", "properties": {"box": schema}}
    with pytest.raises(InvalidInput) as raised:
        validate_form(nested, {"box": {}})
    assert sorted(raised.value.field_errors) == sorted([f"box.{name}", "box.other"])


@pytest.mark.parametrize("key", ["config", "initiator", "instance_unit", "reporting_units"])
def test_engine_keys_are_refused_with_or_without_a_form(key: str) -> None:
    for schema in (SCHEMA, None):
        with pytest.raises(InvalidInput) as raised:
            validate_form(schema, {**GOOD, key: {}})
        assert list(raised.value.field_errors) == [key]


def test_a_step_without_a_form_takes_the_data_its_scripts_read() -> None:
    assert validate_form(None, {"review_decision": "approve"}) == {"review_decision": "approve"}


def test_fields_named_only_in_a_conditional_part_are_declared() -> None:
    schema = {"type": "object", "allOf": [{"then": {"properties": {"why": {}}}}]}
    assert validate_form(schema, {"why": "x"}) == {"why": "x"}
