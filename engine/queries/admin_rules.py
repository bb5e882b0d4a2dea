"""What the administration of units, rules and the calendar reads: the org tree at a
date, the settings with the value in force and their history, a calendar year, and the
open work items whose deadline an edited calendar would move."""

from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.org import OrgTree
from engine.bpmn.literals import as_expression
from engine.commands.runner import InstanceRun, Runtime
from engine.errors import PolicyflowError
from engine.results.admin_rules import (
    CalendarDayEntry,
    CalendarYearView,
    DeadlineMove,
    SettingList,
    SettingView,
    UnitNode,
    UnitTree,
)
from engine.rules.calendar import LOCAL, WorkCalendar
from engine.rules.due import due_at
from engine.store.models import (
    OPEN_ITEM,
    CalendarDay,
    CalendarYear,
    Instance,
    OrgUnit,
    Setting,
    SettingValue,
    WorkItem,
)


def unit_tree(session: Session, tree: OrgTree, on: date) -> UnitTree:
    """The units in force on the date, depth-first (a parent before its children, by
    name); a unit whose parent is not in force that day is a root."""
    units = tree.units_on(on)
    ids = {u.id for u in units}
    sources = {i: src for i, src in session.execute(select(OrgUnit.id, OrgUnit.source))}
    children: dict[int | None, list[Any]] = {}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(parent, []).append(unit)
    nodes: list[UnitNode] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in sorted(children.get(parent, []), key=lambda u: (u.kind, u.name)):
            nodes.append(
                {
                    "code": unit.code,
                    "name": unit.name,
                    "kind": unit.kind,
                    "parent": tree.by_id[unit.parent_id].code if unit.parent_id else None,
                    "depth": depth,
                    "valid_from": unit.valid_from.isoformat(),
                    "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
                    "successor": tree.by_id[unit.successor_id].code if unit.successor_id else None,
                    "reports": unit.reports,
                    "source": sources.get(unit.id, ""),
                }
            )
            walk(unit.id, depth + 1)

    walk(None, 0)
    return {"at": on.isoformat(), "units": nodes}


def setting_list(session: Session, on: date) -> SettingList:
    """Every setting, by key, with the value in force on the date and its history."""
    values: dict[str, list[SettingValue]] = {}
    for row in session.scalars(select(SettingValue).order_by(SettingValue.valid_from)):
        values.setdefault(row.key, []).append(row)
    items: list[SettingView] = []
    for setting in session.scalars(select(Setting).order_by(Setting.key)):
        history = values.get(setting.key, [])
        current = [v for v in history if v.valid_from <= on]
        items.append(
            {
                "key": setting.key,
                "description": setting.description,
                "kind": setting.kind,
                "in_force": current[-1].value if current else None,
                "in_force_from": current[-1].valid_from.isoformat() if current else None,
                "history": [
                    {"valid_from": v.valid_from.isoformat(), "value": v.value, "source": v.source}
                    for v in history
                ],
            }
        )
    return {"at": on.isoformat(), "items": items}


def calendar_year(session: Session, year: int) -> CalendarYearView:
    row = session.get(CalendarYear, year)
    days = session.scalars(
        select(CalendarDay)
        .where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(CalendarDay.day)
    )
    entries: list[CalendarDayEntry] = [
        {
            "date": d.day.isoformat(),
            "kind": "workday" if d.is_working else "holiday",
            "name": d.name,
        }
        for d in days
    ]
    state: Literal["confirmed", "provisional", "missing"] = (
        "missing" if row is None else "confirmed" if row.confirmed else "provisional"
    )
    return {
        "year": year,
        "state": state,
        "source": row.source if row else "",
        "days": entries,
    }


def deadline_moves(
    session: Session, rt: Runtime, edited: date, calendar: WorkCalendar
) -> list[DeadlineMove]:
    """Open work items whose due moment, computed again under `calendar` (the calendar
    as it would be after editing the day `edited`), would differ from the one stored.

    Only items opened by the end of the edited day and due from its start can move. The
    model's due value is evaluated again on the item's task, as when it was opened.
    """
    start = datetime.combine(edited, time(0), LOCAL)
    query = (
        select(WorkItem)
        .where(
            OPEN_ITEM,
            WorkItem.due_at >= start,
            WorkItem.created_at < start + timedelta(days=1),
        )
        .order_by(WorkItem.due_at, WorkItem.id)
    )
    moves: list[DeadlineMove] = []
    for item in session.scalars(query):
        assert item.due_at is not None
        element = rt.versions.get(session, item.version_id).parsed.info.elements.get(
            item.element_id
        )
        due_in = element.properties.get("dueIn") if element else None
        if not due_in:
            continue
        try:
            value = _due_value(session, rt, item, due_in)
            would_be = due_at(value, item.created_at, lambda: calendar)
        except (PolicyflowError, ValueError, KeyError, TypeError, OverflowError):
            continue  # not computable again here: nothing to show
        if would_be is not None and would_be != item.due_at:
            moves.append(
                {
                    "task_id": item.id,
                    "instance_id": item.instance_id,
                    "process_key": item.process_key,
                    "name": item.name,
                    "due_in": str(value),
                    "created_at": item.created_at.isoformat(),
                    "due_at": item.due_at.isoformat(),
                    "would_be": would_be.isoformat(),
                }
            )
    return moves


def _due_value(session: Session, rt: Runtime, item: WorkItem, due_in: str) -> object:
    """The item's due value (e.g. "5WD"), evaluated on its task as the runner did."""
    instance = session.get(Instance, item.instance_id)
    assert instance is not None
    run = InstanceRun(session, rt, instance, rt.org_tree(session), instance.started_at, "")
    wf = run.workflow()
    try:
        task = wf.get_task_from_id(UUID(item.id))
        return task.workflow.script_engine.evaluate(task, as_expression(due_in))
    finally:
        rt.workflows.put(instance.id, instance.row_version, wf)
