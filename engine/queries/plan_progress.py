"""The plan tracked: each task of the year's plan with the progress of every responsible
unit shown (in force on the date; a unit that took over carries its predecessor's newest
report until it reports itself)."""

from datetime import date

from sqlalchemy.orm import Session

from engine.access.org import OrgTree
from engine.results.indicators import PlanTaskProgressView, UnitProgress
from engine.results.plan import PlanProgressView, PlanTaskView
from engine.rules.plan_tasks import latest_progress, plan_tasks, responsible_units


def plan_progress(
    session: Session, tree: OrgTree, year: int, on: date, shown: set[int]
) -> list[PlanTaskProgressView]:
    """Every task of the year's plan with its units among `shown` (in force on `on`)."""
    found = latest_progress(session, year)
    views: list[PlanTaskProgressView] = []
    for task in plan_tasks(session, year):
        units = [
            _unit(tree, task, u, found)
            for u in responsible_units(tree, task, year)
            if u in shown and tree.by_id[u].in_force(on)
        ]
        done = sum(1 for u in units if u["status"] == "hoan_thanh")
        views.append(
            {
                "code": task["code"],
                "title": task["title"],
                "timing": task["timing"],
                "due_date": task["due_date"],
                "source": task["source"],
                "units": units,
                "done": done,
            }
        )
    return views


def _unit(
    tree: OrgTree,
    task: PlanTaskView,
    unit_id: int,
    found: dict[tuple[str, int], PlanProgressView],
) -> UnitProgress:
    unit = tree.by_id[unit_id]
    lineage = tree.with_predecessors({unit_id})
    named = {tree.by_id[u].code for u in lineage}
    reports = [found[(task["code"], u)] for u in lineage if (task["code"], u) in found]
    own = found.get((task["code"], unit_id))
    latest = own or max(reports, key=lambda r: r["reported_at"], default=None)
    return {
        "unit": unit.code,
        "name": unit.name,
        "role": "lead" if named & set(task["lead_units"]) else "partner",
        "status": latest["status"] if latest else None,
        "note": latest["note"] if latest else "",
        "reported_at": latest["reported_at"] if latest else None,
        "reported_by": latest["reported_by"] if latest else None,
    }
