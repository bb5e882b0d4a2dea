"""The OpenAPI description of GET /api/v1/monitoring-items (P5, issue 16 item 2), added to
the document of web/api/openapi.py (which imports this module last)."""

from typing import Annotated, Any

from pydantic import Field, TypeAdapter
from pydantic.json_schema import JsonSchemaMode
from typing_extensions import TypedDict

from engine.facade import results
from web.api.openapi import PATHS, SCHEMAS, query, responses
from web.api.schemas import REF, Schema, _Generator, ref

# An item's states (engine/rules/monitoring.py ItemStatus), for ?status=.
STATUSES = (
    "recorded",
    "rebuttal",
    "classified",
    "not_confirmed",
    "fined",
    "escalated",
    "removal_requested",
    "removal_overdue",
    "removed",
)


class MonitoringItemList(TypedDict):
    items: Annotated[
        list[results.MonitoringItemView], Field(description="Newest first, at most 500.")
    ]


def generated() -> dict[str, Schema]:
    mode: JsonSchemaMode = "serialization"
    adapter = TypeAdapter(MonitoringItemList)
    _, top = TypeAdapter.json_schemas(
        [(MonitoringItemList, mode, adapter)], ref_template=REF, schema_generator=_Generator
    )
    components: dict[str, Schema] = top["$defs"]
    for schema in components.values():
        schema.pop("title", None)
    return components


MONITORING_PATHS: dict[str, Any] = {
    "/monitoring-items": {
        "get": {
            "operationId": "listMonitoringItems",
            "summary": "Items the daily scan found (P5), where each stands, the cases linked",
            "description": "The items whose case the caller may see (as GET /instances); "
            "`removal_overdue` marks a platform past its 24 hours.",
            "parameters": [query("status", {"enum": list(STATUSES)}, "Only items in this state.")],
            "responses": responses(200, ref("MonitoringItemList"), "The items.", 400, 401),
        }
    },
}

SCHEMAS.update(generated())
PATHS.update(MONITORING_PATHS)
