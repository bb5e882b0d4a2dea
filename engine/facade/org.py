"""`pf.org`: the reference data people pick from — org units, roles, the working-day
calendar (read through the runtime's short cache, like the commands read them)."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import queries
from engine.facade.core import Core
from engine.queries import roles as role_queries
from engine.results import CalendarDayView, OrgUnitView, RoleView
from engine.store.models import CalendarDay


class OrgFacade:
    def __init__(self, core: Core) -> None:
        self.core = core

    def units(self, on: date | None = None) -> list[OrgUnitView]:
        """The org units (in force on `on`, if given), for pickers and filters."""
        return self.core.run(lambda s: queries.org_units(self.core.runtime.org_tree(s), on))

    def roles(self) -> list[RoleView]:
        """Every role of the org model: [{"key", "name", "name_en"}], by key."""
        return self.core.run(role_queries.roles)

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
