"""The dashboard: the catalogue's indicators per unit and per month for a year or quarter,
counted from the case records (summed in the database by engine.rules.indicators.
case_sums, by the rule P3's pre-fill applies to each record) and the work items — never
from figures units typed. One statement reads every source (engine/queries/bag.py); the
org tree comes from the runtime's cache.

Who sees what: leaders (lãnh đạo UBND, VH&TT, Văn phòng, the auditor) and administrators
the whole administration; anyone else only the units they hold a role in. Rows are the
units in force at the period's end (today for a running period); a record of a unit that
ended counts for the unit that took its place, as visibility hands records over.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, Select, cast, func, select
from sqlalchemy.orm import Session

from engine.access.org import Actor, OrgTree, local_date
from engine.enums import WorkItemState
from engine.errors import N_, NotFound, PermissionDenied
from engine.queries import bag
from engine.queries.plan_progress import plan_parts, plan_view
from engine.results.indicators import (
    IndicatorInfo,
    IndicatorReport,
    MonthIndicators,
    StepTime,
    UnitIndicators,
)
from engine.rules.indicators import (
    CASE,
    GROUP_LABELS,
    INDICATORS,
    Indicator,
    Period,
    case_sums,
    local_month,
    period,
)
from engine.store.models import (
    ADMINISTRATION_KINDS,
    COMPLETED_ITEM,
    OPEN_ITEM,
    Instance,
    WorkItem,
)

# Holders of these roles see their whole administration (the plan's leadership, the
# desk that consolidates, the office, the auditor).
LEADERS = frozenset(
    {"lanh_dao_ubnd", "chu_tich", "pho_chu_tich", "truong_phong_vhtt", "chuyen_vien_vhtt",
     "van_phong", "kiem_toan"}
)  # fmt: skip
P3_PROCESS = "annual_report"
P3_ELEMENTS = ("Unit_draft", "Unit_approve")
Values = dict[int, dict[str, float]]


def visible_units(tree: OrgTree, user: Actor | None) -> set[int] | None:
    """The units whose indicators the user may read (None: every unit)."""
    if user is None or user.is_admin:
        return None
    found: set[int] = set()
    for held in user.roles:
        if held.role_key in LEADERS:
            admin = tree.administration(held.unit_id)
            found |= {u for u in tree.by_id if admin in tree.ancestors_or_self(u)}
        else:
            found |= {u for u in tree.by_id if held.unit_id in tree.ancestors_or_self(u)}
    return tree.with_predecessors(found)


def may_see_dashboard(tree: OrgTree, user: Actor | None) -> bool:
    allowed = visible_units(tree, user)
    return allowed is None or bool(allowed)


def is_leader_view(user: Actor | None) -> bool:
    return user is None or user.is_admin or any(h.role_key in LEADERS for h in user.roles)


def report(
    session: Session,
    tree: OrgTree,
    user: Actor | None,
    year: int,
    quarter: int | None,
    unit: str | None,
    now: datetime,
    labels: dict[str, str] | None = None,
) -> IndicatorReport:
    """The period's indicators as the user may see them (PermissionDenied for a unit that
    is not theirs or a user who holds no unit; NotFound for an unknown unit)."""
    span = period(year, quarter)
    on = max(span.first, min(span.last, local_date(now)))
    allowed = _allowed(tree, user, unit)
    rows = _rows(tree, on, allowed)
    row_of = _mapper(tree, on, {r.id for r in rows})
    values: Values = {r.id: {i.key: 0.0 for i in INDICATORS} for r in rows}
    months: dict[str, dict[str, float]] = {m: defaultdict(float) for m in span.months()}
    # Every source in one statement (engine/queries/bag.py), each already summed where
    # the database can: the case records, P3's newest task per unit, the tasks overdue
    # now, the steps completed, the plan's tasks and their units' reports.
    dialect = session.get_bind().dialect.name
    units = row_of.keys() if allowed is None else allowed & row_of.keys()
    found = bag.read(session, {
        "cases": case_sums(dialect, units, span),
        "p3": _p3_query(span, units),
        "overdue": _overdue_query(now, units),
        "done": _done(dialect, span, units),
        **plan_parts(year),
    })  # fmt: skip
    kinds = _cases(found["cases"], row_of, values, months)
    _p3(found["p3"], row_of, values, months, now)
    steps = _work(found["overdue"], found["done"], row_of, values, months)
    shown = [i for i in INDICATORS if not i.optional or set(i.kinds) & kinds]
    return {
        "year": year,
        "quarter": quarter,
        "period_from": span.first.isoformat(),
        "period_to": span.last.isoformat(),
        "scope": "all" if is_leader_view(user) and unit is None else "units",
        "unit": unit,
        "indicators": [_info(i, labels or {}) for i in shown],
        "units": [_unit_row(tree, r.id, values[r.id], shown) for r in rows],
        "totals": _totals(values, shown),
        "months": [_month_row(m, months[m], shown) for m in span.months()],
        "steps": steps,
        "plan": plan_view(tree, year, on, {r.id for r in rows}, found),
        "generated_at": now.isoformat(),
    }


def _allowed(tree: OrgTree, user: Actor | None, unit: str | None) -> set[int] | None:
    allowed = visible_units(tree, user)
    if allowed is not None and not allowed:
        raise PermissionDenied(N_("Bạn không giữ vai trò ở đơn vị nào để xem bảng chỉ tiêu."))
    if unit is None:
        return allowed
    found = tree.by_code.get(unit)
    if found is None:
        raise NotFound(N_("Không có đơn vị mã '{code}'."), params={"code": unit})
    if allowed is not None and found.id not in allowed:
        raise PermissionDenied(
            N_("Bạn không được xem chỉ tiêu của {unit}."), params={"unit": found.name}
        )
    below = {u for u in tree.by_id if found.id in tree.ancestors_or_self(u)}
    return tree.with_predecessors(below)


def _rows(tree: OrgTree, on: date, allowed: set[int] | None) -> list:
    """The units shown: administrations and reporting units in force on the date."""
    return [
        u
        for u in tree.units_on(on)
        if (u.reports or u.kind in ADMINISTRATION_KINDS)
        and u.kind != "province"
        and (allowed is None or u.id in allowed)
    ]


def _mapper(tree: OrgTree, on: date, rows: set[int]) -> dict[int, int]:
    """Each unit's row: itself or its successor in force on the date, else the nearest
    shown unit above that (an office's work counts for its committee)."""
    found: dict[int, int] = {}
    for unit_id in tree.by_id:
        start = tree.in_force_on(unit_id, on) or unit_id
        for candidate in tree.ancestors_or_self(start):
            if candidate in rows:
                found[unit_id] = candidate
                break
    return found


def _month(moment: datetime) -> str:
    return local_date(moment).strftime("%Y-%m")


def _cases(
    sums: list[bag.Record],
    row_of: dict[int, int],
    values: Values,
    months: dict[str, dict[str, float]],
) -> set[str]:
    """Add the case indicators from the sums per unit, kind and month (`case_sums`, of the
    units shown); returns the kinds recorded in the period."""
    case_indicators = [i for i in INDICATORS if i.source == CASE]
    kinds: set[str] = set()
    for group in sums:
        row, month = row_of[group.unit_id], group.month
        kinds.add(group.kind)
        for indicator in case_indicators:
            if group.kind not in indicator.kinds:
                continue
            added = getattr(group, f"sum_{indicator.figure}") or 0
            if added:
                values[row][indicator.key] += added
                months[month][indicator.key] += added
    return kinds


def _p3_query(span: Period, units: Iterable[int]) -> Select[Any]:
    """Each unit's newest annual report task (P3_ELEMENTS) per instance due in the period
    (of these units)."""
    newest = func.row_number().over(
        partition_by=(WorkItem.instance_id, WorkItem.unit_id),
        order_by=(WorkItem.created_at.desc(), WorkItem.id.desc()),
    )
    tasks = (
        select(WorkItem.unit_id, WorkItem.element_id, WorkItem.state, WorkItem.due_at,
               WorkItem.completed_at, newest.label("newest"))
        .join(Instance, Instance.id == WorkItem.instance_id)
        .where(Instance.process_key == P3_PROCESS, WorkItem.element_id.in_(P3_ELEMENTS),
               WorkItem.due_at >= span.start_utc, WorkItem.due_at < span.end_utc,
               WorkItem.unit_id.in_(sorted(units)))
        .subquery()
    )  # fmt: skip
    return select(
        tasks.c.unit_id, tasks.c.element_id, tasks.c.state, tasks.c.due_at, tasks.c.completed_at
    ).where(tasks.c.newest == 1)


def _p3(
    tasks: list[bag.Record],
    row_of: dict[int, int],
    values: Values,
    months: dict[str, dict[str, float]],
    now: datetime,
) -> None:
    """Each unit's annual report due in the period: approved by its deadline (on time),
    after it (late), or still open past it / closed unsent (missing)."""
    for item in tasks:
        key = _p3_outcome(item, now)
        if key is not None:
            values[row_of[item.unit_id]][key] += 1
            months[_month(item.due_at)][key] += 1


def _p3_outcome(item: bag.Record, now: datetime) -> str | None:
    if item.state == WorkItemState.OPEN:
        return "p3_missing" if now > item.due_at else None  # not due yet: nothing to count
    done = item.completed_at
    if item.state == WorkItemState.COMPLETED and item.element_id == P3_ELEMENTS[-1] and done:
        return "p3_on_time" if done <= item.due_at else "p3_late"
    return "p3_missing"  # closed unsent at the end of the grace period


def _overdue_query(now: datetime, units: Iterable[int]) -> Select[Any]:
    """The open tasks (of these units) past their due time, counted per unit."""
    return (
        select(WorkItem.unit_id, func.count().label("tasks"))
        .where(OPEN_ITEM, WorkItem.due_at < now, WorkItem.unit_id.in_(sorted(units)))
        .group_by(WorkItem.unit_id)
    )


def _work(
    overdue: list[bag.Record],
    done: list[bag.Record],
    row_of: dict[int, int],
    values: Values,
    months: dict[str, dict[str, float]],
) -> list[StepTime]:
    """Overdue tasks now; steps completed in the period and their mean time (hours)."""
    for group in overdue:
        values[row_of[group.unit_id]]["overdue_now"] += group.tasks
    hours: dict[int, float] = defaultdict(float)
    month_hours: dict[str, float] = defaultdict(float)
    steps: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for group in done:
        row, count, month = row_of[group.unit_id], group.steps, group.month
        took = max(float(group.hours or 0), 0.0)
        step = (group.process_key, group.element_id, group.name)
        values[row]["steps_done"] += count
        months[month]["steps_done"] += count
        hours[row] += took
        month_hours[month] += took
        steps[step][0] += count
        steps[step][1] += took
    for row, total in hours.items():
        values[row]["avg_step_hours"] = round(total / values[row]["steps_done"], 1)
    for month, total in month_hours.items():
        months[month]["avg_step_hours"] = round(total / months[month]["steps_done"], 1)
    return sorted(
        (
            {"process_key": k, "element_id": e, "name": n, "completed": int(c),
             "avg_hours": round(t / c, 1)}
            for (k, e, n), (c, t) in steps.items()
        ),
        key=lambda s: (-s["avg_hours"], s["process_key"], s["element_id"]),
    )  # fmt: skip


def _done(dialect: str, span: Period, units: Iterable[int]) -> Select[Any]:
    """Steps completed in the period (by these units), counted and their hours summed in
    the database per unit, step and local month (a busy year has tens of thousands:
    fetching each row and its two timestamps was most of the dashboard's time)."""
    if dialect == "postgresql":
        took = func.extract("epoch", WorkItem.completed_at - WorkItem.created_at) / 3600.0
    else:  # SQLite keeps UTC text
        days = func.julianday(WorkItem.completed_at) - func.julianday(WorkItem.created_at)
        took = days * 24.0
    month = local_month(WorkItem.completed_at, dialect)
    keys = (WorkItem.unit_id, WorkItem.process_key, WorkItem.element_id, WorkItem.name, month)
    return (
        select(*keys[:4], month.label("month"), func.count().label("steps"),
               cast(func.sum(took), Float).label("hours"))
        .where(
            COMPLETED_ITEM,
            WorkItem.completed_at >= span.start_utc,
            WorkItem.completed_at < span.end_utc,
            WorkItem.unit_id.in_(sorted(units)),
        )
        .group_by(*keys)
    )  # fmt: skip


def _info(indicator: Indicator, labels: dict[str, str]) -> IndicatorInfo:
    return {
        "key": indicator.key,
        "label": labels.get(indicator.label, indicator.label),
        "group": indicator.group,
        "group_label": labels.get(GROUP_LABELS[indicator.group], GROUP_LABELS[indicator.group]),
        "source": indicator.source,  # type: ignore[typeddict-item]  # CASE, P3 or WORK
        "kinds": list(indicator.kinds),
        "figure": indicator.figure,
        "average": indicator.average,
    }


def _unit_row(
    tree: OrgTree, unit_id: int, values: dict[str, float], shown: list[Indicator]
) -> UnitIndicators:
    unit = tree.by_id[unit_id]
    kept = {i.key: values[i.key] for i in shown}
    return {"unit": unit.code, "name": unit.name, "kind": unit.kind, "values": kept}


def _totals(values: Values, shown: list[Indicator]) -> dict[str, float]:
    totals = {i.key: sum(v[i.key] for v in values.values()) for i in shown if not i.average}
    steps = totals.get("steps_done", 0)
    for indicator in (i for i in shown if i.average):
        weighted = sum(v[indicator.key] * v["steps_done"] for v in values.values())
        totals[indicator.key] = round(weighted / steps, 1) if steps else 0.0
    return totals


def _month_row(month: str, values: dict[str, float], shown: list[Indicator]) -> MonthIndicators:
    return {"month": month, "values": {i.key: values.get(i.key, 0.0) for i in shown}}
