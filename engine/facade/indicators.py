"""`pf.indicators`: the dashboard of the plan's indicators and the plan tracked — the
figures per unit and month for a year or quarter, each unit's progress on the plan's
tasks, and a unit marking its progress."""

from datetime import date, datetime

from sqlalchemy.orm import Session

from engine.access.org import (
    AUDITOR_ROLE,
    Actor,
    OrgTree,
    get_user,
    is_read_only,
    local_date,
)
from engine.context import utcnow
from engine.errors import N_, NotFound, PermissionDenied
from engine.facade.core import Core
from engine.queries import indicators
from engine.queries.plan_progress import plan_progress
from engine.results.indicators import (
    IndicatorReport,
    PlanTaskProgressView,
    PlanView,
    UnitRef,
)
from engine.results.plan import PlanProgressView
from engine.rules import plan_tasks


class IndicatorsFacade:
    def __init__(self, core: Core) -> None:
        self.core = core

    def report(
        self,
        username: str | None,
        year: int,
        quarter: int | None = None,
        unit: str | None = None,
        now: datetime | None = None,
    ) -> IndicatorReport:
        """The period's indicators as the user may see them: the whole administration for
        leaders, their own units for others (PermissionDenied for another unit)."""
        now = now or utcnow()

        def read(s: Session) -> IndicatorReport:
            tree = self.core.runtime.org_tree(s)
            # The roles held on the report's day: after 1/7/2025 a leader of the new
            # commune reads what its predecessors (the district's units) recorded.
            actor = get_user(s, username, local_date(now)) if username else None
            return indicators.report(s, tree, actor, year, quarter, unit, now)

        return self.core.run(read)

    def may_see(self, username: str | None) -> bool:
        """Whether the navigation offers the dashboard to the user."""
        return self.core.run(
            lambda s: indicators.may_see_dashboard(
                self.core.runtime.org_tree(s), self.core.actor(s, username)
            )
        )

    def plan(self, username: str | None, year: int) -> PlanView:
        """The year's plan tasks with the progress of the units the user may see, and the
        units the user may report for: {"tasks": [...], "my_units": [{"unit", "name"}]}."""

        def read(s: Session) -> PlanView:
            tree = self.core.runtime.org_tree(s)
            actor = self.core.actor(s, username)
            allowed = indicators.visible_units(tree, actor)
            if allowed is not None and not allowed:
                raise PermissionDenied(N_("Bạn không giữ vai trò ở đơn vị nào."))
            shown = set(tree.by_id) if allowed is None else allowed
            on = _plan_day(year, utcnow())
            tasks: list[PlanTaskProgressView] = plan_progress(s, tree, year, on, shown)
            mine = [tree.by_id[u] for u in sorted(_reporting_units(tree, actor))]
            units: list[UnitRef] = [{"unit": u.code, "name": u.name} for u in mine]
            return {"year": year, "tasks": tasks, "my_units": units}

        return self.core.run(read)

    def record_progress(
        self,
        username: str,
        year: int,
        code: str,
        unit: str,
        status: str,
        note: str = "",
        now: datetime | None = None,
    ) -> PlanProgressView:
        """A unit's progress on a task, by one who holds a role in that unit (audited)."""
        now = now or utcnow()

        def write(s: Session) -> PlanProgressView:
            tree = self.core.runtime.org_tree(s)
            actor = self.core.actor(s, username)
            found = tree.by_code.get(unit)
            if found is None:
                raise NotFound(N_("Không có đơn vị mã '{code}'."), params={"code": unit})
            if actor is None or found.id not in _reporting_units(tree, actor):
                raise PermissionDenied(
                    N_("Bạn không báo cáo tiến độ thay cho {unit}."), params={"unit": found.name}
                )
            return plan_tasks.record_progress(
                s, year=year, code=code, unit_id=found.id, status=status, note=note,
                user_id=actor.id, now=now, tree=tree,
            )  # fmt: skip

        return self.core.run(write)


def _reporting_units(tree: OrgTree, actor: Actor | None) -> set[int]:
    """The units a user reports progress for: where they hold a role (an auditor's
    reading role does not count); administrators, every unit."""
    if actor is None:
        return set()
    if actor.is_admin:
        return set(tree.by_id)
    if is_read_only(actor):
        return set()
    return {h.unit_id for h in actor.roles if h.role_key != AUDITOR_ROLE}


def _plan_day(year: int, now: datetime) -> date:
    """The day the plan's units are read on: today within the year, else its first/last."""
    return max(date(year, 1, 1), min(date(year, 12, 31), local_date(now)))
