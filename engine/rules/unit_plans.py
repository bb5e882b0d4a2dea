"""P6 (`unit_plan`): each unit's own plan mirrors the district plan's tasks that concern it,
and its progress reports on those tasks go into the plan's progress table, where P3's
pre-fill reads them. Thin host operations over engine/rules/plan_tasks.py (the plan's
own interface, used as written).

- `unit_plan_tasks(unit, year)`: the year's tasks the unit takes part in ({"code",
  "title", "lead"}), in the plan's order;
- `record_plan_progress(unit, year, code, status, note)`: one progress report by the user
  who completed the step, linked to the instance (audited `plan_progress`);
- `plan_progress_text(session, tree, unit_id, year)`: the unit's (and its predecessors')
  newest status per task as the lines of the P3 report's pre-filled field.
"""

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.org import OrgTree
from engine.errors import N_, InvalidInput
from engine.rules.plan_tasks import (
    STATUS_LABELS,
    latest_progress,
    plan_tasks,
    record_progress,
    responsible_units,
)
from engine.store.models import User

if TYPE_CHECKING:  # the service context; services.py imports this module
    from engine.rules.services import HostServices


def _unit_id(ctx: "HostServices", unit: str) -> int:
    found = ctx.tree.by_code.get(unit)
    if found is None:
        raise InvalidInput(N_("Không có đơn vị '{code}'."), params={"code": unit})
    return found.id


def unit_plan_tasks(ctx: "HostServices", unit: str, year: int) -> list[dict[str, Any]]:
    """The tasks of the year's plan the unit leads or takes part in (its own plan mirrors
    them); [] when the year has no plan."""
    unit_id = _unit_id(ctx, unit)
    found = []
    for task in plan_tasks(ctx.session, int(year)):
        units = ctx.tree.with_predecessors(set(responsible_units(ctx.tree, task, int(year))))
        if unit_id in units or ctx.tree.with_predecessors({unit_id}) & units:
            lead = unit in task["lead_units"]
            found.append({"code": task["code"], "title": task["title"], "lead": lead})
    return found


def record_plan_progress(
    ctx: "HostServices", unit: str, year: int, code: str, status: str, note: str = ""
) -> dict[str, Any]:
    """The unit's report on one task, by the user completing the step (a replay feeds the
    recorded result back: nothing is written twice)."""
    user_id = ctx.session.scalar(select(User.id).where(User.username == ctx.actor))
    view = record_progress(
        ctx.session,
        year=int(year),
        code=str(code),
        unit_id=_unit_id(ctx, unit),
        status=str(status),
        note=str(note or ""),
        user_id=user_id,
        instance_id=ctx.instance.id,
        now=ctx.now,
        tree=ctx.tree,
    )
    return dict(view)


def plan_progress_text(session: Session, tree: OrgTree, unit_id: int, year: int) -> str:
    """ "II.2 Bố trí…: Đang thực hiện — note" per task the unit (or a unit it took over)
    reported on, newest report per task; "" when none."""
    units = tree.with_predecessors({unit_id})
    newest: dict[str, tuple[str, str, str]] = {}
    for (code, _), view in latest_progress(session, int(year), units).items():
        known = newest.get(code)
        if known is None or view["reported_at"] > known[0]:
            newest[code] = (view["reported_at"], view["status"], view["note"])
    titles = {t["code"]: t["title"] for t in plan_tasks(session, int(year))}
    lines = []
    for code in [c for c in titles if c in newest]:
        _, status, note = newest[code]
        line = f"{code} {titles[code]}: {STATUS_LABELS.get(status, status)}"
        lines.append(f"{line} — {note}" if note else line)
    return "\n".join(lines)
