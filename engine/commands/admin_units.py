"""An administrator's changes to the org units: add a unit, rename one, end one with the
successor that takes its place. Each is one audited administrative event (who, what,
before, after, why) in the administration's chain; the org tree's cache is dropped by the
caller.

Ending a unit changes nothing of the open work by itself: the daily hand-over
(engine.commands.org_transition) moves it to the successor from the day after.
"""

import re
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.org import get_user, local_date
from engine.audit import chain
from engine.enums import AuditCommand
from engine.errors import N_, Conflict, InvalidInput, Message, NotFound, PermissionDenied
from engine.results.admin_rules import RuleChange
from engine.rules.unit_fields import UNIT_KINDS
from engine.store.models import OrgUnit

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_NAME = 200
MAX_REASON = 500
SYSTEM = "system"  # the operator at the shell (the CLI without --as)


def require_admin(session: Session, username: str, now: datetime) -> None:
    """PermissionDenied unless the user is an administrator (or the system)."""
    if username != SYSTEM and not get_user(session, username, local_date(now)).is_admin:
        raise PermissionDenied(N_("Chỉ quản trị viên được sửa đơn vị, quy định và lịch."))


def clean_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if len(text) > MAX_REASON:
        raise InvalidInput(
            N_("Lý do tối đa {n} ký tự."),
            {"reason": [N_("Quá dài.")]},
            params={"n": MAX_REASON},
        )
    return text


def clean_name(name: str | None) -> str:
    text = (name or "").strip()
    if not text or len(text) > MAX_NAME:
        raise InvalidInput(
            N_("Tên đơn vị không được để trống và tối đa {n} ký tự."),
            {"name": [Message(N_("Cần một tên (tối đa {n} ký tự)."), {"n": MAX_NAME})]},
            params={"n": MAX_NAME},
        )
    return text


def unit_row(session: Session, code: str) -> OrgUnit:
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise NotFound(N_("Không có đơn vị mã '{code}'."), params={"code": code})
    return unit


def snapshot(unit: OrgUnit, session: Session) -> dict[str, Any]:
    """The unit as the audit log records it."""
    parent = session.get(OrgUnit, unit.parent_id) if unit.parent_id else None
    successor = session.get(OrgUnit, unit.successor_id) if unit.successor_id else None
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": parent.code if parent else None,
        "valid_from": unit.valid_from.isoformat(),
        "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
        "successor": successor.code if successor else None,
        "reports": unit.reports,
    }


def audited(
    session: Session,
    now: datetime,
    actor: str,
    command: AuditCommand,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str,
) -> RuleChange:
    payload = {"before": before, "after": after, "reason": reason}
    chain.append_admin(session, now, actor, command, payload, {})
    return {"command": command, "before": before, "after": after, "reason": reason}


def add_unit(
    session: Session,
    actor: str,
    now: datetime,
    code: str,
    name: str,
    kind: str,
    parent: str | None,
    valid_from: date,
    reports: bool | None = None,
    reason: str = "",
) -> RuleChange:
    """A new unit from `valid_from`, under `parent` (which must be in force that day)."""
    require_admin(session, actor, now)
    errors: dict[str, list[str]] = {}
    if not isinstance(code, str) or not CODE.fullmatch(code):
        errors["code"] = [N_("Mã: chữ thường, số, '-' hoặc '_', tối đa 64 ký tự.")]
    if kind not in UNIT_KINDS:
        kinds = {"kinds": ", ".join(UNIT_KINDS)}
        errors["kind"] = [Message(N_("Loại đơn vị: một trong {kinds}."), kinds)]
    if errors:
        raise InvalidInput(N_("Đơn vị mới chưa hợp lệ."), errors)
    name, reason = clean_name(name), clean_reason(reason)
    parent_row = unit_row(session, parent) if parent else None
    if session.scalar(select(OrgUnit.id).where(OrgUnit.code == code)) is not None:
        raise Conflict(N_("Đã có đơn vị mã '{code}'."), params={"code": code})
    if parent_row is not None and not parent_row.in_force(valid_from):
        raise InvalidInput(
            N_("Đơn vị cấp trên {parent} không có hiệu lực ngày {date}."),
            {"parent": [N_("Không có hiệu lực ngày bắt đầu.")]},
            params={"parent": parent_row.name, "date": valid_from.strftime("%d/%m/%Y")},
        )
    unit = OrgUnit(
        code=code,
        name=name,
        kind=kind,
        parent_id=parent_row.id if parent_row else None,
        valid_from=valid_from,
        valid_to=None,
        reports=kind in ("department", "commune") if reports is None else reports,
        source=reason,
        verified=True,
    )
    session.add(unit)
    session.flush()
    return audited(
        session, now, actor, AuditCommand.UNIT_ADD, None, snapshot(unit, session), reason
    )


def rename_unit(
    session: Session, actor: str, now: datetime, code: str, name: str, reason: str = ""
) -> RuleChange:
    require_admin(session, actor, now)
    name, reason = clean_name(name), clean_reason(reason)
    unit = unit_row(session, code)
    before = snapshot(unit, session)
    unit.name = name
    session.flush()
    return audited(
        session, now, actor, AuditCommand.UNIT_RENAME, before, snapshot(unit, session), reason
    )


def end_unit(
    session: Session,
    actor: str,
    now: datetime,
    code: str,
    last_day: date,
    successor: str | None,
    reason: str = "",
) -> RuleChange:
    """The unit's last day in force, and the unit that takes its place from the next day
    (refused when the successor is not in force then)."""
    require_admin(session, actor, now)
    reason = clean_reason(reason)
    unit = unit_row(session, code)
    successor_row = unit_row(session, successor) if successor else None
    if unit.valid_to is not None:
        raise Conflict(
            N_("Đơn vị {unit} đã kết thúc ngày {date}."),
            params={"unit": unit.name, "date": unit.valid_to.strftime("%d/%m/%Y")},
        )
    if last_day < unit.valid_from:
        raise InvalidInput(
            N_("Ngày cuối không được trước ngày bắt đầu của đơn vị ({date})."),
            {"last_day": [N_("Trước ngày bắt đầu.")]},
            params={"date": unit.valid_from.strftime("%d/%m/%Y")},
        )
    if successor_row is not None:
        next_day = last_day + timedelta(days=1)
        if successor_row.id == unit.id or not successor_row.in_force(next_day):
            raise InvalidInput(
                N_("Đơn vị kế thừa {successor} không có hiệu lực ngày {date}."),
                {"successor": [N_("Không có hiệu lực ngày sau ngày cuối.")]},
                params={"successor": successor_row.name, "date": next_day.strftime("%d/%m/%Y")},
            )
    before = snapshot(unit, session)
    unit.valid_to = last_day
    unit.successor_id = successor_row.id if successor_row else None
    session.flush()
    return audited(
        session, now, actor, AuditCommand.UNIT_END, before, snapshot(unit, session), reason
    )
