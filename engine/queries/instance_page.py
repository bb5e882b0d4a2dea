"""What one instance's page (or one task's) reads, in two statements after the user's:

1. the instance, if the user may see it, with all its work items and the people who
   started it, took and did them (`load`: one query, the instance repeated per item);
2. in one UNION ALL (engine/queries/bag.py), what hangs off it: its events with each
   actor's full name, its comments and files with their authors, and the holdings of the
   roles its open tasks (and a task's user fields) ask for (`extras`).

Who may see what is decided afterwards in Python, exactly as before (engine.access.
visibility); the version, its forms, the org tree, the calendar and the live workflow
come from the runtime's caches.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, inspect, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from engine.access import org
from engine.access.visibility import instance_filter
from engine.audit.blobs import REF
from engine.commands.runner import Runtime
from engine.enums import WorkItemState
from engine.errors import N_, NotFound
from engine.queries import bag
from engine.results import Person
from engine.store.models import (
    Attachment,
    AuditBlob,
    AuditEvent,
    Comment,
    Instance,
    User,
    WorkItem,
)

STARTER, CLAIMER, COMPLETER = aliased(User), aliased(User), aliased(User)
# The instance's items and a task looked up by id, apart from the `work_items` that the
# visibility condition's own subquery reads (an alias keeps it uncorrelated).
ITEM, TARGET = aliased(WorkItem, name="item"), aliased(WorkItem, name="target")


@dataclass
class Loaded:
    """An instance with its work items (by id, oldest first) and the people they name."""

    instance: Instance
    items: dict[str, WorkItem] = field(default_factory=dict)
    usernames: dict[int, str] = field(default_factory=dict)  # starter, claimers, completers
    claimers: dict[int, Person] = field(default_factory=dict)

    @property
    def started_by(self) -> str:
        started = self.instance.started_by
        return self.usernames.get(started, "") if started is not None else ""

    def open_items(self) -> list[WorkItem]:
        return [i for i in self.items.values() if i.state == WorkItemState.OPEN]


def load(
    session: Session,
    rt: Runtime,
    user: org.Actor | None,
    instance_id: int | None = None,
    task_id: str | None = None,
) -> Loaded | None:
    """The instance (by id, or the one holding the task) if the user (None: the trusted
    CLI) may see it, else None."""
    query: Select[Any] = (
        select(Instance, STARTER.username, ITEM, CLAIMER.username, CLAIMER.full_name,
               COMPLETER.username)
        .select_from(Instance)
    )  # fmt: skip
    if task_id is not None:
        query = query.join(TARGET, TARGET.instance_id == Instance.id).where(TARGET.id == task_id)
    if instance_id is not None:
        query = query.where(Instance.id == instance_id)
    if user is not None and (condition := instance_filter(rt.org_tree(session), user)) is not None:
        query = query.where(condition)
    rows = session.execute(
        query.outerjoin(STARTER, STARTER.id == Instance.started_by)
        .outerjoin(ITEM, ITEM.instance_id == Instance.id)
        .outerjoin(CLAIMER, CLAIMER.id == ITEM.claimed_by)
        .outerjoin(COMPLETER, COMPLETER.id == ITEM.completed_by)
        .order_by(ITEM.created_at)
    ).all()
    if not rows:
        return None
    found = Loaded(rows[0][0])
    if found.instance.started_by is not None and rows[0][1] is not None:
        found.usernames[found.instance.started_by] = rows[0][1]
    for _, _, item, claimer, claimer_name, completer in rows:
        if item is None:
            continue
        found.items[item.id] = item
        if item.claimed_by is not None and claimer is not None:
            found.usernames[item.claimed_by] = claimer
            found.claimers[item.claimed_by] = {"username": claimer, "full_name": claimer_name}
        if item.completed_by is not None and completer is not None:
            found.usernames[item.completed_by] = completer
    return found


def visible(session: Session, rt: Runtime, user: org.Actor | None, instance_id: int) -> Loaded:
    """`load`, or NotFound (as `visible_instance`) when the user may not see it."""
    found = load(session, rt, user, instance_id=instance_id)
    if found is None:
        raise NotFound(N_("Không có hồ sơ {id}."), params={"id": instance_id})
    return found


@dataclass
class Extras:
    """What hangs off an instance, each in its page's order."""

    events: list[bag.Record]  # by seq; `full_name`: the actor's (None: not a user)
    comments: list[bag.Record]  # by id
    attachments: list[bag.Record]  # by time
    holdings: list[org.Holding]  # by id


def extras(
    session: Session,
    instance_id: int,
    role_keys: Iterable[str] = (),
    events_only: bool = False,
    state_of: Instance | None = None,
    bodies: bool = False,
) -> Extras:
    """The instance's events (and, unless `events_only`, its comments, files and the
    holdings of these roles), in one statement; with `state_of`, also that instance's
    stored state (deferred: the page restores the workflow from it when this process
    does not hold it live, as another node's page would; no statement of its own); with
    `bodies`, each event's `body`: what it refers to by digest (a start's settings and
    reporting units, engine/audit/blobs.py), None for the others."""
    events = (
        select(
            AuditEvent.seq, AuditEvent.at, AuditEvent.actor, AuditEvent.command,
            AuditEvent.payload, AuditEvent.result, AuditEvent.prev_hash, AuditEvent.hash,
            User.full_name,
        ).outerjoin(User, User.username == AuditEvent.actor)
        .where(AuditEvent.instance_id == instance_id)
    )  # fmt: skip
    if bodies:
        digest = AuditEvent.payload[REF].as_string()
        events = events.add_columns(AuditBlob.body).outerjoin(AuditBlob, AuditBlob.digest == digest)
    parts: dict[str, Select[Any]] = {"events": events}
    if not events_only:
        parts["comments"] = (
            select(Comment.id, Comment.body, Comment.created_at, Comment.task_id, User.username,
                   User.full_name)
            .join(User, User.id == Comment.user_id)
            .where(Comment.instance_id == instance_id)
        )  # fmt: skip
        parts["attachments"] = (
            select(Attachment.id, Attachment.filename, Attachment.size, Attachment.content_type,
                   Attachment.created_at, Attachment.task_id, User.username)
            .join(User, User.id == Attachment.user_id)
            .where(Attachment.instance_id == instance_id)
        )  # fmt: skip
        if keys := set(role_keys):
            parts["holdings"] = org.holdings_query(keys)
    if state_of is not None and "state" in inspect(state_of).unloaded:
        parts["state"] = select(Instance.state).where(Instance.id == state_of.id)
    found = bag.read(session, parts)
    for row in found.get("state", []):  # as if loaded with the instance: not a change
        set_committed_value(state_of, "state", row.state)
    return Extras(
        sorted(found["events"], key=lambda e: e.seq),
        sorted(found.get("comments", []), key=lambda c: c.id),
        sorted(found.get("attachments", []), key=lambda a: (a.created_at, a.id)),
        [org.holding_of(h) for h in sorted(found.get("holdings", []), key=lambda h: h.id)],
    )


def open_roles(items: Iterable[WorkItem]) -> set[str]:
    """The roles whose holders an instance page lists (who acts on each open task)."""
    return {i.role_key for i in items if i.state == WorkItemState.OPEN and i.role_key}
