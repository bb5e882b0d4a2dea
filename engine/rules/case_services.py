"""Service operations about cases: start another process, keep a case's figures.

`start_process(key, data)` starts the newest version of another process from a running
instance (engine/commands/spawn.py); `record_case(kind, figures)` keeps the figures a
closed case contributes to the annual report as a CaseRecord. Both run inside the
command's transaction and, like every service, their results are recorded in the audit
event: a replay is answered from the log and neither starts a case nor writes a record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.errors import N_, ProcessFailed
from engine.rules.calendar import LOCAL
from engine.store.models import CaseRecord

if TYPE_CHECKING:
    from engine.rules.services import HostServices

MAX_FIGURES = 100
KIND_LENGTH = 40


def start_process(ctx: HostServices, key: str, data: dict[str, Any]) -> dict[str, Any]:
    """Start a case of process `key` with `data` (its start form's fields only), by the
    user whose step called this, for the instance's unit; the new case's data names the
    caller under `started_from`. Result: {"instance_id", "process_key", "version", "title",
    "started_at", "unit"}."""
    from engine.commands.spawn import start_linked  # commands build on rules, not back

    if ctx.rt is None:
        raise ProcessFailed(N_("start_process: lệnh này không có môi trường chạy."))
    return start_linked(ctx.session, ctx.rt, ctx.instance, ctx.actor, ctx.now, key, data)


def record_case(ctx: HostServices, kind: str, figures: dict[str, Any]) -> dict[str, Any]:
    """Keep the case's figures (indicator key -> whole number, the keys of the annual
    report's unit form) for the instance's unit and the local year of now."""
    if not isinstance(kind, str) or not kind.strip() or len(kind) > KIND_LENGTH:
        raise ProcessFailed(
            N_("record_case: loại vụ việc phải là một chuỗi ngắn, không phải {value}."),
            params={"value": repr(kind)},
        )
    if not isinstance(figures, dict) or not figures or len(figures) > MAX_FIGURES:
        raise ProcessFailed(N_("record_case: số liệu phải là một đối tượng chỉ tiêu → số."))
    for name, value in figures.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ProcessFailed(
                N_("record_case: chỉ tiêu '{name}' phải là số nguyên ≥ 0, không phải {value}."),
                params={"name": name, "value": repr(value)},
            )
    year = ctx.now.astimezone(LOCAL).year
    record = CaseRecord(
        instance_id=ctx.instance.id,
        process_key=ctx.instance.process_key,
        kind=kind,
        unit_id=ctx.instance.unit_id,
        year=year,
        figures=dict(sorted(figures.items())),
        recorded_at=ctx.now,
    )
    ctx.session.add(record)
    ctx.session.flush()
    return {"record": record.id, "kind": kind, "year": year}
