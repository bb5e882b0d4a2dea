"""A case's deadline, fixed once at receipt, and the internal milestones derived from it.

A process that answers within a legal limit (P1: 24 hours after an unexpected event, 30
days for a citizen issue, n working days for a press question) computes the answer
deadline **once**, as an absolute moment, and every later step is due by it or by an
earlier milestone: a step that opens late is late, its deadline does not restart.

`case_deadlines(received_at, rule, milestones)` (the service operation of that name):

- `rule` is a due value as `dueIn` takes it (engine/rules/due.py): "5WD", "PT24H", "P30D",
  counted from `received_at` (an ISO date-time).
- `milestones` maps a name to an offset: "-2WD" (the end of the working day two working
  days before the answer deadline), "+1WD" (the end of the first working day after
  receipt), "-PT8H" / "+PT4H" (hours before the deadline / after receipt). A milestone
  is never later than the answer deadline; one that would fall before receipt (a short
  rule leaves no room) falls on the answer deadline.

The result maps `answer_due_at` and each milestone name to an ISO 8601 UTC date-time.
It reads the working calendar, so it is a service operation: its result is recorded in
the audit event and a replay takes it from there.
"""

import re
from datetime import UTC, datetime, timedelta

import isodate

from engine.errors import ProcessFailed
from engine.rules.calendar import END_OF_DAY, LOCAL, WorkCalendar
from engine.rules.due import due_at

OFFSET = re.compile(r"^\s*([+-])\s*(?:(\d+)\s*WD|(PT?\w+))\s*$", re.IGNORECASE)


def case_deadlines(
    calendar: WorkCalendar, received_at: str, rule: str, milestones: dict[str, str] | None = None
) -> dict[str, str]:
    """{"answer_due_at": ISO, milestone name: ISO…} (UTC)."""
    received = _moment(received_at)
    answer = due_at(rule, received, lambda: calendar)
    if answer is None:
        raise ProcessFailed("case_deadlines: the rule gives no deadline.")
    answer = answer.astimezone(UTC)
    result = {"answer_due_at": answer.isoformat()}
    for name, offset in (milestones or {}).items():
        moment = _milestone(calendar, str(offset), received, answer)
        if moment < received:
            moment = answer
        result[str(name)] = min(moment, answer).astimezone(UTC).isoformat()
    return result


def _moment(value: object) -> datetime:
    if not isinstance(value, str):
        raise ProcessFailed(f"case_deadlines: received_at must be an ISO date-time, not {value!r}.")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as err:
        raise ProcessFailed(f"case_deadlines: '{value[:40]}' is not an ISO date-time.") from err
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL)


def _milestone(
    calendar: WorkCalendar, offset: str, received: datetime, answer: datetime
) -> datetime:
    match = OFFSET.match(offset)
    if match is None:
        raise ProcessFailed(
            f"case_deadlines: milestone '{offset}' is not '+nWD', '-nWD' or a signed duration."
        )
    sign, days, duration = match.groups()
    if days is not None:
        if sign == "+":
            return calendar.deadline_after(received, int(days))
        return _working_days_before(calendar, answer, int(days))
    try:
        delta = isodate.parse_duration(duration.upper())
    except isodate.ISO8601Error as err:
        raise ProcessFailed(f"case_deadlines: '{duration}' is not an ISO 8601 duration.") from err
    if not isinstance(delta, timedelta):
        raise ProcessFailed(f"case_deadlines: '{duration}' has months or years; use days.")
    return received + delta if sign == "+" else answer - delta


def _working_days_before(calendar: WorkCalendar, moment: datetime, days: int) -> datetime:
    """The end of the working day `days` working days before the moment's local day."""
    day, counted = moment.astimezone(LOCAL).date(), 0
    while counted < days:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return datetime.combine(day, END_OF_DAY, LOCAL)
