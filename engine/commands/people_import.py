"""Many people at once: a CSV file of users and the roles they hold, checked whole before
anything is written (every wrong cell named by row and column), then added and updated
in one transaction, audited as one `user_import` event listing each change. A dry run
lists the same changes and writes nothing.

Columns: username, full_name, position, email, phone, role, unit, from, to (the header
row names them; username and full_name are required, the rest may be left blank). A
row with a role gives its user that role in the unit from `from` (to `to`, if given);
several rows may name one user (one per holding). A row repeating a holding (same user,
role, unit and first day) sets its last day. Like the org file's import, this adds and
updates, never deletes. Each user the import adds gets a one-time password of their own.
"""

import csv
import io
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access import org
from engine.access.accounts import HASHER
from engine.audit import chain
from engine.commands import admin_people as people
from engine.enums import AuditCommand
from engine.errors import N_, InvalidInput
from engine.results import PeopleImport
from engine.store.models import RoleAssignment, User

COLUMNS = ("username", "full_name", "position", "email", "phone", "role", "unit", "from", "to")
USER_COLUMNS = ("username", "full_name", "position", "email", "phone")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000


def read_rows(text: str) -> list[dict[str, str]]:
    """The data rows, keyed by column; InvalidInput for a file that is not such a CSV."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES or "\x00" in text:
        raise InvalidInput(N_("Tệp CSV quá lớn (tối đa 2 MB) hoặc chứa ký tự NUL."))
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in ("username", "full_name") if c not in header]
    if unknown or missing or len(set(header)) != len(header):
        raise InvalidInput(
            N_("Dòng tiêu đề CSV cần các cột {columns}; sai: {wrong}."),
            {"header": [", ".join(unknown + missing) or "duplicate column"]},
            params={"columns": ", ".join(COLUMNS), "wrong": ", ".join(unknown + missing)},
        )
    reader.fieldnames = header
    try:
        rows = []
        for row in reader:
            if None in row:
                raise csv.Error("more cells than columns")
            rows.append({k: (v or "").strip() for k, v in row.items()})
            if len(rows) > MAX_ROWS:
                raise csv.Error(f"more than {MAX_ROWS} rows")
    except csv.Error as err:
        raise InvalidInput(
            N_("Không đọc được tệp CSV: {error}"), params={"error": str(err)}
        ) from err
    return rows


def import_people(
    session: Session,
    tree: org.OrgTree,
    actor: org.Actor,
    text: str,
    dry_run: bool,
    reason: str,
    now: datetime,
) -> PeopleImport:
    rows = read_rows(text)
    errors = people.FieldErrors()
    plans: list[tuple[dict[str, Any], tuple[Any, ...] | None]] = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        row_errors = people.FieldErrors()
        values = people.user_fields({k: row[k] for k in USER_COLUMNS if k in row}, True, row_errors)
        holding = None
        if any(row.get(k) for k in ("role", "unit", "from", "to")):
            spec = {k: row.get(k) or None for k in people.HOLDING_FIELDS}
            holding = people.holding_spec(session, tree, spec, row_errors)
        for name, messages in row_errors.items():
            errors.setdefault(f"row {number}: {name}", []).extend(messages)
        plans.append((values, holding))
    errors.raise_any()

    changes: list[str] = []
    counts: dict[str, int] = {}
    passwords: dict[str, str] = {}

    def note(kind: str, line: str) -> None:
        changes.append(line)
        counts[kind] = counts.get(kind, 0) + 1

    users = {u.username: u for u in session.scalars(select(User)).unique()}
    touched: set[str] = set()
    with session.no_autoflush:
        for values, holding in plans:
            name = values["username"]
            user = users.get(name)
            if user is None:
                passwords[name] = people.new_password()
                hashed = HASHER.hash(passwords[name]) if not dry_run else ""
                user = users[name] = User(
                    password_hash=hashed, active=True, is_admin=False, **values
                )
                session.add(user)
                note("users", f"+ user {name} ({values['full_name']})")
            else:
                given = {k: v for k, v in values.items() if v is not None and k != "username"}
                changed = [f"{k}: {getattr(user, k)!r} -> {v!r}" for k, v in given.items()
                           if getattr(user, k) != v]  # fmt: skip
                if changed and name not in touched:
                    note("users", f"~ user {name}: " + "; ".join(changed))
                for key, value in given.items():
                    setattr(user, key, value)
            touched.add(name)
            if holding is not None:
                _plan_holding(user, holding, tree, note)
    if dry_run:
        session.rollback()
        return {"dry_run": True, "changes": changes, "counts": counts, "one_time_passwords": {}}
    session.flush()
    today = org.local_date(now)
    for name in sorted(touched):
        people.release_claims(session, tree, users[name], today, actor.username, now, "role_ended")
    if changes:
        payload = {"changes": changes[:500], "counts": counts, "reason": reason}
        chain.append_admin(session, now, actor.username, AuditCommand.USER_IMPORT, payload, {})
    return {"dry_run": False, "changes": changes, "counts": counts, "one_time_passwords": passwords}


def _plan_holding(user: User, holding: tuple[Any, ...], tree: org.OrgTree, note: Any) -> None:
    role, unit_id, start, end = holding
    code = tree.by_id[unit_id].code
    label = f"holding {user.username} {role}@{code} from {start}"
    same = next(
        (h for h in user.roles if (h.role_key, h.unit_id, h.valid_from) == (role, unit_id, start)),
        None,
    )
    if same is None:
        user.roles.append(
            RoleAssignment(role_key=role, unit_id=unit_id, valid_from=start, valid_to=end)
        )
        note("holdings", f"+ {label}" + (f" to {end}" if end else ""))
    elif same.valid_to != end:
        note("holdings", f"~ {label}: to {same.valid_to} -> {end}")
        same.valid_to = end
