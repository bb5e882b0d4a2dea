"""The building blocks of the result types: the JSON Schema marker and shared aliases."""

from typing import Annotated, Any, Literal


class Schema:
    """JSON Schema keywords for a field beyond its type, as `Annotated` metadata.

    pydantic (which generates the API's schemas) calls `__get_pydantic_json_schema__` on
    metadata that has it; the engine itself never imports pydantic.
    """

    def __init__(self, **keywords: Any) -> None:
        self.keywords = keywords

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        return {**handler(core_schema), **self.keywords}

    def __repr__(self) -> str:
        return f"Schema({self.keywords!r})"


def doc(description: str) -> Schema:
    """A field's description, for the API document."""
    return Schema(description=description)


Moment = Annotated[str, Schema(format="date-time")]  # ISO 8601 with its UTC offset
Day = Annotated[str, Schema(format="date")]  # ISO 8601 date
JsonObject = dict[str, Any]
FormSchema = Annotated[dict[str, Any] | None, doc("A JSON Schema (draft 2020-12) of the form.")]
# How the diagram colours an element (engine.queries.instances.DIAGRAM_STATE).
ElementState = Literal["completed", "active", "waiting", "cancelled"]
Flow = Annotated[list[str], Schema(minItems=2, maxItems=2)]  # [from element, to element]
