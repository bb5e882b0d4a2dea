"""Host operations a BPMN service task may call (`spiffworkflow:serviceTaskOperator`).

They run inside the command's transaction. Their results are recorded in the audit
event, so a replay feeds the recorded result back instead of calling them again.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access import org
from engine.background.notices import notify_users
from engine.background.outbox import enqueue
from engine.documents.service import request_document
from engine.enums import WorkItemState
from engine.errors import ProcessFailed
from engine.rules import case_deadline, register, spokespersons
from engine.rules.calendar import WorkCalendar
from engine.rules.case_services import record_case, start_process
from engine.rules.citizen_letters import citizen_letter
from engine.rules.monitoring import link_found_item, next_scan, record_item, track_item
from engine.rules.reporting import case_figures, units_with_open_tasks
from engine.rules.unit_plans import record_plan_progress, unit_plan_tasks
from engine.store.models import Instance, User, WorkItem

if TYPE_CHECKING:
    from engine.commands.runner import Runtime


# Operations that read the calling task's data themselves (optional fields a model
# cannot name in an expression while they may be unset).
TAKES_TASK_DATA = frozenset({"render_document"})


@dataclass
class HostServices:
    session: Session
    tree: org.OrgTree
    instance: Instance
    now: datetime
    rt: "Runtime | None" = None  # the command's caches (start_process starts a case)
    actor: str = "system"  # who runs the command

    @classmethod
    def of(cls, run: Any) -> "HostServices":
        """The services of one command (an engine.commands.runner.InstanceRun)."""
        return cls(run.session, run.tree, run.instance, run.now, run.rt, run.actor)

    def __call__(self, operation: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
        handler: Callable[..., Any] | None = OPERATIONS.get(operation)
        if handler is None:
            raise ProcessFailed(f"Unknown service operation '{operation}'.")
        try:
            if operation in TAKES_TASK_DATA:  # copies optional fields it is told to
                return handler(self, **params, task_data=data)
            return handler(self, **params)
        except TypeError as err:
            raise ProcessFailed(
                f"Service '{operation}' called with wrong parameters: {err}"
            ) from err


def allocate_document_number(ctx: HostServices, doc_type: str) -> dict[str, Any]:
    """Next number of the issuing body for the year, entered in the register (models
    shipped before `register_document`; no title, the instance's unit drafts)."""
    return register_document(ctx, doc_type)


def register_document(
    ctx: HostServices, doc_type: str, title: str = "", drafting_unit: str | None = None
) -> dict[str, Any]:
    """Enter an outgoing document in the register (engine/rules/register.py): the issuing
    body is the instance's administration in force, `drafting_unit` (a unit code, default
    the instance's unit) goes into a công văn's ký hiệu and issues a Tờ trình."""
    return register.register_document(
        ctx.session,
        ctx.tree,
        ctx.instance.id,
        ctx.instance.unit_id,
        ctx.now,
        doc_type,
        title,
        drafting_unit,
    )


def case_deadlines(
    ctx: HostServices, received_at: str, rule: str, milestones: dict[str, str] | None = None
) -> dict[str, str]:
    """A case's answer deadline, fixed at receipt, and its milestones (case_deadline.py)."""
    calendar = WorkCalendar.load(ctx.session)
    return case_deadline.case_deadlines(calendar, received_at, rule, milestones)


def notify(ctx: HostServices, role: str, message: str, unit: str | None = None) -> dict[str, int]:
    """A notice (in-app, and by e-mail later) to every holder of `role` for the instance."""
    on = org.local_date(ctx.now)
    unit_id, scope = org.task_scope(ctx.tree, ctx.instance.unit_id, unit, on)
    users = org.holders(ctx.session, ctx.tree, role, unit_id, scope, on)
    return {"sent": notify_users(ctx.session, users, ctx.instance.id, message, ctx.now)}


def remind_open_tasks(
    ctx: HostServices, message: str, elements: list[str] | None = None
) -> dict[str, int]:
    """Remind whoever may do this instance's open tasks (those of `elements`, or all).

    Units that already did their part have no open task and get no reminder.
    """
    query = select(WorkItem).where(
        WorkItem.instance_id == ctx.instance.id, WorkItem.state == WorkItemState.OPEN
    )
    if elements:
        query = query.where(WorkItem.element_id.in_(elements))
    users: dict[int, User] = {}
    on = org.local_date(ctx.now)
    for item in ctx.session.scalars(query):
        if item.role_key is not None:
            for user in org.holders(
                ctx.session, ctx.tree, item.role_key, item.unit_id, item.scope, on
            ):
                users.setdefault(user.id, user)
    sent = notify_users(ctx.session, users.values(), ctx.instance.id, message, ctx.now)
    return {"sent": sent}


def publish_to_portal(ctx: HostServices, title: str, body: str) -> dict[str, Any]:
    """Queue a page for the district portal; a job publishes it after the commit.

    The page goes out only if the step that asked for it is committed; the job id is the
    page's identity at the portal, so a job run twice publishes once.
    """
    job = enqueue(
        ctx.session,
        "publish",
        ctx.now,
        ctx.now,
        ctx.instance.id,
        {"title": str(title), "body": str(body)},
    )
    ctx.session.flush()
    return {"queued": job.id}


def spokesperson(ctx: HostServices, unit: str | None = None) -> dict[str, Any]:
    """The spokesperson in force today for the People's Committee of `unit` (a code;
    default the instance's unit), from the register (engine/rules/spokespersons.py):
    `{"username", "full_name", "position", "unit", "valid_from"}`; `username` is None
    when the register names nobody or a person who is not a user (the steps stay open
    to the lane)."""
    on = org.local_date(ctx.now)
    unit_id = ctx.tree.unit(unit).id if unit else ctx.instance.unit_id
    found = spokespersons.spokesperson_for(ctx.session, ctx.tree, unit_id, on)
    if found is None:
        return {"username": None, "full_name": None, "position": None, "unit": None}
    keys = ("username", "full_name", "position", "unit", "valid_from")
    return {k: found[k] for k in keys}  # type: ignore[literal-required]


OPERATIONS: dict[str, Callable[..., Any]] = {
    "allocate_document_number": allocate_document_number,
    "register_document": register_document,
    "render_document": request_document,  # engine/documents: a .docx from a template
    "case_deadlines": case_deadlines,
    "notify": notify,
    "remind_open_tasks": remind_open_tasks,
    "publish_to_portal": publish_to_portal,
    "start_process": start_process,
    "record_case": record_case,
    "case_figures": case_figures,
    "units_with_open_tasks": units_with_open_tasks,
    "spokesperson": spokesperson,
    "unit_plan_tasks": unit_plan_tasks,
    "record_plan_progress": record_plan_progress,
    "next_scan": next_scan,
    "record_item": record_item,
    "link_found_item": link_found_item,
    "track_item": track_item,
    "citizen_letter": citizen_letter,
}
