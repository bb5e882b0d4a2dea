"""User form fields: a person picked from the holders of a role, not a name typed in.

A field declares `"format": "user"` and the role its value must hold with
`"x-user-role": "pho_chu_tich"`. Its value is a username, and it must be one of the active
users holding that role (or a role that is part of it) in force on the date in the
instance's administration — the Chủ tịch authorises a Phó Chủ tịch of this People's
Committee, not a name. The schemas served to clients carry those holders as `oneOf`
choices, so the web form is a select and an API client never guesses usernames.
"""

import copy
from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from engine.access import org
from engine.errors import N_, InvalidInput, Message, PolicyflowError
from engine.store.models import User

USER = "user"
ROLE = "x-user-role"


def user_fields(schema: dict | None) -> Iterator[tuple[str, dict]]:
    """(name, field spec) for each top-level user field of a form."""
    for name, spec in ((schema or {}).get("properties") or {}).items():
        if isinstance(spec, dict) and spec.get("format") == USER:
            yield name, spec


def administration_of(tree: org.OrgTree, unit_id: int, on: date) -> int:
    """The People's Committee an instance's unit belongs to on the date."""
    return tree.administration(tree.in_force_on(unit_id, on) or unit_id)


def user_roles(schema: dict | None) -> set[str]:
    """The roles a form's user fields pick their holders from."""
    roles = (spec.get(ROLE) for _, spec in user_fields(schema))
    return {r for r in roles if isinstance(r, str) and r}


def choices(
    session: Session,
    tree: org.OrgTree,
    spec: dict,
    administration_id: int,
    on: date,
    holdings: list[org.Holding] | None = None,
) -> list[User] | list[org.Holder]:
    """The holders a user field may name (`holdings`: read ahead, else read here)."""
    role = spec.get(ROLE)
    if not isinstance(role, str) or not role:
        return []
    scope = org.SCOPE_ADMINISTRATION
    if holdings is not None:
        held = org.holders_among(tree, holdings, role, administration_id, scope, on)
        return sorted(held, key=lambda u: u.username)
    found = org.holders(session, tree, role, administration_id, scope, on)
    return sorted(found, key=lambda u: u.username)


def check_user_fields(
    session: Session,
    schema: dict | None,
    data: dict[str, Any],
    tree: org.OrgTree,
    administration_id: int,
    on: date,
) -> None:
    """Raise InvalidInput naming each user field whose value is not a holder of its role."""
    errors: dict[str, list[str]] = {}
    for name, spec in user_fields(schema):
        value = data.get(name)
        if not isinstance(value, str) or not value:
            continue
        allowed = {u.username for u in choices(session, tree, spec, administration_id, on)}
        if value not in allowed:
            errors[name] = [
                Message(
                    N_("'{username}' không giữ vai trò '{role}' ngày {date}."),
                    {
                        "username": value,
                        "role": str(spec.get(ROLE)),
                        "date": on.strftime("%d/%m/%Y"),
                    },
                )
            ]
    if errors:
        raise InvalidInput(
            N_("Dữ liệu không hợp lệ ở: {fields}."), errors, params={"fields": ", ".join(errors)}
        )


def with_user_choices(
    session: Session,
    schema: dict | None,
    tree: org.OrgTree,
    administration_id: int,
    on: date,
    holdings: list[org.Holding] | None = None,
) -> dict | None:
    """A copy of the form whose user fields list the holders valid on the date
    (`holdings`: those of the fields' roles, read ahead; else read here)."""
    if schema is None or not any(True for _ in user_fields(schema)):
        return schema
    served = copy.deepcopy(schema)
    for _name, spec in user_fields(served):
        spec["oneOf"] = [
            {"const": u.username, "title": _title(u)}
            for u in choices(session, tree, spec, administration_id, on, holdings)
        ]
    return served


def _title(user: User | org.Holder) -> str:
    return f"{user.full_name} ({user.position})" if user.position else user.full_name


def assignee_id(
    session: Session,
    tree: org.OrgTree,
    named: object,
    role_key: str | None,
    unit_id: int,
    scope: str,
    on: date,
) -> int | None:
    """The id of the user a task's `assigneeFrom` expression names (a username, or a dict
    with one), if they hold the lane's role for the work item on the date. Anyone else —
    an unknown or inactive user, one whose holding has ended — is ignored: the item stays
    open to the lane's holders rather than stuck with no one who may act."""
    if isinstance(named, dict):
        named = named.get("username")
    if not isinstance(named, str) or not named or role_key is None:
        return None
    try:
        user = org.get_user(session, named, on)
    except PolicyflowError:
        return None
    return user.id if org.can_act(tree, user, role_key, unit_id, scope) else None
