"""Working days (Bộ luật Lao động 2019 Điều 112; Bộ luật Dân sự 2015 Điều 147-148).

Weekends are off, holidays and their substitute days off come from the `calendar_days`
table, which also holds the make-up working Saturdays. The day of the trigger is not
counted; a deadline ends at the end of its working day, local time.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.store.models import CalendarDay

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class WorkCalendar:
    exceptions: dict[date, bool]  # day -> is_working, where it differs from the weekday rule

    @classmethod
    def load(cls, session: Session) -> "WorkCalendar":
        rows = session.execute(select(CalendarDay.day, CalendarDay.is_working)).all()
        return cls({day: working for day, working in rows})

    def is_working_day(self, day: date) -> bool:
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
