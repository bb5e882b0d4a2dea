"""`pf.org`: the reference data people pick from — org units, roles, the working-day
calendar (read through the runtime's short cache, like the commands read them) — and the
org timeline's upkeep: importing the administrator's org file, handing open work over to
successors when units end."""

import secrets
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import queries
from engine.access.org import get_user, local_date
from engine.access.org_import import import_org, read_org_file
from engine.commands import org_transition
from engine.context import utcnow
from engine.errors import N_, PermissionDenied
from engine.facade.core import Core
from engine.queries import roles as role_queries
from engine.results import CalendarDayView, OrgImportResult, OrgUnitView, RoleView, TransitionPlan
from engine.store.models import CalendarDay

SYSTEM = "system"  # the operator at the shell, or the scheduler


class OrgFacade:
    def __init__(self, core: Core) -> None:
        self.core = core

    def units(self, on: date | None = None, kind: str | None = None) -> list[OrgUnitView]:
        """The org units (in force on `on`, of `kind`, if given), for pickers, filters and
        API clients; each with its dates and the successor that took its place."""
        return self.core.run(lambda s: queries.org_units(self.core.runtime.org_tree(s), on, kind))

    def roles(self) -> list[RoleView]:
        """Every role of the org model: [{"key", "name", "name_en"}], by key."""
        return self.core.run(lambda s: role_queries.roles(s, self.core.runtime))

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (`start` not counted); OverflowError
        past the year 9999."""
        calendar = self.core.run(self.core.runtime.calendar)
        return calendar.add_working_days(start, days)

    def calendar_days(self, year: int) -> list[CalendarDayView]:
        """The year's holidays, days off and make-up working days, by date."""
        query = (
            select(CalendarDay)
            .where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))
            .order_by(CalendarDay.day)
        )

        def go(s: Session) -> list[CalendarDayView]:
            return [
                {"date": d.day, "is_working": d.is_working, "name": d.name}
                for d in s.scalars(query)
            ]

        return self.core.run(go)

    # -- the org timeline's upkeep ------------------------------------------------------

    def today(self, now: datetime | None = None) -> date:
        """The local date (Asia/Ho_Chi_Minh) of `now` (default: the engine's clock)."""
        return local_date(now or utcnow())

    def transition(
        self,
        on: date,
        dry_run: bool,
        actor: str = SYSTEM,
        now: datetime | None = None,
        progress: Callable[[TransitionPlan], None] | None = None,
    ) -> list[TransitionPlan]:
        """Hand the open work of units not in force on `on` to their successors.

        The plan is read in one transaction; each instance then moves in its own (one
        audited `org_transition` event each), so one instance that fails or races a
        completion does not hold back the others, and a run stopped half-way is finished
        by the next (an instance already moved has nothing left to move). A dry run only
        lists what would move. `progress` is called after each instance (the CLI's bar).
        """
        now = now or utcnow()
        planned = self.core.run(lambda s: org_transition.plan(s, self.core.runtime.org_tree(s), on))
        if dry_run:
            return planned
        done: list[TransitionPlan] = []
        for entry in planned:
            instance_id = entry["instance_id"]
            moved = self.core.run(
                lambda s, i=instance_id: org_transition.transition(  # type: ignore[misc]
                    s, self.core.runtime, i, on, now, actor
                )
            )
            if moved is not None:
                done.append(moved)
            if progress is not None:
                progress(moved or entry)
        return done

    def import_file(
        self,
        path: str | Path,
        actor: str = SYSTEM,
        dry_run: bool = False,
        now: datetime | None = None,
    ) -> OrgImportResult:
        """Import the org file (engine.access.org_import): checked whole first, then added
        and updated in one transaction, audited as `org_import`; a dry run writes nothing.

        People the file adds get one password, random for this import and shown only in
        the result (their stored hash is all the database keeps): the administrator hands
        it over and each changes it at first sign-in.
        """
        data = read_org_file(path)  # InvalidInput naming every problem, before any write
        password = secrets.token_urlsafe(12)

        def go(s: Session) -> OrgImportResult:
            if actor != SYSTEM and not get_user(s, actor).is_admin:
                raise PermissionDenied(N_("Chỉ quản trị viên được nhập tệp tổ chức."))
            report = import_org(s, data, actor, now or utcnow(), password, dry_run)
            added = any(line.startswith("+ user ") for line in report.changes)
            return {
                "file": str(path),
                "dry_run": dry_run,
                "changes": report.changes,
                "counts": report.counts,
                "one_time_password": password if added and not dry_run else None,
            }

        result = self.core.run(go)
        if not dry_run:
            self.core.runtime.forget_reference_data()  # new units reach commands at once
        return result
