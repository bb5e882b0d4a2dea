"""Who may act on a task: roles held in org units, scoped to the unit a task concerns.

A task is either pinned to a unit (its lane role, held in that unit or a unit below it),
or open to the whole administration (the district's or a commune's People's Committee)
that the instance's unit belongs to. A commune officer thus never sees another
commune's work, and the district's departments share the district's work.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import N_, NotFound
from engine.results import Person
from engine.store.models import ADMINISTRATION_KINDS, OrgUnit, RoleAssignment, User

SCOPE_UNIT = "unit"
SCOPE_ADMINISTRATION = "administration"


@dataclass(frozen=True)
class Held:
    role_key: str
    unit_id: int


@dataclass(frozen=True)
class Actor:
    """A user as commands see them: who they are and the roles they hold where."""

    id: int
    username: str
    full_name: str
    is_admin: bool
    roles: tuple[Held, ...]
    session_version: int = 0  # what a web session cookie must carry (accounts.end_sessions)


@dataclass(frozen=True)
class Unit:
    """An org unit as commands read it: a plain value, safe to share between threads."""

    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    valid_from: date
    valid_to: date | None
    reports: bool

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True)
class OrgTree:
    """All org units (a few dozen rows), read together."""

    by_id: dict[int, Unit]
    by_code: dict[str, Unit]

    @classmethod
    def load(cls, session: Session) -> "OrgTree":
        units = [
            Unit(u.id, u.code, u.name, u.kind, u.parent_id, u.valid_from, u.valid_to, u.reports)
            for u in session.scalars(select(OrgUnit))
        ]
        return cls({u.id: u for u in units}, {u.code: u for u in units})

    def unit(self, code: str) -> Unit:
        try:
            return self.by_code[code]
        except KeyError:
            raise NotFound(N_("Không có đơn vị mã '{code}'."), params={"code": code}) from None

    def ancestors_or_self(self, unit_id: int) -> list[int]:
        chain: list[int] = []
        current: int | None = unit_id
        while current is not None and current not in chain:
            chain.append(current)
            current = self.by_id[current].parent_id
        return chain

    def administration(self, unit_id: int) -> int:
        """The nearest People's Committee (district or commune) at or above the unit."""
        for uid in self.ancestors_or_self(unit_id):
            if self.by_id[uid].kind in ADMINISTRATION_KINDS:
                return uid
        return self.ancestors_or_self(unit_id)[-1]

    def reporting_units(self, on: date) -> list[dict[str, str]]:
        units = [u for u in self.by_id.values() if u.reports and u.in_force(on)]
        return [{"code": u.code, "name": u.name} for u in sorted(units, key=lambda u: u.id)]


def task_scope(tree: OrgTree, instance_unit_id: int, pinned_code: str | None) -> tuple[int, str]:
    """(unit id, scope) a new work item is stored with."""
    if pinned_code:
        return tree.unit(pinned_code).id, SCOPE_UNIT
    return tree.administration(instance_unit_id), SCOPE_ADMINISTRATION


@dataclass(frozen=True)
class Reach:
    """For one role a user holds: the work item (unit, scope) pairs it reaches."""

    role_key: str
    pinned_units: frozenset[int]  # SCOPE_UNIT items on these units
    administrations: frozenset[int]  # SCOPE_ADMINISTRATION items on these units


def reach_of(tree: OrgTree, user: Actor) -> list[Reach]:
    by_role: dict[str, tuple[set[int], set[int]]] = {}
    for held in user.roles:
        pinned, admins = by_role.setdefault(held.role_key, (set(), set()))
        pinned.update(tree.ancestors_or_self(held.unit_id))
        admins.add(tree.administration(held.unit_id))
    return [Reach(r, frozenset(p), frozenset(a)) for r, (p, a) in sorted(by_role.items())]


def can_act(tree: OrgTree, user: Actor, role_key: str | None, unit_id: int, scope: str) -> bool:
    for reach in reach_of(tree, user):
        if role_key is not None and reach.role_key != role_key:
            continue
        units = reach.pinned_units if scope == SCOPE_UNIT else reach.administrations
        if unit_id in units:
            return True
    return False


def holders(session: Session, tree: OrgTree, role_key: str, unit_id: int, scope: str) -> list[User]:
    """Users who may act on a work item of this role, unit and scope."""
    held = session.scalars(select(RoleAssignment).where(RoleAssignment.role_key == role_key))
    found: dict[int, User] = {}
    for assignment in held:
        if scope == SCOPE_UNIT:
            ok = unit_id in tree.ancestors_or_self(assignment.unit_id)
        else:
            ok = tree.administration(assignment.unit_id) == unit_id
        if ok and assignment.user.active:
            found[assignment.user_id] = assignment.user
    return list(found.values())


def get_user(session: Session, username: str) -> Actor:
    """The active user with their roles, in one query (a command's hot path)."""
    rows = session.execute(
        select(
            User.id,
            User.full_name,
            User.is_admin,
            User.session_version,
            RoleAssignment.role_key,
            RoleAssignment.unit_id,
        )
        .outerjoin(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(User.username == username, User.active.is_(True))
    ).all()
    if not rows:
        raise NotFound(N_("Không có người dùng '{username}'."), params={"username": username})
    held = tuple(Held(r.role_key, r.unit_id) for r in rows if r.role_key is not None)
    first = rows[0]
    return Actor(first.id, username, first.full_name, first.is_admin, held, first.session_version)


LEADER_ROLES = frozenset({"lanh_dao_ubnd", "truong_phong_vhtt"})


def is_leader(user: Actor) -> bool:
    """Leaders (and admins) may hand a task to another holder of its role."""
    return user.is_admin or any(h.role_key in LEADER_ROLES for h in user.roles)


def reassign_candidates(
    session: Session, tree: OrgTree, role_key: str | None, unit_id: int, scope: str
) -> list[Person]:
    if role_key is None:
        return []
    users = holders(session, tree, role_key, unit_id, scope)
    return [{"username": u.username, "full_name": u.full_name} for u in users]


AUDITOR_ROLE = "kiem_toan"


def is_read_only(user: Actor) -> bool:
    """An auditor who holds no other role reads everything in scope and changes nothing."""
    return (
        not user.is_admin
        and bool(user.roles)
        and all(h.role_key == AUDITOR_ROLE for h in user.roles)
    )
