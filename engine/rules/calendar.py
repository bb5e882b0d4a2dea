"""Working days (Bộ luật Lao động 2019 Điều 112; Bộ luật Dân sự 2015 Điều 147-148).

Weekends are off, holidays and their substitute days off come from the `calendar_days`
table, which also holds the make-up working Saturdays. The day of the trigger is not
counted; a deadline ends at the end of its working day, local time.

The `calendar_years` table says which years the days cover: a confirmed year is checked
against the government's notices, a provisional one holds only the law's fixed holidays
(its day swaps are not announced yet): a deadline there is computed and flagged. A year
with no row has no data at all: no deadline is computed in it (CalendarMissing), rather
than silently taking Monday to Friday.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import CalendarMissing
from engine.store.models import CalendarDay, CalendarYear

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class WorkCalendar:
    exceptions: dict[date, bool]  # day -> is_working, where it differs from the weekday rule
    years: dict[int, bool]  # year -> confirmed; a year missing here has no data at all

    @classmethod
    def load(cls, session: Session) -> "WorkCalendar":
        rows = session.execute(select(CalendarDay.day, CalendarDay.is_working)).all()
        years = session.execute(select(CalendarYear.year, CalendarYear.confirmed)).all()
        return cls({day: working for day, working in rows}, {y: c for y, c in years})

    def require_year(self, year: int) -> None:
        """CalendarMissing when the table holds nothing for the year."""
        if year not in self.years:
            raise CalendarMissing(year)

    def is_provisional(self, day: date) -> bool:
        """The day falls in a year whose calendar is provisional (not confirmed yet)."""
        return self.years.get(day.year) is False

    def is_working_day(self, day: date) -> bool:
        self.require_year(day.year)
        return self.exceptions.get(day, day.weekday() < 5)

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (start itself not counted)."""
        if days < 0:
            raise ValueError("working days must not be negative")
        day, counted = start, 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        self.require_year(day.year)
        return day

    def next_working_day(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def deadline_after(self, moment: datetime, days: int) -> datetime:
        """End of the `days`-th working day after the moment, as an aware UTC datetime."""
        local_day = moment.astimezone(LOCAL).date()
        end = datetime.combine(self.add_working_days(local_day, days), END_OF_DAY, LOCAL)
        return end.astimezone(ZoneInfo("UTC"))
