"""The processes a user sees on the start page; a process's deployed versions; the
versions an instance has run."""

from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from engine.access import org
from engine.commands.runner import Runtime
from engine.commands.start import start_role
from engine.context import utcnow
from engine.enums import AuditCommand
from engine.errors import N_, NotFound
from engine.results import OrgUnitView, ProcessView, VersionInfo
from engine.rules.reporting import with_current_year
from engine.rules.unit_fields import with_unit_choices
from engine.store.models import AuditEvent, Instance, ProcessVersion, User

T = TypeVar("T", bound=tuple[Any, ...])


def newest_versions(query: Select[T]) -> Select[T]:
    """`query` (over process_versions) kept to each process's newest version, by key."""
    newest = (
        select(ProcessVersion.process_key, func.max(ProcessVersion.version).label("v"))
        .group_by(ProcessVersion.process_key)
        .subquery()
    )
    return query.join(
        newest,
        and_(
            ProcessVersion.process_key == newest.c.process_key,
            ProcessVersion.version == newest.c.v,
        ),
    ).order_by(ProcessVersion.process_key)


def processes(session: Session, rt: Runtime, user: org.Actor | None = None) -> list[ProcessView]:
    rows = session.scalars(newest_versions(select(ProcessVersion)))
    found: list[ProcessView] = []
    tree, today = rt.org_tree(session), org.local_date(utcnow())  # start forms: for today
    for row in rows:
        version = rt.versions.get(session, row.id)
        role = start_role(version)
        form = version.parsed.info.start_form
        found.append(
            {
                "key": row.process_key,
                "name": row.name,
                "version": row.version,
                "content_hash": row.content_hash,
                "deployed_at": row.deployed_at.isoformat(),
                "start_role": role,
                "can_start": user is not None and any(r.role_key == role for r in user.roles),
                "start_form": with_current_year(
                    with_unit_choices(version.forms.get(form) if form else None, tree, today),
                    today,
                ),
            }
        )
    return found


def process_names(session: Session, rt: Runtime) -> list[tuple[str, str]]:
    """(key, name) of every deployed process, by key, as its newest version names it: the
    lists' process filter, on every inbox page (`processes` would also build every start
    form). Kept with the reference data; a deploy on this node forgets it at once."""

    def load() -> list[tuple[str, str]]:
        query = newest_versions(select(ProcessVersion.process_key, ProcessVersion.name))
        return [(key, name) for key, name in session.execute(query)]

    return rt.reference("process_names", load)


def versions(session: Session, key: str) -> list[VersionInfo]:
    """Every deployed version of a process, newest first (NotFound if never deployed)."""
    rows = session.execute(
        select(
            ProcessVersion.version,
            ProcessVersion.name,
            ProcessVersion.content_hash,
            ProcessVersion.deployed_at,
            ProcessVersion.comment,
            User.username,
            User.full_name,
        )
        .outerjoin(User, User.id == ProcessVersion.deployed_by)
        .where(ProcessVersion.process_key == key)
        .order_by(ProcessVersion.version.desc())
    ).all()
    if not rows:
        raise NotFound(N_("Không có quy trình '{key}'."), params={"key": key})
    return [
        {
            "version": row.version,
            "name": row.name,
            "content_hash": row.content_hash,
            "deployed_by": (
                {"username": row.username, "full_name": row.full_name} if row.username else None
            ),
            "deployed_at": row.deployed_at.isoformat(),
            "comment": row.comment or "",
            "newest": i == 0,
        }
        for i, row in enumerate(rows)
    ]


def org_units(
    tree: org.OrgTree, on: date | None = None, kind: str | None = None
) -> list[OrgUnitView]:
    """The org units (in force on `on`, of `kind`, if given): districts first, then by
    kind and name."""
    units = [
        u
        for u in tree.by_id.values()
        if (on is None or u.in_force(on)) and (kind is None or u.kind == kind)
    ]
    return [
        {
            "code": u.code, "name": u.name, "kind": u.kind,
            "parent": tree.by_id[u.parent_id].code if u.parent_id else None,
            "valid_from": u.valid_from.isoformat(),
            "valid_to": u.valid_to.isoformat() if u.valid_to else None,
            "successor": tree.by_id[u.successor_id].code if u.successor_id else None,
        }
        for u in sorted(units, key=lambda u: (u.kind != "district", u.kind, u.name))
    ]  # fmt: skip


def versions_run(session: Session, instance: Instance) -> dict[int, int]:
    """Every version the instance has run, number -> process_versions.id: the one it runs
    now and those it was migrated from (their ids are in its `migrate` audit events)."""
    current = session.get(ProcessVersion, instance.process_version_id)
    assert current is not None
    found = {current.version: current.id}
    moves = session.scalars(
        select(AuditEvent.payload).where(
            AuditEvent.instance_id == instance.id, AuditEvent.command == AuditCommand.MIGRATE
        )
    )
    for payload in moves:
        found.setdefault(payload["from_version"], payload["from_version_id"])
    return found
