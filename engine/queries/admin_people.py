"""Users as the administration sees them: searched by name, unit, role and whether
active, each with every role holding over time (read-only)."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access import org
from engine.results import HoldingView, UserPage, UserRecord
from engine.store.models import Role, RoleAssignment, User


def role_names(session: Session) -> dict[str, str]:
    return {r.key: r.name_vi for r in session.scalars(select(Role))}


def holding_view(
    holding: RoleAssignment, tree: org.OrgTree, names: dict[str, str], today: date
) -> HoldingView:
    unit = tree.by_id[holding.unit_id]
    return {
        "id": holding.id,
        "role": holding.role_key,
        "role_name": names.get(holding.role_key, holding.role_key),
        "unit": unit.code,
        "unit_name": unit.name,
        "valid_from": holding.valid_from.isoformat(),
        "valid_to": holding.valid_to.isoformat() if holding.valid_to else None,
        "in_force": holding.in_force(today) and unit.in_force(today),
    }


def user_record(user: User, tree: org.OrgTree, names: dict[str, str], today: date) -> UserRecord:
    held = sorted(user.roles, key=lambda h: (h.valid_from, h.id or 0), reverse=True)
    return {
        "username": user.username,
        "full_name": user.full_name,
        "position": user.position,
        "email": user.email,
        "phone": user.phone,
        "is_admin": user.is_admin,
        "active": user.active,
        "holdings": [holding_view(h, tree, names, today) for h in held],
    }


def _matches(
    record: UserRecord, text: str, unit: str | None, role: str | None, active: bool | None
) -> bool:
    if active is not None and record["active"] != active:
        return False
    if text and text not in f"{record['username']} {record['full_name']}".casefold():
        return False
    in_force = [h for h in record["holdings"] if h["in_force"]]
    if unit is not None and not any(h["unit"] == unit for h in in_force):
        return False
    return role is None or any(h["role"] == role for h in in_force)


def list_users(
    session: Session,
    tree: org.OrgTree,
    today: date,
    q: str | None = None,
    unit: str | None = None,
    role: str | None = None,
    active: bool | None = None,
    page: int = 1,
    per_page: int = 50,
) -> UserPage:
    """Users by username: `q` in the username or full name (case-insensitive, literal),
    holding `role` / a role in `unit` today, active or not. A district's staff is a few
    hundred people: read whole, filtered here."""
    if unit is not None:
        tree.unit(unit)  # NotFound for an unknown code
    names = role_names(session)
    users = session.scalars(select(User).order_by(User.username)).unique()
    text = (q or "").strip().casefold()
    found = [
        r
        for r in (user_record(u, tree, names, today) for u in users)
        if _matches(r, text, unit, role, active)
    ]
    start = (page - 1) * per_page
    return {
        "items": found[start : start + per_page],
        "total": len(found),
        "page": page,
        "per_page": per_page,
    }
