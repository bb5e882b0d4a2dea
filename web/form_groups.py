"""Long forms in sections (issue 18 item 9): a form may list its sections at the top,
`"x-groups": [{"key": "news", "title": "…", "subtotal": [field, …], "subtotal_title": "…"}]`,
and put a field in one with `"x-group": "news"` — presentation only: the engine validates
the same schema. Fields without a known group follow the sections, in their order. A
section with `subtotal` shows the live sum of those number fields (static/subtotals.js)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from web.forms import Field


@dataclass
class Section:
    key: str
    title: str
    fields: list[Field] = field(default_factory=list)
    subtotal: list[str] = field(default_factory=list)
    subtotal_title: str = ""


def sections(schema: Mapping[str, Any] | None, fields: Sequence[Field]) -> list[Section]:
    """The form's sections with their fields, then one untitled section of the rest; []
    when the form declares no sections (the page renders its fields as one list)."""
    declared = (schema or {}).get("x-groups")
    if not isinstance(declared, list) or not declared:
        return []
    found: dict[str, Section] = {}
    for group in declared:
        if isinstance(group, Mapping) and isinstance(group.get("key"), str):
            subtotal = group.get("subtotal")
            found[group["key"]] = Section(
                key=group["key"],
                title=str(group.get("title", group["key"])),
                subtotal=[str(n) for n in subtotal] if isinstance(subtotal, list) else [],
                subtotal_title=str(group.get("subtotal_title", "")),
            )
    rest = Section(key="", title="")
    props = (schema or {}).get("properties", {})
    for f in fields:
        key = props.get(f.name, {}).get("x-group") if isinstance(props, Mapping) else None
        section = found[key] if isinstance(key, str) and key in found else rest
        section.fields.append(f)
    shown = [s for s in found.values() if s.fields]
    return [*shown, rest] if rest.fields else shown
