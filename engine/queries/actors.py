"""Who acts next (issue 18 item 8): for each open task, the people who hold its role for
its unit on the engine's today, and who claimed it — names, not only a role."""

from collections.abc import Sequence
from datetime import date

from engine.access import org
from engine.results import Person, TaskActors
from engine.store.models import WorkItem


def who_acts(
    tree: org.OrgTree,
    items: Sequence[WorkItem],
    claimers: dict[int, Person],
    holdings: list[org.Holding],
    today: date,
) -> list[TaskActors]:
    """`claimers`: who claimed the items, by id; `holdings`: those of the items' roles,
    read with the instance (engine/queries/instance_page.py)."""
    found: dict[tuple[str, int, str], list[Person]] = {}
    result: list[TaskActors] = []
    for item in items:
        people: list[Person] = []
        if item.role_key is not None:
            key = (item.role_key, item.unit_id, item.scope)
            if key not in found:
                users = org.holders_among(
                    tree, holdings, item.role_key, item.unit_id, item.scope, today
                )
                found[key] = sorted(
                    ({"username": u.username, "full_name": u.full_name} for u in users),
                    key=lambda p: p["full_name"],
                )
            people = found[key]
        result.append(
            {
                "task_id": item.id,
                "people": people,
                "claimed_by": claimers.get(item.claimed_by) if item.claimed_by else None,
            }
        )
    return result
