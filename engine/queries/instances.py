"""One instance as people see it, its history and diagram states, and the instance list."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from engine.access import org
from engine.access.visibility import FULL, can_see_item, instance_filter, view_of
from engine.audit.blobs import REF, Checked
from engine.bpmn.model_info import ElementInfo
from engine.commands.runner import InstanceRun, Runtime
from engine.context import utcnow
from engine.enums import InstanceStatus
from engine.errors import N_, NotFound
from engine.results import (
    AttachmentView,
    CommentView,
    DiagramStates,
    ElementState,
    HistoryEvent,
    InstanceListPage,
    InstanceSummary,
    InstanceView,
    JsonObject,
    TimelineEntry,
)
from engine.rules.calendar import LOCAL
from engine.store.models import Instance, User

from . import bag
from . import instance_page as page
from .actors import who_acts
from .inbox import describe_items
from .paging import total_of, with_total

STARTER = aliased(User)

# A task's last recorded state → how the diagram colours its element.
DIAGRAM_STATE: dict[str, ElementState] = {
    "COMPLETED": "completed",
    "READY": "active",
    "STARTED": "active",
    "WAITING": "waiting",
    "CANCELLED": "cancelled",
    "ERROR": "cancelled",
}


def visible_instance(
    session: Session, rt: Runtime, instance_id: int, user: org.Actor | None
) -> Instance:
    """The instance, if it exists and the user (None: the trusted CLI) may see it."""
    query = select(Instance).where(Instance.id == instance_id)
    if user is not None and (condition := instance_filter(rt.org_tree(session), user)) is not None:
        query = query.where(condition)
    instance = session.scalar(query)
    if instance is None:
        raise NotFound(N_("Không có hồ sơ {id}."), params={"id": instance_id})
    return instance


def show_instance(
    session: Session, rt: Runtime, instance_id: int, user: org.Actor | None = None
) -> InstanceView:
    found = page.visible(session, rt, user, instance_id)
    whole = view_of(rt.org_tree(session), user, found.instance) == FULL  # shows its data
    roles = page.open_roles(found.items.values())
    more = page.extras(session, instance_id, roles, state_of=found.instance if whole else None)
    return instance_view(session, rt, user, found, more)


def instance_view(
    session: Session, rt: Runtime, user: org.Actor | None, found: page.Loaded, more: page.Extras
) -> InstanceView:
    """The instance as `user` may see it, from what `page.load` and `page.extras` read."""
    instance = found.instance
    tree = rt.org_tree(session)
    view = view_of(tree, user, instance)
    own = {i.id for i in found.items.values() if can_see_item(tree, user, i, view)}
    open_items = [i for i in found.open_items() if i.id in own]
    version = rt.versions.get(session, instance.process_version_id)
    events = _seen(more.events, view, own)
    known = ({instance.id: instance.title}, found.usernames)
    today = org.local_date(utcnow())
    return {
        "id": instance.id,
        "process_key": instance.process_key,
        "process_name": version.name,
        "case_title": instance.title,
        "version": version.version,
        "status": InstanceStatus(instance.status),
        "unit": tree.by_id[instance.unit_id].code,
        "unit_name": tree.by_id[instance.unit_id].name,
        "started_by": found.started_by,
        "started_at": instance.started_at.isoformat(),
        "ended_at": instance.ended_at.isoformat() if instance.ended_at else None,
        "open_tasks": describe_items(session, rt, tree, open_items, known),
        "who_acts": who_acts(tree, open_items, found.claimers, more.holdings, today),
        "waiting_timers": sorted((instance.waiting or {}).get("timers", {}).values()),
        # Someone only involved (a commune in a district-wide request) sees their own
        # tasks' data on those tasks, not the instance's (other communes' figures).
        "data": instance_data(session, rt, instance) if view == FULL else {},
        "field_labels": field_labels(rt, session, instance),
        **diagram_states(events, instance.process_key),
        "timeline": timeline(events, version.parsed.info.elements),
        "comments": _mine([_comment(c) for c in more.comments], view, own),
        "attachments": _mine([_attachment(a) for a in more.attachments], view, own),
        "can_admin": bool(user is not None and user.is_admin),
    }


def field_labels(rt: Runtime, session: Session, instance: Instance) -> dict[str, str]:
    """Field name → its Vietnamese title, from every form of the versions the instance runs."""
    labels: dict[str, str] = {}
    for version_id in (instance.process_version_id, *instance.called_versions.values()):
        for schema in rt.versions.get(session, version_id).forms.values():
            for name, prop in schema.get("properties", {}).items():
                if isinstance(prop, dict) and prop.get("title"):
                    labels.setdefault(name, prop["title"])
    return labels


def instance_data(session: Session, rt: Runtime, instance: Instance) -> JsonObject:
    """The instance's current data: the top workflow's, merged with its live tasks'."""
    run = InstanceRun(session, rt, instance, rt.org_tree(session), instance.started_at, "")
    wf = run.workflow()
    try:
        return data_of(wf)
    finally:
        rt.workflows.put(instance.id, instance.row_version, wf)


def data_of(wf: BpmnWorkflow) -> JsonObject:
    """A workflow's data as people read it: the top workflow's, merged with its live tasks'."""
    data = dict(wf.data)
    data.update((wf.last_task or wf.task_tree).data)
    # What was entered inside a running subprocess or call activity lives there; not
    # a multi-instance child's (one unit's figures are not the instance's data).
    for sub in sorted(wf.subprocesses.values(), key=lambda w: w.depth):
        if not sub.completed and sub.last_task is not None and not _is_one_of_many(wf, sub):
            data.update(sub.last_task.data)
    return {k: v for k, v in data.items() if k != "config"}


Owned = TypeVar("Owned", CommentView, AttachmentView)  # what a task may own


def _mine(entries: list[Owned], view: str, own: set[str]) -> list[Owned]:
    """Comments or files: all, or (only involved) those on the instance or one's own tasks."""
    return entries if view == FULL else [e for e in entries if e["task_id"] in (None, *own)]


def _seen(events: list[bag.Record], view: str, own: set[str]) -> list[bag.Record]:
    """The events a viewer may read: all, or (only involved) those not about others' tasks."""
    if view == FULL:
        return events
    return [e for e in events if e.payload.get("task_id") in (None, *own)]


def _is_one_of_many(wf: Any, sub: Any) -> bool:
    """Whether the subprocess is one instance of a multi-instance activity, or runs
    inside one (P3's "Xây dựng, duyệt báo cáo" within a unit's report)."""
    while sub is not None and sub is not wf:
        owner = wf.get_task_from_id(sub.parent_task_id)
        if owner is None:
            return False
        parent = owner.parent
        if parent is not None and isinstance(parent.task_spec, MultiInstanceTask):
            return True
        sub = owner.workflow
    return False


class DiagramTrack:
    """Each element's latest state and the flows taken, event after event."""

    def __init__(self, process_key: str) -> None:
        self.process_key = process_key
        self.states: dict[str, ElementState] = {}
        self.flows: dict[tuple[str, str], None] = {}

    def add(self, result: dict[str, Any]) -> None:
        for change in result.get("tasks", []):
            if len(change) < 5 or change[4] != self.process_key:
                continue  # another process's element (a called one), or an old record
            _, element, state, came_from, _ = change
            self.states[element] = DIAGRAM_STATE.get(state, self.states.get(element, "active"))
            if came_from and state in ("READY", "WAITING", "COMPLETED"):
                self.flows[(came_from, element)] = None

    def snapshot(self) -> DiagramStates:
        return {"element_states": dict(self.states), "flows_taken": [list(f) for f in self.flows]}


def diagram_states(events: Iterable[bag.Record], process_key: str) -> DiagramStates:
    """Each element's latest state and the flows taken, from the recorded task changes."""
    track = DiagramTrack(process_key)
    for event in events:
        track.add(event.result)
    return track.snapshot()


def timeline(events: Iterable[bag.Record], elements: dict[str, ElementInfo]) -> list[TimelineEntry]:
    """The events read by `page.extras` (with the actor's full name) as the page lists them."""
    entries: list[TimelineEntry] = []
    for event in events:
        element_id = event.payload.get("task_id") and event.payload.get("element_id")
        info = elements.get(element_id) if element_id else None
        entries.append({
            "seq": event.seq, "at": event.at.isoformat(), "actor": event.actor,
            "full_name": event.full_name if event.full_name is not None else event.actor,
            "command": event.command, "element_id": element_id,
            "element_name": info.name if info else element_id,
        })  # fmt: skip
    return entries


def _comment(c: bag.Record) -> CommentView:
    return {"author": c.username, "full_name": c.full_name, "body": c.body,
            "at": c.created_at.isoformat(), "task_id": c.task_id}  # fmt: skip


def _attachment(a: bag.Record) -> AttachmentView:
    return {"id": a.id, "filename": a.filename, "size": a.size, "content_type": a.content_type,
            "at": a.created_at.isoformat(), "author": a.username, "task_id": a.task_id}  # fmt: skip


def history(
    session: Session,
    rt: Runtime,
    instance_id: int,
    user: org.Actor | None = None,
    as_stored: bool = False,
) -> list[HistoryEvent]:
    """The events the user may see, oldest first. A start's settings and reporting units,
    stored once by digest (engine/audit/blobs.py), are shown in its payload as the start
    was given them, read with the events (no statement of their own); `as_stored`: each
    payload as the log holds it, digest and all (the export, which carries the bodies
    apart and whose hashes cover the stored payloads)."""
    found = page.visible(session, rt, user, instance_id)
    tree = rt.org_tree(session)
    view = view_of(tree, user, found.instance)
    own = {i.id for i in found.items.values() if can_see_item(tree, user, i, view)}
    events = page.extras(session, instance_id, events_only=True, bodies=not as_stored).events
    bodies = {} if as_stored else {e.payload[REF]: e.body for e in events if e.body is not None}
    given = Checked(bodies)
    return [
        {
            "seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "command": e.command,
            "payload": e.payload if as_stored else given.shown(e.payload), "result": e.result,
            "hash": e.hash, "prev_hash": e.prev_hash,
        }
        for e in _seen(events, view, own)
    ]  # fmt: skip


def instances(
    session: Session,
    rt: Runtime,
    user: org.Actor | None,
    process: str | None = None,
    status: str | None = None,
    unit: str | None = None,
    started_by: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
    per_page: int = 50,
) -> InstanceListPage:
    """One page of the instances the user may see, newest first."""
    tree = rt.org_tree(session)
    where = []
    if user is not None and (condition := instance_filter(tree, user)) is not None:
        where.append(condition)
    if process:
        where.append(Instance.process_key == process)
    if status:
        where.append(Instance.status == status)
    if unit:
        where.append(Instance.unit_id == tree.unit(unit).id)
    if started_by:
        where.append(Instance.started_by == select(User.id).where(User.username == started_by)
                     .scalar_subquery())  # fmt: skip
    if date_from:
        where.append(Instance.started_at >= _local_midnight(date_from))
    if date_to:
        where.append(Instance.started_at < _local_midnight(date_to) + timedelta(days=1))
    count = select(func.count()).select_from(Instance).where(*where)
    rows = session.execute(
        with_total(select(Instance, STARTER.username), count)
        .outerjoin(STARTER, STARTER.id == Instance.started_by)
        .where(*where).order_by(Instance.id.desc())
        .limit(per_page).offset((max(page, 1) - 1) * per_page)
    ).all()  # fmt: skip
    items: list[InstanceSummary] = [
        {
            "id": i.id, "process_key": i.process_key, "case_title": i.title,
            "process_name": rt.versions.get(session, i.process_version_id).name,
            "status": InstanceStatus(i.status), "unit": tree.by_id[i.unit_id].code,
            "unit_name": tree.by_id[i.unit_id].name,
            "started_by": starter or "",
            "started_at": i.started_at.isoformat(),
            "ended_at": i.ended_at.isoformat() if i.ended_at else None,
        }
        for i, starter, _ in rows
    ]  # fmt: skip
    return {"items": items, "total": total_of(session, rows, count, page)}


def _local_midnight(day: date) -> datetime:
    """Local midnight, a day inside the calendar's ends (as audit_search.local_midnight)."""
    day = min(max(day, date.min + timedelta(days=1)), date.max - timedelta(days=1))
    return datetime.combine(day, time.min, LOCAL)
