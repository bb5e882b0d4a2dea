"""Turning a model's due-date value into a moment.

Accepted values (from a `dueIn` expression): a working-day count "10WD"; an ISO 8601
duration ("PT24H" runs from the exact time; "P30D" counts calendar days and ends at the
end of the day, moved to the next working day if that is a rest day, as Bộ luật Dân sự
Điều 148 says); an ISO date (end of that day, local) or date-time.
"""

import re
from collections.abc import Callable
from datetime import date, datetime

import isodate

from engine.errors import ProcessFailed
from engine.rules.calendar import END_OF_DAY, LOCAL, WorkCalendar

WORKING_DAYS = re.compile(r"^\s*(\d+)\s*WD\s*$", re.IGNORECASE)


def due_at(
    value: object, opened_at: datetime, calendar: Callable[[], WorkCalendar]
) -> datetime | None:
    """The due moment; `calendar` is called only when working days matter."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ProcessFailed(f"A due date must be text such as 'PT24H' or '10WD', not {value!r}.")
    if match := WORKING_DAYS.match(value):
        return calendar().deadline_after(opened_at, int(match.group(1)))
    if value.strip().upper().startswith("P"):
        return _after_duration(value.strip(), opened_at, calendar)
    return _explicit(value.strip())


def _after_duration(
    value: str, opened_at: datetime, calendar: Callable[[], WorkCalendar]
) -> datetime:
    try:
        duration = isodate.parse_duration(value)
    except isodate.ISO8601Error as err:
        raise ProcessFailed(f"'{value}' is not an ISO 8601 duration.") from err
    if "T" in value.upper():
        return opened_at + duration  # hour deadlines run from the exact time
    end_day: date = (opened_at.astimezone(LOCAL) + duration).date()
    end = datetime.combine(calendar().next_working_day(end_day), END_OF_DAY, LOCAL)
    return end.astimezone(opened_at.tzinfo)


def _explicit(value: str) -> datetime:
    try:
        if "T" not in value:
            return datetime.combine(date.fromisoformat(value), END_OF_DAY, LOCAL)
        moment = datetime.fromisoformat(value)
    except ValueError as err:
        raise ProcessFailed(f"'{value}' is neither a duration nor a date.") from err
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL)
