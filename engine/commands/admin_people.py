"""People administration: users and the roles they hold in units over time, changed by an
administrator. Every change is one event of the global audit log (the administration's
chain): who, what, `before`, `after` and the `reason` given. Input is checked whole
before anything is written: InvalidInput names every wrong field.

Claims follow the person. A user deactivated gives back every task they had claimed; a
holding that ends gives back the claimed tasks its holder can no longer act on with the
holdings left. Each release is an `unclaim` event on that instance's chain, by the
administrator, naming whom it was released from (a replay passes over it). A holding
ended at a future date takes effect by itself for access (every command asks the
holdings in force on its date); its claims are released by `release_lapsed`, which the
daily job runs (tasks: `policyflow.release_lapsed_claims`, 00:06 local time) and
`policyflow roles release-lapsed` runs by hand. Nothing is deleted: a deactivated user
and an ended holding stay, so history keeps their names.
"""

import re
import secrets
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.access import accounts, org, throttle
from engine.access.accounts import HASHER
from engine.audit import chain
from engine.commands.org_transition import LIVE
from engine.enums import AuditCommand
from engine.errors import N_, Conflict, InvalidInput, Message, NotFound, PermissionDenied
from engine.queries.admin_people import holding_view, role_names, user_record
from engine.results import (
    Deactivated,
    HoldingChange,
    PasswordReset,
    ReleasedClaim,
    Unlocked,
    UserCreated,
    UserRecord,
)
from engine.store.models import (
    OPEN_ITEM,
    ApiToken,
    Instance,
    Role,
    RoleAssignment,
    User,
    WorkItem,
)

# The API document states the same patterns (web/api/admin_people_doc.py).
USERNAME_PATTERN = "^[a-z0-9_.-]{1,64}$"
# Python's \s and JSON Schema's (ECMA-262) differ on NEL, the C0 separators and BOM: they
# are named here, so the API's schema and the server refuse the same addresses.
_EMAIL_CHAR = "[^@\\s\\u0000-\\u001f\\u007f-\\u009f\\ufeff]"
EMAIL_PATTERN = f"^{_EMAIL_CHAR}+@{_EMAIL_CHAR}+\\.{_EMAIL_CHAR}+$"
PHONE_PATTERN = "^[0-9 +().-]{1,50}$"
ROLE_PATTERN = "^[a-z][a-z0-9_]{0,63}$"
UNIT_PATTERN = "^[a-z0-9][a-z0-9-]{0,63}$"
PATTERNS = {
    "username": USERNAME_PATTERN,
    "email": EMAIL_PATTERN,
    "phone": PHONE_PATTERN,
    "role": ROLE_PATTERN,
    "unit": UNIT_PATTERN,
}
USERNAME = re.compile(USERNAME_PATTERN)
EMAIL = re.compile(EMAIL_PATTERN)
PHONE = re.compile(PHONE_PATTERN)
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TEXT_LIMITS = {"username": 64, "full_name": 200, "position": 200, "email": 200, "phone": 50}
EDITABLE = ("full_name", "position", "email", "phone", "is_admin")
HOLDING_FIELDS = ("role", "unit", "from", "to")
MAX_REASON = 500

ADMINS_ONLY = N_("Chỉ quản trị viên được quản lý người dùng và vai trò.")
INVALID = N_("Thông tin không hợp lệ ở: {fields}.")
REQUIRED = N_("Trường bắt buộc, chưa điền.")
NO_SUCH_USER = N_("Không có người dùng '{username}'.")


class FieldErrors(dict[str, list[str]]):
    """Messages per field, raised together as one InvalidInput."""

    def add(self, name: str, template: str, **params: Any) -> None:
        self.setdefault(name, []).append(Message(template, params))

    def raise_any(self) -> None:
        if self:
            raise InvalidInput(INVALID, dict(self), params={"fields": ", ".join(self)})


def require_admin(session: Session, actor: str) -> org.Actor:
    user = org.get_user(session, actor)
    if not user.is_admin:
        raise PermissionDenied(ADMINS_ONLY)
    return user


def text_field(errors: FieldErrors, fields: Mapping[str, Any], name: str, required: bool) -> Any:
    """The text as given (None when absent or ""); errors for a wrong type, NUL, length
    or shape. The checks are exactly the API document's (web/api/admin_people_doc.py)."""
    value = fields.get(name)
    if value is None or value == "":
        if required:
            errors.add(name, REQUIRED)
        return None
    if not isinstance(value, str):
        errors.add(name, N_("Cần một chuỗi ký tự."))
        return None
    if "\x00" in value:
        errors.add(name, N_("Không được chứa ký tự NUL."))
    elif len(value) > TEXT_LIMITS[name]:
        errors.add(name, N_("Tối đa {limit} ký tự."), limit=TEXT_LIMITS[name])
    elif name == "username" and not USERNAME.search(value):
        errors.add(name, N_("Chỉ chữ thường không dấu, số, dấu chấm, gạch dưới, gạch ngang."))
    elif name == "email" and not EMAIL.search(value):
        errors.add(name, N_("Địa chỉ thư điện tử không hợp lệ."))
    elif name == "phone" and not PHONE.search(value):
        errors.add(name, N_("Số điện thoại chỉ gồm chữ số, dấu cách, +, (, ), -, dấu chấm."))
    return value.strip() or value


def user_fields(fields: Mapping[str, Any], creating: bool, errors: FieldErrors) -> dict[str, Any]:
    """The checked values of the fields given (creating: username and full name required)."""
    allowed = ("username", *EDITABLE) if creating else EDITABLE
    for name in fields:
        if name not in allowed:
            errors.add(str(name)[:64], N_("Không có trường này."))
    found: dict[str, Any] = {}
    for name in allowed:
        if name not in fields and not (creating and name in ("username", "full_name")):
            continue
        if name == "is_admin":
            if not isinstance(fields[name], bool):
                errors.add(name, N_("Cần true hoặc false."))
            found[name] = fields[name] is True
        else:
            found[name] = text_field(errors, fields, name, name in ("username", "full_name"))
    return found


def day_field(errors: FieldErrors, fields: Mapping[str, Any], name: str, required: bool) -> Any:
    """A date given as a date or YYYY-MM-DD; None when absent."""
    value = fields.get(name)
    if isinstance(value, date):
        return value
    if value is None or value == "":
        if required:
            errors.add(name, REQUIRED)
        return None
    try:
        if not isinstance(value, str) or not DAY.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        errors.add(name, N_("Cần một ngày dạng YYYY-MM-DD."))
        return None


def checked_reason(reason: Any) -> str:
    errors = FieldErrors()
    text = reason.strip() if isinstance(reason, str) else ""
    if reason is not None and not isinstance(reason, str):
        errors.add("reason", N_("Cần một chuỗi ký tự."))
    elif "\x00" in text:
        errors.add("reason", N_("Không được chứa ký tự NUL."))
    elif len(text) > MAX_REASON:
        errors.add("reason", N_("Tối đa {limit} ký tự."), limit=MAX_REASON)
    errors.raise_any()
    return text


def user_row(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).unique().first()
    if user is None:
        raise NotFound(NO_SUCH_USER, params={"username": username})
    return user


def snapshot(user: User) -> dict[str, Any]:
    return {
        "full_name": user.full_name,
        "position": user.position,
        "email": user.email,
        "phone": user.phone,
        "is_admin": user.is_admin,
        "active": user.active,
    }


def holding_snapshot(holding: RoleAssignment, tree: org.OrgTree) -> dict[str, Any]:
    return {
        "id": holding.id,
        "role": holding.role_key,
        "unit": tree.by_id[holding.unit_id].code,
        "from": holding.valid_from.isoformat(),
        "to": holding.valid_to.isoformat() if holding.valid_to else None,
    }


def _audit(
    session: Session,
    now: datetime,
    actor: str,
    command: AuditCommand,
    username: str,
    before: Any,
    after: Any,
    reason: str,
    **extra: Any,
) -> None:
    payload = {"username": username, "before": before, "after": after, "reason": reason, **extra}
    chain.append_admin(session, now, actor, command, payload, {})


def new_password() -> str:
    """A one-time password: shown once to the administrator, only its hash is stored."""
    return secrets.token_urlsafe(12)


def create_user(
    session: Session,
    tree: org.OrgTree,
    actor: org.Actor,
    fields: Mapping[str, Any],
    reason: str,
    now: datetime,
) -> UserCreated:
    errors = FieldErrors()
    values = user_fields(fields, True, errors)
    username = values.get("username")
    errors.raise_any()
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(N_("Đã có người dùng '{username}'."), params={"username": username})
    password = new_password()
    user = User(password_hash=HASHER.hash(password), active=True, **{"is_admin": False, **values})
    session.add(user)
    session.flush()
    _audit(session, now, actor.username, AuditCommand.USER_CREATE, user.username, None,
           snapshot(user), reason)  # fmt: skip
    found = user_record(user, tree, role_names(session), org.local_date(now))
    return {**found, "one_time_password": password}


def update_user(
    session: Session,
    tree: org.OrgTree,
    actor: org.Actor,
    username: str,
    fields: Mapping[str, Any],
    reason: str,
    now: datetime,
) -> UserRecord:
    user = user_row(session, username)
    errors = FieldErrors()
    values = user_fields(fields, False, errors)
    if user.username == actor.username and values.get("is_admin") is False:
        errors.add("is_admin", N_("Không thể tự bỏ quyền quản trị của mình."))
    errors.raise_any()
    before = snapshot(user)
    for name, value in values.items():
        setattr(user, name, value)
    if snapshot(user) != before:
        _audit(session, now, actor.username, AuditCommand.USER_UPDATE, username, before,
               snapshot(user), reason)  # fmt: skip
    return user_record(user, tree, role_names(session), org.local_date(now))


def _sign_out_everywhere(session: Session, user: User) -> None:
    """Every web session and API token of the user ends."""
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    session.flush()
    accounts.end_sessions(session, user.username)


def deactivate(
    session: Session,
    tree: org.OrgTree,
    actor: org.Actor,
    username: str,
    reason: str,
    now: datetime,
) -> Deactivated:
    user = user_row(session, username)
    if user.username == actor.username:
        raise Conflict(N_("Không thể tự ngừng tài khoản của mình."))
    if not user.active:
        raise Conflict(
            N_("Người dùng '{username}' đã ngừng hoạt động."), params={"username": username}
        )
    before = snapshot(user)
    user.active = False
    _sign_out_everywhere(session, user)
    released = release_claims(session, tree, user, None, actor.username, now, "deactivated")
    _audit(session, now, actor.username, AuditCommand.USER_DEACTIVATE, username, before,
           snapshot(user), reason, released=[r["task_id"] for r in released])  # fmt: skip
    session.refresh(user)
    return {"user": user_record(user, tree, role_names(session), org.local_date(now)),
            "released": released}  # fmt: skip


def reset_password(
    session: Session, actor: org.Actor, username: str, reason: str, now: datetime
) -> PasswordReset:
    user = user_row(session, username)
    password = new_password()
    user.password_hash = HASHER.hash(password)
    _sign_out_everywhere(session, user)
    _audit(session, now, actor.username, AuditCommand.PASSWORD_RESET, username,
           None, {"sessions_ended": True}, reason)  # fmt: skip
    return {"username": username, "one_time_password": password, "sessions_ended": True}


def unlock(
    session: Session, actor: org.Actor, username: str, reason: str, now: datetime
) -> Unlocked:
    forgotten = throttle.unlock(session, username, actor, now)
    _audit(session, now, actor.username, AuditCommand.USER_UNLOCK, username,
           {"failures": forgotten}, {"failures": 0}, reason)  # fmt: skip
    return {"username": username, "failures_forgotten": forgotten}


def holding_spec(
    session: Session, tree: org.OrgTree, fields: Mapping[str, Any], errors: FieldErrors
) -> tuple[str, int, date, date | None] | None:
    """(role, unit id, from, to) of a holding to grant, checked; None if anything is wrong."""
    for name in fields:
        if name not in HOLDING_FIELDS:
            errors.add(str(name)[:64], N_("Không có trường này."))
    role, code = fields.get("role"), fields.get("unit")
    if not role:
        errors.add("role", REQUIRED)
    elif not isinstance(role, str) or session.get(Role, role) is None:
        errors.add("role", N_("Không có vai trò '{role}'."), role=str(role)[:64])
    if not code:
        errors.add("unit", REQUIRED)
    elif not isinstance(code, str) or code not in tree.by_code:
        errors.add("unit", N_("Không có đơn vị mã '{code}'."), code=str(code)[:64])
    start = day_field(errors, fields, "from", True)
    end = day_field(errors, fields, "to", False)
    if start and end and end < start:
        errors.add("to", N_("Ngày kết thúc trước ngày bắt đầu."))
    unit = tree.by_code.get(code) if isinstance(code, str) else None
    if unit and start and not unit.in_force(start):
        errors.add("from", N_("Ngày {date}, đơn vị {unit} không có hiệu lực."),
                   date=start.strftime("%d/%m/%Y"), unit=unit.name)  # fmt: skip
    if errors or unit is None or start is None:
        return None
    return str(role), unit.id, start, end


def overlapping(user: User, role: str, unit_id: int, start: date, end: date | None) -> bool:
    for held in user.roles:
        if held.role_key != role or held.unit_id != unit_id:
            continue
        if (held.valid_to is None or held.valid_to >= start) and (
            end is None or end >= held.valid_from
        ):
            return True
    return False


def grant(
    session: Session,
    tree: org.OrgTree,
    actor: org.Actor,
    username: str,
    fields: Mapping[str, Any],
    reason: str,
    now: datetime,
) -> HoldingChange:
    user = user_row(session, username)
    errors = FieldErrors()
    spec = holding_spec(session, tree, fields, errors)
    errors.raise_any()
    assert spec is not None
    if overlapping(user, *spec):
        raise Conflict(N_("Người này đã giữ vai trò ấy ở đơn vị ấy trong khoảng thời gian này."))
    role, unit_id, start, end = spec
    holding = RoleAssignment(role_key=role, unit_id=unit_id, valid_from=start, valid_to=end)
    user.roles.append(holding)
    session.flush()
    _audit(session, now, actor.username, AuditCommand.ROLE_GRANT, username, None,
           holding_snapshot(holding, tree), reason)  # fmt: skip
    view = holding_view(holding, tree, role_names(session), org.local_date(now))
    return {"username": username, "holding": view, "released": []}


def end_holding(
    session: Session,
    tree: org.OrgTree,
    actor: org.Actor,
    holding_id: int,
    on: Any,
    reason: str,
    now: datetime,
) -> HoldingChange:
    """The holding ends at `on`, the first day its holder no longer has the role (its last
    day in force is the day before). Claims are released now if `on` is today or past."""
    holding = session.get(RoleAssignment, holding_id)
    if holding is None:
        raise NotFound(N_("Không có vai trò được giao số {id}."), params={"id": holding_id})
    errors = FieldErrors()
    day = day_field(errors, {"on": on}, "on", True)
    if day is not None and day < holding.valid_from:
        errors.add("on", N_("Trước ngày bắt đầu giữ vai trò ({date})."),
                   date=holding.valid_from.strftime("%d/%m/%Y"))  # fmt: skip
    errors.raise_any()
    last = day - timedelta(days=1)
    if holding.valid_to is not None and holding.valid_to <= last:
        raise Conflict(
            N_("Vai trò này đã kết thúc từ ngày {date}."),
            params={"date": (holding.valid_to + timedelta(days=1)).strftime("%d/%m/%Y")},
        )
    before = holding_snapshot(holding, tree)
    holding.valid_to = last
    session.flush()
    user = holding.user
    _audit(session, now, actor.username, AuditCommand.ROLE_END, user.username, before,
           holding_snapshot(holding, tree), reason)  # fmt: skip
    today = org.local_date(now)
    released = []
    if day <= today:
        released = release_claims(session, tree, user, today, actor.username, now, "role_ended")
    view = holding_view(holding, tree, role_names(session), today)
    return {"username": user.username, "holding": view, "released": released}


def release_claims(
    session: Session,
    tree: org.OrgTree,
    user: User,
    on: date | None,
    actor: str,
    now: datetime,
    reason: str,
) -> list[ReleasedClaim]:
    """Give back to the group every open task the user claimed and cannot act on with
    the holdings in force on `on` (None, or an inactive user: every claimed task)."""
    session.flush()
    items = session.scalars(
        select(WorkItem)
        .join(Instance, Instance.id == WorkItem.instance_id)
        .where(
            WorkItem.claimed_by == user.id,
            OPEN_ITEM,
            Instance.status.in_(LIVE),
        )
        .order_by(WorkItem.instance_id, WorkItem.id)
    ).all()
    holder = None
    if on is not None and user.active and items:
        try:
            holder = org.get_user(session, user.username, on)
        except NotFound:
            holder = None
    released: list[ReleasedClaim] = []
    for item in items:
        if holder is not None and org.can_act(
            tree, holder, item.role_key, item.unit_id, item.scope
        ):
            continue
        instance = session.get(Instance, item.instance_id, with_for_update=True)
        assert instance is not None
        item.claimed_by = None
        payload = {"task_id": item.id, "element_id": item.element_id,
                   "released_from": user.username, "reason": reason}  # fmt: skip
        chain.append(session, instance, now, actor, AuditCommand.UNCLAIM, payload,
                     {"status": instance.status})  # fmt: skip
        released.append({"task_id": item.id, "instance_id": item.instance_id,
                         "name": item.name, "username": user.username})  # fmt: skip
    return released


def release_lapsed(
    session: Session, tree: org.OrgTree, on: date, actor: str, now: datetime
) -> list[ReleasedClaim]:
    """Every claim whose holder cannot act on its task on `on` (a holding ended, a user
    deactivated) goes back to the group: the daily job's and `roles release-lapsed`'s."""
    claimants = session.scalars(
        select(WorkItem.claimed_by).where(OPEN_ITEM, WorkItem.claimed_by.is_not(None)).distinct()
    ).all()
    released: list[ReleasedClaim] = []
    for user_id in sorted(c for c in claimants if c is not None):
        user = session.get(User, user_id)
        if user is not None:
            reason = "role_ended" if user.active else "deactivated"
            released += release_claims(session, tree, user, on, actor, now, reason)
    return released
