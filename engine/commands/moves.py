"""Moving running instances to a newer version of their process.

A process owner first sees a dry run: for each running or suspended instance of the
process, whether it can move to the chosen version and, if not, why (it is already
there, it has ended, a step it holds no longer exists). An instance moves only while it
is suspended, so nobody completes a task in the middle; the move is one audit event
(`migrate`, with the versions before and after) that replay re-executes the same way.

The workflow itself moves in `engine.bpmn.remap`. Here the instance follows: its
pinned versions (a process it calls keeps its pinned version; one newly called is pinned
at its newest), and its open work items, which take the new version's name, role, unit
and form. A claim survives only when the role and unit stay the same; the due date stays,
since a legal deadline does not move with a diagram.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.org import Actor
from engine.bpmn.remap import MoveResult, move_workflow
from engine.bpmn.state import load_state
from engine.commands import lifecycle
from engine.commands.deploy import find_version, require_deployer
from engine.commands.runner import Bundle, InstanceRun, Runtime, Version, bundle_of
from engine.commands.start import called_versions
from engine.enums import UNFINISHED, AuditCommand, InstanceStatus, WorkItemState
from engine.errors import N_, Conflict, InvalidInput, Message, joined
from engine.results import MigrationCheck, MigrationPlan
from engine.store.models import Instance, WorkItem

MOVABLE_STATUSES = UNFINISHED


@dataclass
class Check:
    """What a dry run says about one instance."""

    instance: Instance
    target: Version
    reasons: list[str]  # why it cannot move (empty: it can)
    notes: list[str]  # what moving changes

    def as_dict(self, current: Version) -> MigrationCheck:
        status = InstanceStatus(self.instance.status)
        return {
            "instance_id": self.instance.id,
            "title": self.instance.title,
            "status": status,
            "from_version": current.version,
            "to_version": self.target.version,
            "movable": not self.reasons,
            "needs_suspend": not self.reasons and status == InstanceStatus.RUNNING,
            "reasons": self.reasons,
            "notes": self.notes,
        }


def target_version(session: Session, rt: Runtime, key: str, version: int | None) -> Version:
    return rt.versions.get(session, find_version(session, key, version).id)


def target_bundle(session: Session, rt: Runtime, instance: Instance, target: Version) -> Bundle:
    """The versions the instance runs after the move: the processes it already calls keep
    their pinned versions; a process only the new version calls is pinned at its newest."""
    pins = called_versions(session, rt, target, seen={target.process_key})
    pins.update(instance.called_versions)
    return Bundle(target, {k: rt.versions.get(session, v) for k, v in pins.items()})


def plan(
    session: Session,
    rt: Runtime,
    key: str,
    version: int | None,
    instance_ids: list[int] | None,
    user: Actor | None,
) -> MigrationPlan:
    """The dry run: every chosen (default: every unfinished) instance of `key`, each with
    whether it can move to `version` (default: the newest) and why not. Writes nothing."""
    require_deployer(user)
    target = target_version(session, rt, key, version)
    query = select(Instance).where(Instance.process_key == key).order_by(Instance.id)
    if instance_ids is None:
        query = query.where(Instance.status.in_(MOVABLE_STATUSES))
    else:
        query = query.where(Instance.id.in_(instance_ids))
    rows: list[MigrationCheck] = []
    for instance in session.scalars(query):
        current = rt.versions.get(session, instance.process_version_id)
        rows.append(check(session, rt, instance, target).as_dict(current))
    missing = sorted(set(instance_ids or []) - {r["instance_id"] for r in rows})
    if missing:
        raise InvalidInput(
            N_("Không có hồ sơ {ids} của quy trình '{key}'."),
            params={"ids": ", ".join(map(str, missing)), "key": key},
        )
    return {"process_key": key, "to_version": target.version, "instances": rows}


def check(session: Session, rt: Runtime, instance: Instance, target: Version) -> Check:
    """Whether the instance can move to `target`, tried on a copy of its workflow."""
    current = rt.versions.get(session, instance.process_version_id)
    if instance.status not in MOVABLE_STATUSES:
        ended = Message(N_("Hồ sơ đã kết thúc ({status})."), {"status": instance.status})
        return Check(instance, target, [ended], [])
    if target.version <= current.version:
        newer = Message(
            N_("Hồ sơ đang ở phiên bản {current}, không cũ hơn phiên bản {target}."),
            {"current": current.version, "target": target.version},
        )
        return Check(instance, target, [newer], [])
    spec, subs = bundle_of(session, rt, instance).specs()
    new = target_bundle(session, rt, instance, target)
    moved = move_workflow(load_state(instance.state, spec, subs), *new.specs())
    return Check(instance, target, reasons(moved, target), notes(moved))


_STEP_STATES = {
    "READY": N_("đang chờ xử lý"),
    "WAITING": N_("đang chờ sự kiện"),
    "STARTED": N_("đang chạy"),
    **dict.fromkeys(("FUTURE", "LIKELY", "MAYBE"), N_("bước dự kiến tiếp theo")),
}


def reasons(moved: MoveResult, target: Version) -> list[str]:
    return [
        Message(
            N_("Bước '{name}' ({element}, {state}) không còn trong phiên bản {version}."),
            {
                "name": s.name or s.element_id,
                "element": s.element_id,
                "state": Message(_STEP_STATES.get(s.state, N_("đã có trong lịch sử hồ sơ"))),
                "version": target.version,
            },
        )
        for s in moved.stranded
    ]


def notes(moved: MoveResult) -> list[str]:
    def named(elements: list[tuple[str, str]]) -> list[dict[str, str]]:
        return [
            {"name": name or element, "element": element}
            for element, name in dict.fromkeys(elements)
        ]

    live = [
        Message(N_("Bước đang mở '{name}' ({element}) đổi theo mô hình mới."), e)
        for e in named(moved.changed_live)
    ]
    restarted = [
        Message(N_("Hẹn giờ '{name}' ({element}) đổi định nghĩa: tính lại từ lúc chuyển."), e)
        for e in named(moved.restarted_events)
    ]
    return [*live, *restarted]


def migrate(
    session: Session,
    rt: Runtime,
    instance_id: int,
    target: Version,
    actor: Actor,
    now: datetime,
    comment: str = "",
) -> Instance:
    """Move one suspended instance to `target` (its own transaction: one audit event)."""
    require_deployer(actor)
    instance = lifecycle.get_instance(session, instance_id)
    if instance.process_key != target.process_key:
        raise InvalidInput(
            N_("Hồ sơ {id} không thuộc quy trình '{key}'."),
            params={"id": instance_id, "key": target.process_key},
        )
    if instance.status != InstanceStatus.SUSPENDED:
        raise Conflict(
            N_("Hãy tạm dừng hồ sơ {id} trước khi chuyển phiên bản."), params={"id": instance_id}
        )
    verdict = check(session, rt, instance, target)
    if verdict.reasons:
        raise Conflict(
            N_("Hồ sơ {id} không chuyển được: {reasons}"),
            params={"id": instance_id, "reasons": joined(verdict.reasons, " ")},
        )
    old = bundle_of(session, rt, instance)
    new = target_bundle(session, rt, instance, target)
    run = InstanceRun(session, rt, instance, rt.org_tree(session), now, actor.username)
    payload: dict[str, Any] = {
        "from_version": old.main.version,
        "to_version": target.version,
        "from_version_id": old.main.id,
        "to_version_id": target.id,
        "from_called": {k: v.id for k, v in old.called.items()},
        "to_called": {k: v.id for k, v in new.called.items()},
        "comment": comment.strip()[:500],
    }

    def act(wf: BpmnWorkflow) -> None:
        moved = move_workflow(wf, *new.specs())
        if not moved.possible:  # the dry run above said it could: the state changed
            raise Conflict(joined(reasons(moved, target), " "))
        run.bundle = new
        instance.process_version_id = target.id
        instance.called_versions = payload["to_called"]
        _follow_work_items(session, run, wf)

    run.execute(AuditCommand.MIGRATE, payload, act)
    return instance


def _follow_work_items(session: Session, run: InstanceRun, wf: BpmnWorkflow) -> None:
    items = session.scalars(
        select(WorkItem).where(
            WorkItem.instance_id == run.instance.id, WorkItem.state == WorkItemState.OPEN
        )
    )
    for item in items:
        task = wf.get_task_from_id(UUID(item.id))
        placed = run.placement(task)
        if (placed["role_key"], placed["unit_id"]) != (item.role_key, item.unit_id):
            item.claimed_by = None
        for name, value in placed.items():
            if name != "claimed_by" or item.claimed_by is None:  # a claim made stays
                setattr(item, name, value)


def moved_bundle(load: Any, payload: dict[str, Any], side: str) -> Bundle:
    """The versions before (`side`="from") or after ("to") a recorded migration;
    `load(version_id)` gives a cached Version."""
    called = payload.get(f"{side}_called", {})
    return Bundle(load(payload[f"{side}_version_id"]), {k: load(v) for k, v in called.items()})


__all__ = ["Check", "migrate", "moved_bundle", "plan", "target_bundle", "target_version"]
