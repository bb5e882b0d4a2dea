"""The plan tracked: each task of the year's plan with the progress of every responsible
unit shown (in force on the date; a unit that took over carries its predecessor's newest
report until it reports itself)."""

from datetime import date
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from engine.access.org import OrgTree
from engine.queries import bag
from engine.results.indicators import PlanTaskProgressView, UnitProgress
from engine.results.plan import PlanProgressView, PlanTaskView
from engine.rules.plan_tasks import (
    newest_progress,
    progress_query,
    responsible_units,
    task_views,
    tasks_query,
)


def plan_parts(year: int) -> dict[str, Select[Any]]:
    """What the plan tracked reads, as parts of one statement (engine/queries/bag.py): the
    year's tasks and every progress report on them (`plan_view` puts them together)."""
    return {"plan_tasks": tasks_query(year), "plan_progress": progress_query(year)}


def plan_progress(
    session: Session, tree: OrgTree, year: int, on: date, shown: set[int]
) -> list[PlanTaskProgressView]:
    """Every task of the year's plan with its units among `shown` (in force on `on`), in
    one statement."""
    return plan_view(tree, year, on, shown, bag.read(session, plan_parts(year)))


def plan_view(
    tree: OrgTree, year: int, on: date, shown: set[int], read: dict[str, list[bag.Record]]
) -> list[PlanTaskProgressView]:
    """`plan_progress` from the records of `plan_parts` (read alone or with others)."""
    found = newest_progress(read["plan_progress"])
    views: list[PlanTaskProgressView] = []
    for task in task_views(read["plan_tasks"]):
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
