"""The dashboard: the catalogue's indicators per unit and per month for a year or quarter,
counted from the case records (engine.rules.indicators.case_rows, P3's pre-fill reads
the same) and the work items — never from figures units typed.

Who sees what: leaders (lãnh đạo UBND, VH&TT, Văn phòng, the auditor) and administrators
the whole administration; anyone else only the units they hold a role in. Rows are the
units in force at the period's end (today for a running period); a record of a unit that
ended counts for the unit that took its place, as visibility hands records over.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from engine.access.org import Actor, OrgTree, local_date
from engine.enums import WorkItemState
from engine.errors import N_, NotFound, PermissionDenied
from engine.queries.plan_progress import plan_progress
from engine.results.indicators import (
    IndicatorInfo,
    IndicatorReport,
    MonthIndicators,
    StepTime,
    UnitIndicators,
)
from engine.rules.calendar import LOCAL
from engine.rules.indicators import (
    CASE,
    GROUP_LABELS,
    INDICATORS,
    Indicator,
    Period,
    case_rows,
    indicator_value,
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
    kinds = _cases(session, span, allowed, row_of, values, months)
    _p3(session, span, allowed, row_of, values, months, now)
    steps = _work(session, span, allowed, row_of, values, months, now)
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
        "plan": plan_progress(session, tree, year, on, {r.id for r in rows}),
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
    session: Session,
    span: Period,
    allowed: set[int] | None,
    row_of: dict[int, int],
    values: Values,
    months: dict[str, dict[str, float]],
) -> set[str]:
    """Add the case indicators; returns the kinds recorded in the period."""
    units = row_of.keys() if allowed is None else allowed & row_of.keys()
    case_indicators = [i for i in INDICATORS if i.source == CASE]
    kinds: set[str] = set()
    for unit_id, kind, figures, recorded_at in case_rows(session, units, span.year, span):
        row, month = row_of[unit_id], _month(recorded_at)
        kinds.add(kind)
        for indicator in case_indicators:
            added = indicator_value(indicator, kind, figures)
            if added:
                values[row][indicator.key] += added
                months[month][indicator.key] += added
    return kinds


def _p3(
    session: Session,
    span: Period,
    allowed: set[int] | None,
    row_of: dict[int, int],
    values: Values,
    months: dict[str, dict[str, float]],
    now: datetime,
) -> None:
    """Each unit's annual report due in the period: approved by its deadline (on time),
    after it (late), or still open past it / closed unsent (missing)."""
    query = (
        select(WorkItem.instance_id, WorkItem.unit_id, WorkItem.element_id, WorkItem.state,
               WorkItem.due_at, WorkItem.completed_at)
        .join(Instance, Instance.id == WorkItem.instance_id)
        .where(Instance.process_key == P3_PROCESS, WorkItem.element_id.in_(P3_ELEMENTS),
               WorkItem.due_at >= span.start_utc, WorkItem.due_at < span.end_utc)
        .order_by(WorkItem.created_at, WorkItem.id)
    )  # fmt: skip
    last: dict[tuple[int, int], Any] = {}
    for item in session.execute(query):
        last[(item.instance_id, item.unit_id)] = item  # the newest task of the unit
    for (_, unit_id), item in last.items():
        if unit_id not in row_of or (allowed is not None and unit_id not in allowed):
            continue
        key = _p3_outcome(item, now)
        if key is not None:
            values[row_of[unit_id]][key] += 1
            months[_month(item.due_at)][key] += 1


def _p3_outcome(item: Any, now: datetime) -> str | None:
    state, due, done = item[3], item[4], item[5]
    if state == WorkItemState.OPEN:
        return "p3_missing" if now > due else None  # not due yet: nothing to count
    if state == WorkItemState.COMPLETED and item[2] == P3_ELEMENTS[-1] and done is not None:
        return "p3_on_time" if done <= due else "p3_late"
    return "p3_missing"  # closed unsent at the end of the grace period


def _work(
    session: Session,
    span: Period,
    allowed: set[int] | None,
    row_of: dict[int, int],
    values: Values,
    months: dict[str, dict[str, float]],
    now: datetime,
) -> list[StepTime]:
    """Overdue tasks now; steps completed in the period and their mean time (hours)."""
    overdue = select(WorkItem.unit_id).where(OPEN_ITEM, WorkItem.due_at < now)
    for (unit_id,) in session.execute(overdue):
        if unit_id in row_of and (allowed is None or unit_id in allowed):
            values[row_of[unit_id]]["overdue_now"] += 1
    hours: dict[int, float] = defaultdict(float)
    month_hours: dict[str, float] = defaultdict(float)
    steps: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for unit_id, key, element, name, month, count, took in session.execute(_done(session, span)):
        if unit_id not in row_of or (allowed is not None and unit_id not in allowed):
            continue
        row, took = row_of[unit_id], max(float(took or 0), 0.0)
        values[row]["steps_done"] += count
        months[month]["steps_done"] += count
        hours[row] += took
        month_hours[month] += took
        steps[(key, element, name)][0] += count
        steps[(key, element, name)][1] += took
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


def _done(session: Session, span: Period) -> Select:
    """Steps completed in the period, counted and their hours summed in the database per
    unit, step and local month (a busy year has tens of thousands: fetching each row and
    its two timestamps was most of the dashboard's time)."""
    if session.get_bind().dialect.name == "postgresql":
        month = func.to_char(func.timezone(LOCAL.key, WorkItem.completed_at), "YYYY-MM")
        took = func.extract("epoch", WorkItem.completed_at - WorkItem.created_at) / 3600.0
    else:  # SQLite keeps UTC text; Việt Nam has one offset all year (no summer time)
        offset = LOCAL.utcoffset(datetime(2024, 1, 1)) or timedelta(0)
        shift = f"+{int(offset.total_seconds() // 3600)} hours"
        month = func.strftime("%Y-%m", WorkItem.completed_at, shift)
        days = func.julianday(WorkItem.completed_at) - func.julianday(WorkItem.created_at)
        took = days * 24.0
    keys = (WorkItem.unit_id, WorkItem.process_key, WorkItem.element_id, WorkItem.name, month)
    return (
        select(*keys, func.count(), func.sum(took))
        .where(
            COMPLETED_ITEM,
            WorkItem.completed_at >= span.start_utc,
            WorkItem.completed_at < span.end_utc,
        )
        .group_by(*keys)
    )


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
