"""P5's host operations: when the next daily scan opens, and the monitoring-item rows.

`next_scan(after, at, until)` gives the moment of the next scan: the first working day
(the working calendar, holidays and make-up Saturdays included) whose scan time `at`
(local, "08:00") is after `after` — a rest day has no scan, it moves to the next working
day. `record_item`, `link_found_item` and `track_item` keep the `monitoring_items` row of
an item's case (engine/store/models/monitoring.py). Like every service their results are
recorded in the audit event: a replay neither recounts a day nor writes a row.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine.errors import N_, ProcessFailed
from engine.rules.calendar import END_OF_DAY, LOCAL, WorkCalendar
from engine.store.models import MonitoringItem

if TYPE_CHECKING:
    from engine.rules.services import HostServices

MAX_DAYS_AHEAD = 60  # a calendar with no working day in two months is wrong data


class ItemStatus(StrEnum):
    """Where an item stands (the list page's column)."""

    RECORDED = "recorded"  # found, not classified yet
    REBUTTAL = "rebuttal"  # a P1 case rebuts it
    CLASSIFIED = "classified"  # classified, its branch under way
    NOT_CONFIRMED = "not_confirmed"  # the police found no violation
    FINED = "fined"  # an administrative violation, fined and removal requested
    ESCALATED = "escalated"  # a crime or security matter, sent to the province
    REMOVAL_REQUESTED = "removal_requested"  # the platform has its 24 hours
    REMOVAL_OVERDUE = "removal_overdue"  # the 24 hours passed, escalated
    REMOVED = "removed"


def next_scan(ctx: HostServices, after: str, at: str, until: str) -> dict[str, Any]:
    """The next scan: {"at": ISO (UTC), "due_at": the end of that day, "day": ISO date,
    "skipped": [rest days passed over], "in_term": the day is not after `until`}."""
    moment, scan_time, last_day = _moment(after), _time(at), _day(until)
    calendar = WorkCalendar.load(ctx.session)
    day = moment.astimezone(LOCAL).date()
    if datetime.combine(day, scan_time, LOCAL) <= moment:
        day += timedelta(days=1)
    skipped: list[str] = []
    while not calendar.is_working_day(day):
        skipped.append(day.isoformat())
        if len(skipped) > MAX_DAYS_AHEAD:
            raise ProcessFailed(N_("next_scan: không có ngày làm việc nào trong 60 ngày tới."))
        day += timedelta(days=1)
    return {
        "at": _utc(datetime.combine(day, scan_time, LOCAL)),
        "due_at": _utc(datetime.combine(day, END_OF_DAY, LOCAL)),
        "day": day.isoformat(),
        "skipped": skipped,
        "in_term": day <= last_day,
    }


def record_item(ctx: HostServices, item: dict[str, Any]) -> dict[str, Any]:
    """The row of this item's case (once: a second call returns the same row)."""
    row = _row(ctx, ctx.instance.id)
    if row is None:
        row = MonitoringItem(
            instance_id=ctx.instance.id,
            unit_id=ctx.instance.unit_id,
            title=_text(item, "item_title", 300),
            link=_text(item, "link", 2000),
            platform=_text(item, "platform", 40),
            first_seen_at=_moment(item.get("first_seen_at")),
            found_by=_text(item, "found_by", 40),
            status=ItemStatus.RECORDED,
            note="",
            recorded_at=ctx.now,
            updated_at=ctx.now,
        )
        ctx.session.add(row)
        ctx.session.flush()
    return {"item": row.id}


def link_found_item(ctx: HostServices, case: dict[str, Any]) -> dict[str, Any]:
    """Mark the item of `case` (a start_process result) as found by this scan."""
    row = _row(ctx, _case_id(case))
    if row is None:
        raise ProcessFailed(
            N_("link_found_item: hồ sơ tin {id} chưa có trong sổ theo dõi."),
            params={"id": _case_id(case)},
        )
    row.scan_instance_id = ctx.instance.id
    return {"item": row.id, "scan": ctx.instance.id}


def track_item(ctx: HostServices, status: str, **fields: Any) -> dict[str, Any]:
    """Move this case's item to `status`, with what the step learnt: classification,
    screenshot (an attachment id), press_case (a start_process result), the removal's
    requested_at / due_at / removed_at, escalated (true), fine_amount, fine_decision, note."""
    row = _row(ctx, ctx.instance.id)
    if row is None:
        raise ProcessFailed(N_("track_item: hồ sơ này chưa có trong sổ theo dõi."))
    try:
        row.status = ItemStatus(status)
    except ValueError as err:
        raise ProcessFailed(
            N_("track_item: trạng thái '{value}' không có."), params={"value": str(status)}
        ) from err
    for name, value in fields.items():
        _apply(ctx, row, name, value)
    row.updated_at = ctx.now
    return {"item": row.id, "status": row.status}


def _apply(ctx: HostServices, row: MonitoringItem, name: str, value: Any) -> None:
    if name in ("classification", "screenshot", "fine_decision", "note"):
        column = "screenshot_id" if name == "screenshot" else name
        setattr(row, column, str(value)[:2000] if value not in (None, "") else None)
    elif name == "press_case":
        row.press_instance_id = _case_id(value)
    elif name in ("removal_requested_at", "removal_due_at", "removed_at"):
        setattr(row, name, _moment(value) if value not in (None, "") else None)
    elif name == "escalated":
        row.escalated_at = ctx.now if value else None
    elif name == "fine_amount":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ProcessFailed(N_("track_item: tiền phạt phải là số nguyên ≥ 0."))
        row.fine_amount = value
    else:
        raise ProcessFailed(N_("track_item: không có trường '{name}'."), params={"name": name})


def _row(ctx: HostServices, instance_id: int) -> MonitoringItem | None:
    return ctx.session.scalar(
        select(MonitoringItem).where(MonitoringItem.instance_id == instance_id)
    )


def _case_id(case: Any) -> int:
    if not isinstance(case, dict) or not isinstance(case.get("instance_id"), int):
        raise ProcessFailed(N_("Cần kết quả của start_process (có instance_id)."))
    return int(case["instance_id"])


def _text(item: dict[str, Any], name: str, limit: int) -> str:
    value = item.get(name) if isinstance(item, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise ProcessFailed(N_("record_item: thiếu '{name}'."), params={"name": name})
    return value.strip()[:limit]


def _moment(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as err:
        raise ProcessFailed(
            N_("Thời điểm không hợp lệ: {value}."), params={"value": str(value)}
        ) from err
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL)


def _day(value: Any) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as err:
        raise ProcessFailed(
            N_("Ngày không hợp lệ: {value}."), params={"value": str(value)}
        ) from err


def _time(value: Any) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError as err:
        raise ProcessFailed(
            N_("Giờ rà soát không hợp lệ: {value}."), params={"value": str(value)}
        ) from err


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
