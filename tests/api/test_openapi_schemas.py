"""The API's response schemas are the engine's typed results (web/api/schemas.py): each
component requires exactly the keys its TypedDict requires, and the statuses are the
engine's enums. (tests/api/test_api.py checks real responses against the document.)"""

from typing import Any

import pytest
from typing_extensions import is_typeddict

from engine.facade import AUDIT_COMMANDS, InstanceStatus, Scope, WorkItemState, results
from web.api.openapi import document
from web.api.schemas import RENAMED, RESPONSES

DOC = document()
SCHEMAS: dict[str, Any] = DOC["components"]["schemas"]
TYPED = {
    RENAMED.get(name, name): value
    for name, value in vars(results).items()
    if is_typeddict(value) and RENAMED.get(name, name) in SCHEMAS
}


def test_every_response_type_is_a_component() -> None:
    for answered in RESPONSES:
        assert RENAMED.get(answered.__name__, answered.__name__) in SCHEMAS, answered


@pytest.mark.parametrize("name", sorted(TYPED))
def test_a_component_requires_what_its_result_type_requires(name: str) -> None:
    declared = TYPED[name]
    schema = SCHEMAS[name]
    assert set(schema["properties"]) == set(declared.__annotations__), name
    assert set(schema.get("required", [])) == set(declared.__required_keys__), name


def test_statuses_are_the_engines_enums() -> None:
    assert SCHEMAS["InstanceStatus"]["enum"] == list(InstanceStatus)
    assert SCHEMAS["WorkItemState"]["enum"] == list(WorkItemState)
    assert SCHEMAS["Scope"]["enum"] == list(Scope)
    assert SCHEMAS["AuditCommand"]["enum"] == list(AUDIT_COMMANDS)


def test_a_result_referenced_from_several_places_is_one_component() -> None:
    task = {"$ref": "#/components/schemas/Task"}
    assert SCHEMAS["InstanceDetail"]["properties"]["open_tasks"]["items"] == task
    assert SCHEMAS["InboxTask"]["properties"].keys() > SCHEMAS["Task"]["properties"].keys()
