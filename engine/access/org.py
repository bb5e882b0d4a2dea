"""Who may act on a task: roles held in org units, scoped to the unit a task concerns.

A task is either pinned to a unit (its lane role, held in that unit or a unit below it),
or open to the whole administration (the district's or a commune's People's Committee)
that the instance's unit belongs to. A commune officer thus never sees another
commune's work, and the district's departments share the district's work.

Everything is asked on a date: units and role holdings have first and last days, and a
unit that ended hands its work to its successor (communes merged on 1/9/2024, the
district abolished on 1/7/2025). A role may be part of a broader one (Chủ tịch and Phó
Chủ tịch both hold "lãnh đạo UBND"), so lanes name either the office or the group.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Select, and_, bindparam, or_, select
from sqlalchemy.orm import Session, lazyload

from engine.access import tokens
from engine.context import utcnow
from engine.errors import N_, Message, NotFound
from engine.results import Person
from engine.rules.calendar import LOCAL
from engine.store.models import ADMINISTRATION_KINDS, OrgUnit, Role, RoleAssignment, User

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
    roles: tuple[Held, ...]  # in force on the command's date, with the groups they are in
    session_version: int = 0  # what a web session cookie must carry (accounts.end_sessions)
    position: str | None = None  # "Phó Chủ tịch UBND huyện": what a signature block shows


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
    successor_id: int | None = None

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
            Unit(
                u.id,
                u.code,
                u.name,
                u.kind,
                u.parent_id,
                u.valid_from,
                u.valid_to,
                u.reports,
                u.successor_id,
            )
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

    def committee_title(self, unit_id: int) -> str:
        """A People's Committee as a page header names it: "UBND xã Xuân Trường"."""
        unit = self.by_id[unit_id]
        if unit.kind == "commune" and not unit.name.startswith("UBND"):
            return f"UBND {unit.name[:1].lower()}{unit.name[1:]}"
        return unit.name

    def in_force_on(self, unit_id: int, on: date) -> int | None:
        """The unit itself if in force on the date, else the successor that is (following
        successor links: Xuân Bắc → Trà Lũ → a commune of Ninh Bình); None if none is."""
        seen: set[int] = set()
        current: int | None = unit_id
        while current is not None and current not in seen:
            unit = self.by_id[current]
            if unit.in_force(on):
                return current
            if on < unit.valid_from:
                return None  # not yet created: nothing before it takes its place
            seen.add(current)
            current = unit.successor_id
        return None

    def with_predecessors(self, units: set[int]) -> set[int]:
        """The units and every unit whose successor chain leads to one of them: a merged
        commune's or the abolished district's records are held by their successor."""
        found = set(units)
        for unit_id in self.by_id:
            seen: set[int] = set()
            current: int | None = unit_id
            while current is not None and current not in seen:
                if current in units:
                    found.add(unit_id)
                    break
                seen.add(current)
                current = self.by_id[current].successor_id
        return found

    def units_on(self, on: date, kinds: tuple[str, ...] = ()) -> list[Unit]:
        """Units in force on the date (of these kinds), in the order they were entered."""
        found = [
            u for u in self.by_id.values() if u.in_force(on) and (not kinds or u.kind in kinds)
        ]
        return sorted(found, key=lambda u: u.id)

    def reporting_units(self, on: date, administration_id: int) -> list[dict[str, str]]:
        """Units that report to this administration (P3), as in force on the date: its
        departments and the communes below it, not the administration itself."""
        units = [
            u
            for u in self.units_on(on)
            if u.reports and administration_id in self.ancestors_or_self(u.id)[1:]
        ]
        return [{"code": u.code, "name": u.name} for u in units]


def task_scope(
    tree: OrgTree, instance_unit_id: int, pinned_code: str | None, on: date
) -> tuple[int, str]:
    """(unit id, scope) a new work item is stored with: the unit in force on the date,
    which is the successor's when the named unit has ended."""
    if pinned_code:
        unit_id = tree.unit(pinned_code).id
        return tree.in_force_on(unit_id, on) or unit_id, SCOPE_UNIT
    home = tree.in_force_on(instance_unit_id, on) or instance_unit_id
    return tree.administration(home), SCOPE_ADMINISTRATION


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


def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL).date()


def holders(
    session: Session, tree: OrgTree, role_key: str, unit_id: int, scope: str, on: date
) -> list[User]:
    """Users who may act on a work item of this role, unit and scope on the date (one
    query: the holdings of the role or of a role that is part of it, with their users)."""
    rows = session.execute(
        select(RoleAssignment.unit_id, RoleAssignment.valid_from, RoleAssignment.valid_to, User)
        .join(User, User.id == RoleAssignment.user_id)
        .join(Role, Role.key == RoleAssignment.role_key)
        .where(or_(RoleAssignment.role_key == role_key, Role.member_of == role_key))
        .order_by(RoleAssignment.id)
        .options(lazyload(User.roles))  # who holds what else is not asked here
    )
    found: dict[int, User] = {}
    for held_unit, first, last, user in rows:
        if user.active and reaches(tree, held_unit, first, last, unit_id, scope, on):
            found[user.id] = user
    return list(found.values())


@dataclass(frozen=True)
class Holder:
    """A person as lists of who may act show them."""

    id: int
    username: str
    full_name: str
    position: str | None


@dataclass(frozen=True)
class Holding:
    """One holding of a role, with its holder: read ahead for a page (`holdings_query`)."""

    role_key: str
    member_of: str | None
    unit_id: int
    valid_from: date
    valid_to: date | None
    active: bool
    holder: Holder


def holdings_query(role_keys: set[str]) -> Select:
    """The holdings of these roles, or of a role that is part of one, with their holders
    (columns named as `Holding`'s, ordered by the holding's id)."""
    return (
        select(
            RoleAssignment.id, RoleAssignment.role_key, Role.member_of, RoleAssignment.unit_id,
            RoleAssignment.valid_from, RoleAssignment.valid_to, User.active,
            User.id.label("user_id"), User.username, User.full_name, User.position,
        )
        .join(User, User.id == RoleAssignment.user_id)
        .join(Role, Role.key == RoleAssignment.role_key)
        .where(or_(RoleAssignment.role_key.in_(role_keys), Role.member_of.in_(role_keys)))
    )  # fmt: skip


def holding_of(row: Any) -> Holding:
    """A row of `holdings_query` as a Holding."""
    holder = Holder(row.user_id, row.username, row.full_name, row.position)
    return Holding(
        row.role_key, row.member_of, row.unit_id, row.valid_from, row.valid_to, row.active, holder
    )


def holders_among(
    tree: OrgTree, found: list[Holding], role_key: str, unit_id: int, scope: str, on: date
) -> list[Holder]:
    """`holders`, from holdings read ahead (in the order given; each person once)."""
    picked: dict[int, Holder] = {}
    for h in found:
        if role_key not in (h.role_key, h.member_of) or not h.active:
            continue
        if reaches(tree, h.unit_id, h.valid_from, h.valid_to, unit_id, scope, on):
            picked[h.holder.id] = h.holder
    return list(picked.values())


def reaches(
    tree: OrgTree, held_unit: int, first: date, last: date | None, unit_id: int, scope: str,
    on: date,
) -> bool:  # fmt: skip
    """Whether a holding in `held_unit` from `first` to `last` covers a work item of this
    unit and scope on the date: both the holding and its unit in force, the item's unit
    at or above it (a unit item) or its administration (an administration item)."""
    if not (first <= on and (last is None or on <= last)) or not tree.by_id[held_unit].in_force(on):
        return False
    if scope == SCOPE_UNIT:
        return unit_id in tree.ancestors_or_self(held_unit)
    return tree.administration(held_unit) == unit_id


def _user_query() -> Select:
    """get_user's statement, built once: a statement object keeps its compiled form's
    cache key, so the hot path neither rebuilds the expression nor re-derives the key."""
    on = bindparam("on", type_=Date)
    in_force = and_(
        RoleAssignment.user_id == User.id,
        RoleAssignment.valid_from <= on,
        or_(RoleAssignment.valid_to.is_(None), RoleAssignment.valid_to >= on),
    )
    unit_in_force = and_(
        OrgUnit.id == RoleAssignment.unit_id,
        OrgUnit.valid_from <= on,
        or_(OrgUnit.valid_to.is_(None), OrgUnit.valid_to >= on),
    )
    return (
        select(
            User.id,
            User.full_name,
            User.is_admin,
            User.session_version,
            User.position,
            RoleAssignment.role_key,
            RoleAssignment.unit_id,
            Role.member_of,
            OrgUnit.id.label("unit_in_force"),
        )
        .outerjoin(RoleAssignment, in_force)
        .outerjoin(Role, Role.key == RoleAssignment.role_key)
        .outerjoin(OrgUnit, unit_in_force)
        .where(User.username == bindparam("username"), User.active.is_(True))
    )


USER_QUERY = _user_query()


# session.info's key for the users a shared transaction read (engine/facade/core.py).
ACTORS = "policyflow_actors"


def get_user(session: Session, username: str, on: date | None = None) -> Actor:
    """The active user with the roles they hold on the date (default: today), each also
    as the group it is part of, in one query (a command's hot path). A holding counts
    while both it and its unit are in force. In a shared transaction (a web page's), a
    user is read once: the same transaction sees the same row."""
    on = on or local_date(utcnow())
    memo: dict[tuple[str, date], Actor] | None = session.info.get(ACTORS)
    if memo is not None and (username, on) in memo:
        return memo[(username, on)]
    actor = _read_user(session, username, on)
    if memo is not None:
        memo[(username, on)] = actor
    return actor


def _read_user(session: Session, username: str, on: date) -> Actor:
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()  # what ORM execution would do; nothing is pending on the hot path
    # Core on the session's connection: the ORM's execution layer costs more CPU than
    # this plain row query, run by every command.
    rows = session.connection().execute(USER_QUERY, {"username": username, "on": on}).all()
    # A request's bearer token is confirmed here, in the command's own transaction.
    tokens.confirm(session, username, rows[0].session_version if rows else None, utcnow())
    if not rows:
        raise NotFound(N_("Không có người dùng '{username}'."), params={"username": username})
    held: list[Held] = []
    for r in rows:
        if r.role_key is None or r.unit_in_force is None:
            continue
        held.append(Held(r.role_key, r.unit_id))
        if r.member_of is not None:
            held.append(Held(r.member_of, r.unit_id))
    first = rows[0]
    return Actor(
        first.id,
        username,
        first.full_name,
        first.is_admin,
        tuple(dict.fromkeys(held)),
        first.session_version,
        first.position,
    )


def lapsed_unit(
    session: Session, tree: OrgTree, user_id: int, role_key: str | None, on: date
) -> Message | None:
    """Why a user who held the role cannot act with it on the date: the unit they held it
    in had ended by then (the district after 30/6/2025). None when no such holding
    explains it."""
    query = select(RoleAssignment).where(RoleAssignment.user_id == user_id)
    if role_key is not None:
        keys = [role_key, *session.scalars(select(Role.key).where(Role.member_of == role_key))]
        query = query.where(RoleAssignment.role_key.in_(keys))
    for holding in session.scalars(query):
        unit = tree.by_id[holding.unit_id]
        if unit.valid_to is None or unit.valid_to >= on or holding.valid_from > unit.valid_to:
            continue  # the unit has not ended, or the holding began only after it
        params = {"unit": unit.name, "date": on.strftime("%d/%m/%Y")}
        successor = tree.in_force_on(unit.id, on)
        if successor is not None:
            params["successor"] = tree.by_id[successor].name
            return Message(
                N_("Ngày {date}, {unit} không còn tồn tại; đơn vị kế thừa: {successor}."), params
            )
        return Message(N_("Ngày {date}, {unit} không còn tồn tại."), params)
    return None


LEADER_ROLES = frozenset({"lanh_dao_ubnd", "chu_tich", "pho_chu_tich", "truong_phong_vhtt"})


def is_leader(user: Actor) -> bool:
    """Leaders (and admins) may hand a task to another holder of its role."""
    return user.is_admin or any(h.role_key in LEADER_ROLES for h in user.roles)


def reassign_candidates(
    session: Session, tree: OrgTree, role_key: str | None, unit_id: int, scope: str, on: date,
    found: list[Holding] | None = None,
) -> list[Person]:  # fmt: skip
    """Who else may take the task (`found`: holdings read ahead, else read here)."""
    if role_key is None:
        return []
    users: list[Holder] | list[User] = (
        holders(session, tree, role_key, unit_id, scope, on)
        if found is None
        else holders_among(tree, found, role_key, unit_id, scope, on)
    )
    return [{"username": u.username, "full_name": u.full_name} for u in users]


AUDITOR_ROLE = "kiem_toan"


def is_read_only(user: Actor) -> bool:
    """An auditor who holds no other role reads everything in scope and changes nothing."""
    return (
        not user.is_admin
        and bool(user.roles)
        and all(h.role_key == AUDITOR_ROLE for h in user.roles)
    )
