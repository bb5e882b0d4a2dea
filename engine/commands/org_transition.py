"""Hand-over at a merger: open work of a unit that ended goes to its successor.

New work items already go to the unit in force (`org.task_scope`), but items created
before the unit ended stay where they were: on 1/9/2024 a P3 report task of xã Xuân Bắc
would wait for a commune that no longer exists, seen by nobody who holds a role there
now. `transition` moves one instance's open items (and the instance's own unit) to the
successors in force on the date, as one audited command of that instance, so the log
says who moved what, when and why; it changes no workflow state, so a replay passes over
it (engine.audit.replay.NO_WORKFLOW_CHANGE). `plan` is the same reading without writing:
the dry run and the list of instances to transition.
"""

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from engine.access import org
from engine.audit import chain as audit
from engine.background.notices import notify_users
from engine.commands.runner import Runtime
from engine.enums import AuditCommand, InstanceStatus, WorkItemState
from engine.errors import N_, Message, NotFound
from engine.results import TaskMove, TransitionPlan, UnitMove
from engine.store.models import OPEN_ITEM, Instance, User, WorkItem

# A suspended instance is resumed later: its open items must be where people can see them.
LIVE = (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)

HANDED_OVER = N_(
    "Từ ngày {date}, {unit} (đơn vị kế thừa) nhận việc của hồ sơ «{title}» từ đơn vị đã "
    "kết thúc: {tasks}."
)


def plan(session: Session, tree: org.OrgTree, on: date) -> list[TransitionPlan]:
    """Per live instance with something to hand over on `on`: its open items whose unit
    is not in force then, with the unit each goes to, and its own unit if that ended too.
    Writes nothing."""
    ended_units = [u.id for u in tree.by_id.values() if not u.in_force(on)]
    # Selected in SQL, not listed: a district holds more live instances than a statement
    # may bind parameters (65,535 on PostgreSQL); the ended units are a handful.
    handed_over = and_(OPEN_ITEM, WorkItem.unit_id.in_(ended_units))
    items: dict[int, list[WorkItem]] = defaultdict(list)
    query = (
        select(WorkItem)
        .join(Instance, Instance.id == WorkItem.instance_id)
        .where(handed_over, Instance.status.in_(LIVE))
        .order_by(WorkItem.instance_id, WorkItem.id)
    )
    for item in session.scalars(query):
        items[item.instance_id].append(item)
    with_items = select(WorkItem.instance_id).where(handed_over)
    instances = session.scalars(
        select(Instance)
        .where(
            Instance.status.in_(LIVE),
            (Instance.id.in_(with_items) | Instance.unit_id.in_(ended_units)),
        )
        .order_by(Instance.id)
    )
    found = [_plan_for(session, tree, i, items.get(i.id, []), on) for i in instances]
    return [p for p in found if p is not None]


def transition(
    session: Session, rt: Runtime, instance_id: int, on: date, now: datetime, actor: str
) -> TransitionPlan | None:
    """Apply one instance's hand-over on `on` (None if it has none). Items whose unit has
    no successor in force stay and are reported with `to_unit` None; a claim by someone
    who holds no role for the item in the successor is released, so the item goes back to
    the successor's shared inbox instead of waiting on a person who cannot act."""
    tree = rt.org_tree(session)
    # Locked like every command of the instance: a completion racing this hand-over waits.
    instance = session.get(Instance, instance_id, with_for_update=True, populate_existing=True)
    if instance is None:
        raise NotFound(N_("Không có hồ sơ {id}."), params={"id": instance_id})
    if instance.status not in LIVE:
        return None
    items = session.scalars(
        select(WorkItem)
        .where(WorkItem.instance_id == instance_id, WorkItem.state == WorkItemState.OPEN)
        .order_by(WorkItem.id)
        .with_for_update()
    ).all()
    ended = [i for i in items if not tree.by_id[i.unit_id].in_force(on)]
    found = _plan_for(session, tree, instance, ended, on)
    if found is None:
        return None
    by_id = {i.id: i for i in ended}
    applied = [m for m in found["moves"] if m["to_unit"] is not None]
    for move in applied:
        item = by_id[move["task_id"]]
        item.unit_id = tree.unit(move["to_unit"] or "").id
        if move["released"] is not None:
            item.claimed_by = None
    unit_move = found["instance_unit"]
    moved_home = unit_move if unit_move and unit_move["to_unit"] is not None else None
    if moved_home is not None:
        instance.unit_id = tree.unit(moved_home["to_unit"] or "").id
    if not applied and moved_home is None:
        return found  # nothing has a successor in force: nothing to record
    payload = {
        "on": on.isoformat(),
        "moves": [
            {
                "task_id": m["task_id"],
                "element_id": m["element_id"],
                "from": m["from_unit"],
                "to": m["to_unit"],
                "released": m["released"],
            }
            for m in applied
        ],
        "instance_unit": (
            {"from": moved_home["from_unit"], "to": moved_home["to_unit"]} if moved_home else None
        ),
    }
    audit.append(session, instance, now, actor, AuditCommand.ORG_TRANSITION, payload, {})
    _notify(session, tree, instance, [by_id[m["task_id"]] for m in applied], on, now)
    found["applied"] = True
    return found


def _plan_for(
    session: Session, tree: org.OrgTree, instance: Instance, ended: list[WorkItem], on: date
) -> TransitionPlan | None:
    moves = [_move(session, tree, item, on) for item in ended]
    home: UnitMove | None = None
    if not tree.by_id[instance.unit_id].in_force(on):
        to = tree.in_force_on(instance.unit_id, on)
        home = {
            "from_unit": tree.by_id[instance.unit_id].code,
            "to_unit": tree.by_id[to].code if to is not None else None,
        }
    if not moves and home is None:
        return None
    found: TransitionPlan = {
        "instance_id": instance.id,
        "process_key": instance.process_key,
        "title": instance.title,
        "on": on.isoformat(),
        "moves": moves,
        "instance_unit": home,
        "applied": False,
    }
    return found


def _move(session: Session, tree: org.OrgTree, item: WorkItem, on: date) -> TaskMove:
    successor = tree.in_force_on(item.unit_id, on)
    if successor is not None and item.scope == org.SCOPE_ADMINISTRATION:
        successor = tree.administration(successor)  # shared work stays with a committee
    released = None
    if successor is not None and item.claimed_by is not None:
        released = _released_claim(session, tree, item, successor, on)
    return {
        "task_id": item.id,
        "element_id": item.element_id,
        "name": item.name,
        "from_unit": tree.by_id[item.unit_id].code,
        "to_unit": tree.by_id[successor].code if successor is not None else None,
        "released": released,
    }


def _released_claim(
    session: Session, tree: org.OrgTree, item: WorkItem, to: int, on: date
) -> str | None:
    """The claimant's name if they cannot act on the item in the successor on the date."""
    user = session.get(User, item.claimed_by)
    if user is None:
        return None
    try:
        actor = org.get_user(session, user.username, on)
    except NotFound:  # deactivated since
        return user.username
    return None if org.can_act(tree, actor, item.role_key, to, item.scope) else user.username


def _notify(
    session: Session,
    tree: org.OrgTree,
    instance: Instance,
    moved: list[WorkItem],
    on: date,
    now: datetime,
) -> None:
    """One notice per successor unit to the people who may now do its items."""
    by_unit: dict[int, list[WorkItem]] = defaultdict(list)
    for item in moved:
        by_unit[item.unit_id].append(item)
    for unit_id, unit_items in by_unit.items():
        users: dict[int, User] = {}
        for item in unit_items:
            if item.role_key is None:
                continue
            for user in org.holders(session, tree, item.role_key, unit_id, item.scope, on):
                users.setdefault(user.id, user)
        message = Message(
            HANDED_OVER,
            {
                "date": on.strftime("%d/%m/%Y"),
                "unit": tree.by_id[unit_id].name,
                "title": instance.title or str(instance.id),
                "tasks": ", ".join(item.name for item in unit_items),
            },
        )
        notify_users(session, users.values(), instance.id, message, now)
