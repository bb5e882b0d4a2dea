"""An administrator's changes to the rules and the working calendar: a setting's new
value from a date, a day made a holiday, a make-up working day or an ordinary day, a
year confirmed. Each is one audited administrative event (who, what, before, after, why).

Settings: an instance copies the values in force on its start date (Runtime.settings),
so a new value reaches only instances started on or after its first day; a value is
checked by its setting's kind before anything is written.

Calendar: a deadline is computed once, when its work item opens, and then stays. An
edit reaches only deadlines computed after it; the preview (`moves`) lists, for
information, the open items whose deadline a recomputation would change.
"""

import re
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.org import local_date
from engine.commands.admin_units import audited, clean_reason, require_admin
from engine.commands.runner import Runtime
from engine.enums import AuditCommand
from engine.errors import N_, Conflict, InvalidInput, Message, NotFound
from engine.queries.admin_rules import deadline_moves
from engine.results.admin_rules import CalendarChange, RuleChange
from engine.rules.calendar import WorkCalendar
from engine.rules.settings import value_problem
from engine.store.models import CalendarDay, CalendarYear, Setting, SettingValue

DAY_KINDS = ("holiday", "workday", "ordinary")
MAX_DAY_NAME = 200


def value_from_text(kind: str, text: str) -> Any:
    """A value typed as text (a form field, a shell argument) as its kind stores it: a
    list for `durations` (separated by commas or spaces), the text itself otherwise."""
    text = text.strip()
    if kind == "durations":
        return [part for part in re.split(r"[,\s]+", text) if part]
    return text


def set_setting(
    session: Session,
    actor: str,
    now: datetime,
    key: str,
    value: Any,
    valid_from: date,
    reason: str = "",
) -> RuleChange:
    """The setting's value from `valid_from` (today or later): checked by its kind (a bad
    value is refused naming the setting, and nothing is written)."""
    require_admin(session, actor, now)
    setting = session.get(Setting, key)
    if setting is None:
        raise NotFound(N_("Không có quy định '{key}'."), params={"key": key})
    reason = clean_reason(reason)
    today = local_date(now)
    if valid_from < today:
        raise InvalidInput(
            N_("Quy định {key}: ngày áp dụng không được trước hôm nay ({today})."),
            {"valid_from": [N_("Không được trước hôm nay.")]},
            params={"key": key, "today": today.strftime("%d/%m/%Y")},
        )
    if isinstance(value, str):
        value = value.strip()
    problem = value_problem(setting.kind, value)
    if problem is not None:
        raise InvalidInput(
            N_("Giá trị không hợp lệ cho quy định {key}: {problem}."),
            {"value": [problem]},
            params={"key": key, "problem": problem},
        )
    history = list(
        session.scalars(
            select(SettingValue).where(SettingValue.key == key).order_by(SettingValue.valid_from)
        )
    )
    if any(v.valid_from == valid_from for v in history):
        raise Conflict(
            N_("Quy định {key} đã có giá trị từ ngày {date}."),
            params={"key": key, "date": valid_from.strftime("%d/%m/%Y")},
        )
    earlier = [v for v in history if v.valid_from < valid_from]
    before = (
        {"key": key, "valid_from": earlier[-1].valid_from.isoformat(), "value": earlier[-1].value}
        if earlier
        else None
    )
    session.add(SettingValue(key=key, valid_from=valid_from, value=value, source=reason))
    session.flush()
    after = {"key": key, "valid_from": valid_from.isoformat(), "value": value}
    return audited(session, now, actor, AuditCommand.SETTING_SET, before, after, reason)


def _day_row(row: CalendarDay | None) -> dict[str, Any] | None:
    if row is None:
        return None
    kind = "workday" if row.is_working else "holiday"
    return {"date": row.day.isoformat(), "kind": kind, "name": row.name}


def set_day(
    session: Session,
    rt: Runtime,
    actor: str,
    now: datetime,
    day: date,
    kind: str,
    name: str = "",
    reason: str = "",
    dry_run: bool = False,
) -> CalendarChange:
    """Make the day a holiday (named), a make-up working day (a Saturday or Sunday) or an
    ordinary day; with the open items whose deadline a recomputation would move. A dry
    run writes nothing."""
    require_admin(session, actor, now)
    if kind not in DAY_KINDS:
        kinds = {"kinds": ", ".join(DAY_KINDS)}
        raise InvalidInput(
            Message(N_("Loại ngày: một trong {kinds}."), kinds),
            {"kind": [Message(N_("Loại ngày: một trong {kinds}."), kinds)]},
        )
    if session.get(CalendarYear, day.year) is None:
        raise NotFound(N_("Lịch chưa có dữ liệu năm {year}."), params={"year": day.year})
    name, reason = (name or "").strip(), clean_reason(reason)
    if kind == "holiday" and not name:
        raise InvalidInput(
            N_("Ngày nghỉ cần có tên (ví dụ: Tết Nguyên đán)."),
            {"name": [N_("Cần một tên.")]},
        )
    if len(name) > MAX_DAY_NAME:
        raise InvalidInput(N_("Tên ngày quá dài."), {"name": [N_("Quá dài.")]})
    if kind == "workday" and day.weekday() < 5:
        raise Conflict(
            N_("Ngày {date} là ngày làm việc (thứ Hai – thứ Sáu); chọn 'ngày thường'."),
            params={"date": day.strftime("%d/%m/%Y")},
        )
    row = session.get(CalendarDay, day)
    before = _day_row(row)
    after = None if kind == "ordinary" else {"date": day.isoformat(), "kind": kind, "name": name}
    current = WorkCalendar.load(session)
    exceptions = {d: w for d, w in current.exceptions.items() if d != day}
    if kind != "ordinary":
        exceptions[day] = kind == "workday"
    moves = deadline_moves(session, rt, day, replace(current, exceptions=exceptions))
    change: CalendarChange = {
        "date": day.isoformat(),
        "kind": kind,  # type: ignore[typeddict-item]  # checked against DAY_KINDS above
        "name": name,
        "before": before,
        "applied": not dry_run,
        "moves": moves,
    }
    if dry_run:
        return change
    if kind == "ordinary":
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(CalendarDay(day=day, is_working=kind == "workday", name=name))
    else:
        row.is_working, row.name = kind == "workday", name
    session.flush()
    payload_after = after if after is not None else {"date": day.isoformat(), "kind": "ordinary"}
    audited(session, now, actor, AuditCommand.CALENDAR_SET, before, payload_after, reason)
    return change


def confirm_year(
    session: Session, actor: str, now: datetime, year: int, source: str = "", reason: str = ""
) -> RuleChange:
    """Mark a provisional year confirmed (the government's notice of its swaps is in)."""
    require_admin(session, actor, now)
    reason = clean_reason(reason)
    row = session.get(CalendarYear, year)
    if row is None:
        raise NotFound(N_("Lịch chưa có dữ liệu năm {year}."), params={"year": year})
    if row.confirmed:
        raise Conflict(N_("Lịch năm {year} đã được xác nhận."), params={"year": year})
    before = {"year": year, "confirmed": False, "source": row.source}
    row.confirmed = True
    row.source = (source or "").strip() or row.source
    session.flush()
    after = {"year": year, "confirmed": True, "source": row.source}
    return audited(session, now, actor, AuditCommand.CALENDAR_CONFIRM, before, after, reason)
