"""Date fields bounded by a moment already in the case: `"x-not-after": "answer_due_at"`.

A form field of format `date` or `date-time` may name, with `x-not-after`, a key of the
instance's data holding an ISO date or date-time (for P1, the answer deadline fixed at
receipt); a value later than that moment is refused, the message naming the moment
(`23:59 ngày 11/11/2024`) and, if the field gives one, `x-not-after-title` (what the
moment is: "thời hạn trả lời vụ việc"). A date alone counts as the end of that day in
Việt Nam. While the named key is missing or empty the bound does not apply.
"""

from datetime import date, datetime
from typing import Any

from engine.errors import N_, InvalidInput, Message
from engine.rules.calendar import END_OF_DAY, LOCAL

NOT_AFTER = "x-not-after"
TITLE = "x-not-after-title"
DATED = ("date", "date-time")


def bound_problem(schema: dict) -> str | None:
    """Why a form's `x-not-after` is unusable (not a key name, or on a field that is not a
    date or date-time), or None: checked at deploy."""
    for name, spec in (schema.get("properties") or {}).items():
        if not isinstance(spec, dict) or NOT_AFTER not in spec:
            continue
        if not isinstance(spec[NOT_AFTER], str) or not spec[NOT_AFTER]:
            return f"{name}: {NOT_AFTER} must name a key of the instance's data"
        if spec.get("format") not in DATED:
            return f"{name}: {NOT_AFTER} only applies to a field of format date or date-time"
    return None


def check_not_after(schema: dict | None, data: dict[str, Any], case: dict[str, Any]) -> None:
    """Raise InvalidInput naming each field whose value is later than its bound in `case`
    (the task's data before this completion)."""
    errors: dict[str, list[str]] = {}
    for name, spec in ((schema or {}).get("properties") or {}).items():
        if not isinstance(spec, dict) or not isinstance(spec.get(NOT_AFTER), str):
            continue
        value, limit = _moment(data.get(name)), _moment(case.get(spec[NOT_AFTER]))
        if value is None or limit is None or value <= limit:
            continue
        shown = limit.astimezone(LOCAL).strftime("%H:%M ngày %d/%m/%Y")
        title = spec.get(TITLE)
        if isinstance(title, str) and title:
            message = Message(
                N_("Không được muộn hơn {title}: {moment}."), {"title": title, "moment": shown}
            )
        else:
            message = Message(N_("Không được muộn hơn {moment}."), {"moment": shown})
        errors[name] = [message]
    if errors:
        raise InvalidInput(
            N_("Dữ liệu không hợp lệ ở: {fields}."), errors, params={"fields": ", ".join(errors)}
        )


def _moment(value: object) -> datetime | None:
    """An ISO date (its end, local) or date-time (naive: local) as an aware datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        if "T" not in value:
            return datetime.combine(date.fromisoformat(value), END_OF_DAY, LOCAL)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None  # the schema's format check speaks for the field's own value
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL)
