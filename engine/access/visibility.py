"""Which instances a user may see.

Admins see everything; an auditor (kiem_toan) everything of the units at or below theirs.
A unit's records pass to its successor: the officers of the commune that took over a
merged commune (or the abolished district) see that unit's instances as their own.
Others see: instances they started; those of their own administration (a district officer
the district's, a commune officer their commune's); and those with a task pinned to a unit
they belong to, or that they claimed or did. A commune officer thus never sees another
commune's instances, even by guessing ids.
"""

from sqlalchemy import ColumnElement, or_, select

from engine.access import org
from engine.store.models import Instance, WorkItem

FULL, INVOLVED = "full", "involved"

AUDITOR = org.AUDITOR_ROLE


def instance_filter(tree: org.OrgTree, user: org.Actor) -> ColumnElement[bool] | None:
    """SQL condition on Instance for what the user may see (None: everything)."""
    if user.is_admin:
        return None
    audited = _audited_units(tree, user)
    admins = {tree.administration(h.unit_id) for h in user.roles}
    own_admin_units = tree.with_predecessors(
        {u for u in tree.by_id if tree.administration(u) in admins}
    )
    pinned = {u for h in user.roles for u in tree.ancestors_or_self(h.unit_id)}
    involved = select(WorkItem.instance_id).where(
        or_(
            (WorkItem.scope == org.SCOPE_UNIT) & WorkItem.unit_id.in_(pinned),
            WorkItem.claimed_by == user.id,
            WorkItem.completed_by == user.id,
        )
    )
    return or_(
        Instance.unit_id.in_(sorted(audited | own_admin_units)),
        Instance.started_by == user.id,
        Instance.id.in_(involved),
    )


def _audited_units(tree: org.OrgTree, user: org.Actor) -> set[int]:
    roots = {h.unit_id for h in user.roles if h.role_key == AUDITOR}
    return tree.with_predecessors({u for u in tree.by_id if roots & set(tree.ancestors_or_self(u))})


def is_auditor(user: org.Actor) -> bool:
    return any(h.role_key == AUDITOR for h in user.roles)


def view_of(tree: org.OrgTree, user: org.Actor | None, instance: Instance) -> str:
    """FULL: the whole instance (admin, auditor over it, its own administration, its
    initiator); INVOLVED: only the parts that are the user's own (a commune officer in a
    district instance that asks every commune for something)."""
    if user is None or user.is_admin or instance.started_by == user.id:
        return FULL
    if instance.unit_id in _audited_units(tree, user):
        return FULL
    admins = tree.with_predecessors({tree.administration(h.unit_id) for h in user.roles})
    return FULL if tree.administration(instance.unit_id) in admins else INVOLVED


def can_see_item(tree: org.OrgTree, user: org.Actor | None, item: WorkItem, view: str) -> bool:
    """A task is visible to whoever sees the whole instance, and otherwise only to those
    who may do it or did: never to an officer of another commune."""
    if view == FULL or user is None:
        return True
    if user.id in (item.claimed_by, item.completed_by):
        return True
    return org.can_act(tree, user, None, item.unit_id, item.scope)
