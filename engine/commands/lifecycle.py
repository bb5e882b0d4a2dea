"""Instance lifecycle and external events: cancel, suspend, resume, timers, messages."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from engine.access import org
from engine.audit import chain as audit
from engine.commands.runner import InstanceRun, Runtime
from engine.enums import UNFINISHED, AuditCommand, IncidentState, InstanceStatus, TimerState
from engine.errors import N_, Conflict, NotFound, PermissionDenied
from engine.rules import register
from engine.store.models import Incident, Instance, MessageWait, Timer


def require_admin(session: Session, actor: str) -> None:
    """Cancel, suspend and resume are an administrator's decisions."""
    if actor == "system":
        return
    if not org.get_user(session, actor).is_admin:
        raise PermissionDenied(N_("Chỉ quản trị viên mới hủy, tạm dừng hoặc tiếp tục hồ sơ."))


def get_instance(session: Session, instance_id: int) -> Instance:
    """The instance, locked for this transaction (commands on it queue up)."""
    instance = session.get(Instance, instance_id, with_for_update=True, populate_existing=True)
    if instance is None:
        raise NotFound(N_("Không có hồ sơ {id}."), params={"id": instance_id})
    return instance


def cancel(
    session: Session, rt: Runtime, instance_id: int, actor: str, now: datetime, reason: str = ""
) -> Instance:
    """End the instance; the numbers it took from the register stay, marked cancelled."""
    require_admin(session, actor)
    instance = get_instance(session, instance_id)
    if instance.status not in UNFINISHED:
        raise Conflict(
            N_("Hồ sơ {id} đã kết thúc ({status})."),
            params={"id": instance_id, "status": instance.status},
        )
    instance.status, instance.ended_at = InstanceStatus.CANCELLED, now

    def act(wf: BpmnWorkflow) -> None:
        wf.cancel()

    run = InstanceRun(session, rt, instance, rt.org_tree(session), now, actor)
    run.execute(AuditCommand.CANCEL, {}, act)
    register.cancel_entries(
        session, instance_id, now, reason or f"Hồ sơ {instance_id} bị hủy bởi {actor}."
    )
    return instance


def set_suspended(
    session: Session,
    instance_id: int,
    suspended: bool,
    actor: str,
    now: datetime,
    authorize: Callable[[Session, str], None] = require_admin,
) -> Instance:
    """Suspend (no completions, no timers) or resume; the workflow itself is untouched.
    An administrator's decision, or a process owner's around a migration (`authorize`)."""
    authorize(session, actor)
    instance = get_instance(session, instance_id)
    running, paused = InstanceStatus.RUNNING, InstanceStatus.SUSPENDED
    expected, target = (running, paused) if suspended else (paused, running)
    if instance.status != expected:
        raise Conflict(
            N_("Hồ sơ {id} đang '{status}', không thể chuyển."),
            params={"id": instance_id, "status": instance.status},
        )
    instance.status = target
    command = AuditCommand.SUSPEND if suspended else AuditCommand.RESUME
    audit.append(session, instance, now, actor, command, {}, {"status": target})
    return instance


def due_timer_instances(session: Session, now: datetime, limit: int = 500) -> list[int]:
    """Running instances with a timer past due at `now` (earliest first).

    Strictly past, as SpiffWorkflow itself decides (`due < now`): a timer is never
    reported fired by a command that did not fire it.
    """
    rows = session.execute(
        select(Timer.instance_id)
        .join(Instance, Instance.id == Timer.instance_id)
        .where(
            Timer.state == TimerState.WAITING,
            Timer.due_at < now,
            Instance.status == InstanceStatus.RUNNING,
            # An instance with an open incident waits for an operator's retry.
            ~exists().where(
                Incident.instance_id == Timer.instance_id, Incident.state == IncidentState.OPEN
            ),
        )
        .order_by(Timer.due_at)
        .limit(limit)
    )
    return list(dict.fromkeys(r[0] for r in rows))


def fire_timers(session: Session, rt: Runtime, instance_id: int, now: datetime) -> list[str]:
    """Fire the instance's timers due at `now`; return the ids of those that fired."""
    instance = get_instance(session, instance_id)
    due = session.scalars(
        select(Timer.id).where(
            Timer.instance_id == instance_id,
            Timer.state == TimerState.WAITING,
            Timer.due_at < now,
        )
    ).all()
    if instance.status != InstanceStatus.RUNNING or not due:
        return []
    run = InstanceRun(session, rt, instance, rt.org_tree(session), now, "system")
    run.execute(AuditCommand.TIMER, {"due_timers": sorted(due)}, lambda wf: wf.refresh_timers())
    return list(due)


def waiting_definition(wf: BpmnWorkflow, name: str) -> MessageEventDefinition:
    """The definition a waiting task catches (the library matches on its exact class)."""
    for task in wf.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, MessageEventDefinition) and definition.name == name:
            return definition
    raise Conflict(N_("Hồ sơ không còn chờ thông điệp '{name}'."), params={"name": name})


def deliver_message(
    session: Session,
    rt: Runtime,
    name: str,
    payload: dict[str, Any],
    actor: str,
    now: datetime,
    instance_id: int | None = None,
) -> list[int]:
    """Deliver a message to the instance(s) waiting for it; return who received it."""
    query = select(MessageWait.instance_id).where(MessageWait.message_name == name)
    if instance_id is not None:
        query = query.where(MessageWait.instance_id == instance_id)
    targets = sorted(set(session.scalars(query)))
    if not targets:
        raise NotFound(N_("Không hồ sơ nào đang chờ thông điệp '{name}'."), params={"name": name})
    tree = rt.org_tree(session)
    for target in targets:
        instance = get_instance(session, target)
        if instance.status != InstanceStatus.RUNNING:
            continue

        def act(wf: BpmnWorkflow) -> None:
            wf.send_event(BpmnEvent(waiting_definition(wf, name), payload))

        InstanceRun(session, rt, instance, tree, now, actor).execute(
            AuditCommand.MESSAGE, {"name": name, "payload": payload}, act
        )
    return targets
