"""One task as its page shows it: the task, its instance, and what the viewer may do."""

from datetime import datetime
from typing import NoReturn
from uuid import UUID

from sqlalchemy.orm import Session

from engine.access import org
from engine.access.visibility import FULL, can_see_item, view_of
from engine.commands.runner import InstanceRun, Runtime, Version
from engine.enums import WorkItemState
from engine.errors import N_, NotFound
from engine.results import JsonObject, TaskDetail
from engine.rules.reporting import PREFILL, with_prefill
from engine.rules.setting_text import fill, with_setting_defaults
from engine.rules.unit_fields import with_unit_choices
from engine.rules.user_fields import administration_of, user_roles, with_user_choices
from engine.store.models import Instance, WorkItem

from . import instance_page as page
from .inbox import describe_items
from .instances import instance_view, visible_instance


def task_detail(
    session: Session, rt: Runtime, task_id: str, user: org.Actor, now: datetime
) -> TaskDetail:
    found = page.load(session, rt, user, task_id=task_id)  # the task's instance, if seen
    if found is None:
        _not_found(session, rt, task_id, user)
    item, instance = found.items[task_id], found.instance
    tree = rt.org_tree(session)
    view = view_of(tree, user, instance)
    if not can_see_item(tree, user, item, view):
        raise NotFound(N_("Không có công việc '{id}'."), params={"id": task_id})
    version = rt.versions.get(session, item.version_id)
    form = version.forms.get(item.form) if item.form else None
    roles = page.open_roles(found.items.values()) | user_roles(form)
    more = page.extras(session, instance.id, roles, state_of=instance)  # data, prefill
    shown = instance_view(session, rt, user, found, more)
    if view != FULL:  # only their part: the data as this task saw it, not the instance's
        shown["data"] = task_data(session, rt, instance, item.id)
    known = ({instance.id: instance.title}, found.usernames)
    [described] = describe_items(session, rt, tree, [item], known)
    # The org-unit fields list the units in force today (engine clock), of their kinds.
    today = org.local_date(now)
    described["form_schema"] = with_unit_choices(described["form_schema"], tree, today)
    # The user fields list the role's holders in the instance's administration today.
    described["form_schema"] = with_user_choices(
        session,
        described["form_schema"],
        tree,
        administration_of(tree, instance.unit_id, today),
        today,
        more.holdings,
    )
    # Agencies and other texts from the settings the instance copied at its start.
    settings = rt.settings(session, org.local_date(instance.started_at))
    described["form_schema"] = with_setting_defaults(described["form_schema"], settings)
    if is_prefilled(described["form_schema"]) and item.state == WorkItemState.OPEN:
        # The figures the system recorded, as the form's defaults (and a changed one
        # requires the correction reason): from the task's own data.
        data = task_data(session, rt, instance, item.id)
        described["form_schema"] = with_prefill(described["form_schema"], data)
    is_open = item.state == WorkItemState.OPEN
    can_act = is_open and org.can_act(
        tree, user, item.role_key, item.unit_id, item.scope
    ) and item.claimed_by in (None, user.id)  # fmt: skip
    leader = is_open and org.is_leader(user)
    return {
        **described,
        "instructions": _instructions(version, item.element_id, settings),
        "overdue": is_open and item.due_at is not None and item.due_at < now,
        "instance": shown,
        "can_act": can_act,
        "can_reassign": leader,
        "reassign_candidates": (
            org.reassign_candidates(
                session,
                tree,
                item.role_key,
                item.unit_id,
                item.scope,
                org.local_date(now),
                more.holdings,
            )
            if leader
            else []
        ),
        "diagram_process_key": version.process_key,
        "diagram_version": version.version,
    }


def _not_found(session: Session, rt: Runtime, task_id: str, user: org.Actor) -> NoReturn:
    """Why a task is not shown, as before the task and its instance were read together:
    no such task, or its instance out of the user's sight (a rare path: it reads again)."""
    item = session.get(WorkItem, task_id)
    if item is not None:
        visible_instance(session, rt, item.instance_id, user)  # NotFound naming the instance
    raise NotFound(N_("Không có công việc '{id}'."), params={"id": task_id})


def is_prefilled(schema: object) -> bool:
    return isinstance(schema, dict) and isinstance(schema.get(PREFILL), str)


def _instructions(version: Version, element_id: str, settings: dict) -> str | None:
    info = version.parsed.info.elements.get(element_id)
    text = info.properties.get("instructions") if info else None
    return fill(text, settings) if isinstance(text, str) else text


def task_data(session: Session, rt: Runtime, instance: Instance, task_id: str) -> JsonObject:
    """The data a task works on (what it inherited and what was entered in it)."""
    run = InstanceRun(session, rt, instance, rt.org_tree(session), instance.started_at, "")
    wf = run.workflow()
    try:
        task = wf.get_task_from_id(UUID(task_id))
    except Exception:  # pruned from a long history, or its subprocess has ended
        task = None
    finally:
        rt.workflows.put(instance.id, instance.row_version, wf)
    data = dict(task.data) if task is not None else {}
    return {k: v for k, v in data.items() if k != "config"}
