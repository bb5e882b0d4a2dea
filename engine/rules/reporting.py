"""Units reporting (P3): figures pre-filled from what the system recorded, kept
consistent, corrected only with a reason; which units have not reported yet.

Form keywords the engine reads:

- `"x-prefill": "case_figures"` (form level): the task-data variable (a dict, field name
  → value) whose values the served form carries as each field's `default`.
- `"x-correction-field": "figures_correction_reason"` (form level, with `x-prefill`): the
  field required when a submitted value differs from its pre-filled one. The served form
  says so as JSON Schema (`if` every pre-filled field keeps its value, `else` the reason
  is required), and the completion is validated against that same schema.
- `"x-at-most": "press_requests_received"` (field level): the value may not exceed the
  named field's (answered ≤ received, on time ≤ events, handled ≤ detected).
- `"x-default": "current_year"` (field level): the served form's default is the current
  year (the engine clock, local), and a start that leaves the field out gets it from the
  instance's date.

Service operations: `case_figures(unit, year)` sums the case records (P1, P2) of a unit
and year, the pre-fill, with the unit's newest progress on each plan task it reported on
through P6 (`plan_progress`, text: edited without a correction reason);
`units_with_open_tasks(elements)` lists the units whose task of those elements is still
open (who has not reported at the deadline).
"""

import copy
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine.enums import WorkItemState
from engine.errors import N_, InvalidInput, Message
from engine.rules.forms import validate_form
from engine.rules.indicators import case_rows, sum_figures
from engine.rules.unit_plans import plan_progress_text
from engine.store.models import WorkItem

if TYPE_CHECKING:  # the service context; services.py imports this module
    from engine.rules.services import HostServices

PREFILL = "x-prefill"
CORRECTION = "x-correction-field"
AT_MOST = "x-at-most"
DEFAULT = "x-default"
CURRENT_YEAR = "current_year"
PLAN_PROGRESS = "plan_progress"  # the pre-filled text of the unit's plan progress (P6)


def _properties(schema: dict | None) -> dict[str, Any]:
    found = (schema or {}).get("properties")
    return found if isinstance(found, dict) else {}


def prefilled(schema: dict | None, task_data: dict[str, Any]) -> dict[str, Any]:
    """The pre-filled values the task's data holds for the form's fields."""
    name = (schema or {}).get(PREFILL)
    values = task_data.get(name) if isinstance(name, str) else None
    if not isinstance(values, dict):
        return {}
    fields = _properties(schema)
    return {k: v for k, v in values.items() if k in fields}


def with_prefill(schema: dict | None, task_data: dict[str, Any]) -> dict | None:
    """A copy of the form with the pre-filled values as defaults and, if it names a
    correction field, that field required when any of them is changed."""
    values = prefilled(schema, task_data)
    if schema is None or not values:
        return schema
    served = copy.deepcopy(schema)
    for name, value in values.items():
        served["properties"][name]["default"] = value
    reason = schema.get(CORRECTION)
    # Figures must keep their value or carry a reason; text (the plan's progress) is free.
    figures = {k: v for k, v in values.items() if isinstance(v, int) and not isinstance(v, bool)}
    if isinstance(reason, str) and reason in served["properties"] and figures:
        kept = {"properties": {k: {"const": v} for k, v in figures.items()}}
        served.setdefault("allOf", []).append({"if": kept, "else": {"required": [reason]}})
    return served


def check_prefilled(
    schema: dict | None,
    data: dict[str, Any],
    task_data: dict[str, Any],
    formats: dict[str, Callable[[object], bool]] | None = None,
) -> None:
    """Refuse (InvalidInput) a change to a pre-filled figure without the correction reason:
    the served form's own rule, checked on the server."""
    served = with_prefill(schema, task_data)
    if served is not schema:
        validate_form(served, data, formats)


def check_at_most(schema: dict | None, data: dict[str, Any]) -> None:
    """Refuse (InvalidInput, naming each field) a figure larger than the one it may not
    exceed: 12 press requests answered of 10 received."""
    fields = _properties(schema)
    errors: dict[str, list[str]] = {}
    for name, spec in fields.items():
        other = spec.get(AT_MOST) if isinstance(spec, dict) else None
        value, limit = data.get(name), data.get(other) if isinstance(other, str) else None
        if isinstance(value, int | float) and isinstance(limit, int | float) and value > limit:
            other_spec = fields.get(other) if isinstance(other, str) else None
            title = other_spec.get("title", other) if isinstance(other_spec, dict) else other
            errors[name] = [
                Message(
                    N_('{value} lớn hơn "{other}" ({limit}): số liệu không khớp.'),
                    {"value": value, "other": title, "limit": limit},
                )
            ]
    if errors:
        raise InvalidInput(
            N_("Dữ liệu không hợp lệ ở: {fields}."), errors, params={"fields": ", ".join(errors)}
        )


def with_current_year(schema: dict | None, today: date) -> dict | None:
    """A copy of the form whose `x-default: current_year` fields default to this year."""
    marked = [n for n, s in _properties(schema).items() if _is_current_year(s)]
    if schema is None or not marked:
        return schema
    served = copy.deepcopy(schema)
    for name in marked:
        served["properties"][name]["default"] = today.year
    return served


def fill_current_year(schema: dict | None, data: Any, on: date) -> Any:
    """The start data with each `x-default: current_year` field left out set to the year
    of the instance's date (a copy; anything else is left to validation)."""
    if not isinstance(data, dict):
        return data
    missing = [n for n, s in _properties(schema).items() if _is_current_year(s) and n not in data]
    return {**data, **{name: on.year for name in missing}} if missing else data


def _is_current_year(spec: object) -> bool:
    return isinstance(spec, dict) and spec.get(DEFAULT) == CURRENT_YEAR


def case_figures(ctx: "HostServices", unit: str, year: int) -> dict[str, int | str]:
    """The year's case records of the unit (and the units it took over), summed per
    indicator: what P1 and P2 recorded, for the unit's report to start from; and, under
    `plan_progress`, the newest status of each plan task it reported on (P6)."""
    found = ctx.tree.by_code.get(unit)
    if found is None:
        raise InvalidInput(N_("Không có đơn vị '{code}'."), params={"code": unit})
    units = ctx.tree.with_predecessors({found.id})
    # The dashboard sums the same records by the same rule in the database
    # (engine.rules.indicators.case_sums; tests/engine/test_indicator_sums.py).
    rows = case_rows(ctx.session, units, int(year))
    figures: dict[str, int | str] = dict(sum_figures(f for _, _, f, _ in rows))
    progress = plan_progress_text(ctx.session, ctx.tree, found.id, int(year))
    if progress:
        figures[PLAN_PROGRESS] = progress
    return figures


def units_with_open_tasks(ctx: "HostServices", elements: list[str]) -> list[dict[str, str]]:
    """The units ({"code", "name"}, by name) that still have an open task of one of the
    elements in this instance: at the deadline, those that have not reported."""
    rows = ctx.session.scalars(
        select(WorkItem.unit_id).where(
            WorkItem.instance_id == ctx.instance.id,
            WorkItem.state == WorkItemState.OPEN,
            WorkItem.element_id.in_([str(e) for e in elements]),
        )
    )
    units = {u: ctx.tree.by_id[u] for u in rows if u in ctx.tree.by_id}
    found = [{"code": u.code, "name": u.name} for u in units.values()]
    return sorted(found, key=lambda u: (u["name"], u["code"]))
