"""Who acts next (issue 18 item 8): for each open task, the people who hold its role for
its unit on the engine's today, and who claimed it — names, not only a role."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access import org
from engine.context import utcnow
from engine.results import Person, TaskActors
from engine.store.models import User, WorkItem


def who_acts(session: Session, tree: org.OrgTree, items: Sequence[WorkItem]) -> list[TaskActors]:
    today = org.local_date(utcnow())
    found: dict[tuple[str, int, str], list[Person]] = {}
    claimers = {i.claimed_by for i in items if i.claimed_by is not None}
    claimed: dict[int, Person] = {}
    if claimers:
        rows = session.execute(
            select(User.id, User.username, User.full_name).where(User.id.in_(claimers))
        )
        claimed = {r.id: {"username": r.username, "full_name": r.full_name} for r in rows}
    result: list[TaskActors] = []
    for item in items:
        people: list[Person] = []
        if item.role_key is not None:
            key = (item.role_key, item.unit_id, item.scope)
            if key not in found:
                users = org.holders(session, tree, item.role_key, item.unit_id, item.scope, today)
                found[key] = sorted(
                    ({"username": u.username, "full_name": u.full_name} for u in users),
                    key=lambda p: p["full_name"],
                )
            people = found[key]
        result.append(
            {
                "task_id": item.id,
                "people": people,
                "claimed_by": claimed.get(item.claimed_by) if item.claimed_by else None,
            }
        )
    return result
