"""Date helpers BPMN expressions may call: now(), after(), before(), is_after(),
vn_datetime() (a moment as people read it in a message: "09:00 ngày 05/11/2024").

They are pure functions of their arguments and of the command's recorded
clock, so a replayed command computes the same deadlines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import isodate

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")  # a date alone means that day in Việt Nam
Moment = date | datetime


def make_helpers(clock: Callable[[], datetime]) -> dict[str, Callable[..., str | bool]]:
    """The helper functions bound to one clock."""

    def now() -> str:
        """The command's clock as an ISO 8601 UTC date-time."""
        return clock().isoformat()

    return {
        "now": now,
        "after": after,
        "before": before,
        "is_after": is_after,
        "vn_datetime": vn_datetime,
    }


def vn_datetime(moment: str) -> str:
    """A moment as a message shows it, in Việt Nam's time: `09:00 ngày 05/11/2024`; a
    date alone `ngày 05/11/2024`. Never ISO 8601 in front of people."""
    parsed = _parse_moment(moment, "vn_datetime")
    if not isinstance(parsed, datetime):
        return parsed.strftime("ngày %d/%m/%Y")
    if parsed.tzinfo is None:
        raise ValueError("vn_datetime(): a date-time needs an offset, e.g. +07:00")
    return parsed.astimezone(_LOCAL).strftime("%H:%M ngày %d/%m/%Y")


def is_after(first: str, second: str) -> bool:
    """Whether moment ``first`` is later than ``second`` (offsets honoured; a date is its start)."""
    return _as_datetime(_parse_moment(first, "is_after")) > _as_datetime(
        _parse_moment(second, "is_after")
    )


def _as_datetime(moment: Moment) -> datetime:
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError("is_after(): a date-time needs an offset, e.g. +07:00")
        return moment
    return datetime.combine(moment, datetime.min.time()).replace(tzinfo=_LOCAL)


def after(moment: str, duration: str) -> str:
    """``moment`` plus an ISO 8601 duration; a date stays a date."""
    return _shift(moment, duration, 1, "after")


def before(moment: str, duration: str) -> str:
    """``moment`` minus an ISO 8601 duration; a date stays a date."""
    return _shift(moment, duration, -1, "before")


def _shift(moment: str, duration: str, sign: int, name: str) -> str:
    start = _parse_moment(moment, name)
    delta = _parse_duration(duration, name)
    try:
        shifted = start + delta if sign > 0 else start - delta
    except (OverflowError, ValueError) as error:
        raise ValueError(f"{name}(): the result is outside the supported dates ({error})") from None
    # date + timedelta is a date (sub-day parts are dropped), datetime stays datetime.
    return shifted.isoformat()


def _parse_moment(moment: Any, name: str) -> Moment:
    if not isinstance(moment, str):
        raise ValueError(f"{name}(): the first argument must be an ISO 8601 date or date-time")
    try:
        if _DATE_ONLY.match(moment):
            return date.fromisoformat(moment)
        return datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{name}(): '{moment[:40]}' is not an ISO 8601 date or date-time"
        ) from None


def _parse_duration(duration: Any, name: str) -> timedelta | isodate.Duration:
    if not isinstance(duration, str):
        raise ValueError(
            f"{name}(): the second argument must be an ISO 8601 duration such as 'P7D'"
        )
    try:
        return isodate.parse_duration(duration)
    except (isodate.ISO8601Error, ValueError, OverflowError):
        raise ValueError(
            f"{name}(): '{duration[:40]}' is not an ISO 8601 duration such as 'P7D' or 'PT12H'"
        ) from None
