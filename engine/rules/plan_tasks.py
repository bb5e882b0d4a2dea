"""The year's plan as data: its section II tasks (imported from data/plan/*.yaml) and the
progress each responsible unit reports on them during the year.

The shared interface other parts code against (the consolidated report lists the tasks
with their status; a unit's P6 report carries its progress):

- `plan_tasks(session, year)`: the tasks, in the plan's order;
- `latest_progress(session, year, unit_ids=None)`: the newest report per (code, unit id);
  (`tasks_query`/`task_views` and `progress_query`/`newest_progress`: the same two reads
  as parts of a larger statement, engine/queries/bag.py);
- `record_progress(session, *, year, code, unit_id, status, note, user_id, instance_id)`:
  one more report (append-only), in the audit log as a `plan_progress` event;
- `responsible_units(tree, task, year)`: the unit ids that report on a task.

Who may report for which unit is the caller's check (engine/facade/plan.py).
"""

from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from engine.access.org import OrgTree
from engine.audit import chain
from engine.context import utcnow
from engine.enums import AuditCommand
from engine.errors import N_, InvalidInput, Message, NotFound
from engine.results.plan import PlanProgressView, PlanStatus, PlanTaskView
from engine.store.models import OrgUnit, PlanTask, PlanTaskProgress, User
from engine.store.models.plan import EVERY_REPORTING_UNIT, PLAN_STATUSES

MAX_NOTE = 2000
STATUS_LABELS: dict[str, str] = {
    "chua_bat_dau": N_("Chưa bắt đầu"),
    "dang_thuc_hien": N_("Đang thực hiện"),
    "hoan_thanh": N_("Hoàn thành"),
}


def plan_tasks(session: Session, year: int) -> list[PlanTaskView]:
    """The year's plan tasks in the plan's order (II.1 … II.7); [] when none imported."""
    return task_views(session.execute(tasks_query(year)))


def tasks_query(year: int) -> Select[Any]:
    """The year's tasks as columns (`task_views` orders them): a part of a larger read
    (engine/queries/bag.py) as well as a query of its own."""
    return select(
        PlanTask.year, PlanTask.code, PlanTask.title, PlanTask.lead_units, PlanTask.partner_units,
        PlanTask.timing, PlanTask.due_date, PlanTask.source,
    ).where(PlanTask.year == int(year))  # fmt: skip


def task_views(rows: Iterable[Any]) -> list[PlanTaskView]:
    """Rows of `tasks_query` (or PlanTask objects) as views, in the plan's order."""
    return [_task_view(t) for t in sorted(rows, key=lambda t: _code_order(t.code))]


def _code_order(code: str) -> tuple[str, int]:
    head, _, tail = code.rpartition(".")
    return (head, int(tail)) if tail.isdigit() else (code, 0)


def _task_view(task: Any) -> PlanTaskView:  # a PlanTask or a row of its columns
    return {
        "year": task.year,
        "code": task.code,
        "title": task.title,
        "lead_units": list(task.lead_units or []),
        "partner_units": list(task.partner_units or []),
        "timing": task.timing,
        "due_date": task.due_date.isoformat() if task.due_date else None,
        "source": task.source,
    }


def responsible_units(tree: OrgTree, task: PlanTaskView, year: int) -> list[int]:
    """The units that report on the task in the year: those it names (and the units that
    succeeded them during the year), every reporting unit in force some day of the year
    for "*"; in the org tree's order."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    found: set[int] = set()
    for code in [*task["lead_units"], *task["partner_units"]]:
        if code == EVERY_REPORTING_UNIT:
            found |= {u.id for u in tree.by_id.values() if u.reports and _overlaps(u, first, last)}
        elif code in tree.by_code:
            found |= _with_successors(tree, tree.by_code[code].id, first, last)
    return sorted(found)


def _overlaps(unit: Any, first: date, last: date) -> bool:
    return bool(unit.valid_from <= last and (unit.valid_to is None or unit.valid_to >= first))


def _with_successors(tree: OrgTree, unit_id: int, first: date, last: date) -> set[int]:
    found: set[int] = set()
    current: int | None = unit_id
    while current is not None and current not in found:
        unit = tree.by_id[current]
        if not _overlaps(unit, first, last):
            break
        found.add(current)
        current = unit.successor_id
    return found


def latest_progress(
    session: Session, year: int, unit_ids: list[int] | set[int] | None = None
) -> dict[tuple[str, int], PlanProgressView]:
    """The newest report per (task code, unit id) of the year's tasks (of these units)."""
    return newest_progress(session.execute(progress_query(year, unit_ids)))


def progress_query(year: int, unit_ids: list[int] | set[int] | None = None) -> Select[Any]:
    """Every report on the year's tasks (of these units) as columns, with the task's code,
    the unit's and the reporter's username (`newest_progress` keeps the newest)."""
    query = (
        select(
            PlanTaskProgress.id, PlanTaskProgress.unit_id, PlanTaskProgress.status,
            PlanTaskProgress.note, PlanTaskProgress.reported_at, PlanTaskProgress.instance_id,
            PlanTask.code.label("code"), User.username, OrgUnit.code.label("unit_code"),
        )
        .join(PlanTask, PlanTask.id == PlanTaskProgress.plan_task_id)
        .outerjoin(User, User.id == PlanTaskProgress.reported_by)
        .outerjoin(OrgUnit, OrgUnit.id == PlanTaskProgress.unit_id)
        .where(PlanTask.year == int(year))
    )  # fmt: skip
    if unit_ids is not None:
        query = query.where(PlanTaskProgress.unit_id.in_(sorted(unit_ids)))
    return query


def newest_progress(rows: Iterable[Any]) -> dict[tuple[str, int], PlanProgressView]:
    """The newest (highest id) of the rows of `progress_query` per (task code, unit id)."""
    found: dict[tuple[str, int], PlanProgressView] = {}
    for row in sorted(rows, key=lambda r: r.id):
        found[(row.code, row.unit_id)] = _progress_view(
            row, row.code, row.unit_code or "", row.username
        )
    return found


def _progress_view(
    row: Any,  # a PlanTaskProgress or a row of `progress_query`
    code: str,
    unit_code: str,
    username: str | None,
) -> PlanProgressView:
    status: PlanStatus = row.status  # one of PLAN_STATUSES: checked when written
    return {
        "code": code,
        "unit": unit_code,
        "unit_id": row.unit_id,
        "status": status,
        "note": row.note,
        "reported_at": row.reported_at.isoformat(),
        "reported_by": username,
        "instance_id": row.instance_id,
    }


def record_progress(
    session: Session,
    *,
    year: int,
    code: str,
    unit_id: int,
    status: str,
    note: str,
    user_id: int | None,
    instance_id: int | None = None,
    now: datetime | None = None,
    tree: OrgTree | None = None,
) -> PlanProgressView:
    """One more progress report of a unit on a task (the newest counts), audited as a
    `plan_progress` administrative event. Refused (InvalidInput) for an unknown status,
    a note over MAX_NOTE characters or a unit the task does not concern; NotFound for a
    task the year's plan does not have."""
    now = now or utcnow()
    task = session.scalar(select(PlanTask).where(PlanTask.year == int(year), PlanTask.code == code))
    if task is None:
        raise NotFound(
            N_("Kế hoạch năm {year} không có nhiệm vụ {code}."),
            params={"year": year, "code": code},
        )
    _check(status, note)
    tree = tree or OrgTree.load(session)
    if unit_id not in tree.with_predecessors(set(responsible_units(tree, _task_view(task), year))):
        unit = tree.by_id.get(unit_id)
        raise InvalidInput(
            N_("Nhiệm vụ {code} không giao cho {unit}."),
            {"unit": [N_("Đơn vị không thực hiện nhiệm vụ này.")]},
            params={"code": code, "unit": unit.name if unit else str(unit_id)},
        )
    row = PlanTaskProgress(
        plan_task_id=task.id,
        unit_id=unit_id,
        status=status,
        note=(note or "").strip(),
        reported_at=now,
        reported_by=user_id,
        instance_id=instance_id,
    )
    session.add(row)
    session.flush()
    user = session.get(User, user_id) if user_id is not None else None
    username = user.username if user else None
    view = _progress_view(row, code, tree.by_id[unit_id].code, username)
    payload = {"year": int(year), "code": code, "unit": view["unit"], "status": status}
    payload |= {"note": row.note, "instance_id": instance_id}
    chain.append_admin(
        session, now, username or "system", AuditCommand.PLAN_PROGRESS, payload, {"id": row.id}
    )
    return view


def _check(status: str, note: str | None) -> None:
    errors: dict[str, list[str | Message]] = {}
    if status not in PLAN_STATUSES:
        choices = {"choices": ", ".join(PLAN_STATUSES)}
        errors["status"] = [Message(N_("Trạng thái: một trong {choices}."), choices)]
    if len(note or "") > MAX_NOTE:
        errors["note"] = [Message(N_("Tối đa {n} ký tự."), {"n": MAX_NOTE})]
    if errors:
        raise InvalidInput(N_("Báo cáo tiến độ chưa hợp lệ."), errors)


def read_plan_file(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def import_plan(session: Session, data: dict[str, Any], actor: str, now: datetime) -> int:
    """Add or update the plan's tasks (by year and code; never deletes), audited as one
    `plan_import` event when anything changed. Returns how many tasks changed."""
    plan, tasks = data.get("plan") or {}, data.get("tasks") or []
    year = int(plan["year"])
    known = set(session.scalars(select(PlanTask.code).where(PlanTask.year == year)))
    changed: list[str] = []
    for item in tasks:
        values = _task_values(session, year, item)
        row = session.scalar(
            select(PlanTask).where(PlanTask.year == year, PlanTask.code == values["code"])
        )
        if row is None:
            session.add(PlanTask(year=year, **values))
            changed.append(values["code"])
        elif any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            changed.append(values["code"])
    if changed:
        session.flush()
        payload = {"year": year, "tasks": changed, "added": sorted(set(changed) - known)}
        chain.append_admin(session, now, actor, AuditCommand.PLAN_IMPORT, payload, {})
    return len(changed)


def _task_values(session: Session, year: int, item: dict[str, Any]) -> dict[str, Any]:
    codes = set(session.scalars(select(OrgUnit.code))) | {EVERY_REPORTING_UNIT}
    units = [*item.get("lead", []), *item.get("partners", [])]
    unknown = [c for c in units if c not in codes]
    if unknown:
        raise InvalidInput(
            N_("Kế hoạch năm {year}: không có đơn vị {codes}."),
            params={"year": year, "codes": ", ".join(unknown)},
        )
    due = item.get("due")
    return {
        "code": str(item["code"]),
        "title": str(item["title"]),
        "lead_units": list(item.get("lead", [])),
        "partner_units": list(item.get("partners", [])),
        "timing": str(item.get("timing", "")),
        "due_date": due if isinstance(due, date) else None,
        "source": str(item.get("source", "")),
    }
