"""Verified re-execution: run an instance again from its pinned BPMN versions and the
inputs its audit log recorded, and compare every step with what was recorded.

Each workflow command is replayed as it first ran: under the recorded clock, with task
ids from the same per-instance counter, with the recorded service results fed back
instead of calling the host, followed by the same engine steps and pruning. After each
step the task states it changed, the instance's status and the state fingerprint
(`engine.bpmn.state.state_digest`) must equal the recorded ones; the first step that
differs is named, with how. Nothing is written: a replay only reads.
"""

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import context
from engine.access.org import Actor
from engine.access.visibility import FULL, view_of
from engine.audit import chain as audit
from engine.audit.blobs import REF, Checked
from engine.bpmn.pruning import prune_history
from engine.bpmn.remap import move_workflow
from engine.bpmn.state import load_state, state_digest
from engine.commands.incidents import apply_changes
from engine.commands.lifecycle import waiting_definition
from engine.commands.moves import moved_bundle
from engine.commands.runner import (
    SCRIPT_ENGINE,
    Bundle,
    Runtime,
    Version,
    bundle_of,
)
from engine.commands.task_changes import changed_ids, task_changes, task_states
from engine.documents.service import check_events as check_documents
from engine.enums import AuditCommand, InstanceStatus
from engine.errors import N_, NotFound, PermissionDenied
from engine.queries.instances import DiagramTrack, data_of, visible_instance
from engine.results import DiagramStates, JsonObject, ReplayStep, ReplayVerdict, StepTask
from engine.sandbox import SandboxError
from engine.store.models import AuditBlob, AuditEvent, Instance, WorkItem

# Commands that change only the instance's status, or nothing the workflow holds.
STATUS_AFTER: dict[str, InstanceStatus] = {
    AuditCommand.SUSPEND: InstanceStatus.SUSPENDED,
    AuditCommand.RESUME: InstanceStatus.RUNNING,
}
# org_transition moves open work items to a merged unit's successor: who may act, not
# what the workflow holds (engine.commands.org_transition).
# A document's event holds a rendered file's hash: checked apart (check_documents).
NO_WORKFLOW_CHANGE = {
    "claim", "unclaim", "comment", "attach", "reassign", "org_transition", "document",
}  # fmt: skip
# Commands that change the workflow without advancing it (no engine steps after them).
NO_STEPS = {AuditCommand.UPDATE_DATA}


class Divergence(Exception):
    """The re-execution did not reproduce the recorded step."""


@dataclass
class Step:
    """One event of the log as the re-execution saw it."""

    seq: int
    at: str
    actor: str
    command: str
    payload: dict[str, Any]
    result: dict[str, Any]
    status: InstanceStatus  # the instance's status after the step
    version: int  # the version of its process the instance ran after the step
    data: JsonObject | None = None  # the instance's data after it (when asked for)
    diagram: DiagramStates | None = None  # element states, flows taken (when asked for)


@dataclass
class Verdict:
    instance_id: int
    steps: int  # events checked
    reproduced: int  # of which workflow steps re-executed identically
    diverged_at: int | None = None
    how: str | None = None

    @property
    def ok(self) -> bool:
        return self.diverged_at is None

    def describe(self) -> str:
        if self.ok:
            return f"verified: {self.steps} steps reproduce"
        return f"diverges at step {self.diverged_at}: {self.how}"

    def as_dict(self) -> ReplayVerdict:
        return {
            "instance_id": self.instance_id,
            "verified": self.ok,
            "steps": self.steps,
            "reproduced": self.reproduced,
            "diverged_at": self.diverged_at,
            "how": self.how,
            "verdict": self.describe(),
        }


class RecordedServices:
    """Service tasks answered from the log, in the order they were first called."""

    def __init__(self, calls: list[dict[str, Any]]) -> None:
        self._calls = list(calls)

    def __call__(self, operation: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
        if not self._calls:
            raise Divergence(f"the service '{operation}' was called, the log has no call left")
        call = self._calls.pop(0)
        if call.get("operation") != operation or call.get("params") != params:
            raise Divergence(
                f"the service '{operation}' {params} was called, the log has "
                f"'{call.get('operation')}' {call.get('params')}"
            )
        return call.get("result")


@dataclass
class Replayer:
    """The re-execution of one instance, step by step."""

    instance: Instance
    bundle: Bundle
    load_version: Callable[[int], Version]
    keep_data: bool = False
    blobs: Checked = field(default_factory=lambda: Checked({}))  # bodies events refer to
    wf: BpmnWorkflow | None = None
    counter: int = 0
    status: InstanceStatus = InstanceStatus.RUNNING
    track: DiagramTrack = field(init=False)

    def __post_init__(self) -> None:
        self.track = DiagramTrack(self.instance.process_key)

    def steps(self, events: list[AuditEvent]) -> Iterator[Step]:
        for expected, event in enumerate(events, start=1):
            if event.seq != expected:
                raise Divergence(f"event {expected} is missing (the next one is {event.seq})")
            self._apply(event)
            self.track.add(event.result)
            yield Step(
                event.seq,
                event.at.isoformat(),
                event.actor,
                event.command,
                event.payload,
                event.result,
                self.status,
                self.bundle.main.version,
                data_of(self.wf) if self.keep_data and self.wf is not None else None,
                self.track.snapshot() if self.keep_data else None,
            )

    def _apply(self, event: AuditEvent) -> None:
        if event.command in STATUS_AFTER:
            self.status = STATUS_AFTER[event.command]
        elif event.command in ACTIONS or event.command == AuditCommand.MIGRATE:
            self._run(event)
        elif event.command not in NO_WORKFLOW_CHANGE:
            raise Divergence(f"the log holds an unknown command '{event.command}'")
        recorded = event.result.get("status")
        if recorded is not None and recorded != self.status:
            raise Divergence(f"status is '{self.status}', the log says '{recorded}'")

    def _run(self, event: AuditEvent) -> None:
        calls = event.payload.get("service_calls", [])
        ctx = context.CommandContext(
            now=event.at,
            instance_id=self.instance.id,
            next_task_number=self.counter,
            services=RecordedServices(calls),
        )
        with context.command_context(ctx):
            if event.command == AuditCommand.START:
                spec, subs = self.bundle.specs()
                self.wf = BpmnWorkflow(spec, subs, script_engine=SCRIPT_ENGINE)
            if self.wf is None:
                raise Divergence(f"'{event.command}' before the instance was started")
            before = task_states(self.wf)
            if event.command == AuditCommand.CANCEL:
                self.status = InstanceStatus.CANCELLED
            try:
                if event.command == AuditCommand.MIGRATE:
                    self._migrate(event.payload)
                else:
                    ACTIONS[event.command](self.wf, self._input(event))
                if self.status == InstanceStatus.RUNNING and event.command not in NO_STEPS:
                    self.wf.do_engine_steps()
                prune_history(self.wf)
            except (SpiffWorkflowException, SandboxError, KeyError, ValueError) as err:
                raise Divergence(f"'{event.command}' fails on re-execution: {err}") from err
        self.counter = ctx.next_task_number
        if self.wf.completed and self.status == InstanceStatus.RUNNING:
            self.status = InstanceStatus.COMPLETED
        self._compare(event, ctx, before, task_states(self.wf))

    def _input(self, event: AuditEvent) -> dict[str, Any]:
        """The command's input as it ran: a body the event refers to put back in place."""
        problem = self.blobs.problem(event.payload)
        if problem is not None:
            raise Divergence(f"the data the event refers to is {problem} (audit_blobs)")
        return self.blobs.resolved(event.payload)

    def _migrate(self, payload: dict[str, Any]) -> None:
        """The move to another version, as `engine.commands.moves` made it."""
        assert self.wf is not None
        new = moved_bundle(self.load_version, payload, "to")
        moved = move_workflow(self.wf, *new.specs())
        if not moved.possible:
            to = payload.get("to_version")
            raise Divergence(f"the move to version {to} fails on re-execution")
        self.bundle = new

    def _compare(
        self, event: AuditEvent, ctx: context.CommandContext, before: dict, after: dict
    ) -> None:
        replayed = json.loads(json.dumps(task_changes(self.bundle, before, after), default=str))
        recorded = event.result.get("tasks", [])
        if replayed != recorded:
            raise Divergence(_task_difference(recorded, replayed))
        if ctx.service_calls != event.payload.get("service_calls", []):
            raise Divergence("the services called differ from the log")
        digest = event.result.get("state")
        if digest is not None and digest != state_digest(self.wf, changed_ids(before, after)):
            raise Divergence("the instance's data or task states differ from the recorded ones")


def _start(wf: BpmnWorkflow, payload: dict[str, Any]) -> None:
    wf.task_tree.data.update({**payload.get("injected", {}), **payload.get("data", {})})


def _complete(wf: BpmnWorkflow, payload: dict[str, Any]) -> None:
    task = wf.get_task_from_id(UUID(payload["task_id"]))
    if task is None or task.state != TaskState.READY:
        raise Divergence(f"task {payload.get('element_id')} is not waiting to be completed")
    task.data.update(payload.get("data", {}))
    task.run()


def _message(wf: BpmnWorkflow, payload: dict[str, Any]) -> None:
    try:
        definition = waiting_definition(wf, payload["name"])
    except Exception as err:
        raise Divergence(f"nothing waits for the message '{payload['name']}'") from err
    wf.send_event(BpmnEvent(definition, payload.get("payload", {})))


ACTIONS: dict[str, Callable[[BpmnWorkflow, dict[str, Any]], None]] = {
    AuditCommand.START: _start,
    AuditCommand.COMPLETE: _complete,
    AuditCommand.TIMER: lambda wf, _payload: wf.refresh_timers(),
    AuditCommand.MESSAGE: _message,
    AuditCommand.CANCEL: lambda wf, _payload: wf.cancel(),
    AuditCommand.UPDATE_DATA: apply_changes,  # an operator's fix of the data
}


def _task_difference(recorded: list, replayed: list) -> str:
    def show(rows: list) -> str:
        return ", ".join(f"{r[1]}→{r[2]}" for r in rows[:4]) or "nothing"

    missing = [r for r in recorded if r not in replayed]
    extra = [r for r in replayed if r not in recorded]
    return f"the log has {show(missing)}; the re-execution gives {show(extra)}"


def events_of(session: Session, instance_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.seq)
        )
    )


def events_with_bodies(session: Session, instance_id: int) -> tuple[list[AuditEvent], Checked]:
    """The instance's events (by seq) and the bodies they refer to, in one query."""
    digest = AuditEvent.payload[REF].as_string()
    rows = session.execute(
        select(AuditEvent, AuditBlob.body)
        .outerjoin(AuditBlob, AuditBlob.digest == digest)
        .where(AuditEvent.instance_id == instance_id)
        .order_by(AuditEvent.seq)
    ).all()
    bodies = {e.payload[REF]: body for e, body in rows if body is not None}
    return [e for e, _ in rows], Checked(bodies)


def replayer_for(
    session: Session,
    rt: Runtime,
    instance: Instance,
    events: list[AuditEvent],
    found: Checked | None = None,
    **options: Any,
) -> Replayer:
    """A re-execution from the versions the instance started on (before any migration);
    `found`: the bodies the events refer to, if read with them (else read here)."""
    load = lambda version_id: rt.versions.get(session, version_id)  # noqa: E731
    migrations = [e for e in events if e.command == AuditCommand.MIGRATE]
    first = (
        moved_bundle(load, migrations[0].payload, "from")
        if migrations
        else bundle_of(session, rt, instance)
    )
    if found is None:
        found = Checked.of(session, (e.payload for e in events))
    return Replayer(instance, first, load, blobs=found, **options)


def verify(session: Session, rt: Runtime, instance_id: int) -> tuple[Verdict, list]:
    """Re-execute the whole instance and check its chain: the verdict names the first
    step that diverges; the chain breaks name the rows that were altered."""
    instance = _instance(session, instance_id)
    events = events_of(session, instance_id)
    replayer = replayer_for(session, rt, instance, events)
    chain = audit.chain_breaks(instance, sorted(events, key=lambda e: e.id), replayer.blobs)
    verdict = Verdict(instance_id, len(events), 0)
    try:
        for step in replayer.steps(events):
            verdict.reproduced = step.seq
    except Divergence as err:
        verdict.diverged_at, verdict.how = verdict.reproduced + 1, str(err)
        return verdict, chain
    if events and (how := _stored_differs(instance, replayer)):
        verdict.diverged_at, verdict.how = len(events), how
    elif (broken := check_documents(session, events)) is not None:
        verdict.diverged_at, verdict.how = broken  # a document renders to another file
    return verdict, chain


def _stored_differs(instance: Instance, replayer: Replayer) -> str | None:
    """What the stored instance holds must be where its log leads (an edit of the live
    state after the last event is seen here)."""
    if instance.status != replayer.status:
        return f"the instance is '{instance.status}', the log leads to '{replayer.status}'"
    if replayer.wf is None or not instance.state:
        return None
    spec, subs = replayer.bundle.specs()
    if state_digest(load_state(instance.state, spec, subs)) != state_digest(replayer.wf):
        return "the stored state (data or tasks) differs from where the log leads"
    return None


def replay_steps(
    session: Session, rt: Runtime, instance_id: int, until: int | None = None
) -> tuple[list[Step], Verdict]:
    """The steps up to `until` (all by default), each with the data as it stood then."""
    instance = _instance(session, instance_id)
    every, found = events_with_bodies(session, instance_id)
    events = [e for e in every if until is None or e.seq <= until]
    replayer = replayer_for(session, rt, instance, events, found, keep_data=True)
    verdict = Verdict(instance_id, len(events), 0)
    steps: list[Step] = []
    try:
        for step in replayer.steps(events):
            steps.append(step)
            verdict.reproduced = step.seq
    except Divergence as err:
        verdict.diverged_at, verdict.how = verdict.reproduced + 1, str(err)
    return steps, verdict


def _instance(session: Session, instance_id: int) -> Instance:
    instance = session.get(Instance, instance_id)
    if instance is None:
        raise NotFound(N_("Không có hồ sơ {id}."), params={"id": instance_id})
    return instance


def task_roles(
    session: Session, rt: Runtime, instance_id: int, items: Iterable[WorkItem] | None = None
) -> dict[str, StepTask]:
    """Each task of the instance: its element, name, and the role and unit it was for
    (`items`: the instance's work items, if read already)."""
    tree = rt.org_tree(session)
    if items is None:
        items = session.scalars(select(WorkItem).where(WorkItem.instance_id == instance_id))
    return {
        item.id: {
            "element_id": item.element_id,
            "name": item.name,
            "role": item.role_key,
            "unit": tree.by_id[item.unit_id].code if item.unit_id in tree.by_id else None,
            "unit_name": tree.by_id[item.unit_id].name if item.unit_id in tree.by_id else None,
        }
        for item in items
    }


def check_may_replay(
    session: Session,
    rt: Runtime,
    instance_id: int,
    user: Actor | None,
    instance: Instance | None = None,
) -> None:
    """A replay shows everything the instance held: only for those who see all of it
    (administrators, auditors in scope, the instance's own administration). `instance`:
    the instance as the user may see it, if read already."""
    if instance is None:
        instance = visible_instance(session, rt, instance_id, user)
    if user is not None and view_of(rt.org_tree(session), user, instance) != FULL:
        raise PermissionDenied(
            N_("Chỉ người được xem toàn bộ hồ sơ mới xem lại và kiểm chứng được.")
        )


def step_view(step: Step, tasks: dict[str, StepTask]) -> ReplayStep:
    """A step as the replay page and the API show it; `tasks` from `task_roles`."""
    diagram = step.diagram or {"element_states": {}, "flows_taken": []}
    return {
        "seq": step.seq,
        "task": tasks.get(step.payload.get("task_id", "")),
        "at": step.at,
        "actor": step.actor,
        "command": step.command,
        "payload": step.payload,
        "status": step.status,
        "version": step.version,
        "element_states": diagram["element_states"],
        "flows_taken": diagram["flows_taken"],
        "data": step.data,
    }
