"""Running one command against one instance: load, act, advance, record, save.

Every change to an instance goes through `InstanceRun.execute`: the workflow is taken
from the in-process cache (checked against the instance's row version) or restored from
its stored state; the action runs under the command's clock; the library advances the
automatic steps; the waiting work (user tasks, timers, messages) is synced to its tables;
the state is saved and one audit event appended, all in the caller's transaction. The
row version makes a concurrent second writer fail with Conflict instead of overwriting.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine import context
from engine.access import org
from engine.audit import chain as audit
from engine.background import outbox
from engine.bpmn.model_info import ElementInfo
from engine.bpmn.pruning import prune_history
from engine.bpmn.specs import SPECS, ParsedProcess
from engine.bpmn.state import dump_state, load_state, state_digest
from engine.commands.task_changes import changed_ids, task_changes, task_states
from engine.enums import InstanceStatus, TimerState, WorkItemState
from engine.errors import N_, Message, PolicyflowError, ProcessFailed
from engine.results import NextTask, Outcome
from engine.rules.calendar import WorkCalendar
from engine.rules.due import due_at
from engine.rules.services import HostServices
from engine.rules.start_defaults import due_value
from engine.rules.user_fields import assignee_id
from engine.sandbox import SandboxError, make_script_engine
from engine.store.models import Instance, MessageWait, ProcessVersion, SettingValue, Timer, WorkItem
from engine.store.models.org import Role
from engine.store.write_batch import WriteBatch, changed_columns, written

SCRIPT_ENGINE = make_script_engine(
    clock=lambda: _ctx().now,
    services=lambda op, params, data: _ctx().call_service(op, params, data),
)


def _ctx() -> context.CommandContext:
    ctx = context.current()
    if ctx is None:
        raise RuntimeError("the library ran outside an engine command")
    return ctx


@dataclass(frozen=True)
class Version:
    """An immutable deployed version, cached by id."""

    id: int
    process_key: str
    version: int
    name: str
    forms: dict[str, dict]
    parsed: ParsedProcess


class VersionCache:
    def __init__(self) -> None:
        self._by_id: dict[int, Version] = {}

    def get(self, session: Session, version_id: int) -> Version:
        found = self._by_id.get(version_id)
        if found is None:
            row = session.get(ProcessVersion, version_id)
            assert row is not None
            found = Version(
                row.id,
                row.process_key,
                row.version,
                row.name,
                row.forms,
                SPECS.get(row.content_hash, row.bpmn_xml),
            )
            self._by_id[version_id] = found
        return found


class WorkflowCache:
    """Live workflows by instance id, valid only for the row version they were saved at.

    `take` removes the entry, so two commands on one instance never share an object; the
    workflow goes back only after its transaction commits.
    """

    def __init__(self, size: int = 2000) -> None:
        self._entries: dict[int, tuple[int, BpmnWorkflow]] = {}
        self._lock = threading.Lock()
        self._size = size

    def take(self, instance_id: int, row_version: int) -> BpmnWorkflow | None:
        with self._lock:
            entry = self._entries.pop(instance_id, None)
        return entry[1] if entry and entry[0] == row_version else None

    def put(self, instance_id: int, row_version: int, workflow: BpmnWorkflow) -> None:
        with self._lock:
            if len(self._entries) >= self._size:
                self._entries.pop(next(iter(self._entries)))
            self._entries[instance_id] = (row_version, workflow)


@dataclass
class Runtime:
    """Caches shared by all commands of one database."""

    versions: VersionCache = field(default_factory=VersionCache)
    workflows: WorkflowCache = field(default_factory=WorkflowCache)
    blobs: set[str] = field(default_factory=set)  # audit bodies known stored (audit/blobs)
    # Reference data changes rarely and is read by every command: an edit of the org
    # units, the calendar or the settings reaches new commands within this many seconds.
    reference_ttl: float = 10.0
    _reference: dict[str, tuple[float, Any]] = field(default_factory=dict)

    def _cached(self, name: str, load: Callable[[], Any]) -> Any:
        hit = self._reference.get(name)
        if hit is None or time.monotonic() - hit[0] > self.reference_ttl:
            hit = (time.monotonic(), load())
            self._reference[name] = hit
        return hit[1]

    def calendar(self, session: Session) -> WorkCalendar:
        return self._cached("calendar", lambda: WorkCalendar.load(session))

    def org_tree(self, session: Session) -> org.OrgTree:
        return self._cached("org", lambda: org.OrgTree.load(session))

    def roles(self, session: Session) -> list[tuple[str, str, str]]:
        """Every role of the org model, (key, Vietnamese name, English name) by key: every
        page names the roles its user holds and those its rows are for."""
        query = select(Role.key, Role.name_vi, Role.name_en).order_by(Role.key)
        return self._cached("roles", lambda: [tuple(r) for r in session.execute(query)])

    def reference(self, name: str, load: Callable[[], Any]) -> Any:
        """Reference data read elsewhere (e.g. the processes' names), kept as the above."""
        return self._cached(name, load)

    def settings(self, session: Session, on: date) -> dict[str, Any]:
        """Every setting's value in force on the date (the newest that began by then)."""

        def load() -> list[tuple[str, date, Any]]:
            query = select(SettingValue.key, SettingValue.valid_from, SettingValue.value)
            return [tuple(r) for r in session.execute(query.order_by(SettingValue.valid_from))]

        in_force: dict[str, Any] = {}
        for key, valid_from, value in self._cached("settings", load):
            if valid_from <= on:
                in_force[key] = value  # ordered by date: a later value replaces an earlier
        return dict(sorted(in_force.items()))

    def forget_reference_data(self) -> None:
        self._reference.clear()

    def after_commit(self, session: Session, instance: Instance, wf: BpmnWorkflow) -> None:
        pending = session.info.setdefault("policyflow_cache", [])
        pending.append((self.workflows, instance, wf))


@event.listens_for(Session, "after_commit")
def _publish_cached(session: Session) -> None:
    for cache, instance, wf in session.info.pop("policyflow_cache", []):
        cache.put(instance.id, instance.row_version, wf)


@event.listens_for(Session, "after_rollback")
def _drop_cached(session: Session) -> None:
    session.info.pop("policyflow_cache", None)


@dataclass
class Bundle:
    """The versions an instance runs: its own and those of the processes it calls."""

    main: Version
    called: dict[str, Version]

    def specs(self) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
        subs = dict(self.main.parsed.embedded)
        for key, version in self.called.items():
            subs[key] = version.parsed.spec
            subs.update(version.parsed.embedded)
        return self.main.parsed.spec, subs

    def version_of(self, task: Task) -> Version:
        """The version whose model the task comes from (a called process has its own)."""
        key = _owning_process(task, self.main.process_key, self.called)
        return self.main if key == self.main.process_key else self.called[key]

    def element(self, task: Task) -> ElementInfo | None:
        return self.version_of(task).parsed.info.elements.get(task.task_spec.bpmn_id)


def _owning_process(task: Task, main_key: str, called: dict[str, Version]) -> str:
    wf = task.workflow
    while wf is not None:
        if wf.spec.name in called:
            return wf.spec.name
        wf = wf.parent_workflow
    return main_key


def bundle_of(session: Session, rt: Runtime, instance: Instance) -> Bundle:
    called = {k: rt.versions.get(session, v) for k, v in instance.called_versions.items()}
    return Bundle(rt.versions.get(session, instance.process_version_id), called)


@dataclass
class InstanceRun:
    """One command on one instance (see the module docstring)."""

    session: Session
    rt: Runtime
    instance: Instance
    tree: org.OrgTree
    now: datetime
    actor: str
    closed_item: str | None = None  # the work item the command itself closed
    bundle: Bundle = field(init=False)
    open_tasks: list[NextTask] = field(default_factory=list)  # after execute()
    # Rows the command writes besides the instance's, sent with it at the end of execute().
    writes: WriteBatch = field(default_factory=WriteBatch)

    def __post_init__(self) -> None:
        self.bundle = bundle_of(self.session, self.rt, self.instance)

    def workflow(self) -> BpmnWorkflow:
        wf = self.rt.workflows.take(self.instance.id, self.instance.row_version)
        if wf is None:
            spec, subs = self.bundle.specs()
            wf = load_state(self.instance.state, spec, subs)
        wf.script_engine = SCRIPT_ENGINE
        return wf

    def execute(
        self,
        command: str,
        payload: dict[str, Any],
        action: Callable[[BpmnWorkflow], None],
        create: Callable[[], BpmnWorkflow] | None = None,
        advance: bool = True,
    ) -> BpmnWorkflow:
        """`advance` False: the action only, no engine steps (an edit of the data must not
        fire a timer that is due: the library's steps end by refreshing timers)."""
        ctx = context.CommandContext(
            now=self.now,
            instance_id=self.instance.id,
            next_task_number=self.instance.task_counter,
            services=HostServices.of(self),
        )
        with context.command_context(ctx):
            # A new workflow is made inside the context: its task ids come from it.
            wf = create() if create is not None else self.workflow()
            before = task_states(wf)
            try:
                action(wf)
                if advance and self.instance.status == InstanceStatus.RUNNING:
                    wf.do_engine_steps()
                prune_history(wf)
                waiting = self._sync(wf)
            except (SpiffWorkflowException, SandboxError) as err:
                raise ProcessFailed(_describe_failure(err), element_id=_element_of(err)) from err
        self.instance.task_counter = ctx.next_task_number
        self.instance.state = dump_state(wf)
        self.instance.waiting = waiting
        if wf.completed and self.instance.status == InstanceStatus.RUNNING:
            self.instance.status, self.instance.ended_at = InstanceStatus.COMPLETED, self.now
        if ctx.service_calls:
            payload = {**payload, "service_calls": ctx.service_calls}
        self.open_tasks = [self._summary(wf, tid) for tid in waiting["tasks"]]
        after = task_states(wf)
        changes = task_changes(self.bundle, before, after)
        digest = state_digest(wf, changed_ids(before, after))
        result = {"status": self.instance.status, "tasks": changes, "state": digest}
        audit.append(self.session, self.instance, self.now, self.actor, command, payload,
                     result, self.writes)  # fmt: skip
        self._save()
        self.rt.after_commit(self.session, self.instance, wf)
        return wf

    def _save(self) -> None:
        """The command's writes and the instance's changed columns: one statement on
        PostgreSQL (engine/store/write_batch.py). The row version turns a concurrent
        writer's command into a Conflict instead of an overwrite."""
        old = self.instance.row_version
        values = {**changed_columns(self.instance), "row_version": old + 1}
        where = {"id": self.instance.id, "row_version": old}
        if self.writes.run(self.session, Instance, values, where) != 1:
            raise StaleDataError(f"instance {self.instance.id} changed under this command")
        written(self.instance, values)

    def outcome(self) -> Outcome:
        """What a caller needs after a command: the instance's status and its next tasks."""
        return {
            "id": self.instance.id,
            "status": InstanceStatus(self.instance.status),
            "open_tasks": self.open_tasks,
        }

    def _summary(self, wf: BpmnWorkflow, task_id: str) -> NextTask:
        """An open user task as a caller needs it next (no query: the workflow knows)."""
        task = wf.get_task_from_id(UUID(task_id))
        info = self.bundle.element(task)
        return {
            "id": task_id,
            "element_id": task.task_spec.bpmn_id,
            "name": info.name if info else task.task_spec.bpmn_id,
            "role": info.role if info else None,
        }

    # -- what the instance waits for ------------------------------------------------

    def _sync(self, wf: BpmnWorkflow) -> dict[str, dict[str, str]]:
        """What the instance waits for now ({"tasks"|"timers"|"messages": {task id: element,
        due time or message name}}), synced to the tables from what it waited for before."""
        old = self.instance.waiting or {}
        new: dict[str, dict[str, str]] = {"tasks": {}, "timers": {}, "messages": {}}
        for task in wf.get_tasks(state=TaskState.READY | TaskState.WAITING):
            self._classify(task, new)
        self._sync_work_items(wf, old.get("tasks", {}), new["tasks"])
        self._sync_timers(wf, old.get("timers", {}), new["timers"])
        self._sync_messages(old.get("messages", {}), new["messages"])
        return new

    def _classify(self, task: Task, new: dict[str, dict[str, str]]) -> None:
        key = str(task.id)
        if task.state == TaskState.READY and task.task_spec.manual:
            new["tasks"][key] = task.task_spec.bpmn_id
            return
        definition = getattr(task.task_spec, "event_definition", None)
        if task.state != TaskState.WAITING or definition is None:
            return
        if isinstance(definition, TimerEventDefinition):
            new["timers"][key] = task._get_internal_data("event_value")
        elif isinstance(definition, MessageEventDefinition):
            new["messages"][key] = definition.name

    def _sync_work_items(self, wf: BpmnWorkflow, old: dict, new: dict) -> None:
        if self.instance.status == InstanceStatus.CANCELLED:
            new.clear()
        gone = [tid for tid in old if tid not in new and tid != self.closed_item]
        for state in (WorkItemState.COMPLETED, WorkItemState.CANCELLED):
            ids = [t for t in gone if _finished_as(wf, t) == state]
            if ids:
                values = {"state": state, "completed_at": self.now}
                self.writes.update(WorkItem, values, {"id": ids, "state": WorkItemState.OPEN})
        rows = [self._work_item(wf.get_task_from_id(UUID(t))) for t in new if t not in old]
        if rows:
            self.writes.insert(WorkItem, rows)

    def _work_item(self, task: Task) -> dict[str, Any]:
        """The new work item's row (every column: one shape, one compiled statement)."""
        info = self.bundle.element(task)
        props = info.properties if info else {}
        owner = self.bundle.version_of(task)  # dueIn sees its start form's defaults
        value = due_value(task, props.get("dueIn"), owner.forms, owner.parsed.info.start_form)
        return {
            "id": str(task.id),
            "instance_id": self.instance.id,
            "process_key": self.instance.process_key,
            "state": WorkItemState.OPEN,
            "created_at": self.now,
            "due_at": due_at(value, self.now, lambda: self.rt.calendar(self.session)),
            "claimed_by": None,
            "completed_by": None,
            "completed_at": None,
            **self.placement(task),
        }

    def placement(self, task: Task) -> dict[str, Any]:
        """What a work item takes from its task's element: the element, its name, the role
        and unit that do it (and the user, from `assigneeFrom`), its form, and the version."""
        info = self.bundle.element(task)
        props = info.properties if info else {}
        engine = task.workflow.script_engine
        pinned = engine.evaluate(task, props["unitFrom"]) if props.get("unitFrom") else None
        if isinstance(pinned, dict):
            pinned = pinned.get("code")
        on = org.local_date(self.now)
        unit_id, scope = org.task_scope(self.tree, self.instance.unit_id, pinned, on)
        role_key = info.role if info else None
        named = engine.evaluate(task, props["assigneeFrom"]) if props.get("assigneeFrom") else None
        claimed = assignee_id(self.session, self.tree, named, role_key, unit_id, scope, on)
        return {
            "version_id": self.bundle.version_of(task).id,
            "element_id": task.task_spec.bpmn_id,
            "name": (info.name if info else task.task_spec.bpmn_name) or task.task_spec.bpmn_id,
            "role_key": role_key,
            "unit_id": unit_id,
            "scope": scope,
            "form": props.get("formJsonSchemaFilename"),
            # `assigneeFrom`: the item is created taken by the user it names (if they may act)
            **({"claimed_by": claimed} if claimed is not None else {}),
        }

    def _sync_timers(self, wf: BpmnWorkflow, old: dict, new: dict) -> None:
        for tid, due in new.items():
            if old.get(tid) != due:  # new, or recomputed (a migration restarts a timer)
                due_at = datetime.fromisoformat(due)
                if tid in old:
                    self.session.execute(delete(Timer).where(Timer.id == tid))
                self.session.add(
                    Timer(
                        id=tid,
                        instance_id=self.instance.id,
                        element_id=wf.get_task_from_id(UUID(tid)).task_spec.bpmn_id,
                        due_at=due_at,
                        state=TimerState.WAITING,
                    )
                )
                # The job fires it on time; the timers table stays the truth a sweep reads.
                outbox.enqueue(
                    self.session, "fire_timers", due_at, self.now, self.instance.id, {"timer": tid}
                )
        gone = [tid for tid in old if tid not in new]
        if gone:
            cancelled = self.instance.status == InstanceStatus.CANCELLED
            fired_or_cancelled = TimerState.CANCELLED if cancelled else TimerState.FIRED
            self.session.execute(
                update(Timer)
                .where(Timer.id.in_(gone), Timer.state == TimerState.WAITING)
                .values(state=fired_or_cancelled)
            )

    def _sync_messages(self, old: dict, new: dict) -> None:
        for tid, name in new.items():
            if tid not in old:
                self.session.add(MessageWait(instance_id=self.instance.id, message_name=name))
        gone_names = {old[t] for t in old if t not in new} - set(new.values())
        if gone_names:
            for wait in self.session.scalars(
                select(MessageWait).where(
                    MessageWait.instance_id == self.instance.id,
                    MessageWait.message_name.in_(gone_names),
                )
            ):
                self.session.delete(wait)


def _finished_as(wf: BpmnWorkflow, task_id: str) -> WorkItemState:
    try:
        task = wf.get_task_from_id(UUID(task_id))
    except Exception:  # pruned or deleted with its subprocess: it is over either way
        return WorkItemState.COMPLETED
    if task is None:
        return WorkItemState.COMPLETED
    done = task.state == TaskState.COMPLETED
    return WorkItemState.COMPLETED if done else WorkItemState.CANCELLED


def _element_of(err: Exception) -> str | None:
    task = getattr(err, "task", None)
    return task.task_spec.bpmn_id if task is not None else None


def _describe_failure(err: Exception) -> Message:
    task = getattr(err, "task", None)
    message = str(err).strip().splitlines()[0] if str(err).strip() else err.__class__.__name__
    if task is None:
        return Message(N_("Quy trình gặp lỗi: {message}"), {"message": message})
    step = task.task_spec.bpmn_name or task.task_spec.bpmn_id
    return Message(
        N_("Quy trình gặp lỗi ở bước '{step}': {message}"), {"step": step, "message": message}
    )


__all__ = ["Bundle", "InstanceRun", "PolicyflowError", "Runtime", "Version"]
