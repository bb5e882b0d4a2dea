"""Org-unit form fields: which units a field accepts on a date.

A field declares `"format": "org-unit"` (or an array of them) and may narrow the units to
some kinds with `"x-unit-kinds": ["commune"]`. Its value must name a unit of those kinds
in force on the date: a unit that has ended is refused with its successor named, so a
clerk who types the old commune learns the new one. The schemas served to clients carry
the units valid on the date as `oneOf` choices, so an API client never guesses codes.
"""

import copy
from collections.abc import Iterator
from datetime import date
from typing import Any

from engine.access.org import OrgTree, Unit
from engine.errors import N_, InvalidInput, Message

ORG_UNIT = "org-unit"
KINDS = "x-unit-kinds"
UNIT_KINDS = ("province", "district", "department", "commune")  # org_units.kind (org_import)


def unit_fields(schema: dict | None) -> Iterator[tuple[str, dict, bool]]:
    """(name, field spec, is a list) for each top-level org-unit field of a form."""
    for name, spec in ((schema or {}).get("properties") or {}).items():
        items = spec.get("items") if isinstance(spec, dict) else None
        if isinstance(spec, dict) and spec.get("format") == ORG_UNIT:
            yield name, spec, False
        elif isinstance(items, dict) and items.get("format") == ORG_UNIT:
            yield name, items, True


def kind_problem(schema: dict) -> str | None:
    """Why a form's `x-unit-kinds` is unusable (not a non-empty list of known kinds, or
    on a field that is not an org unit), or None."""
    for name, spec in (schema.get("properties") or {}).items():
        if not isinstance(spec, dict):
            continue
        for where, part in ((name, spec), (f"{name}.items", spec.get("items"))):
            if not isinstance(part, dict) or KINDS not in part:
                continue
            kinds = part[KINDS]
            if part.get("format") != ORG_UNIT:
                return f"{where}: {KINDS} only applies to a field of format {ORG_UNIT}"
            if not isinstance(kinds, list) or not kinds:
                return f"{where}: {KINDS} must be a non-empty list"
            unknown = [k for k in kinds if k not in UNIT_KINDS]
            if unknown:
                known = ", ".join(UNIT_KINDS)
                return f"{where}: unknown unit kind {unknown[0]!r} in {KINDS} (known: {known})"
    return None


def choices(tree: OrgTree, spec: dict, on: date) -> list[Unit]:
    kinds = spec.get(KINDS)
    return tree.units_on(on, tuple(kinds) if isinstance(kinds, list) else ())


def check_unit_fields(schema: dict | None, data: dict[str, Any], tree: OrgTree, on: date) -> None:
    """Raise InvalidInput naming each org-unit field whose unit is not valid on the date."""
    errors: dict[str, list[str]] = {}
    for name, spec, many in unit_fields(schema):
        value = data.get(name)
        codes = value if many and isinstance(value, list) else [value]
        for code in codes:
            if isinstance(code, str) and code:
                problem = _problem(tree, spec, code, on)
                if problem is not None:
                    errors.setdefault(name, []).append(problem)
    if errors:
        raise InvalidInput(
            N_("Dữ liệu không hợp lệ ở: {fields}."), errors, params={"fields": ", ".join(errors)}
        )


def _problem(tree: OrgTree, spec: dict, code: str, on: date) -> Message | None:
    unit = tree.by_code.get(code)
    shown = on.strftime("%d/%m/%Y")
    if unit is None:
        return Message(N_("Không có đơn vị mã '{code}'."), {"code": code})
    if not unit.in_force(on):
        successor = tree.in_force_on(unit.id, on)
        if successor is not None:
            return Message(
                N_("{unit} không còn hiệu lực ngày {date}; đơn vị kế thừa: {successor} ({code})."),
                {
                    "unit": unit.name,
                    "date": shown,
                    "successor": tree.by_id[successor].name,
                    "code": tree.by_id[successor].code,
                },
            )
        return Message(
            N_("{unit} không có hiệu lực ngày {date}."), {"unit": unit.name, "date": shown}
        )
    kinds = spec.get(KINDS)
    if isinstance(kinds, list) and unit.kind not in kinds:
        return Message(
            N_("{unit} không thuộc loại đơn vị trường này nhận ({kinds})."),
            {"unit": unit.name, "kinds": ", ".join(str(k) for k in kinds)},
        )
    return None


def with_unit_choices(schema: dict | None, tree: OrgTree, on: date) -> dict | None:
    """A copy of the form whose org-unit fields list the units valid on the date."""
    if schema is None:
        return None
    served = copy.deepcopy(schema)
    for _name, spec, _many in unit_fields(served):
        spec["oneOf"] = [{"const": u.code, "title": u.name} for u in choices(tree, spec, on)]
    return served
